"""Technicians' files: verification reference and voiding for credentials and CE activities,
"not applicable" marks that can be withdrawn and dated (so past packets reproduce).

Revision ID: 0004_technicians
Revises: 0003_contracts
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_technicians"
down_revision = "0003_contracts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ce_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=False, server_default=""))

    # A withdrawn "not applicable" mark stays as a row with ended_on set, so the same technician and
    # type can have several rows over time: the unique constraint goes, an index on the owner comes.
    # Existing marks get starts_on NULL ("since before this was recorded").
    with op.batch_alter_table("credential_exemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_credential_exemptions_technician_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_credential_exemptions_technician_id"), ["technician_id"], unique=False
        )

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verification_reference", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("verification_reference")

    # The old schema allows one mark per technician and type: withdrawn marks cannot go back.
    op.execute("DELETE FROM credential_exemptions WHERE ended_on IS NOT NULL")
    with op.batch_alter_table("credential_exemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_exemptions_technician_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_credential_exemptions_technician_id"), ["technician_id", "type"]
        )
        batch_op.drop_column("ended_on")
        batch_op.drop_column("starts_on")

    with op.batch_alter_table("ce_activities", schema=None) as batch_op:
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("notes")
