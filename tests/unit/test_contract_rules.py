from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.contracts import (
    ContractState,
    ContractTerms,
    cancellation_deadline,
    contract_state,
    current_term_end,
    describe_days,
    ends_on,
    evaluation_due,
    is_in_force,
    renewal_months,
    status_words,
    suggested_expiry,
    term_months,
    term_problems,
)
from fluorodesk.domain.enums import RenewalType as Renewal

BASE = dict(effective_on=date(2025, 1, 1), expires_on=date(2025, 12, 31), signed_on=date(2024, 12, 20))


def auto(**changes):
    return ContractTerms(**{**BASE, "renewal": Renewal.AUTO, "notice_days": 60, **changes})


def test_fixed_term_ends_on_its_expiry_date_inclusive():
    terms = ContractTerms(renewal=Renewal.FIXED, **BASE)
    assert is_in_force(terms, date(2025, 12, 31))
    assert not is_in_force(terms, date(2026, 1, 1))
    assert contract_state(terms, date(2026, 1, 1)) is ContractState.EXPIRED


def test_unsigned_or_not_yet_started_or_terminated_is_not_in_force():
    assert not is_in_force(
        ContractTerms(renewal=Renewal.FIXED, **{**BASE, "signed_on": None}), date(2025, 6, 1)
    )
    assert not is_in_force(ContractTerms(renewal=Renewal.FIXED, **BASE), date(2024, 12, 31))
    terminated = ContractTerms(renewal=Renewal.FIXED, terminated_on=date(2025, 6, 1), **BASE)
    assert is_in_force(terminated, date(2025, 5, 31)) and not is_in_force(terminated, date(2025, 6, 1))
    signed_late = ContractTerms(renewal=Renewal.FIXED, **{**BASE, "signed_on": date(2025, 3, 1)})
    assert not is_in_force(signed_late, date(2025, 2, 1))
    assert is_in_force(signed_late, date(2025, 3, 1))  # signed that very day


def test_auto_renewal_rolls_forward_by_the_original_term():
    terms = auto()
    assert current_term_end(terms, date(2026, 3, 1)) == date(2026, 12, 31)
    assert is_in_force(terms, date(2027, 5, 1))
    assert cancellation_deadline(terms, date(2026, 3, 1)) == date(2026, 11, 1)
    assert cancellation_deadline(ContractTerms(renewal=Renewal.FIXED, **BASE), date(2025, 3, 1)) is None


def test_auto_renewal_across_the_year_end():
    terms = auto()
    assert current_term_end(terms, date(2025, 12, 31)) == date(2025, 12, 31)  # last day of the first term
    assert current_term_end(terms, date(2026, 1, 1)) == date(2026, 12, 31)  # first day of the renewal
    assert current_term_end(terms, date(2026, 12, 31)) == date(2026, 12, 31)
    assert current_term_end(terms, date(2027, 1, 1)) == date(2027, 12, 31)
    assert cancellation_deadline(terms, date(2026, 1, 1)) == date(2026, 11, 1)


def test_auto_renewal_keeps_29_february_and_month_ends():
    leap = auto(effective_on=date(2023, 3, 1), expires_on=date(2024, 2, 29))
    ends = [current_term_end(leap, date(y, 6, 1)) for y in (2024, 2025, 2026, 2027)]
    assert ends == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]
    monthly = auto(effective_on=date(2026, 1, 1), expires_on=date(2026, 1, 31), notice_days=5)
    assert [current_term_end(monthly, date(2026, m, 15)) for m in (2, 3, 4, 5)] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert cancellation_deadline(monthly, date(2026, 3, 1)) == date(2026, 3, 26)


def test_renewal_term_can_differ_from_the_first_term():
    terms = auto(expires_on=date(2026, 12, 31), renewal_term_months=12)  # 24 months, then yearly
    assert renewal_months(terms) == 12
    assert current_term_end(terms, date(2027, 1, 1)) == date(2027, 12, 31)
    assert renewal_months(auto(expires_on=date(2026, 12, 31))) == 24
    assert current_term_end(auto(expires_on=date(2026, 12, 31)), date(2027, 1, 1)) == date(2028, 12, 31)


@given(
    st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    st.integers(0, 800),
    st.integers(1, 36),
    st.integers(0, 4000),
)
def test_rolled_term_end_is_the_first_term_end_on_or_after_the_day(effective, length, months, later):
    terms = auto(
        effective_on=effective, expires_on=effective + timedelta(days=length), renewal_term_months=months
    )
    as_of = effective + timedelta(days=later)
    end = current_term_end(terms, as_of)
    assert end is not None and end >= as_of
    # Walk the terms one by one: the answer is the first end that is not before as_of.
    start, walked = terms.expires_on + timedelta(days=1), terms.expires_on
    k = 0
    while walked < as_of:
        k += 1
        walked = suggested_expiry(start, months * k)
    assert end == walked


def test_open_ended_contract():
    terms = ContractTerms(renewal=Renewal.FIXED, **{**BASE, "expires_on": None})
    assert current_term_end(terms, date(2030, 1, 1)) is None
    assert is_in_force(terms, date(2030, 1, 1))
    assert status_words(terms, date(2030, 1, 1)) == "In force (open-ended)"


def test_notice_deadline_today_and_just_passed():
    terms = auto()
    deadline = date(2025, 11, 1)
    assert cancellation_deadline(terms, deadline) == deadline
    assert cancellation_deadline(terms, deadline + timedelta(days=1)) == deadline  # same term: passed
    assert cancellation_deadline(auto(notice_days=0), date(2025, 12, 31)) == date(2025, 12, 31)


def test_a_signed_renewal_supersedes_from_its_effective_date():
    terms = auto(superseded_on=date(2025, 7, 1))
    assert is_in_force(terms, date(2025, 6, 30)) and not is_in_force(terms, date(2025, 7, 1))
    assert ends_on(terms, date(2025, 3, 1)) == date(2025, 6, 30)
    assert contract_state(terms, date(2025, 7, 1)) is ContractState.SUPERSEDED
    assert status_words(terms, date(2025, 7, 1)) == "Renewed from 2025-07-01"
    assert status_words(terms, date(2025, 3, 1)) == "In force to 2025-06-30, then its renewal"


@pytest.mark.parametrize(
    ("changes", "as_of", "state", "words"),
    [
        ({"signed_on": None}, date(2025, 3, 1), ContractState.UNSIGNED, "Not signed"),
        ({}, date(2024, 12, 25), ContractState.PENDING, "Starts 2025-01-01"),
        ({}, date(2025, 3, 1), ContractState.IN_FORCE, "In force, renews 2026-01-01"),
        (
            {"terminated_on": date(2026, 1, 1)},
            date(2025, 3, 1),
            ContractState.IN_FORCE,
            "In force, ends 2025-12-31 (notice given)",
        ),
        ({"terminated_on": date(2025, 5, 1)}, date(2025, 5, 1), ContractState.TERMINATED, "Ended 2025-05-01"),
        ({"renewal": Renewal.MANUAL}, date(2025, 3, 1), ContractState.IN_FORCE, "In force to 2025-12-31"),
        ({"renewal": Renewal.MANUAL}, date(2026, 1, 1), ContractState.EXPIRED, "Expired 2025-12-31"),
    ],
)
def test_state_and_words(changes, as_of, state, words):
    terms = auto(**changes)
    assert contract_state(terms, as_of) is state
    assert status_words(terms, as_of) == words
    assert state.current is (state in (ContractState.UNSIGNED, ContractState.PENDING, ContractState.IN_FORCE))


def test_term_lengths_and_suggested_expiry():
    assert term_months(date(2026, 1, 1), date(2026, 12, 31)) == 12
    assert term_months(date(2026, 1, 1), date(2026, 1, 5)) == 1  # never zero
    assert suggested_expiry(date(2026, 1, 1), 12) == date(2026, 12, 31)
    assert suggested_expiry(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert suggested_expiry(date(2024, 2, 29), 48) == date(2028, 2, 28)
    assert suggested_expiry(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert suggested_expiry(date(2026, 3, 15), 1) == date(2026, 4, 14)


def test_evaluation_due_a_full_interval_after_the_last_one():
    assert evaluation_due(None, date(2025, 3, 1), 12) == date(2026, 3, 1)
    assert evaluation_due(date(2025, 6, 30), date(2020, 1, 1), 12) == date(2026, 6, 30)
    assert evaluation_due(date(2024, 2, 29), date(2020, 1, 1), 12) == date(2025, 2, 28)
    assert evaluation_due(date(2025, 12, 31), date(2020, 1, 1), 6) == date(2026, 6, 30)


def test_describe_days():
    today = date(2026, 11, 26)
    assert describe_days(today, today, verb="expires") == "expires today"
    assert describe_days(today + timedelta(days=1), today, verb="expires") == "expires in 1 day"
    assert describe_days(today + timedelta(days=3), today, verb="due") == "due in 3 days"
    assert describe_days(today - timedelta(days=2), today, verb="due") == "2 days ago"


def problems(**changes):
    values = dict(
        effective_on=date(2026, 1, 1),
        expires_on=date(2026, 12, 31),
        renewal=Renewal.FIXED,
        notice_days=0,
        renewal_term_months=None,
        signed_on=date(2025, 12, 1),
        today=date(2026, 11, 26),
    )
    return term_problems(**{**values, **changes})


def test_good_terms_have_no_problems():
    assert problems() == {}
    assert problems(expires_on=date(2026, 1, 1)) == {}  # a one-day contract
    assert problems(expires_on=None) == {}  # open-ended fixed contract
    assert problems(signed_on=date(2026, 11, 26)) == {}  # signed today


def test_each_bad_term_names_its_field():
    assert set(problems(effective_on=None)) == {"effective_on"}
    assert "before it takes effect" in problems(expires_on=date(2025, 12, 31))["expires_on"]
    assert set(problems(renewal=Renewal.AUTO, expires_on=None)) == {"expires_on"}
    assert set(problems(notice_days=-1)) == {"notice_days"}
    assert set(problems(notice_days=400)) == {"notice_days"}
    assert set(problems(renewal=Renewal.AUTO, notice_days=366 - 1, expires_on=date(2026, 1, 31))) == {
        "notice_days"
    }
    assert set(problems(renewal_term_months=0)) == {"renewal_term_months"}
    assert "in the future" in problems(signed_on=date(2026, 11, 27))["signed_on"]
