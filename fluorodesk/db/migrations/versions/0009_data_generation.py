"""Data generation counters (issue 12: results reused until the records they come from change).

* new table data_generation: one counter per table (name, n).  The rows and the triggers on every
  other table are created by ``fluorodesk.db.migrate`` after each upgrade
  (``db.generation.ensure_triggers``), so a table added or rebuilt by a later migration gets them too.

History: 0012_drop_data_generation drops the table and every trigger; this build no longer adds them.

Revision ID: 0009_data_generation
Revises: 0008_dose
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_data_generation"
down_revision = "0008_dose"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_generation")),
    )


def downgrade() -> None:
    bind = op.get_bind()
    triggers = bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data_generation_%'"
    ).all()
    for (name,) in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("data_generation")
