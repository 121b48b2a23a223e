"""Contracts and agencies: agency contacts, renewal term length, termination reason.

* ``agency_contacts``: the other people at a staffing agency (scheduling, billing...), besides the
  main contact kept on the agency itself.
* ``contracts.renewal_term_months``: how long each automatic renewal runs (blank: as long as the
  first term).
* ``contracts.termination_reason``: why a contract was ended early or notice was given.

Revision ID: 0003_contracts
Revises: 0002_reference_data
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_contracts"
down_revision = "0002_reference_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("phone", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("email", sa.String(length=160), nullable=False, server_default=""),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_contacts_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_contacts")),
    )
    with op.batch_alter_table("agency_contacts") as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_contacts_agency_id"), ["agency_id"], unique=False)

    with op.batch_alter_table("contracts") as batch_op:
        batch_op.add_column(sa.Column("renewal_term_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("termination_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch_op:
        batch_op.drop_column("termination_reason")
        batch_op.drop_column("renewal_term_months")
    with op.batch_alter_table("agency_contacts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_contacts_agency_id"))
    op.drop_table("agency_contacts")
