"""The shortcuts behind fast dosimetry loads give exactly what the plain computations give."""

from __future__ import annotations

from dataclasses import astuple, fields
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.dose import Period, PeriodKind, exact
from fluorodesk.domain.dosimetry import (
    DoseEntry,
    ReadingFacts,
    add_up,
    clearly_below,
    quarter_of,
    shared_entry,
)
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind


def plain_quarter(day: date) -> tuple[int, int, date, date]:
    number = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * number - 2, 1)
    end = date(day.year + 1, 1, 1) if number == 4 else date(day.year, 3 * number + 1, 1)
    return day.year, number, start, end - timedelta(days=1)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 6, 30),
        date(2026, 7, 1),
        date(2026, 9, 30),
        date(2026, 10, 1),
        date(2026, 12, 31),
        date(2024, 2, 29),
        date(2027, 1, 1),
    ],
)
def test_remembered_quarter_at_its_boundaries(day):
    quarter = quarter_of(day)
    assert quarter == Period.of(day, PeriodKind.QUARTER)
    assert (quarter.year, quarter.number, quarter.start, quarter.end) == plain_quarter(day)
    assert quarter_of(day) is quarter  # asked again: the same (immutable) answer


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31)))
def test_remembered_quarter_matches_the_calendar(day):
    quarter = quarter_of(day)
    assert (quarter.year, quarter.number, quarter.start, quarter.end) == plain_quarter(day)
    assert quarter.start <= day <= quarter.end


def test_period_bounds_are_kept_but_not_part_of_its_identity():
    quarter = Period(PeriodKind.QUARTER, 2026, 4)
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), date(2026, 12, 31))
    fresh = Period(PeriodKind.QUARTER, 2026, 4)
    assert quarter == fresh and hash(quarter) == hash(fresh) and {quarter: 1}[fresh] == 1
    assert astuple(quarter) == (PeriodKind.QUARTER, 2026, 4)
    february = Period(PeriodKind.MONTH, 2024, 2)
    assert (february.start, february.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Period(PeriodKind.MONTH, 2026, 12).end == date(2026, 12, 31)


@pytest.mark.parametrize(
    "value, minimal",
    [(0.12, False), (None, True), (None, False), (3.0, True), (0.0, False), (-0.0, False)],
)
def test_a_shared_entry_equals_a_new_one(value, minimal):
    entry = shared_entry(value, minimal)
    assert entry == DoseEntry(value=value, minimal=minimal)
    assert entry.words == DoseEntry(value=value, minimal=minimal).words


def test_zero_and_minus_zero_entries_are_not_mixed_up():
    assert shared_entry(0.0, False).words == "0"
    assert shared_entry(-0.0, False).words == "-0"
    assert shared_entry(0.0, False).words == "0"


def test_common_entries_are_shared():
    assert shared_entry(0.12, False) is shared_entry(0.12, False)
    assert shared_entry(0.12, False) is not shared_entry(0.12, True)


def facts_values(facts: ReadingFacts) -> list:
    return [getattr(facts, f.name) for f in fields(ReadingFacts)]


READINGS = [
    ReadingFacts(date(2026, 1, 1), date(2026, 1, 31), deep=0.1, lens=0.2, shallow=0.3),
    ReadingFacts(date(2026, 2, 1), date(2026, 2, 28), DoseReadingKind.MINIMAL, position=BadgePosition.COLLAR),
    ReadingFacts(date(2026, 3, 1), date(2026, 3, 31), DoseReadingKind.UNUSED, position=BadgePosition.RING),
    ReadingFacts(
        date(2026, 3, 1), date(2026, 3, 31), deep=0.4, lens_minimal=True, position=BadgePosition.COLLAR
    ),
    ReadingFacts(date(2026, 3, 1), date(2026, 3, 31), shallow=1.5, position=BadgePosition.RING),
    ReadingFacts(date(2026, 3, 1), date(2026, 3, 31), deep=0.5, position=BadgePosition.WAIST),
    ReadingFacts(date(2026, 4, 1), date(2026, 4, 30), deep=0.7, other_facility="Valley Imaging"),
    ReadingFacts(date(2026, 5, 1), date(2026, 5, 31), deep=0.2, received_on=date(2026, 7, 2)),
]


@pytest.mark.parametrize("facts", READINGS)
def test_facts_from_values_equal_facts_from_the_constructor(facts):
    copy = ReadingFacts.from_values(facts_values(facts))
    assert copy == facts and hash(copy) == hash(facts)
    assert copy.tally == facts.tally and copy.available_on == facts.available_on
    assert [copy.entry(n) for n in ("deep", "lens", "shallow")] == [
        facts.entry(n) for n in ("deep", "lens", "shallow")
    ]


def test_facts_from_values_wants_every_field():
    with pytest.raises(ValueError):
        ReadingFacts.from_values([date(2026, 1, 1), date(2026, 1, 31)])


@pytest.mark.parametrize("as_of", [date(2026, 3, 31), date(2026, 7, 1), date(2026, 7, 2)])
@pytest.mark.parametrize("include_other", [True, False])
def test_add_up_agrees_with_reading_by_reading_sums(as_of, include_other):
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    kept = [
        r
        for r in READINGS
        if start <= r.period_end <= end
        and r.available_on <= as_of
        and (include_other or not r.other_facility)
    ]
    totals = add_up(READINGS, start, end, as_of, include_other=include_other)
    expected: dict = {}
    for reading in kept:
        for quantity, value in reading.contributes().items():
            expected[quantity] = expected.get(quantity, 0) + value
    assert dict(totals.doses) == expected
    assert totals.readings == len(kept)
    assert totals.unused == sum(r.kind is DoseReadingKind.UNUSED for r in kept)
    assert totals.minimal == sum(r.has_minimal for r in kept)


@pytest.mark.parametrize("value", [0.1, 0.12, 1e-05, 1234.5, 0.30000000000000004, 0.0, -0.0])
def test_remembered_exact_decimals(value):
    first, again = exact(value), exact(value)
    assert first == again == Decimal(repr(value))
    assert str(first) == str(again) == str(Decimal(repr(value)))  # -0.0 stays "-0.0"


doses = st.one_of(st.none(), st.integers(0, 3000).map(lambda hundredths: hundredths / 100))
readings_st = st.lists(
    st.builds(
        ReadingFacts,
        period_start=st.just(date(2026, 1, 1)),
        period_end=st.just(date(2026, 1, 31)),
        kind=st.sampled_from(DoseReadingKind),
        deep=doses,
        lens=doses,
        shallow=doses,
        deep_minimal=st.booleans(),
        lens_minimal=st.booleans(),
        shallow_minimal=st.booleans(),
        position=st.sampled_from([None, *BadgePosition]),
        other_facility=st.sampled_from(["", "Valley Imaging"]),
    ),
    max_size=12,
)
levels_st = st.lists(st.integers(0, 5000).map(lambda hundredths: Decimal(hundredths) / 100), min_size=1)


@given(readings_st, levels_st)
def test_clearly_below_means_no_total_is_above_any_level(readings, thresholds):
    if clearly_below(readings, thresholds):
        for include_other in (True, False):
            totals = add_up(
                readings,
                date(2026, 1, 1),
                date(2026, 12, 31),
                date(2026, 12, 31),
                include_other=include_other,
            )
            assert all(dose <= level for dose in totals.doses.values() for level in thresholds)


def collar(deep: float | None) -> ReadingFacts:
    return ReadingFacts(date(2026, 1, 1), date(2026, 1, 31), deep=deep, position=BadgePosition.COLLAR)


def test_clearly_below_at_the_boundaries():
    level = [Decimal("1.25")]
    assert clearly_below([collar(0.6), collar(0.6)], level)
    assert not clearly_below([collar(0.6), collar(0.65)], level)  # exactly at the level: added up exactly
    assert not clearly_below([collar(1.3)], level)
    assert clearly_below([], level)
    assert not clearly_below([collar(0.1)], [Decimal(0)])  # a zero level: anything may be above it
    assert not clearly_below([collar(0.1)], [])
    assert not clearly_below([collar(float("nan"))], level)
    assert not clearly_below([collar(float("inf"))], level)
    ring = ReadingFacts(date(2026, 1, 1), date(2026, 1, 31), shallow=2.0, position=BadgePosition.RING)
    assert not clearly_below([ring], level)  # every cell counts, whatever the badge


@given(readings_st)
def test_entries_are_the_three_cells(readings):
    for reading in readings:
        assert reading.entries() == tuple(reading.entry(n) for n in ("deep", "lens", "shallow"))


@pytest.mark.parametrize("facts", READINGS)
def test_entries_of_the_sample_readings(facts):
    assert facts.entries() == tuple(facts.entry(n) for n in ("deep", "lens", "shallow"))
