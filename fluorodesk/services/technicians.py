"""Technicians: the roster, each technician's file (credentials, CE, "not applicable" marks), who may
work on a date and why not, and the technician findings for the compliance service.

Credentials are changed through ``services.credentials`` and CE activities through ``services.ce``;
this module owns the roster actions and everything that reads a technician's file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Agency, CeActivity, Credential, CredentialExemption, Technician
from fluorodesk.domain.ce import CeEntry, CeProgress, CeState, biennium_start_problem, ce_progress
from fluorodesk.domain.credentials import (
    CredentialFacts,
    CredentialState,
    CredentialStatus,
    Readiness,
    credential_status,
    effective_record,
    exemption_applies,
    readiness,
    warning_window,
)
from fluorodesk.domain.dates import describe_due, parse_date
from fluorodesk.domain.enums import Area, CredentialType, EmploymentType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean, looks_like_email
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import counts_by_purpose
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings

_STATE_ORDER = {
    CredentialState.EXPIRED: 0,
    CredentialState.MISSING: 1,
    CredentialState.UNVERIFIED: 2,
    CredentialState.EXPIRING: 3,
    CredentialState.CURRENT: 4,
    CredentialState.NOT_APPLICABLE: 5,
}

_NOT_TRACKED = CeProgress(CeState.NOT_TRACKED)


# --------------------------------------------------------------------------- rows handed to the UI


@dataclass(frozen=True)
class TechnicianRow:
    id: int
    first_name: str
    last_name: str
    employment_type: EmploymentType
    agency: str
    arrt_id: str
    email: str
    phone: str
    start_date: date | None
    retired_on: date | None
    readiness: Readiness
    statuses: tuple[CredentialStatus, ...]
    agency_id: int | None = None
    birth_month: int | None = None
    ce_biennium_start: date | None = None
    notes: str = ""
    retired_reason: str = ""
    ce: CeProgress = _NOT_TRACKED

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def worst(self) -> CredentialState:
        relevant = [s.state for s in self.statuses] or [CredentialState.CURRENT]
        return min(relevant, key=_STATE_ORDER.__getitem__)

    @property
    def next_expiry(self) -> date | None:
        dates = [
            s.expires_on for s in self.statuses if s.expires_on and s.state is not CredentialState.EXPIRED
        ]
        return min(dates) if dates else None

    def status_of(self, ctype: CredentialType) -> CredentialStatus | None:
        return next((s for s in self.statuses if s.type is ctype), None)


@dataclass(frozen=True)
class AgencyChoice:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class CredentialRecord:
    """One stored credential record (a renewal is a new record)."""

    id: int
    technician_id: int
    type: CredentialType
    number: str
    issuer: str
    issued_on: date | None
    expires_on: date | None
    result: str
    verified_on: date | None
    verified_by: str
    verification_method: str
    verification_reference: str
    notes: str
    voided_at: datetime | None = None
    void_reason: str = ""
    documents: int = 0  # scans of the card / letter
    evidence: int = 0  # saved verification evidence

    @property
    def verified_words(self) -> str:
        if self.verified_on is None:
            return "Not verified"
        words = f"{self.verified_on.isoformat()} by {self.verified_by}"
        return words + (f" ({self.verification_method})" if self.verification_method else "")


@dataclass(frozen=True)
class ExemptionRow:
    id: int
    technician_id: int
    type: CredentialType
    reason: str
    starts_on: date | None
    ended_on: date | None
    created_by: str


@dataclass(frozen=True)
class CredentialLine:
    """A line of a technician's credential table: one type and where it stands (or one record)."""

    type: CredentialType
    status: CredentialStatus
    required: bool
    record: CredentialRecord | None
    exemption: ExemptionRow | None = None
    history: str = ""  # in the all-records view: "Superseded", "Voided: reason", "" for the one that counts

    @property
    def words(self) -> str:
        if self.history:
            return self.history
        if self.status.state is CredentialState.NOT_APPLICABLE and self.exemption is not None:
            return f"Not applicable: {self.exemption.reason}"
        return self.status.words


@dataclass(frozen=True)
class CeActivityRow:
    id: int
    technician_id: int
    completed_on: date
    title: str
    provider: str
    credits: float
    category: str
    fluoro_safety: bool
    digital_radiography: bool
    notes: str
    voided_at: datetime | None = None
    void_reason: str = ""
    certificates: int = 0
    in_biennium: bool = False

    @property
    def counts_for(self) -> str:
        parts = [
            label
            for flag, label in (
                (self.fluoro_safety, "Fluoro safety"),
                (self.digital_radiography, "Digital radiography"),
            )
            if flag
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class TechnicianFile:
    """Everything on one technician's file as of a date, for the detail panel."""

    row: TechnicianRow
    as_of: date
    lines: tuple[CredentialLine, ...]  # one per type: required ones, then others on file
    records: tuple[CredentialLine, ...]  # every record, newest first, superseded and voided included
    ce_activities: tuple[CeActivityRow, ...]  # newest first, voided included
    exemptions: tuple[ExemptionRow, ...] = field(default=())


@dataclass(frozen=True)
class TechnicianDraft:
    first_name: str
    last_name: str
    employment_type: EmploymentType | str = EmploymentType.PER_DIEM
    email: str = ""
    phone: str = ""
    agency_id: int | None = None
    arrt_id: str = ""
    birth_month: int | None = None
    start_date: date | str | None = None
    notes: str = ""
    ce_biennium_start: date | str | None = None


@dataclass(frozen=True)
class CredentialDraft:
    technician_id: int
    type: CredentialType | str
    number: str = ""
    issuer: str = ""
    issued_on: date | str | None = None
    expires_on: date | str | None = None
    result: str = ""
    verified_on: date | str | None = None
    verified_by: str = ""
    verification_method: str = ""
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    verification_reference: str = ""


# --------------------------------------------------------------------------- rules over a loaded technician


def required_types(settings: ClinicSettings) -> list[CredentialType]:
    return list(_required_types(tuple(settings["credentials.required_types"])))


@lru_cache(maxsize=16)
def _required_types(values: tuple[Any, ...]) -> tuple[CredentialType, ...]:
    """``required_types`` once per distinct setting (it is asked twice per technician)."""
    out: list[CredentialType] = []
    for value in values:
        try:
            ctype = CredentialType(value)
        except ValueError:
            continue  # a type this version does not know: ignore rather than crash
        if ctype not in out:
            out.append(ctype)
    return tuple(out)


def live_credentials(tech: Technician) -> list[Credential]:
    return [c for c in tech.credentials if c.voided_at is None]


def open_exemptions(tech: Technician, as_of: date) -> dict[CredentialType, CredentialExemption]:
    return {e.type: e for e in tech.exemptions if exemption_applies(e.starts_on, e.ended_on, as_of)}


def _facts(cred: Credential) -> CredentialFacts:
    return CredentialFacts(cred.type, cred.issued_on, cred.expires_on, cred.verified_on, cred.result, cred.id)


Facts = dict[CredentialType, list[CredentialFacts]]


def credential_facts(tech: Technician) -> Facts:
    """The facts of the technician's live (not voided) credentials by type, in record order.  The rules
    below take them as ``facts`` when the caller has them already (a row asks three of them)."""
    by_type: dict[CredentialType, list[CredentialFacts]] = {}
    for cred in live_credentials(tech):
        by_type.setdefault(cred.type, []).append(_facts(cred))
    return by_type


def evaluate_technician(
    tech: Technician, settings: ClinicSettings, as_of: date, facts: Facts | None = None
) -> tuple[tuple[CredentialStatus, ...], Readiness]:
    """Status of every required type (and any other type on file) for one technician on ``as_of``."""
    by_type = credential_facts(tech) if facts is None else facts
    exempt = open_exemptions(tech, as_of)
    required = required_types(settings)
    types = list(required) + [t for t in CredentialType if t in by_type and t not in required]
    statuses = tuple(
        credential_status(
            t,
            by_type.get(t, []),
            as_of,
            warning_days=warning_window(t, int(settings["credentials.warning_days"])),
            required=t in required,
            not_applicable=t in exempt,
        )
        for t in types
    )
    retired = tech.retired_on is not None and tech.retired_on <= as_of
    return statuses, readiness(statuses, retired=retired)


def holds_fluoro_permit(tech: Technician, as_of: date, facts: Facts | None = None) -> bool:
    if CredentialType.FLUORO_PERMIT in open_exemptions(tech, as_of):
        return False
    facts = credential_facts(tech) if facts is None else facts
    record = effective_record(facts.get(CredentialType.FLUORO_PERMIT, ()), as_of)
    return record is not None and (record.expires_on is None or record.expires_on >= as_of)


def ce_entries(session: Session, ids: Sequence[int] | None = None) -> dict[int, list[CeEntry]]:
    """Every technician's CE activities (not voided) as plain facts.

    A Core query: a roster of 30 technicians with years of CE is thousands of rows, and building ORM
    objects for them cost more than everything else in the roster together.
    """
    stmt = select(
        CeActivity.technician_id,
        CeActivity.completed_on,
        CeActivity.credits,
        CeActivity.fluoro_safety,
        CeActivity.digital_radiography,
    ).where(CeActivity.voided_at.is_(None))
    if ids is not None:
        stmt = stmt.where(CeActivity.technician_id.in_(list(ids)))
    out: dict[int, list[CeEntry]] = defaultdict(list)
    for tech_id, completed, credits, fluoro, digital in session.execute(stmt):
        out[tech_id].append(CeEntry(completed, credits, bool(fluoro), bool(digital)))
    return out


def evaluate_ce(
    tech: Technician,
    settings: ClinicSettings,
    as_of: date,
    entries: Sequence[CeEntry] | None = None,
    facts: Facts | None = None,
) -> CeProgress:
    """CE progress in the ARRT biennium holding ``as_of`` (``entries``: from ``ce_entries``, or else
    the technician's loaded activities).

    Tracked when the technician is expected to hold ARRT registration (a required type, or one on
    file) and it is not marked "not applicable" for them.
    """
    if CredentialType.ARRT in open_exemptions(tech, as_of):
        return _NOT_TRACKED
    facts = credential_facts(tech) if facts is None else facts
    has_arrt = CredentialType.ARRT in facts
    if CredentialType.ARRT not in required_types(settings) and not has_arrt:
        return _NOT_TRACKED
    if entries is None:
        entries = [
            CeEntry(a.completed_on, a.credits, a.fluoro_safety, a.digital_radiography)
            for a in tech.ce_activities
            if a.voided_at is None
        ]
    return ce_progress(
        entries,
        tech.ce_biennium_start,
        as_of,
        required=float(settings["credentials.ce_credits_per_biennium"]),
        warning_months=int(settings["credentials.ce_warning_months"]),
        fluoro_required=float(settings["credentials.ce_fluoro_safety_credits"])
        if holds_fluoro_permit(tech, as_of, facts)
        else 0.0,
        digital_required=float(settings["credentials.ce_digital_radiography_credits"]),
    )


def load_technicians(
    session: Session, *, include_retired: bool = True, ids: Sequence[int] | None = None
) -> Sequence[Technician]:
    """Technicians by name with their credentials, exemptions and agency."""
    stmt = (
        select(Technician)
        .options(
            selectinload(Technician.credentials),
            selectinload(Technician.exemptions),
            selectinload(Technician.agency),
        )
        .order_by(Technician.last_name, Technician.first_name, Technician.id)
    )
    if not include_retired:
        stmt = stmt.where(Technician.retired_on.is_(None))
    if ids is not None:
        stmt = stmt.where(Technician.id.in_(list(ids)))
    return session.scalars(stmt).all()


def to_row(
    tech: Technician, settings: ClinicSettings, as_of: date, entries: Sequence[CeEntry] | None = None
) -> TechnicianRow:
    facts = credential_facts(tech)
    statuses, ready = evaluate_technician(tech, settings, as_of, facts)
    return TechnicianRow(
        id=tech.id,
        first_name=tech.first_name,
        last_name=tech.last_name,
        employment_type=tech.employment_type,
        agency=tech.agency.name if tech.agency else "",
        arrt_id=tech.arrt_id or "",
        email=tech.email,
        phone=tech.phone,
        start_date=tech.start_date,
        retired_on=tech.retired_on,
        readiness=ready,
        statuses=statuses,
        agency_id=tech.agency_id,
        birth_month=tech.birth_month,
        ce_biennium_start=tech.ce_biennium_start,
        notes=tech.notes,
        retired_reason=tech.retired_reason,
        ce=evaluate_ce(tech, settings, as_of, entries, facts),
    )


def credential_record(cred: Credential, counts: dict[tuple[int, str], int] | None = None) -> CredentialRecord:
    counts = counts or {}
    return CredentialRecord(
        id=cred.id,
        technician_id=cred.technician_id,
        type=cred.type,
        number=cred.number,
        issuer=cred.issuer,
        issued_on=cred.issued_on,
        expires_on=cred.expires_on,
        result=cred.result,
        verified_on=cred.verified_on,
        verified_by=cred.verified_by,
        verification_method=cred.verification_method,
        verification_reference=cred.verification_reference,
        notes=cred.notes,
        voided_at=cred.voided_at,
        void_reason=cred.void_reason,
        documents=sum(
            n for (owner, purpose), n in counts.items() if owner == cred.id and purpose != "evidence"
        ),
        evidence=counts.get((cred.id, "evidence"), 0),
    )


def exemption_row(ex: CredentialExemption) -> ExemptionRow:
    return ExemptionRow(ex.id, ex.technician_id, ex.type, ex.reason, ex.starts_on, ex.ended_on, ex.created_by)


def ce_row(
    act: CeActivity, progress: CeProgress | None = None, counts: dict[tuple[int, str], int] | None = None
) -> CeActivityRow:
    counts = counts or {}
    period = progress.biennium if progress else None
    return CeActivityRow(
        id=act.id,
        technician_id=act.technician_id,
        completed_on=act.completed_on,
        title=act.title,
        provider=act.provider,
        credits=act.credits,
        category=act.category,
        fluoro_safety=act.fluoro_safety,
        digital_radiography=act.digital_radiography,
        notes=act.notes,
        voided_at=act.voided_at,
        void_reason=act.void_reason,
        certificates=sum(n for (owner, _purpose), n in counts.items() if owner == act.id),
        in_biennium=bool(period and act.voided_at is None and period.contains(act.completed_on)),
    )


def technician_file(
    session: Session, tech: Technician, settings: ClinicSettings, as_of: date
) -> TechnicianFile:
    row = to_row(tech, settings, as_of)
    required = set(required_types(settings))
    exempt = open_exemptions(tech, as_of)
    counts = counts_by_purpose(session, "credential", [c.id for c in tech.credentials])
    records = {c.id: credential_record(c, counts) for c in tech.credentials}
    by_type: dict[CredentialType, list[CredentialFacts]] = defaultdict(list)
    for cred in live_credentials(tech):
        by_type[cred.type].append(_facts(cred))
    effective_ids: set[int] = set()
    lines = []
    for status in row.statuses:
        current = effective_record(by_type.get(status.type, []), as_of)
        record = records.get(current.record_id) if current and current.record_id else None
        if record is not None:
            effective_ids.add(record.id)
        ex = exempt.get(status.type)
        lines.append(
            CredentialLine(
                status.type,
                status,
                status.type in required,
                record,
                exemption_row(ex) if ex is not None else None,
            )
        )
    history = []
    status_of = {s.type: s for s in row.statuses}
    for cred in sorted(
        tech.credentials,
        key=lambda c: (c.issued_on or date.min, c.id),
        reverse=True,
    ):
        record = records[cred.id]
        if cred.voided_at is not None:
            note = "Voided" + (f": {cred.void_reason}" if cred.void_reason else "")
        elif cred.id in effective_ids:
            note = ""
        elif cred.issued_on is not None and cred.issued_on > as_of:
            note = f"Not in force until {cred.issued_on.isoformat()}"
        else:
            note = "Superseded by a newer record"
        status = status_of.get(cred.type) or CredentialStatus(cred.type, CredentialState.NOT_APPLICABLE)
        history.append(CredentialLine(cred.type, status, cred.type in required, record, None, note))
    ce_counts = counts_by_purpose(session, "ce_activity", [a.id for a in tech.ce_activities])
    activities = tuple(
        ce_row(a, row.ce, ce_counts)
        for a in sorted(tech.ce_activities, key=lambda a: (a.completed_on, a.id), reverse=True)
    )
    return TechnicianFile(
        row=row,
        as_of=as_of,
        lines=tuple(lines),
        records=tuple(history),
        ce_activities=activities,
        exemptions=tuple(exemption_row(e) for e in sorted(tech.exemptions, key=lambda e: e.id)),
    )


# --------------------------------------------------------------------------- input checks


def too_long(errors: dict[str, str], name: str, value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        errors[name] = f"{what} is too long (at most {limit} characters)."


def normalise_arrt_id(text: str | None) -> str:
    return "".join(clean(text).split())


def _validated(draft: TechnicianDraft) -> dict[str, Any]:
    """Check a technician draft; ValidationError with every field's problem, or the clean values."""
    errors: dict[str, str] = {}
    first, last = clean(draft.first_name), clean(draft.last_name)
    if not first:
        errors["first_name"] = "First name is required."
    too_long(errors, "first_name", first, 80, "First name")
    if not last:
        errors["last_name"] = "Last name is required."
    too_long(errors, "last_name", last, 80, "Last name")
    employment: EmploymentType | None
    try:
        employment = EmploymentType(draft.employment_type)
    except ValueError:
        errors["employment_type"] = "Choose freelance per diem, agency or employee."
        employment = None
    agency_id = draft.agency_id
    if employment is EmploymentType.AGENCY and agency_id is None:
        errors["agency_id"] = "Choose the agency this technician comes through."
    elif employment is not None and employment is not EmploymentType.AGENCY and agency_id is not None:
        errors["agency_id"] = "Only agency technicians come through an agency; clear it or choose Agency."
    birth_month = draft.birth_month
    if birth_month is not None:
        try:
            birth_month = int(birth_month)
        except (TypeError, ValueError):
            birth_month = 0
        if not 1 <= birth_month <= 12:
            errors["birth_month"] = "Birth month must be 1 to 12."
            birth_month = None
    dates: dict[str, date | None] = {}
    for name in ("start_date", "ce_biennium_start"):
        try:
            dates[name] = parse_date(getattr(draft, name), field=name)
        except ValidationError as exc:
            errors.update(exc.fields)
            dates[name] = None
    biennium = dates["ce_biennium_start"]
    if biennium is not None:
        biennium = biennium.replace(day=1)
        problem = biennium_start_problem(biennium, birth_month)
        if problem:
            errors["ce_biennium_start"] = problem
    email = clean(draft.email)
    if email and not looks_like_email(email):
        errors["email"] = f"“{email}” is not an e-mail address."
    too_long(errors, "email", email, 160, "The e-mail address")
    phone = clean(draft.phone)
    too_long(errors, "phone", phone, 40, "The phone number")
    arrt_id = normalise_arrt_id(draft.arrt_id)
    if arrt_id and not arrt_id.isdigit():
        errors["arrt_id"] = "An ARRT ID is a number (e.g. 123456)."
    elif len(arrt_id) > 20:
        errors["arrt_id"] = "An ARRT ID has at most 20 digits."
    if errors:
        raise ValidationError(fields=errors)
    return {
        "first_name": first,
        "last_name": last,
        "employment_type": employment,
        "agency_id": agency_id,
        "arrt_id": arrt_id or None,
        "birth_month": birth_month,
        "start_date": dates["start_date"],
        "ce_biennium_start": biennium,
        "email": email,
        "phone": phone,
        "notes": draft.notes or "",
    }


def _check_references(session: Session, values: dict[str, Any], tech_id: int | None) -> None:
    """Duplicate ARRT IDs and vanished agencies, as field messages (inside the write transaction)."""
    errors: dict[str, str] = {}
    arrt_id = values["arrt_id"]
    if arrt_id:
        other = session.scalars(
            select(Technician).where(Technician.arrt_id == arrt_id, Technician.id != (tech_id or -1))
        ).first()
        if other is not None:
            errors["arrt_id"] = f"{other.full_name} already has ARRT ID {arrt_id}."
    agency_id = values["agency_id"]
    if agency_id is not None and (
        not isinstance(agency_id, int) or not 0 < agency_id < 2**63 or session.get(Agency, agency_id) is None
    ):  # a stale or bad id is a field message, not a foreign-key crash (found by tests/unit/test_fuzz.py)
        errors["agency_id"] = "That agency no longer exists; choose another."
    if errors:
        raise ValidationError(fields=errors)


# --------------------------------------------------------------------------- the service


class TechnicianService(Service):
    def list_rows(self, *, as_of: date | None = None, include_retired: bool = False) -> list[TechnicianRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            entries = ce_entries(session)
            return [
                to_row(t, settings, as_of, entries.get(t.id, []))
                for t in load_technicians(session, include_retired=include_retired)
            ]

    def get_file(self, technician_id: int, *, as_of: date | None = None) -> TechnicianFile:
        as_of = as_of or self.today()
        with self.db.read() as session:
            techs = load_technicians(session, ids=[technician_id])
            if not techs:
                raise NotFoundError("That technician no longer exists.")
            return technician_file(session, techs[0], load_settings(session), as_of)

    def list_agencies(self) -> list[AgencyChoice]:
        with self.db.read() as session:
            return [
                AgencyChoice(a.id, a.name, a.active)
                for a in session.scalars(select(Agency).order_by(Agency.name))
            ]

    def arrt_id_owner(self, arrt_id: str, *, exclude_id: int | None = None) -> str | None:
        """Name of the technician who already has this ARRT ID (for the dialog's live check)."""
        arrt_id = normalise_arrt_id(arrt_id)
        if not arrt_id:
            return None
        with self.db.read() as session:
            other = session.scalars(
                select(Technician).where(Technician.arrt_id == arrt_id, Technician.id != (exclude_id or -1))
            ).first()
            return other.full_name if other else None

    def _row(self, session: Session, tech_id: int) -> TechnicianRow:
        session.flush()
        session.expire_all()
        tech = load_technicians(session, ids=[tech_id])[0]
        return to_row(tech, load_settings(session), self.today())

    def create(self, draft: TechnicianDraft) -> TechnicianRow:
        values = _validated(draft)
        with self.writing() as session:
            _check_references(session, values, None)
            tech = Technician(**values, created_by=self.actor, updated_by=self.actor)
            session.add(tech)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="technicians",
                entity_id=tech.id,
                summary=f"Technician {tech.full_name} added",
                after=audit.snapshot(tech),
            )
            return self._row(session, tech.id)

    def update(self, technician_id: int, draft: TechnicianDraft) -> TechnicianRow:
        values = _validated(draft)
        with self.writing() as session:
            tech = session.get(Technician, technician_id)
            if tech is None:
                raise NotFoundError("That technician no longer exists.")
            _check_references(session, values, tech.id)
            before = audit.snapshot(tech)
            for key, value in values.items():
                setattr(tech, key, value)
            after = audit.snapshot(tech)
            if after != before:
                tech.updated_by = self.actor
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="technicians",
                    entity_id=tech.id,
                    summary=f"Technician {tech.full_name} changed",
                    before=before,
                    after=after,
                )
            return self._row(session, tech.id)

    def retire(self, technician_id: int, retired_on: date | str | None, reason: str) -> TechnicianRow:
        """Take a technician off the roster.  Their file and history stay; ``unretire`` undoes it."""
        errors: dict[str, str] = {}
        try:
            day = parse_date(retired_on, field="retired_on")
        except ValidationError as exc:
            errors.update(exc.fields)
            day = None
        if day is None and "retired_on" not in errors:
            errors["retired_on"] = "Enter the last day they worked here (or today)."
        elif day is not None and day > self.today():
            errors["retired_on"] = "The retirement date is in the future; retire them on or after that day."
        reason = clean(reason)
        if not reason:
            errors["retired_reason"] = "Say why (e.g. moved away, assignment ended)."
        if errors:
            raise ValidationError(fields=errors)
        with self.writing() as session:
            tech = session.get(Technician, technician_id)
            if tech is None:
                raise NotFoundError("That technician no longer exists.")
            if tech.retired_on is not None:
                raise ConflictError(f"{tech.full_name} was already retired on {tech.retired_on}.")
            if day is not None and tech.start_date is not None and day < tech.start_date:
                raise ValidationError(
                    fields={"retired_on": f"That is before they started ({tech.start_date.isoformat()})."}
                )
            before = audit.snapshot(tech)
            tech.retired_on = day
            tech.retired_reason = reason
            tech.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="retire",
                entity="technicians",
                entity_id=tech.id,
                summary=f"Technician {tech.full_name} retired: {reason}",
                before=before,
                after=audit.snapshot(tech),
            )
            return self._row(session, tech.id)

    def unretire(self, technician_id: int) -> TechnicianRow:
        with self.writing() as session:
            tech = session.get(Technician, technician_id)
            if tech is None:
                raise NotFoundError("That technician no longer exists.")
            if tech.retired_on is None:
                raise ConflictError(f"{tech.full_name} is not retired.")
            before = audit.snapshot(tech)
            tech.retired_on = None
            tech.retired_reason = ""
            tech.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="unretire",
                entity="technicians",
                entity_id=tech.id,
                summary=f"Technician {tech.full_name} back on the roster",
                before=before,
                after=audit.snapshot(tech),
            )
            return self._row(session, tech.id)

    def add_credential(self, draft: CredentialDraft) -> int:
        """Kept for callers of the first version; see ``services.credentials``."""
        from fluorodesk.services.credentials import CredentialService

        return CredentialService(self.db, self.actor, today=self._today).add(draft).id


# --------------------------------------------------------------------------- findings

_BLOCKING_ACTIONS = (
    (CredentialState.EXPIRED, "renew what expired and file the new card or letter"),
    (CredentialState.MISSING, "obtain what is missing, or mark it not applicable with a reason"),
    (CredentialState.UNVERIFIED, "verify at the source and record who, when and how"),
)


def _cannot_work(tech: Technician, statuses: Sequence[CredentialStatus], ready: Readiness) -> Finding:
    blocking = [s for s in statuses if s.state.blocks_work]
    lapsed_checks = [s for s in blocking if s.type is CredentialType.EXCLUSION_CHECK and not s.detail]
    renewals = [s for s in blocking if s.state is CredentialState.EXPIRED and s not in lapsed_checks]
    actions = [
        words
        for state, words in _BLOCKING_ACTIONS
        if any(s.state is state for s in blocking) and (state is not CredentialState.EXPIRED or renewals)
    ]
    if lapsed_checks:
        actions.append("run the OIG/SAM exclusion check again and file the result")
    if any(s.type is CredentialType.EXCLUSION_CHECK and s.detail for s in blocking):
        actions.insert(0, "do not schedule until the director has reviewed the exclusion")
    action = "; ".join(actions)
    lapsed = [s.expires_on for s in blocking if s.state is CredentialState.EXPIRED and s.expires_on]
    return Finding(
        Area.CREDENTIALS,
        Severity.CRITICAL,
        "technician.cannot_work",
        tech.full_name,
        "Cannot work: " + "; ".join(ready.reasons) + ".",
        action[:1].upper() + action[1:] + ".",
        min(lapsed) if lapsed else None,
        "technicians",
        tech.id,
    )


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    """Technician findings as of a date.

    To keep the Overview readable there is ONE critical finding per technician who cannot work
    (``technician.cannot_work``), listing every reason (expired, missing, unverified), rather than
    one per credential; items that do not stop work yet get their own warning
    (``credential.expiring``), and CE gets one per technician (``ce.shortfall`` late in the
    biennium, ``ce.biennium_unknown`` when progress cannot be checked).
    """
    out: list[Finding] = []
    entries = ce_entries(session)
    for tech in load_technicians(session):
        if tech.retired_on is not None and tech.retired_on <= as_of:
            continue
        if tech.start_date is not None and tech.start_date > as_of:
            continue
        facts = credential_facts(tech)
        statuses, ready = evaluate_technician(tech, settings, as_of, facts)
        if not ready.can_work:
            out.append(_cannot_work(tech, statuses, ready))
        for status in statuses:
            if status.state is CredentialState.EXPIRING and status.expires_on:
                out.append(
                    Finding(
                        Area.CREDENTIALS,
                        Severity.WARNING,
                        "credential.expiring",
                        tech.full_name,
                        f"{status.type.label} expires {status.expires_on} "
                        f"({describe_due(status.expires_on, as_of)}).",
                        "Remind the technician to renew, then file the new record.",
                        status.expires_on,
                        "technicians",
                        tech.id,
                    )
                )
        progress = evaluate_ce(tech, settings, as_of, entries.get(tech.id, []), facts)
        if progress.state is CeState.SHORT and progress.biennium is not None:
            missing = "; ".join(
                f"{p.earned:g} of {p.required:g} credits"
                if index == 0
                else f"{p.label.lower()} {p.earned:g} of {p.required:g}"
                for index, p in enumerate(progress.parts)
                if not p.met or index == 0
            )
            out.append(
                Finding(
                    Area.CREDENTIALS,
                    Severity.WARNING,
                    "ce.shortfall",
                    tech.full_name,
                    f"CE behind for the biennium ending {progress.biennium.end}: {missing}.",
                    "Ask for CE certificates or a plan to finish; log each activity with its certificate.",
                    progress.biennium.end,
                    "technicians",
                    tech.id,
                )
            )
        elif progress.state is CeState.UNKNOWN:
            out.append(
                Finding(
                    Area.CREDENTIALS,
                    Severity.INFO,
                    "ce.biennium_unknown",
                    tech.full_name,
                    "CE progress cannot be checked: the ARRT biennium start is not recorded.",
                    "Edit the technician and enter when their current biennium started.",
                    None,
                    "technicians",
                    tech.id,
                )
            )
    return out
