"""Exposure-rate QC: baseline history per unit and mode, notes on missed check periods, retirement
reason for units, and how a physicist's recommendations were closed.

Only additions: two new tables and two new NOT NULL text columns with an empty server default, so
every existing row keeps its values (SQLite adds such columns in place, no table rebuild).

Revision ID: 0006_exposure
Revises: 0005_safety
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_exposure"
down_revision = "0005_safety"
branch_labels = None
depends_on = None


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "unit_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=40), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("rate_unit", sa.String(length=40), nullable=False),
        sa.Column("kvp", sa.Float(), nullable=True),
        sa.Column("ma", sa.Float(), nullable=True),
        sa.Column("tolerance_pct", sa.Float(), nullable=True),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["fluoro_units.id"],
            name=op.f("fk_unit_baselines_unit_id_fluoro_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_baselines")),
    )
    op.create_index("ix_unit_baselines_unit_date", "unit_baselines", ["unit_id", "effective_on"])
    op.create_table(
        "exposure_period_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unit_not_used", sa.Boolean(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["fluoro_units.id"],
            name=op.f("fk_exposure_period_notes_unit_id_fluoro_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_period_notes")),
        sa.UniqueConstraint("unit_id", "period_start", name=op.f("uq_exposure_period_notes_unit_id")),
    )
    with op.batch_alter_table("fluoro_units") as batch_op:
        batch_op.add_column(sa.Column("retired_reason", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("physicist_surveys") as batch_op:
        batch_op.add_column(
            sa.Column("recommendations_closure", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("physicist_surveys") as batch_op:
        batch_op.drop_column("recommendations_closure")
    with op.batch_alter_table("fluoro_units") as batch_op:
        batch_op.drop_column("retired_reason")
    op.drop_table("exposure_period_notes")
    op.drop_index("ix_unit_baselines_unit_date", table_name="unit_baselines")
    op.drop_table("unit_baselines")
