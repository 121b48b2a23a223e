"""Credential rules: default expiry per type and status as of a date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fluorodesk.domain.dates import add_months, end_of_month
from fluorodesk.domain.enums import CredentialType, LabelledEnum

# Licensure, certification or registration required to practice is verified at the source at hire and
# at each renewal (TJC HR.01.02.05).  BLS and HR items need a copy on file, not primary-source checks.
PRIMARY_SOURCE_TYPES = frozenset(
    {CredentialType.ARRT, CredentialType.STATE_LICENSE, CredentialType.FLUORO_PERMIT}
)

# Items whose record never lapses on its own (a baseline, a one-off check).
NO_EXPIRY_TYPES = frozenset(
    {
        CredentialType.BACKGROUND_CHECK,
        CredentialType.HEPATITIS_B,
        CredentialType.ORIENTATION,
        CredentialType.DOSIMETER_BADGE,
    }
)


class CredentialState(LabelledEnum):
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    UNVERIFIED = "unverified"
    NOT_APPLICABLE = "not_applicable"

    @property
    def blocks_work(self) -> bool:
        return self in (CredentialState.EXPIRED, CredentialState.MISSING, CredentialState.UNVERIFIED)


@dataclass(frozen=True)
class CredentialFacts:
    """What the rules need to know about one credential record."""

    type: CredentialType
    issued_on: date | None
    expires_on: date | None
    verified_on: date | None = None
    result: str | None = None  # e.g. exclusion check "clear"/"excluded"
    record_id: int | None = None  # the stored record these facts came from, if any


@dataclass(frozen=True)
class CredentialStatus:
    type: CredentialType
    state: CredentialState
    expires_on: date | None = None
    detail: str = ""

    @property
    def words(self) -> str:
        """Status in words, for tables and print (never colour alone)."""
        if self.state is CredentialState.EXPIRED and self.expires_on:
            return f"Expired {self.expires_on.isoformat()}"
        if self.state is CredentialState.EXPIRING and self.expires_on:
            return f"Expires {self.expires_on.isoformat()}"
        if self.state is CredentialState.CURRENT and self.expires_on:
            return f"Current to {self.expires_on.isoformat()}"
        return self.state.label + (f": {self.detail}" if self.detail else "")


def arrt_expiry(issued_on: date, birth_month: int) -> date:
    """ARRT registration runs to the last day of the birth month.

    Renewal opens two months before the birth month, so a registration issued in that window (or
    later) runs to the birth month of the following year: the first end of birth month more than
    three months after issue.
    """
    threshold = add_months(issued_on, 3)
    candidate = end_of_month(date(threshold.year, birth_month, 1))
    if candidate <= threshold:
        candidate = end_of_month(date(threshold.year + 1, birth_month, 1))
    return candidate


def default_expiry(
    ctype: CredentialType,
    issued_on: date | None,
    *,
    birth_month: int | None = None,
    tb_annual_required: bool = False,
    exclusion_interval_days: int = 31,
) -> date | None:
    """The expiry the rules imply when the user leaves it blank, or None when none applies."""
    if issued_on is None:
        return None
    if ctype is CredentialType.ARRT:
        return arrt_expiry(issued_on, birth_month) if birth_month else None
    if ctype is CredentialType.BLS:
        # AHA cards are valid for two years, through the end of the month of issue.
        return end_of_month(add_months(issued_on, 24))
    if ctype is CredentialType.TB_SCREENING:
        return add_months(issued_on, 12) if tb_annual_required else None
    if ctype is CredentialType.EXCLUSION_CHECK:
        return issued_on + timedelta(days=exclusion_interval_days)
    if ctype in (CredentialType.FLUORO_TRAINING, CredentialType.COMPETENCY):
        return add_months(issued_on, 12)
    return None


def warning_window(ctype: CredentialType, default_days: int) -> int:
    """Days of warning before expiry.  A monthly exclusion check would always be "expiring" under a
    60-day window, so short-cycle items warn a week ahead."""
    if ctype is CredentialType.EXCLUSION_CHECK:
        return min(default_days, 7)
    return default_days


def effective_record(records: Iterable[CredentialFacts], as_of: date) -> CredentialFacts | None:
    """The record that counts on ``as_of``: issued by then, with the latest expiry (renewals win)."""
    known = [r for r in records if r.issued_on is None or r.issued_on <= as_of]
    if not known:
        return None
    return max(known, key=lambda r: (r.expires_on or date.max, r.issued_on or date.min))


def credential_status(
    ctype: CredentialType,
    records: Sequence[CredentialFacts],
    as_of: date,
    *,
    warning_days: int,
    required: bool = True,
    not_applicable: bool = False,
) -> CredentialStatus:
    """Status of one credential type for one technician on ``as_of``.

    A credential expiring today is still valid today; it is expired from tomorrow.  Verification
    only counts if it happened on or before ``as_of`` (so past-dated packets are reproducible).
    """
    if not_applicable:
        return CredentialStatus(ctype, CredentialState.NOT_APPLICABLE)
    record = effective_record(records, as_of)
    if record is None:
        if required:
            return CredentialStatus(ctype, CredentialState.MISSING)
        return CredentialStatus(ctype, CredentialState.NOT_APPLICABLE, detail="not required")
    if record.expires_on is not None and record.expires_on < as_of:
        return CredentialStatus(ctype, CredentialState.EXPIRED, record.expires_on)
    if ctype is CredentialType.EXCLUSION_CHECK and (record.result or "").lower() == "excluded":
        return CredentialStatus(ctype, CredentialState.EXPIRED, record.expires_on, "listed as excluded")
    if ctype in PRIMARY_SOURCE_TYPES:
        verified = record.verified_on
        if verified is None or verified > as_of or (record.issued_on and verified < record.issued_on):
            return CredentialStatus(
                ctype, CredentialState.UNVERIFIED, record.expires_on, "not verified at source"
            )
    if record.expires_on is not None and (record.expires_on - as_of).days <= warning_days:
        return CredentialStatus(ctype, CredentialState.EXPIRING, record.expires_on)
    return CredentialStatus(ctype, CredentialState.CURRENT, record.expires_on)


def blocking_reason(status: CredentialStatus) -> str:
    """Why this status stops a technician from working, in words ("BLS expired 2026-10-31")."""
    label = status.type.label
    if status.state is CredentialState.EXPIRED:
        if status.detail:
            return f"{label}: {status.detail}"
        return f"{label} expired" + (f" {status.expires_on.isoformat()}" if status.expires_on else "")
    if status.state is CredentialState.MISSING:
        return f"{label} missing"
    if status.state is CredentialState.UNVERIFIED:
        return f"{label} not verified at the source"
    return f"{label} {status.state.label.lower()}"


@dataclass(frozen=True)
class Readiness:
    can_work: bool
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """"Can work", or "Cannot work: " and every reason (for a date other than today too)."""
        return "Can work" if self.can_work else "Cannot work: " + "; ".join(self.reasons)

    @property
    def words(self) -> str:
        return "Can work today" if self.can_work else self.summary


def readiness(statuses: Iterable[CredentialStatus], *, retired: bool = False) -> Readiness:
    """A technician may work when nothing required is missing, expired or unverified."""
    if retired:
        return Readiness(False, ("retired",))
    reasons = tuple(blocking_reason(s) for s in statuses if s.state.blocks_work)
    return Readiness(not reasons, reasons)


# --------------------------------------------------------------------------- entering a credential

# Suggestions offered in the dialog (the user may type anything else).
RESULT_SUGGESTIONS: dict[CredentialType, tuple[str, ...]] = {
    CredentialType.EXCLUSION_CHECK: ("clear", "excluded"),
    CredentialType.TB_SCREENING: (
        "negative (IGRA)",
        "negative (TST)",
        "positive, chest X-ray clear",
        "LTBI, annual symptom screen",
    ),
    CredentialType.HEPATITIS_B: (
        "vaccinated (3 doses)",
        "immune (titer)",
        "declined (signed OSHA declination)",
        "contraindicated",
    ),
    CredentialType.BACKGROUND_CHECK: ("clear", "clear with notes (see file)"),
    CredentialType.COMPETENCY: ("competent", "competent with follow-up"),
}

VERIFICATION_METHODS: tuple[str, ...] = (
    "ARRT online credential verification",
    "State board online lookup",
    "CDPH RHB online lookup",
    "Phone call to the issuing body",
    "AHA eCard verification",
    "Original seen, copy on file",
)

# Types whose record is meaningless without its result.
RESULT_REQUIRED = frozenset({CredentialType.EXCLUSION_CHECK, CredentialType.TB_SCREENING})

# Types whose expiry the clinic must type in: no rule can derive it.
EXPIRY_REQUIRED = frozenset({CredentialType.STATE_LICENSE, CredentialType.FLUORO_PERMIT})


def expiry_rule(ctype: CredentialType, *, tb_annual_required: bool = False, exclusion_days: int = 31) -> str:
    """The default-expiry rule in words, shown next to the expiry field."""
    if ctype is CredentialType.ARRT:
        return "ARRT registration runs to the last day of the birth month."
    if ctype is CredentialType.BLS:
        return "AHA cards are valid for 2 years, through the end of the month of issue."
    if ctype is CredentialType.TB_SCREENING:
        if tb_annual_required:
            return "Clinic policy: a TB test every year."
        return "Baseline at hire; no routine annual test (CDC 2019) unless clinic policy says so."
    if ctype is CredentialType.EXCLUSION_CHECK:
        return f"Repeat the OIG/SAM check every {exclusion_days} days."
    if ctype in (CredentialType.FLUORO_TRAINING, CredentialType.COMPETENCY):
        return "Repeated every year."
    if ctype in EXPIRY_REQUIRED:
        return "State cycle: type the expiry printed on the licence or permit."
    if ctype in NO_EXPIRY_TYPES:
        return "Does not expire on its own."
    return ""


def credential_date_problems(
    issued_on: date | None,
    expires_on: date | None,
    verified_on: date | None,
    today: date,
) -> dict[str, str]:
    """Dates out of order, as field messages for the dialog (empty when all is well)."""
    problems: dict[str, str] = {}
    if issued_on is None:
        problems["issued_on"] = "Enter the date it was issued or done."
    elif issued_on > add_months(today, 12):
        problems["issued_on"] = "The issue date is more than a year ahead; check the year."
    if issued_on and expires_on and expires_on < issued_on:
        problems["expires_on"] = "The expiry date is before the issue date."
    if verified_on is not None:
        if verified_on > today:
            problems["verified_on"] = "The verification date is in the future."
        elif issued_on and verified_on < issued_on:
            problems["verified_on"] = (
                "The verification date is before the issue date; verify this credential, not the old one."
            )
    return problems


def exemption_applies(starts_on: date | None, ended_on: date | None, as_of: date) -> bool:
    """A "not applicable" mark counts from the day it was made until the day it was withdrawn."""
    if starts_on is not None and starts_on > as_of:
        return False
    return ended_on is None or ended_on > as_of
