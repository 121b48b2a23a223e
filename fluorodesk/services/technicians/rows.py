"""What the technician services hand out (frozen rows for the tab, the dialogs and the packet) and
what the dialogs hand in (drafts), with the plain conversions from stored records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from fluorodesk.db.models import CeActivity, Credential, CredentialExemption, Technician
from fluorodesk.domain.ce import NOT_TRACKED, CeProgress, counts_in
from fluorodesk.domain.credentials import CredentialState, CredentialStatus, Readiness
from fluorodesk.domain.enums import CredentialType, EmploymentType

_STATE_ORDER = {
    CredentialState.EXPIRED: 0,
    CredentialState.MISSING: 1,
    CredentialState.UNVERIFIED: 2,
    CredentialState.EXPIRING: 3,
    CredentialState.CURRENT: 4,
    CredentialState.NOT_APPLICABLE: 5,
}

#: Attachment counts by (owner id, purpose), from ``attachments.counts_by_purpose``.
Counts = dict[tuple[int, str], int]


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
    ce: CeProgress = NOT_TRACKED

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
    in_biennium: bool = False  # counts towards the biennium of the file's date

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
    """Everything on one technician's file as of a date, for the detail panel and the packet."""

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


# --------------------------------------------------------------------------- from stored records


def technician_draft(tech: Technician) -> TechnicianDraft:
    """The draft that would file ``tech`` as stored (an edit starts from it)."""
    return TechnicianDraft(
        first_name=tech.first_name,
        last_name=tech.last_name,
        employment_type=tech.employment_type,
        email=tech.email,
        phone=tech.phone,
        agency_id=tech.agency_id,
        arrt_id=tech.arrt_id or "",
        birth_month=tech.birth_month,
        start_date=tech.start_date,
        notes=tech.notes,
        ce_biennium_start=tech.ce_biennium_start,
    )


def credential_draft(cred: Credential) -> CredentialDraft:
    """The draft that would file ``cred`` as stored (a correction starts from it)."""
    return CredentialDraft(
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
        notes=cred.notes,
        verification_reference=cred.verification_reference,
    )


def credential_record(cred: Credential, counts: Counts | None = None) -> CredentialRecord:
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
    act: CeActivity,
    progress: CeProgress | None = None,
    counts: Counts | None = None,
    as_of: date | None = None,
) -> CeActivityRow:
    """``act`` as a row; ``in_biennium`` when it counts in ``progress``'s biennium on ``as_of``."""
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
        in_biennium=bool(
            period and act.voided_at is None and counts_in(period, act.completed_on, as_of or period.end)
        ),
    )
