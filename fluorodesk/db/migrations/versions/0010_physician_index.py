"""Index on procedure_records.physician (issue 12: the Dose Log's list of physicians).

The entry row offers every physician on file: a DISTINCT over ten years of cases (60,000 at the
benchmark's scale) took ≈ 16 ms on each Dose Log load without it, ≈ 3 ms with it.

Revision ID: 0010_physician_index
Revises: 0009_data_generation
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0010_physician_index"
down_revision = "0009_data_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_records_physician"), ["physician"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_records_physician"))
