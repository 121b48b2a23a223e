from datetime import date

from fluorodesk.domain.contracts import ContractTerms, cancellation_deadline, current_term_end, is_in_force
from fluorodesk.domain.enums import RenewalType as Renewal

BASE = dict(effective_on=date(2025, 1, 1), expires_on=date(2025, 12, 31), signed_on=date(2024, 12, 20))


def test_fixed_term_ends_on_its_expiry_date_inclusive():
    terms = ContractTerms(renewal=Renewal.FIXED, **BASE)
    assert is_in_force(terms, date(2025, 12, 31))
    assert not is_in_force(terms, date(2026, 1, 1))


def test_unsigned_or_not_yet_started_or_terminated_is_not_in_force():
    assert not is_in_force(
        ContractTerms(renewal=Renewal.FIXED, **{**BASE, "signed_on": None}), date(2025, 6, 1)
    )
    assert not is_in_force(ContractTerms(renewal=Renewal.FIXED, **BASE), date(2024, 12, 31))
    terminated = ContractTerms(renewal=Renewal.FIXED, terminated_on=date(2025, 6, 1), **BASE)
    assert is_in_force(terminated, date(2025, 5, 31)) and not is_in_force(terminated, date(2025, 6, 1))
    signed_late = ContractTerms(renewal=Renewal.FIXED, **{**BASE, "signed_on": date(2025, 3, 1)})
    assert not is_in_force(signed_late, date(2025, 2, 1))


def test_auto_renewal_rolls_forward_by_the_original_term():
    terms = ContractTerms(renewal=Renewal.AUTO, notice_days=60, **BASE)
    assert current_term_end(terms, date(2026, 3, 1)) == date(2026, 12, 31)
    assert is_in_force(terms, date(2027, 5, 1))
    assert cancellation_deadline(terms, date(2026, 3, 1)) == date(2026, 11, 1)
    assert cancellation_deadline(ContractTerms(renewal=Renewal.FIXED, **BASE), date(2025, 3, 1)) is None


def test_open_ended_contract():
    terms = ContractTerms(renewal=Renewal.FIXED, **{**BASE, "expires_on": None})
    assert current_term_end(terms, date(2030, 1, 1)) is None
    assert is_in_force(terms, date(2030, 1, 1))
