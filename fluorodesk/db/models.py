"""The whole clinic as typed SQLAlchemy models.

Regulated records (inspections, exposure checks, dose records) are never deleted: a wrong entry is
voided or amended by a later record that points at it.  Owned children (a technician's credentials,
an inspection's defects, a contract's clause checklist) cascade with their parent at the database
level, which is why migrations must run with foreign keys off (see db/migrate.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fluorodesk.db.base import Base, EnumText, Tracked, utcnow
from fluorodesk.domain.dosimetry import DoseQuantity, InvestigationLevel, ReviewerRole
from fluorodesk.domain.enums import (
    BadgePosition,
    ClauseStatus,
    ContractParty,
    CredentialType,
    DefectZone,
    Disposition,
    DoseReadingKind,
    EmploymentType,
    ExposureMode,
    GarmentStatus,
    GarmentType,
    InspectionResult,
    KapUnit,
    RateBasis,
    RateUnit,
    RenewalType,
    Role,
    SignoffArea,
    SurveyResult,
)

# --------------------------------------------------------------------------- clinic & people


class Setting(Base):
    """One clinic setting that differs from its default (see domain/settings.py)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(EnumText(Role))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when a director resets the password: the user chooses a new one at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class PasswordThrottle(Base):
    """Wrong passwords in a row for one user name, and until when its next try waits.

    Keyed by the name that was typed, account or not, so an unknown name is throttled exactly like
    a real one and the throttle does not tell which names exist (see services/auth.py).
    """

    __tablename__ = "password_throttle"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class Signoff(Base):
    """The director's signature on one area's records for a period; records in it are then locked.

    ``records`` keeps a JSON snapshot of every record signed ({id: {field: value}}) and
    ``records_sha256`` its hash, so ``fluorodesk check`` can prove the signed records are unchanged.
    A sign-off is never edited or removed; a correction is an amendment record that references the
    original (see services/signoff.py).
    """

    __tablename__ = "signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[SignoffArea] = mapped_column(EnumText(SignoffArea))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    signed_by: Mapped[str] = mapped_column(String(80))  # username
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[str] = mapped_column(Text, default="{}")
    records_sha256: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_signoffs_area_period", "area", "period_start", "period_end"),)


class AuditEvent(Base):
    """Append-only log of every change; each event is chained to the previous one by hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))  # create, update, retire, void, import, ...
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [old, new]}
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)


class Attachment(Base):
    """A file copied into the data folder (never linked to where it came from), with its SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))  # credential, contract, inspection, survey, ...
    owner_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40), default="document")  # document, evidence, image, report
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(400), unique=True)  # relative to the data folder
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(80), default="application/octet-stream")
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(80), default="")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id"),)


class Agency(Tracked, Base):
    """A staffing vendor that supplies technicians."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(160), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    technicians: Mapped[list[Technician]] = relationship(back_populates="agency")
    contracts: Mapped[list[Contract]] = relationship(back_populates="agency")
    contacts: Mapped[list[AgencyContact]] = relationship(
        back_populates="agency",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AgencyContact.position",
    )


class AgencyContact(Tracked, Base):
    """Another person at an agency (scheduling, billing, account manager), besides the main contact."""

    __tablename__ = "agency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(160), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    agency: Mapped[Agency] = relationship(back_populates="contacts")


class Technician(Tracked, Base):
    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    employment_type: Mapped[EmploymentType] = mapped_column(EnumText(EmploymentType))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    arrt_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    birth_month: Mapped[int | None] = mapped_column(Integer)  # drives the ARRT renewal deadline
    ce_biennium_start: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    retired_on: Mapped[date | None] = mapped_column(Date)
    retired_reason: Mapped[str] = mapped_column(Text, default="")

    agency: Mapped[Agency | None] = relationship(back_populates="technicians")
    # In record order: of two equal credentials, the first on file counts (domain effective_record).
    credentials: Mapped[list[Credential]] = relationship(
        back_populates="technician",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Credential.id",
    )
    exemptions: Mapped[list[CredentialExemption]] = relationship(
        back_populates="technician",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CredentialExemption.id",
    )
    ce_activities: Mapped[list[CeActivity]] = relationship(
        back_populates="technician", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Credential(Tracked, Base):
    """One credential record (a renewal is a new record; the latest one counts)."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    type: Mapped[CredentialType] = mapped_column(EnumText(CredentialType))
    number: Mapped[str] = mapped_column(String(80), default="")
    issuer: Mapped[str] = mapped_column(String(120), default="")  # issuing body, or state for licences
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(80), default="")  # exclusion: clear/excluded; TB: negative...
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str] = mapped_column(String(120), default="")
    verification_method: Mapped[str] = mapped_column(String(160), default="")  # e.g. ARRT online lookup
    verification_reference: Mapped[str] = mapped_column(String(300), default="")  # URL, confirmation no.
    notes: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)  # entered in error; kept for history
    void_reason: Mapped[str] = mapped_column(Text, default="")

    technician: Mapped[Technician] = relationship(back_populates="credentials")


class CredentialExemption(Tracked, Base):
    """A required credential type marked "not applicable" for one technician, with the reason.

    Withdrawing the mark sets ``ended_on`` (the row stays), so a packet for a past date shows what
    applied then.  At most one open mark per technician and type (enforced by the service).
    """

    __tablename__ = "credential_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    type: Mapped[CredentialType] = mapped_column(EnumText(CredentialType))
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)  # None: since before this was recorded
    ended_on: Mapped[date | None] = mapped_column(Date)

    technician: Mapped[Technician] = relationship(back_populates="exemptions")


class CeActivity(Tracked, Base):
    """A continuing-education activity counted towards the ARRT biennium (and state CE)."""

    __tablename__ = "ce_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(160), default="")
    credits: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(20), default="A")  # A, A+, academic, ...
    fluoro_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    digital_radiography: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)  # entered in error; kept for history
    void_reason: Mapped[str] = mapped_column(Text, default="")

    technician: Mapped[Technician] = relationship(back_populates="ce_activities")


# --------------------------------------------------------------------------- contracts


class ProcedureType(Base):
    """A fluoroscopy-guided procedure with its CPT code (seeded from domain.md §5)."""

    __tablename__ = "procedure_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    cpt_code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ClauseDefinition(Base):
    """A clause a contract should spell out; the built-in ones are seeded, the clinic adds its own."""

    __tablename__ = "clause_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    applies_to: Mapped[str] = mapped_column(String(20), default="all")  # all, agency, technician
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Contract(Tracked, Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_type: Mapped[ContractParty] = mapped_column(EnumText(ContractParty))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    effective_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    renewal_type: Mapped[RenewalType] = mapped_column(EnumText(RenewalType), default=RenewalType.FIXED)
    notice_days: Mapped[int] = mapped_column(Integer, default=0)
    renewal_term_months: Mapped[int | None] = mapped_column(Integer)  # None: as long as the first term
    signed_on: Mapped[date | None] = mapped_column(Date)
    clinic_signatory: Mapped[str] = mapped_column(String(120), default="")
    party_signatory: Mapped[str] = mapped_column(String(120), default="")
    rate_amount: Mapped[float | None] = mapped_column(Float)
    rate_basis: Mapped[RateBasis | None] = mapped_column(EnumText(RateBasis))
    cancellation_terms: Mapped[str] = mapped_column(Text, default="")
    overtime_terms: Mapped[str] = mapped_column(Text, default="")
    insurance_expires_on: Mapped[date | None] = mapped_column(Date)  # certificate of insurance
    renews_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    terminated_on: Mapped[date | None] = mapped_column(Date)  # first day it no longer applies
    termination_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    agency: Mapped[Agency | None] = relationship(back_populates="contracts")
    technician: Mapped[Technician | None] = relationship()
    clause_checks: Mapped[list[ContractClauseCheck]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContractClauseCheck.clause_id",
    )
    procedures: Mapped[list[ContractProcedure]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ContractProcedure.procedure_type_id"
    )
    evaluations: Mapped[list[ContractEvaluation]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContractEvaluation.id",
    )


class ContractClauseCheck(Base):
    __tablename__ = "contract_clause_checks"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(
        ForeignKey("clause_definitions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[ClauseStatus] = mapped_column(EnumText(ClauseStatus), default=ClauseStatus.MISSING)
    note: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[Contract] = relationship(back_populates="clause_checks")
    clause: Mapped[ClauseDefinition] = relationship()


class ContractProcedure(Base):
    __tablename__ = "contract_procedures"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    procedure_type_id: Mapped[int] = mapped_column(
        ForeignKey("procedure_types.id", ondelete="CASCADE"), primary_key=True
    )


class ContractEvaluation(Tracked, Base):
    """Annual evaluation of a contracted service."""

    __tablename__ = "contract_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    evaluated_on: Mapped[date] = mapped_column(Date)
    evaluator: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(40))  # satisfactory, needs_improvement, unsatisfactory
    notes: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[Contract] = relationship(back_populates="evaluations")


# --------------------------------------------------------------------------- protective garments


class Garment(Tracked, Base):
    __tablename__ = "garments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # the label on the garment
    type: Mapped[GarmentType] = mapped_column(EnumText(GarmentType))
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(20), default="")
    lead_front_mm: Mapped[float | None] = mapped_column(Float)
    lead_back_mm: Mapped[float | None] = mapped_column(Float)
    lead_free: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str] = mapped_column(String(120), default="")
    owner_technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id", ondelete="SET NULL")
    )  # a tech's own apron; None means clinic-owned
    received_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[GarmentStatus] = mapped_column(EnumText(GarmentStatus), default=GarmentStatus.IN_SERVICE)
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    disposed_on: Mapped[date | None] = mapped_column(Date)
    disposal_method: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[Technician | None] = relationship()
    inspections: Mapped[list[GarmentInspection]] = relationship(
        back_populates="garment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: [GarmentInspection.inspected_on, GarmentInspection.id],
    )
    status_changes: Mapped[list[GarmentStatusChange]] = relationship(
        back_populates="garment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: [GarmentStatusChange.changed_on, GarmentStatusChange.id],
    )


class GarmentStatusChange(Tracked, Base):
    """One change of a garment's status (quarantined, lost, found, removed, disposed...), kept forever.

    The history lets findings and packets say where a garment stood on a past date, and when a lost
    garment turned up (it must then be re-inspected before use).
    """

    __tablename__ = "garment_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    garment_id: Mapped[int] = mapped_column(ForeignKey("garments.id", ondelete="CASCADE"), index=True)
    changed_on: Mapped[date] = mapped_column(Date)
    from_status: Mapped[GarmentStatus] = mapped_column(EnumText(GarmentStatus))
    to_status: Mapped[GarmentStatus] = mapped_column(EnumText(GarmentStatus))
    reason: Mapped[str] = mapped_column(Text, default="")
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("garment_inspections.id", ondelete="SET NULL")
    )  # set when an inspection's result or disposition moved the garment

    garment: Mapped[Garment] = relationship(back_populates="status_changes")


class GarmentInspection(Tracked, Base):
    __tablename__ = "garment_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    garment_id: Mapped[int] = mapped_column(ForeignKey("garments.id", ondelete="CASCADE"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    inspector: Mapped[str] = mapped_column(String(120))
    methods: Mapped[str] = mapped_column(String(80))  # InspectionMethod values joined by "+"
    kvp: Mapped[float | None] = mapped_column(Float)
    equipment: Mapped[str] = mapped_column(String(120), default="")  # C-arm or CR/DR used for imaging
    acceptance: Mapped[bool] = mapped_column(Boolean, default=False)  # inspection on receipt
    result: Mapped[InspectionResult] = mapped_column(EnumText(InspectionResult))
    disposition: Mapped[Disposition | None] = mapped_column(EnumText(Disposition))
    notes: Mapped[str] = mapped_column(Text, default="")
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("garment_inspections.id", ondelete="SET NULL"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    garment: Mapped[Garment] = relationship(back_populates="inspections")
    defects: Mapped[list[GarmentDefect]] = relationship(
        back_populates="inspection",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GarmentDefect.id",
    )


class GarmentDefect(Base):
    __tablename__ = "garment_defects"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("garment_inspections.id", ondelete="CASCADE"), index=True
    )
    zone: Mapped[DefectZone] = mapped_column(EnumText(DefectZone))
    area_mm2: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[GarmentInspection] = relationship(back_populates="defects")


# --------------------------------------------------------------------------- fluoroscopy units & QC


class FluoroUnit(Tracked, Base):
    __tablename__ = "fluoro_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # the clinic's unit ID
    name: Mapped[str] = mapped_column(String(120))
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    room: Mapped[str] = mapped_column(String(80), default="")
    registration_number: Mapped[str] = mapped_column(String(80), default="")
    registration_expires_on: Mapped[date | None] = mapped_column(Date)
    manufactured_on: Mapped[date | None] = mapped_column(Date)  # decides the high-level-control limit
    has_aerc: Mapped[bool] = mapped_column(Boolean, default=True)
    has_hlc: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline_rate: Mapped[float | None] = mapped_column(Float)  # physicist's baseline
    baseline_unit: Mapped[RateUnit | None] = mapped_column(EnumText(RateUnit))
    baseline_kvp: Mapped[float | None] = mapped_column(Float)
    baseline_ma: Mapped[float | None] = mapped_column(Float)
    in_service_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)  # first day out of service
    retired_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Which dose quantities the unit displays; one that shows neither records time and images (TJC 2019).
    shows_air_kerma: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    shows_kap: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    checks: Mapped[list[ExposureCheck]] = relationship(back_populates="unit", order_by="ExposureCheck.id")
    surveys: Mapped[list[PhysicistSurvey]] = relationship(
        back_populates="unit", order_by="PhysicistSurvey.id"
    )
    baselines: Mapped[list[UnitBaseline]] = relationship(
        back_populates="unit", order_by=lambda: [UnitBaseline.effective_on, UnitBaseline.id]
    )
    period_notes: Mapped[list[ExposurePeriodNote]] = relationship(
        back_populates="unit", order_by="ExposurePeriodNote.id"
    )


class UnitBaseline(Tracked, Base):
    """The physicist's baseline for one mode of a unit, from ``effective_on`` until the next one.

    Kept as a history (never overwritten) so that a reading is always compared with the baseline
    that was in effect on its date, and re-baselining after service does not change old verdicts.
    Units without any row fall back to the baseline columns on ``fluoro_units``.
    """

    __tablename__ = "unit_baselines"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("fluoro_units.id", ondelete="RESTRICT"))
    effective_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[ExposureMode] = mapped_column(EnumText(ExposureMode), default=ExposureMode.NORMAL)
    rate: Mapped[float] = mapped_column(Float)
    rate_unit: Mapped[RateUnit] = mapped_column(EnumText(RateUnit))
    kvp: Mapped[float | None] = mapped_column(Float)
    ma: Mapped[float | None] = mapped_column(Float)
    tolerance_pct: Mapped[float | None] = mapped_column(Float)  # None: the clinic's setting applies
    set_by: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[FluoroUnit] = relationship(back_populates="baselines")

    __table_args__ = (Index("ix_unit_baselines_unit_date", "unit_id", "effective_on"),)


class ExposurePeriodNote(Tracked, Base):
    """Why a check period has no check; "unit not used" excuses the period from the missed list."""

    __tablename__ = "exposure_period_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("fluoro_units.id", ondelete="RESTRICT"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    unit_not_used: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[FluoroUnit] = relationship(back_populates="period_notes")

    __table_args__ = (UniqueConstraint("unit_id", "period_start"),)


class Meter(Tracked, Base):
    """A dosimeter / ion chamber used for exposure-rate checks."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    retired_on: Mapped[date | None] = mapped_column(Date)

    calibrations: Mapped[list[MeterCalibration]] = relationship(
        back_populates="meter",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: [MeterCalibration.calibrated_on, MeterCalibration.id],
    )


class MeterCalibration(Tracked, Base):
    __tablename__ = "meter_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    calibrated_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    laboratory: Mapped[str] = mapped_column(String(160), default="")
    certificate_number: Mapped[str] = mapped_column(String(80), default="")

    meter: Mapped[Meter] = relationship(back_populates="calibrations")


class ExposureCheck(Tracked, Base):
    """A technologist's exposure-rate check, stored in the unit it was read in."""

    __tablename__ = "exposure_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("fluoro_units.id", ondelete="RESTRICT"))
    checked_on: Mapped[date] = mapped_column(Date)
    performed_by: Mapped[str] = mapped_column(String(120))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id", ondelete="SET NULL"))
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id", ondelete="SET NULL"))
    phantom: Mapped[str] = mapped_column(String(160), default="")
    mode: Mapped[ExposureMode] = mapped_column(EnumText(ExposureMode), default=ExposureMode.NORMAL)
    magnification: Mapped[str] = mapped_column(String(40), default="")
    kvp: Mapped[float | None] = mapped_column(Float)
    ma: Mapped[float | None] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    rate_unit: Mapped[RateUnit] = mapped_column(EnumText(RateUnit))
    notes: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # late entries show here
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("exposure_checks.id", ondelete="SET NULL"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[FluoroUnit] = relationship(back_populates="checks")
    meter: Mapped[Meter | None] = relationship()
    corrective_actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="check",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="CorrectiveAction.check_id",
        order_by="CorrectiveAction.id",
    )

    __table_args__ = (Index("ix_exposure_checks_unit_date", "unit_id", "checked_on"),)


class CorrectiveAction(Tracked, Base):
    """What was done about an out-of-tolerance or over-limit reading; closes its finding."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("exposure_checks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(Text)
    service_ticket: Mapped[str] = mapped_column(String(80), default="")
    performed_by: Mapped[str] = mapped_column(String(120))
    performed_on: Mapped[date] = mapped_column(Date)
    recheck_id: Mapped[int | None] = mapped_column(ForeignKey("exposure_checks.id", ondelete="SET NULL"))
    closed_on: Mapped[date | None] = mapped_column(Date)

    check: Mapped[ExposureCheck] = relationship(back_populates="corrective_actions", foreign_keys=[check_id])


class PhysicistSurvey(Tracked, Base):
    __tablename__ = "physicist_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("fluoro_units.id", ondelete="RESTRICT"), index=True)
    surveyed_on: Mapped[date] = mapped_column(Date)
    physicist: Mapped[str] = mapped_column(String(120))
    result: Mapped[SurveyResult] = mapped_column(EnumText(SurveyResult))
    recommendations: Mapped[str] = mapped_column(Text, default="")
    recommendations_closed_on: Mapped[date | None] = mapped_column(Date)
    recommendations_closure: Mapped[str] = mapped_column(Text, default="", server_default="")  # how
    notes: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[FluoroUnit] = relationship(back_populates="surveys")


# --------------------------------------------------------------------------- patient dose & staff dosimetry


class ProcedureRecord(Tracked, Base):
    """One fluoroscopy-guided case (no patient name; an optional clinic case number)."""

    __tablename__ = "procedure_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    performed_on: Mapped[date] = mapped_column(Date, index=True)
    case_ref: Mapped[str] = mapped_column(String(40), default="")
    procedure_type_id: Mapped[int] = mapped_column(ForeignKey("procedure_types.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("fluoro_units.id", ondelete="RESTRICT"), index=True)
    physician: Mapped[str] = mapped_column(String(120), default="", index=True)
    technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id", ondelete="SET NULL"), index=True
    )
    fluoro_time_s: Mapped[float | None] = mapped_column(Float)
    air_kerma_mgy: Mapped[float | None] = mapped_column(Float)
    kap_value: Mapped[float | None] = mapped_column(Float)
    kap_unit: Mapped[KapUnit | None] = mapped_column(EnumText(KapUnit))
    images: Mapped[int | None] = mapped_column(Integer)
    follow_up_on: Mapped[date | None] = mapped_column(Date)  # the day the follow-up was complete
    follow_up_notes: Mapped[str] = mapped_column(Text, default="")
    # Follow-up of a case above a trigger level: patient informed, skin check (SIR: at 2-4 weeks).
    follow_up_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    patient_informed_on: Mapped[date | None] = mapped_column(Date)
    skin_check_on: Mapped[date | None] = mapped_column(Date)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_records.id", ondelete="SET NULL"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    procedure_type: Mapped[ProcedureType] = relationship()
    unit: Mapped[FluoroUnit] = relationship()
    technician: Mapped[Technician | None] = relationship()


class DosimeterBadge(Tracked, Base):
    __tablename__ = "dosimeter_badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    badge_code: Mapped[str] = mapped_column(String(40))
    position: Mapped[BadgePosition] = mapped_column(EnumText(BadgePosition), default=BadgePosition.COLLAR)
    vendor: Mapped[str] = mapped_column(String(120), default="")
    assigned_on: Mapped[date] = mapped_column(Date)  # first day of the wear period
    returned_on: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)  # last day of the wear period
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    technician: Mapped[Technician] = relationship()

    __table_args__ = (UniqueConstraint("badge_code", "assigned_on"),)


class DosimetryReading(Tracked, Base):
    """One wear period's dose report; "M" (minimal) and "unused" are kept apart from zero."""

    __tablename__ = "dosimetry_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("dosimeter_badges.id", ondelete="SET NULL"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    kind: Mapped[DoseReadingKind] = mapped_column(EnumText(DoseReadingKind), default=DoseReadingKind.MEASURED)
    deep_msv: Mapped[float | None] = mapped_column(Float)
    lens_msv: Mapped[float | None] = mapped_column(Float)
    shallow_msv: Mapped[float | None] = mapped_column(Float)
    other_facility: Mapped[str] = mapped_column(String(160), default="")  # dose a per diem tech reports
    received_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # "M" per cell when a measured reading has some quantities below the reporting minimum.
    deep_minimal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    lens_minimal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    shallow_minimal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    technician: Mapped[Technician] = relationship()
    badge: Mapped[DosimeterBadge | None] = relationship()


class DoseInvestigation(Tracked, Base):
    """An ALARA investigation (or a limit or pregnancy-limit investigation) for one worker and quarter."""

    __tablename__ = "dose_investigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    level: Mapped[InvestigationLevel] = mapped_column(EnumText(InvestigationLevel))
    quantity: Mapped[DoseQuantity] = mapped_column(EnumText(DoseQuantity))
    dose_msv: Mapped[float | None] = mapped_column(Float)  # the total that reached the level
    opened_on: Mapped[date] = mapped_column(Date)
    investigator: Mapped[str] = mapped_column(String(120))
    findings: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)

    technician: Mapped[Technician] = relationship()


class DeclaredPregnancy(Tracked, Base):
    """A worker's written declaration of pregnancy; the embryo/fetus has its own limit (10 CFR 20.1208)."""

    __tablename__ = "declared_pregnancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"), index=True)
    declared_on: Mapped[date] = mapped_column(Date)
    estimated_due_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)  # delivered or declaration withdrawn
    end_reason: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    technician: Mapped[Technician] = relationship()


class DosimetryReview(Tracked, Base):
    """The quarterly review of dosimetry results by the RSO or a physicist (TJC EC.02.02.01)."""

    __tablename__ = "dosimetry_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(120))
    reviewer_role: Mapped[ReviewerRole] = mapped_column(EnumText(ReviewerRole))
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("year", "quarter"),)
