"""Procedure dose log and staff dosimetry (issue 7).

* fluoro_units: which dose quantities a unit displays (``shows_air_kerma``, ``shows_kap``; both default
  true, so existing units keep asking for a dose).
* procedure_records: the follow-up of a case above a trigger level (who, patient informed, skin check)
  and ``amends_id`` for a corrected case (the wrong one is voided, never deleted).
* dosimeter_badges: the wear period's last day and notes.
* dosimetry_readings: "M" per cell, and voiding.
* new tables: dose_investigations, declared_pregnancies, dosimetry_reviews.

Revision ID: 0008_dose
Revises: 0007_garments
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_dose"
down_revision = "0007_garments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dosimetry_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=False),
        sa.Column("reviewer_role", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dosimetry_reviews")),
        sa.UniqueConstraint("year", "quarter", name=op.f("uq_dosimetry_reviews_year")),
    )
    op.create_table(
        "declared_pregnancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("estimated_due_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_declared_pregnancies_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_pregnancies")),
    )
    with op.batch_alter_table("declared_pregnancies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declared_pregnancies_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "dose_investigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("dose_msv", sa.Float(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("investigator", sa.String(length=120), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_dose_investigations_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_investigations")),
    )
    with op.batch_alter_table("dose_investigations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dose_investigations_technician_id"), ["technician_id"], unique=False
        )

    with op.batch_alter_table("dosimeter_badges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("dosimetry_readings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deep_minimal", sa.Boolean(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("lens_minimal", sa.Boolean(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("shallow_minimal", sa.Boolean(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("fluoro_units", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shows_air_kerma", sa.Boolean(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(sa.Column("shows_kap", sa.Boolean(), server_default=sa.text("1"), nullable=False))

    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follow_up_by", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("patient_informed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("skin_check_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("amends_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_procedure_records_amends_id_procedure_records"),
            "procedure_records",
            ["amends_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_procedure_records_amends_id_procedure_records"), type_="foreignkey"
        )
        batch_op.drop_column("amends_id")
        batch_op.drop_column("skin_check_on")
        batch_op.drop_column("patient_informed_on")
        batch_op.drop_column("follow_up_by")

    with op.batch_alter_table("fluoro_units", schema=None) as batch_op:
        batch_op.drop_column("shows_kap")
        batch_op.drop_column("shows_air_kerma")

    with op.batch_alter_table("dosimetry_readings", schema=None) as batch_op:
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
        batch_op.drop_column("shallow_minimal")
        batch_op.drop_column("lens_minimal")
        batch_op.drop_column("deep_minimal")

    with op.batch_alter_table("dosimeter_badges", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("period_end")

    with op.batch_alter_table("dose_investigations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dose_investigations_technician_id"))

    op.drop_table("dose_investigations")
    with op.batch_alter_table("declared_pregnancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declared_pregnancies_technician_id"))

    op.drop_table("declared_pregnancies")
    op.drop_table("dosimetry_reviews")
