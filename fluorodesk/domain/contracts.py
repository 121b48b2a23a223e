"""Contract rules: is a contract in force on a date, when must it be cancelled or renewed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import RenewalType


@dataclass(frozen=True)
class ContractTerms:
    effective_on: date
    expires_on: date | None
    renewal: RenewalType
    notice_days: int = 0
    signed_on: date | None = None
    terminated_on: date | None = None


def current_term_end(terms: ContractTerms, as_of: date) -> date | None:
    """End of the term running on ``as_of``; an auto-renewing contract rolls forward term by term."""
    if terms.expires_on is None:
        return None
    if terms.renewal is not RenewalType.AUTO or terms.expires_on >= as_of:
        return terms.expires_on
    months = max(1, _term_months(terms.effective_on, terms.expires_on))
    end = terms.expires_on
    while end < as_of:
        end = add_months(end, months)
    return end


def _term_months(start: date, end: date) -> int:
    """Length of the original term in whole months (a 2026-01-01..2026-12-31 term is 12)."""
    return round(((end - start).days + 1) / 30.4375)


def is_in_force(terms: ContractTerms, as_of: date) -> bool:
    """Signed by ``as_of``, started, not terminated, and within its (possibly renewed) term."""
    if terms.signed_on is None or terms.signed_on > as_of:
        return False
    if terms.effective_on > as_of:
        return False
    if terms.terminated_on is not None and terms.terminated_on <= as_of:
        return False
    end = current_term_end(terms, as_of)
    return end is None or end >= as_of


def cancellation_deadline(terms: ContractTerms, as_of: date) -> date | None:
    """Last day to give notice before an auto-renewing contract renews itself."""
    if terms.renewal is not RenewalType.AUTO:
        return None
    end = current_term_end(terms, as_of)
    return None if end is None else end - timedelta(days=terms.notice_days)
