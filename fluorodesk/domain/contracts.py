"""Contract rules: is a contract in force on a date, when must it be cancelled, renewed or evaluated.

Conventions (shown to users in the same words):

* ``expires_on`` is the *last* day of the first term (inclusive); blank means open-ended.
* An auto-renewing contract starts a new term the day after a term ends, for ``renewal_term_months``
  (or, when blank, the length of the first term), unless notice is given ``notice_days`` before the
  term ends.  Terms are counted from the day after the first expiry, so month ends and 29 February
  do not drift from one renewal to the next.
* ``terminated_on`` is the first day the contract no longer applies (notice given, or ended early).
* A contract is *superseded* from the effective date of its signed renewal: from then on the renewal
  carries the terms and the old contract is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import LabelledEnum, RenewalType

MAX_NOTICE_DAYS = 365
MAX_TERM_MONTHS = 120


@dataclass(frozen=True)
class ContractTerms:
    effective_on: date
    expires_on: date | None
    renewal: RenewalType
    notice_days: int = 0
    signed_on: date | None = None
    terminated_on: date | None = None
    renewal_term_months: int | None = None
    superseded_on: date | None = None  # effective date of the signed renewal, if any


class ContractState(LabelledEnum):
    UNSIGNED = "unsigned"
    PENDING = "pending"  # signed, not started yet
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    SUPERSEDED = "superseded"

    @property
    def current(self) -> bool:
        """Still part of today's picture (not history)."""
        return self in (ContractState.UNSIGNED, ContractState.PENDING, ContractState.IN_FORCE)


class EvaluationOutcome(LabelledEnum):
    SATISFACTORY = "satisfactory"
    NEEDS_IMPROVEMENT = "needs_improvement"
    UNSATISFACTORY = "unsatisfactory"


def term_months(start: date, end: date) -> int:
    """Length of a term in whole months, at least 1 (a 2026-01-01..2026-12-31 term is 12)."""
    return max(1, round(((end - start).days + 1) / 30.4375))


def renewal_months(terms: ContractTerms) -> int:
    if terms.renewal_term_months:
        return terms.renewal_term_months
    if terms.expires_on is None:
        return 12
    return term_months(terms.effective_on, terms.expires_on)


def suggested_expiry(effective_on: date, months: int) -> date:
    """Last day of a term of ``months`` starting on ``effective_on``.

    The day before the same date ``months`` later (2026-01-01 + 12 -> 2026-12-31); when that date does
    not exist (29 February, the 31st) the term runs to the end of the shorter month
    (2024-02-29 + 12 -> 2025-02-28, 2026-01-31 + 1 -> 2026-02-28).
    """
    same_day = add_months(effective_on, months)
    if same_day.day < effective_on.day:  # clamped: the anniversary does not exist that month
        return same_day
    return same_day - timedelta(days=1)


def current_term_end(terms: ContractTerms, as_of: date) -> date | None:
    """Last day of the term running on ``as_of``; an auto-renewing contract rolls forward term by term.

    Before the contract starts (or on any day of its first term) this is the first expiry date.
    """
    if terms.expires_on is None:
        return None
    if terms.renewal is not RenewalType.AUTO or terms.expires_on >= as_of:
        return terms.expires_on
    months = renewal_months(terms)
    first_renewal = terms.expires_on + timedelta(days=1)

    def end_of_term(k: int) -> date:  # k-th renewal term, k >= 1
        return suggested_expiry(first_renewal, months * k)

    # Start near the answer instead of walking term by term (a 1-month term over decades).
    elapsed = (as_of.year - first_renewal.year) * 12 + as_of.month - first_renewal.month
    k = max(1, elapsed // months)
    while k > 1 and end_of_term(k - 1) >= as_of:
        k -= 1
    while end_of_term(k) < as_of:
        k += 1
    return end_of_term(k)


def ends_on(terms: ContractTerms, as_of: date) -> date | None:
    """Last day the contract applies as seen on ``as_of`` (a later termination or supersession counts)."""
    candidates = []
    end = current_term_end(terms, as_of)
    if end is not None:
        candidates.append(end)
    for stop in (terms.terminated_on, terms.superseded_on):
        if stop is not None:
            candidates.append(stop - timedelta(days=1))
    return min(candidates) if candidates else None


def is_signed(terms: ContractTerms, as_of: date) -> bool:
    return terms.signed_on is not None and terms.signed_on <= as_of


def is_in_force(terms: ContractTerms, as_of: date) -> bool:
    """Signed by ``as_of``, started, not terminated or superseded, and within its (possibly renewed) term."""
    if not is_signed(terms, as_of):
        return False
    if terms.effective_on > as_of:
        return False
    if terms.terminated_on is not None and terms.terminated_on <= as_of:
        return False
    if terms.superseded_on is not None and terms.superseded_on <= as_of:
        return False
    end = current_term_end(terms, as_of)
    return end is None or end >= as_of


def cancellation_deadline(terms: ContractTerms, as_of: date) -> date | None:
    """Last day to give notice before an auto-renewing contract renews itself at the end of this term."""
    if terms.renewal is not RenewalType.AUTO:
        return None
    end = current_term_end(terms, as_of)
    return None if end is None else end - timedelta(days=terms.notice_days)


def contract_state(terms: ContractTerms, as_of: date) -> ContractState:
    if terms.terminated_on is not None and terms.terminated_on <= as_of:
        return ContractState.TERMINATED
    if terms.superseded_on is not None and terms.superseded_on <= as_of:
        return ContractState.SUPERSEDED
    end = current_term_end(terms, as_of)
    if end is not None and end < as_of:
        return ContractState.EXPIRED
    if not is_signed(terms, as_of):
        return ContractState.UNSIGNED
    if terms.effective_on > as_of:
        return ContractState.PENDING
    return ContractState.IN_FORCE


def status_words(terms: ContractTerms, as_of: date) -> str:
    """What a person reads in the Status column: the state and the date that matters."""
    state = contract_state(terms, as_of)
    if state is ContractState.TERMINATED:
        return f"Ended {terms.terminated_on}"
    if state is ContractState.SUPERSEDED:
        return f"Renewed from {terms.superseded_on}"
    if state is ContractState.EXPIRED:
        return f"Expired {current_term_end(terms, as_of)}"
    if state is ContractState.UNSIGNED:
        return "Not signed"
    if state is ContractState.PENDING:
        return f"Starts {terms.effective_on}"
    last = ends_on(terms, as_of)
    if last is None:
        return "In force (open-ended)"
    if terms.terminated_on is not None and last == terms.terminated_on - timedelta(days=1):
        return f"In force, ends {last} (notice given)"
    if terms.superseded_on is not None and last == terms.superseded_on - timedelta(days=1):
        return f"In force to {last}, then its renewal"
    if terms.renewal is RenewalType.AUTO and terms.superseded_on is None:
        return f"In force, renews {last + timedelta(days=1)}"
    return f"In force to {last}"


def describe_days(day: date, as_of: date, *, verb: str) -> str:
    """'expires today', 'expires in 3 days', 'expired 2 days ago' style wording."""
    delta = (day - as_of).days
    if delta == 0:
        return f"{verb} today"
    if delta > 0:
        return f"{verb} in {delta} day{'s' if delta != 1 else ''}"
    return f"{-delta} day{'s' if delta != -1 else ''} ago"


def evaluation_due(last_evaluated: date | None, service_start: date, interval_months: int) -> date:
    """When the next evaluation of a contracted service is due: a full interval after the last one,
    or after the service started when it was never evaluated."""
    return add_months(last_evaluated or service_start, interval_months)


def term_problems(
    *,
    effective_on: date | None,
    expires_on: date | None,
    renewal: RenewalType,
    notice_days: int | None,
    renewal_term_months: int | None,
    signed_on: date | None,
    today: date,
) -> dict[str, str]:
    """Field messages for contract terms that cannot be right (field names match the contract dialog)."""
    errors: dict[str, str] = {}
    if effective_on is None:
        errors["effective_on"] = "Enter the date the contract takes effect."
    if effective_on is not None and expires_on is not None and expires_on < effective_on:
        errors["expires_on"] = (
            f"The contract would expire ({expires_on}) before it takes effect ({effective_on})."
        )
    if expires_on is None and renewal is not RenewalType.FIXED:
        errors["expires_on"] = "A renewing contract needs the end date of its first term."
    if notice_days is not None and not 0 <= notice_days <= MAX_NOTICE_DAYS:
        errors["notice_days"] = f"Notice must be 0 to {MAX_NOTICE_DAYS} days."
    elif (
        renewal is RenewalType.AUTO
        and notice_days
        and effective_on is not None
        and expires_on is not None
        and notice_days > (expires_on - effective_on).days + 1
    ):
        errors["notice_days"] = "The notice period is longer than the first term."
    if renewal_term_months is not None and not 1 <= renewal_term_months <= MAX_TERM_MONTHS:
        errors["renewal_term_months"] = f"A renewal term is 1 to {MAX_TERM_MONTHS} months."
    if signed_on is not None and signed_on > today:
        errors["signed_on"] = (
            f"The signed date ({signed_on}) is in the future; enter it once the contract is signed."
        )
    return errors
