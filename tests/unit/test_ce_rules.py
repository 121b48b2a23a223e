"""CE rules: the ARRT biennium, credits counted in it as of a date, the late-biennium warning."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.ce import (
    Biennium,
    CeEntry,
    CeState,
    biennium_for,
    biennium_start_problem,
    biennium_starting,
    ce_progress,
    credits_problem,
)
from fluorodesk.domain.dates import add_months

ANCHOR = date(2025, 3, 1)  # born in March: bienniums run March to the end of February


def progress(entries, as_of, **kw):
    kw.setdefault("required", 24.0)
    kw.setdefault("warning_months", 6)
    return ce_progress(entries, ANCHOR, as_of, **kw)


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        (date(2025, 3, 1), date(2025, 3, 1), date(2027, 2, 28)),  # first day
        (date(2027, 2, 28), date(2025, 3, 1), date(2027, 2, 28)),  # last day
        (date(2027, 3, 1), date(2027, 3, 1), date(2029, 2, 28)),  # the next one starts
        (date(2025, 2, 28), date(2023, 3, 1), date(2025, 2, 28)),  # before the anchor: the previous one
        (date(2019, 7, 4), date(2019, 3, 1), date(2021, 2, 28)),  # far back
    ],
)
def test_biennium_holding_a_date(as_of, start, end):
    assert biennium_for(ANCHOR, as_of) == Biennium(start, end)


def test_biennium_ends_on_29_february_in_a_leap_year():
    assert biennium_starting(date(2026, 3, 1)).end == date(2028, 2, 29)
    assert biennium_for(date(2026, 3, 1), date(2028, 2, 29)).end == date(2028, 2, 29)
    assert biennium_for(date(2026, 3, 1), date(2028, 3, 1)).start == date(2028, 3, 1)


def test_anchor_is_taken_as_the_first_of_its_month():
    assert biennium_for(date(2025, 3, 17), date(2025, 3, 2)).start == date(2025, 3, 1)


def test_january_birth_month_ends_in_december():
    assert biennium_starting(date(2025, 1, 1)) == Biennium(date(2025, 1, 1), date(2026, 12, 31))


@given(
    anchor=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    as_of=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
)
def test_biennium_always_holds_the_date_and_lasts_24_months(anchor, as_of):
    period = biennium_for(anchor, as_of)
    assert period.contains(as_of)
    assert period.start.day == 1 and period.start.month == anchor.month
    assert add_months(period.start, 24) == date.fromordinal(period.end.toordinal() + 1)


def test_credits_count_inside_the_biennium_up_to_the_as_of_date():
    entries = [
        CeEntry(date(2025, 2, 28), 5),  # previous biennium
        CeEntry(date(2025, 3, 1), 2),  # first day counts
        CeEntry(date(2026, 6, 1), 3),
        CeEntry(date(2027, 2, 28), 4),  # last day counts
        CeEntry(date(2027, 3, 1), 8),  # next biennium
    ]
    assert progress(entries, date(2027, 2, 28)).total.earned == 9
    # On 2026-06-01 the last activity had not happened yet: a past packet is reproducible.
    assert progress(entries, date(2026, 6, 1)).total.earned == 5
    assert progress(entries, date(2026, 5, 31)).total.earned == 2


def test_warning_starts_exactly_warning_months_before_the_end():
    entries = [CeEntry(date(2025, 6, 1), 10)]
    assert progress(entries, date(2026, 8, 31)).state is CeState.ON_TRACK
    late = progress(entries, date(2026, 9, 1))
    assert late.state is CeState.SHORT and late.warn_from == date(2026, 9, 1)
    assert "10 of 24 credits by 2027-02-28" in late.words
    assert progress(entries, date(2026, 9, 1), warning_months=0).state is CeState.ON_TRACK


def test_complete_needs_every_sub_requirement():
    entries = [CeEntry(date(2025, 6, 1), 22), CeEntry(date(2025, 7, 1), 2, fluoro_safety=True)]
    done = progress(entries, date(2027, 1, 1))
    assert done.state is CeState.COMPLETE and done.words == "Complete: 24 of 24 credits"
    short = progress(entries, date(2027, 1, 1), fluoro_required=4)
    assert short.state is CeState.SHORT
    assert [p.words for p in short.short_parts] == ["Fluoroscopy safety 2 of 4"]
    assert "Fluoroscopy safety 2 of 4" in short.words
    digital = progress(entries, date(2027, 1, 1), digital_required=4)
    assert digital.short_parts[0].label == "Digital radiography"


def test_fractional_credits_add_up_without_float_surprises():
    entries = [CeEntry(date(2025, 6, 1), 0.1)] * 240
    assert progress(entries, date(2027, 1, 1)).state is CeState.COMPLETE


def test_unknown_and_not_tracked():
    assert ce_progress([], None, date(2026, 1, 1), required=24, warning_months=6).state is CeState.UNKNOWN
    assert progress([], date(2026, 1, 1), tracked=False).state is CeState.NOT_TRACKED
    assert progress([], date(2026, 1, 1), required=0).state is CeState.NOT_TRACKED
    assert ce_progress([], None, date(2026, 1, 1), required=24, warning_months=6).words.startswith("Biennium")


def test_biennium_start_must_be_in_the_birth_month():
    assert biennium_start_problem(date(2025, 3, 1), 3) is None
    assert biennium_start_problem(date(2025, 3, 1), None) is None
    assert biennium_start_problem(None, 3) is None
    assert "March" in biennium_start_problem(date(2025, 4, 1), 3)


@pytest.mark.parametrize(
    ("credits", "ok"),
    [(0, False), (-1, False), (0.01, True), (99, True), (99.01, False), (float("nan"), False)],
)
def test_credits_bounds(credits, ok):
    assert (credits_problem(credits) is None) is ok
