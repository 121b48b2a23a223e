"""Core schema: the whole clinic (people, contracts, garments, units, QC, dose, audit).

Revision ID: 0001_core_schema
Revises:
Create Date: 2026-11-26 10:54:23.921719
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core_schema"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=160), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_path", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("stored_path", name=op.f("uq_attachments_stored_path")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_owner", ["owner_type", "owner_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "clause_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("applies_to", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_definitions")),
        sa.UniqueConstraint("key", name=op.f("uq_clause_definitions_key")),
    )
    op.create_table(
        "fluoro_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("manufacturer", sa.String(length=120), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("room", sa.String(length=80), nullable=False),
        sa.Column("registration_number", sa.String(length=80), nullable=False),
        sa.Column("registration_expires_on", sa.Date(), nullable=True),
        sa.Column("manufactured_on", sa.Date(), nullable=True),
        sa.Column("has_aerc", sa.Boolean(), nullable=False),
        sa.Column("has_hlc", sa.Boolean(), nullable=False),
        sa.Column("baseline_rate", sa.Float(), nullable=True),
        sa.Column("baseline_unit", sa.String(length=40), nullable=True),
        sa.Column("baseline_kvp", sa.Float(), nullable=True),
        sa.Column("baseline_ma", sa.Float(), nullable=True),
        sa.Column("in_service_on", sa.Date(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fluoro_units")),
        sa.UniqueConstraint("code", name=op.f("uq_fluoro_units_code")),
    )
    op.create_table(
        "meters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("manufacturer", sa.String(length=120), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("name", name=op.f("uq_meters_name")),
    )
    op.create_table(
        "procedure_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cpt_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_types")),
        sa.UniqueConstraint("cpt_code", name=op.f("uq_procedure_types_cpt_code")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "meter_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("calibrated_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("laboratory", sa.String(length=160), nullable=False),
        sa.Column("certificate_number", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.id"],
            name=op.f("fk_meter_calibrations_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_calibrations")),
    )
    with op.batch_alter_table("meter_calibrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_calibrations_meter_id"), ["meter_id"], unique=False)

    op.create_table(
        "physicist_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("surveyed_on", sa.Date(), nullable=False),
        sa.Column("physicist", sa.String(length=120), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("recommendations_closed_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["fluoro_units.id"],
            name=op.f("fk_physicist_surveys_unit_id_fluoro_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_physicist_surveys")),
    )
    with op.batch_alter_table("physicist_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_physicist_surveys_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "technicians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=160), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("employment_type", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("arrt_id", sa.String(length=20), nullable=True),
        sa.Column("birth_month", sa.Integer(), nullable=True),
        sa.Column("ce_biennium_start", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("retired_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_technicians_agency_id_agencies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technicians")),
        sa.UniqueConstraint("arrt_id", name=op.f("uq_technicians_arrt_id")),
    )
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technicians_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_technicians_last_name"), ["last_name"], unique=False)

    op.create_table(
        "ce_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=160), nullable=False),
        sa.Column("credits", sa.Float(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("fluoro_safety", sa.Boolean(), nullable=False),
        sa.Column("digital_radiography", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_ce_activities_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ce_activities")),
    )
    with op.batch_alter_table("ce_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ce_activities_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_type", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("renewal_type", sa.String(length=40), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("clinic_signatory", sa.String(length=120), nullable=False),
        sa.Column("party_signatory", sa.String(length=120), nullable=False),
        sa.Column("rate_amount", sa.Float(), nullable=True),
        sa.Column("rate_basis", sa.String(length=40), nullable=True),
        sa.Column("cancellation_terms", sa.Text(), nullable=False),
        sa.Column("overtime_terms", sa.Text(), nullable=False),
        sa.Column("insurance_expires_on", sa.Date(), nullable=True),
        sa.Column("renews_contract_id", sa.Integer(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_contracts_agency_id_agencies"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["renews_contract_id"],
            ["contracts.id"],
            name=op.f("fk_contracts_renews_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_contracts_technician_id_technicians"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "credential_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_credential_exemptions_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_exemptions")),
        sa.UniqueConstraint("technician_id", "type", name=op.f("uq_credential_exemptions_technician_id")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("issuer", sa.String(length=120), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=80), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=120), nullable=False),
        sa.Column("verification_method", sa.String(length=160), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_credentials_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_technician_id"), ["technician_id"], unique=False)

    op.create_table(
        "dosimeter_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("badge_code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.String(length=40), nullable=False),
        sa.Column("vendor", sa.String(length=120), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_dosimeter_badges_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dosimeter_badges")),
        sa.UniqueConstraint("badge_code", "assigned_on", name=op.f("uq_dosimeter_badges_badge_code")),
    )
    with op.batch_alter_table("dosimeter_badges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dosimeter_badges_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "exposure_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("performed_by", sa.String(length=120), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("meter_id", sa.Integer(), nullable=True),
        sa.Column("phantom", sa.String(length=160), nullable=False),
        sa.Column("mode", sa.String(length=40), nullable=False),
        sa.Column("magnification", sa.String(length=40), nullable=False),
        sa.Column("kvp", sa.Float(), nullable=True),
        sa.Column("ma", sa.Float(), nullable=True),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("rate_unit", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["exposure_checks.id"],
            name=op.f("fk_exposure_checks_amends_id_exposure_checks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_exposure_checks_meter_id_meters"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_exposure_checks_technician_id_technicians"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["fluoro_units.id"],
            name=op.f("fk_exposure_checks_unit_id_fluoro_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_checks")),
    )
    with op.batch_alter_table("exposure_checks", schema=None) as batch_op:
        batch_op.create_index("ix_exposure_checks_unit_date", ["unit_id", "checked_on"], unique=False)

    op.create_table(
        "garments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("manufacturer", sa.String(length=120), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("size", sa.String(length=20), nullable=False),
        sa.Column("lead_front_mm", sa.Float(), nullable=True),
        sa.Column("lead_back_mm", sa.Float(), nullable=True),
        sa.Column("lead_free", sa.Boolean(), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=False),
        sa.Column("owner_technician_id", sa.Integer(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        sa.Column("disposed_on", sa.Date(), nullable=True),
        sa.Column("disposal_method", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_technician_id"],
            ["technicians.id"],
            name=op.f("fk_garments_owner_technician_id_technicians"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garments")),
        sa.UniqueConstraint("code", name=op.f("uq_garments_code")),
    )
    op.create_table(
        "procedure_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("procedure_type_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("physician", sa.String(length=120), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("fluoro_time_s", sa.Float(), nullable=True),
        sa.Column("air_kerma_mgy", sa.Float(), nullable=True),
        sa.Column("kap_value", sa.Float(), nullable=True),
        sa.Column("kap_unit", sa.String(length=40), nullable=True),
        sa.Column("images", sa.Integer(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_notes", sa.Text(), nullable=False),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_type_id"],
            ["procedure_types.id"],
            name=op.f("fk_procedure_records_procedure_type_id_procedure_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_procedure_records_technician_id_technicians"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["fluoro_units.id"],
            name=op.f("fk_procedure_records_unit_id_fluoro_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_records")),
    )
    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_records_performed_on"), ["performed_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_procedure_records_technician_id"), ["technician_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_procedure_records_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "contract_clause_checks",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clause_id"],
            ["clause_definitions.id"],
            name=op.f("fk_contract_clause_checks_clause_id_clause_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_clause_checks_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contract_id", "clause_id", name=op.f("pk_contract_clause_checks")),
    )
    op.create_table(
        "contract_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("evaluator", sa.String(length=120), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_evaluations_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_evaluations")),
    )
    with op.batch_alter_table("contract_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_evaluations_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "contract_procedures",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("procedure_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_procedures_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_type_id"],
            ["procedure_types.id"],
            name=op.f("fk_contract_procedures_procedure_type_id_procedure_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contract_id", "procedure_type_id", name=op.f("pk_contract_procedures")),
    )
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("service_ticket", sa.String(length=80), nullable=False),
        sa.Column("performed_by", sa.String(length=120), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("recheck_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["exposure_checks.id"],
            name=op.f("fk_corrective_actions_check_id_exposure_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recheck_id"],
            ["exposure_checks.id"],
            name=op.f("fk_corrective_actions_recheck_id_exposure_checks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrective_actions_check_id"), ["check_id"], unique=False)

    op.create_table(
        "dosimetry_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("deep_msv", sa.Float(), nullable=True),
        sa.Column("lens_msv", sa.Float(), nullable=True),
        sa.Column("shallow_msv", sa.Float(), nullable=True),
        sa.Column("other_facility", sa.String(length=160), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["dosimeter_badges.id"],
            name=op.f("fk_dosimetry_readings_badge_id_dosimeter_badges"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_dosimetry_readings_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dosimetry_readings")),
    )
    with op.batch_alter_table("dosimetry_readings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dosimetry_readings_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "garment_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("garment_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector", sa.String(length=120), nullable=False),
        sa.Column("methods", sa.String(length=80), nullable=False),
        sa.Column("kvp", sa.Float(), nullable=True),
        sa.Column("acceptance", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("disposition", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["garment_inspections.id"],
            name=op.f("fk_garment_inspections_amends_id_garment_inspections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["garment_id"],
            ["garments.id"],
            name=op.f("fk_garment_inspections_garment_id_garments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garment_inspections")),
    )
    with op.batch_alter_table("garment_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_garment_inspections_garment_id"), ["garment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_garment_inspections_inspected_on"), ["inspected_on"], unique=False
        )

    op.create_table(
        "garment_defects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=40), nullable=False),
        sa.Column("area_mm2", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["garment_inspections.id"],
            name=op.f("fk_garment_defects_inspection_id_garment_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garment_defects")),
    )
    with op.batch_alter_table("garment_defects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_garment_defects_inspection_id"), ["inspection_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("garment_defects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_garment_defects_inspection_id"))

    op.drop_table("garment_defects")
    with op.batch_alter_table("garment_inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_garment_inspections_inspected_on"))
        batch_op.drop_index(batch_op.f("ix_garment_inspections_garment_id"))

    op.drop_table("garment_inspections")
    with op.batch_alter_table("dosimetry_readings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dosimetry_readings_technician_id"))

    op.drop_table("dosimetry_readings")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_actions_check_id"))

    op.drop_table("corrective_actions")
    op.drop_table("contract_procedures")
    with op.batch_alter_table("contract_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_evaluations_contract_id"))

    op.drop_table("contract_evaluations")
    op.drop_table("contract_clause_checks")
    with op.batch_alter_table("procedure_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_records_unit_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_records_technician_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_records_performed_on"))

    op.drop_table("procedure_records")
    op.drop_table("garments")
    with op.batch_alter_table("exposure_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_exposure_checks_unit_date")

    op.drop_table("exposure_checks")
    with op.batch_alter_table("dosimeter_badges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dosimeter_badges_technician_id"))

    op.drop_table("dosimeter_badges")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_technician_id"))

    op.drop_table("credentials")
    op.drop_table("credential_exemptions")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_technician_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_agency_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("ce_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ce_activities_technician_id"))

    op.drop_table("ce_activities")
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technicians_last_name"))
        batch_op.drop_index(batch_op.f("ix_technicians_agency_id"))

    op.drop_table("technicians")
    with op.batch_alter_table("physicist_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_physicist_surveys_unit_id"))

    op.drop_table("physicist_surveys")
    with op.batch_alter_table("meter_calibrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_calibrations_meter_id"))

    op.drop_table("meter_calibrations")
    op.drop_table("users")
    op.drop_table("settings")
    op.drop_table("procedure_types")
    op.drop_table("meters")
    op.drop_table("fluoro_units")
    op.drop_table("clause_definitions")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index("ix_audit_events_entity")

    op.drop_table("audit_events")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_owner")

    op.drop_table("attachments")
    op.drop_table("agencies")
