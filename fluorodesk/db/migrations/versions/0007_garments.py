"""Garments: a status history per garment, and the imaging equipment used for an inspection.

``garment_status_changes`` keeps every status change (quarantined, lost, found, removed, disposed)
so findings can say where a garment stood on a past date and whether a found garment was
re-inspected.  Existing garments whose status is not "in service" get one change row, dated when
their status last changed, so their history starts complete.

Revision ID: 0007_garments
Revises: 0006_exposure
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_garments"
down_revision = "0006_exposure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "garment_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("garment_id", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=False),
        sa.Column("to_status", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["garment_id"],
            ["garments.id"],
            name=op.f("fk_garment_status_changes_garment_id_garments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["garment_inspections.id"],
            name=op.f("fk_garment_status_changes_inspection_id_garment_inspections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garment_status_changes")),
    )
    with op.batch_alter_table("garment_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_garment_status_changes_garment_id"), ["garment_id"], unique=False
        )

    with op.batch_alter_table("garment_inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("equipment", sa.String(length=120), nullable=False, server_default=""))

    # History starts complete: a garment already out of service gets the change that put it there.
    op.execute(
        """
        INSERT INTO garment_status_changes
            (garment_id, changed_on, from_status, to_status, reason, created_at, created_by,
             updated_at, updated_by)
        SELECT id, COALESCE(status_changed_on, received_on, DATE(created_at)), 'in_service', status,
               'Status on file before status history was kept', CURRENT_TIMESTAMP, 'migration',
               CURRENT_TIMESTAMP, 'migration'
        FROM garments
        WHERE status <> 'in_service'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("garment_inspections", schema=None) as batch_op:
        batch_op.drop_column("equipment")
    with op.batch_alter_table("garment_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_garment_status_changes_garment_id"))
    op.drop_table("garment_status_changes")
