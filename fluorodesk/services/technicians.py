"""Technicians and their credentials: roster rows, credential status, basic create actions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Agency, Credential, Technician
from fluorodesk.domain.credentials import (
    CredentialFacts,
    CredentialState,
    CredentialStatus,
    Readiness,
    credential_status,
    default_expiry,
    readiness,
    warning_window,
)
from fluorodesk.domain.dates import describe_due, parse_date
from fluorodesk.domain.enums import Area, CredentialType, EmploymentType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
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


def required_types(settings: ClinicSettings) -> list[CredentialType]:
    out = []
    for value in settings["credentials.required_types"]:
        try:
            out.append(CredentialType(value))
        except ValueError:
            continue  # a type this version does not know: ignore rather than crash
    return out


def evaluate_technician(
    tech: Technician, settings: ClinicSettings, as_of: date
) -> tuple[tuple[CredentialStatus, ...], Readiness]:
    """Status of every required type (and any other type on file) for one technician on ``as_of``."""
    by_type: dict[CredentialType, list[CredentialFacts]] = defaultdict(list)
    for cred in tech.credentials:
        by_type[cred.type].append(
            CredentialFacts(cred.type, cred.issued_on, cred.expires_on, cred.verified_on, cred.result)
        )
    exempt = {e.type for e in tech.exemptions}
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


def load_technicians(session: Session, *, include_retired: bool = True) -> Sequence[Technician]:
    stmt = (
        select(Technician)
        .options(
            selectinload(Technician.credentials),
            selectinload(Technician.exemptions),
            selectinload(Technician.agency),
        )
        .order_by(Technician.last_name, Technician.first_name)
    )
    if not include_retired:
        stmt = stmt.where(Technician.retired_on.is_(None))
    return session.scalars(stmt).all()


def to_row(tech: Technician, settings: ClinicSettings, as_of: date) -> TechnicianRow:
    statuses, ready = evaluate_technician(tech, settings, as_of)
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
    )


def _clean(text: str | None) -> str:
    return (text or "").strip()


class TechnicianService(Service):
    def list_rows(self, *, as_of: date | None = None, include_retired: bool = False) -> list[TechnicianRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            return [
                to_row(t, settings, as_of) for t in load_technicians(session, include_retired=include_retired)
            ]

    def create(self, draft: TechnicianDraft) -> TechnicianRow:
        errors: dict[str, str] = {}
        first, last = _clean(draft.first_name), _clean(draft.last_name)
        if not first:
            errors["first_name"] = "First name is required."
        if not last:
            errors["last_name"] = "Last name is required."
        try:
            employment = EmploymentType(draft.employment_type)
        except ValueError:
            errors["employment_type"] = "Choose per diem, agency or employee."
            employment = EmploymentType.PER_DIEM
        if draft.birth_month is not None and not 1 <= int(draft.birth_month) <= 12:
            errors["birth_month"] = "Birth month must be 1 to 12."
        try:
            start = parse_date(draft.start_date, field="start_date")
        except ValidationError as exc:
            errors.update(exc.fields)
            start = None
        email = _clean(draft.email)
        if email and ("@" not in email or " " in email):
            errors["email"] = f"“{email}” is not an e-mail address."
        if errors:
            raise ValidationError(fields=errors)
        arrt_id = _clean(draft.arrt_id) or None
        with self.db.write() as session:
            agency = draft.agency_id
            if agency is not None and (
                not isinstance(agency, int) or not 0 < agency < 2**63 or session.get(Agency, agency) is None
            ):  # found by tests/unit/test_fuzz.py: a stale or bad id used to crash on the foreign key
                raise ValidationError(fields={"agency_id": "That agency no longer exists; choose another."})
            if arrt_id and session.scalar(select(Technician.id).where(Technician.arrt_id == arrt_id)):
                raise ConflictError(f"Another technician already has ARRT ID {arrt_id}.")
            tech = Technician(
                first_name=first,
                last_name=last,
                employment_type=employment,
                email=email,
                phone=_clean(draft.phone),
                agency_id=draft.agency_id,
                arrt_id=arrt_id,
                birth_month=draft.birth_month,
                start_date=start,
                notes=draft.notes,
                created_by=self.actor,
                updated_by=self.actor,
            )
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
            settings = load_settings(session)
            session.refresh(tech)
            return to_row(tech, settings, self.today())

    def add_credential(self, draft: CredentialDraft) -> int:
        errors: dict[str, str] = {}
        try:
            ctype = CredentialType(draft.type)
        except ValueError:
            errors["type"] = f"“{draft.type}” is not a credential type."
            ctype = CredentialType.OTHER
        dates = {}
        for name in ("issued_on", "expires_on", "verified_on"):
            try:
                dates[name] = parse_date(getattr(draft, name), field=name)
            except ValidationError as exc:
                errors.update(exc.fields)
                dates[name] = None
        issued, expires, verified = dates["issued_on"], dates["expires_on"], dates["verified_on"]
        if issued and expires and expires < issued:
            errors["expires_on"] = "The expiry date is before the issue date."
        if verified and not _clean(draft.verified_by):
            errors["verified_by"] = "Say who verified it."
        if errors:
            raise ValidationError(fields=errors)
        with self.db.write() as session:
            tech = session.get(Technician, draft.technician_id)
            if tech is None:
                raise NotFoundError("That technician no longer exists.")
            settings = load_settings(session)
            if expires is None:
                expires = default_expiry(
                    ctype,
                    issued,
                    birth_month=tech.birth_month,
                    tb_annual_required=bool(settings["credentials.tb_annual_required"]),
                    exclusion_interval_days=int(settings["credentials.exclusion_check_interval_days"]),
                )
            cred = Credential(
                technician_id=tech.id,
                type=ctype,
                number=_clean(draft.number),
                issuer=_clean(draft.issuer),
                issued_on=issued,
                expires_on=expires,
                result=_clean(draft.result),
                verified_on=verified,
                verified_by=_clean(draft.verified_by),
                verification_method=_clean(draft.verification_method),
                notes=draft.notes,
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(cred)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="credentials",
                entity_id=cred.id,
                summary=f"{ctype.label} added for {tech.full_name}",
                after=audit.snapshot(cred),
            )
            return cred.id


_CREDENTIAL_FINDINGS = {
    CredentialState.EXPIRED: (
        Severity.CRITICAL,
        "credential.expired",
        "Renew it and file the new card or letter.",
    ),
    CredentialState.MISSING: (
        Severity.CRITICAL,
        "credential.missing",
        "Obtain it and add it to the file, or mark it not applicable with a reason.",
    ),
    CredentialState.UNVERIFIED: (
        Severity.CRITICAL,
        "credential.unverified",
        "Verify it with the issuing body and record who, when and how.",
    ),
    CredentialState.EXPIRING: (Severity.WARNING, "credential.expiring", "Remind the technician to renew."),
}


_DATED_STATES = (CredentialState.EXPIRED, CredentialState.EXPIRING)


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    for tech in load_technicians(session):
        if tech.retired_on is not None and tech.retired_on <= as_of:
            continue
        if tech.start_date is not None and tech.start_date > as_of:
            continue
        statuses, _ready = evaluate_technician(tech, settings, as_of)
        for status in statuses:
            rule = _CREDENTIAL_FINDINGS.get(status.state)
            if rule is None:
                continue
            severity, code, action = rule
            if status.state is CredentialState.EXPIRING and status.expires_on:
                when = describe_due(status.expires_on, as_of)
                message = f"{status.type.label} expires {status.expires_on} ({when})."
            elif status.state is CredentialState.EXPIRED and status.expires_on:
                message = f"{status.type.label} expired {status.expires_on}."
            else:
                message = f"{status.type.label}: {status.state.label.lower()}."
            out.append(
                Finding(
                    Area.CREDENTIALS,
                    severity,
                    code,
                    tech.full_name,
                    message,
                    action,
                    status.expires_on if status.state in _DATED_STATES else None,
                    "technicians",
                    tech.id,
                )
            )
    return out
