"""Staff dosimetry rules: M vs 0 vs unused, quarter and year boundaries, levels exactly at a threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.dosimetry import (
    BadgeState,
    DoseEntry,
    DoseQuantity,
    InvestigationLevel,
    Levels,
    ReadingFacts,
    alara_reached,
    annual_reached,
    badge_state,
    classify_reading,
    default_period_end,
    fmt_msv,
    investigation_covers,
    level_reached,
    next_wear_period,
    parse_dose_entry,
    pregnancy_dose,
    pregnancy_window,
    quarter_of,
    quarter_to_date,
    review_schedule,
    year_to_date,
)
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind
from fluorodesk.domain.settings import ClinicSettings

LEVELS = Levels.from_settings(ClinicSettings())
D = DoseQuantity
AS_OF = date(2027, 6, 1)


def reading(start, end, deep=None, lens=None, shallow=None, **kw) -> ReadingFacts:
    return ReadingFacts(start, end, deep=deep, lens=lens, shallow=shallow, **kw)


def month(year, m, deep=None, **kw) -> ReadingFacts:
    from fluorodesk.domain.dates import end_of_month

    return reading(date(year, m, 1), end_of_month(date(year, m, 1)), deep, **kw)


# --------------------------------------------------------------------------- reading a report


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("M", DoseEntry(minimal=True)),
        ("m", DoseEntry(minimal=True)),
        ("minimal", DoseEntry(minimal=True)),
        ("0", DoseEntry(value=0.0)),  # a measured zero is not an M
        ("0.00", DoseEntry(value=0.0)),
        ("0.12", DoseEntry(value=0.12)),
        (".05", DoseEntry(value=0.05)),
        ("unused", DoseEntry(unused=True)),
        ("", DoseEntry()),
        (None, DoseEntry()),
        (1.5, DoseEntry(value=1.5)),
    ],
)
def test_report_cells(text, entry):
    assert parse_dose_entry(text) == entry


@pytest.mark.parametrize("text", ["-0.1", "12 mrem", "abc", "20000", True])
def test_report_cells_refused(text):
    with pytest.raises(ValueError):
        parse_dose_entry(text)


def test_m_zero_unused_and_blank_read_differently():
    assert [parse_dose_entry(t).words for t in ("M", "0", "unused", "")] == ["M", "0", "Unused", ""]
    assert parse_dose_entry("").blank and not parse_dose_entry("0").blank and not parse_dose_entry("M").blank


@pytest.mark.parametrize(
    ("cells", "unused", "kind", "errors"),
    [
        ({"deep": "M", "lens": "M", "shallow": "M"}, False, DoseReadingKind.MINIMAL, set()),
        ({"deep": "M", "lens": "", "shallow": ""}, False, DoseReadingKind.MINIMAL, set()),
        ({"deep": "0", "lens": "M", "shallow": "M"}, False, DoseReadingKind.MEASURED, set()),
        ({"deep": "0.1", "lens": "0.2", "shallow": "0.2"}, False, DoseReadingKind.MEASURED, set()),
        ({"deep": "", "lens": "", "shallow": ""}, True, DoseReadingKind.UNUSED, set()),
        ({"deep": "unused", "lens": "", "shallow": ""}, False, DoseReadingKind.UNUSED, set()),
        ({"deep": "0.1", "lens": "", "shallow": ""}, True, DoseReadingKind.UNUSED, {"deep"}),
        ({"deep": "", "lens": "", "shallow": ""}, False, DoseReadingKind.MEASURED, {"deep"}),
    ],
)
def test_reading_kind(cells, unused, kind, errors):
    got_kind, got_errors = classify_reading({k: parse_dose_entry(v) for k, v in cells.items()}, unused=unused)
    assert got_kind is kind and set(got_errors) == errors


# --------------------------------------------------------------------------- totals


def test_m_counts_as_nothing_but_is_not_a_zero_and_unused_is_neither():
    readings = [
        month(2026, 1, 0.1),
        month(2026, 2, None, deep_minimal=True),
        month(2026, 3, kind=DoseReadingKind.UNUSED),
    ]
    totals = quarter_to_date(readings, quarter_of(date(2026, 2, 1)), AS_OF)
    assert totals.get(D.DEEP) == Decimal("0.1")
    assert (totals.readings, totals.minimal, totals.unused) == (3, 1, 1)
    only_m = quarter_to_date(
        [month(2026, 2, None, kind=DoseReadingKind.MINIMAL)], quarter_of(date(2026, 2, 1)), AS_OF
    )
    assert not only_m.has(D.DEEP) and only_m.minimal == 1  # shown as M, not as 0
    zero = quarter_to_date([month(2026, 2, 0.0)], quarter_of(date(2026, 2, 1)), AS_OF)
    assert zero.has(D.DEEP) and zero.get(D.DEEP) == 0 and zero.minimal == 0


def test_quarter_boundaries_follow_the_end_of_the_wear_period():
    readings = [month(2026, 3, 0.5), month(2026, 4, 0.25), reading(date(2026, 3, 15), date(2026, 4, 14), 1.0)]
    q1 = quarter_to_date(readings, quarter_of(date(2026, 3, 31)), AS_OF)
    q2 = quarter_to_date(readings, quarter_of(date(2026, 4, 1)), AS_OF)
    assert q1.get(D.DEEP) == Decimal("0.5") and q2.get(D.DEEP) == Decimal("1.25")


def test_year_to_date_starts_on_january_first():
    readings = [month(2025, 12, 9.0), month(2026, 1, 0.1), month(2026, 5, 0.2), month(2026, 10, 5.0)]
    q2 = quarter_of(date(2026, 5, 1))
    assert year_to_date(readings, q2, AS_OF).get(D.DEEP) == Decimal("0.3")  # Dec 2025 and Oct 2026 out
    assert year_to_date(readings, quarter_of(date(2025, 12, 31)), AS_OF).get(D.DEEP) == Decimal("9.0")


def test_a_report_counts_from_the_day_it_was_received():
    late = month(2026, 1, 2.0, received_on=date(2026, 3, 10))
    q1 = quarter_of(date(2026, 1, 1))
    assert not quarter_to_date([late], q1, date(2026, 3, 9)).has(D.DEEP)
    assert quarter_to_date([late], q1, date(2026, 3, 10)).get(D.DEEP) == 2


def test_badge_positions():
    readings = [
        month(2026, 1, 0.1, lens=0.2, shallow=0.3, position=BadgePosition.COLLAR),
        month(2026, 1, 0.05, shallow=4.0, position=BadgePosition.RING),
        month(2026, 1, 0.02, position=BadgePosition.WAIST),
        month(2026, 1, 0.01, position=BadgePosition.FETAL),
        month(2026, 1, 0.3, other_facility="St. Mary's"),
    ]
    q1 = quarter_of(date(2026, 1, 1))
    everywhere = quarter_to_date(readings, q1, AS_OF)
    assert everywhere.get(D.DEEP) == Decimal("0.4")  # collar + other facility; waist/fetal/ring not added
    assert everywhere.get(D.EXTREMITY) == 4 and everywhere.get(D.SHALLOW) == Decimal("0.3")
    here = quarter_to_date(readings, q1, AS_OF, include_other=False)
    assert here.get(D.DEEP) == Decimal("0.1")


# --------------------------------------------------------------------------- levels


def totals_of(*deep):
    return quarter_to_date(
        [month(2026, 1 + i, v) for i, v in enumerate(deep)], quarter_of(date(2026, 1, 1)), AS_OF
    )


def test_exactly_at_alara_level_one_is_not_above_it():
    assert 0.55 + 0.65 + 0.05 > 1.25  # what float addition would wrongly flag
    assert alara_reached(totals_of(0.55, 0.65, 0.05), LEVELS) is None
    assert alara_reached(totals_of(0.5, 0.75), LEVELS) is None
    reached = alara_reached(totals_of(0.5, 0.76), LEVELS)
    assert reached.level is InvestigationLevel.ALARA1 and reached.quantity is D.DEEP
    assert reached.dose == Decimal("1.26") and "above the ALARA level I (1.25 mSv)" in reached.words


def test_level_two_and_the_annual_limit():
    assert alara_reached(totals_of(3.75), LEVELS).level is InvestigationLevel.ALARA1
    assert alara_reached(totals_of(3.76), LEVELS).level is InvestigationLevel.ALARA2
    assert annual_reached(totals_of(20.0, 30.0), LEVELS) is None  # exactly 50 mSv
    over = annual_reached(totals_of(20.0, 30.01), LEVELS)
    assert over.level is InvestigationLevel.ANNUAL_LIMIT
    assert (
        level_reached(totals_of(0.1), totals_of(20.0, 30.01), LEVELS).level is InvestigationLevel.ANNUAL_LIMIT
    )


def test_the_quantity_furthest_over_is_reported():
    lens_heavy = quarter_to_date(
        [month(2026, 1, 1.3, lens=9.0, shallow=1.0)], quarter_of(date(2026, 1, 1)), AS_OF
    )
    reached = alara_reached(lens_heavy, LEVELS)
    assert reached.level is InvestigationLevel.ALARA1 and reached.quantity is D.LENS  # 9/3.75 > 1.3/1.25


def test_investigations_cover_their_level_and_below():
    assert investigation_covers(InvestigationLevel.ALARA2, InvestigationLevel.ALARA1)
    assert not investigation_covers(InvestigationLevel.ALARA1, InvestigationLevel.ALARA2)
    assert not investigation_covers(None, InvestigationLevel.ALARA1)


@given(st.lists(st.integers(0, 500), max_size=6))
def test_totals_are_exact_sums_of_hundredths(hundredths):
    values = [h / 100 for h in hundredths]
    totals = totals_of(*values[:3])
    assert totals.get(D.DEEP) == sum((Decimal(h) / 100 for h in hundredths[:3]), Decimal(0))


def test_msv_formatting():
    assert fmt_msv(Decimal("1.400")) == "1.4" and fmt_msv(Decimal("100")) == "100" and fmt_msv(0.1) == "0.1"


# --------------------------------------------------------------------------- badges


@pytest.mark.parametrize(
    ("as_of", "returned", "state"),
    [
        (date(2026, 10, 31), None, BadgeState.WEARING),  # the period's last day
        (date(2026, 11, 1), None, BadgeState.DUE_BACK),
        (date(2026, 11, 14), None, BadgeState.DUE_BACK),  # exactly the due-back day
        (date(2026, 11, 15), None, BadgeState.LATE),
        (date(2026, 11, 15), date(2026, 11, 15), BadgeState.RETURNED),
        (date(2026, 11, 15), date(2026, 11, 16), BadgeState.LATE),  # returned after the as-of day
        (date(2026, 9, 30), None, BadgeState.NOT_STARTED),
    ],
)
def test_badge_return(as_of, returned, state):
    got, due = badge_state(date(2026, 10, 1), date(2026, 10, 31), returned, as_of, 14)
    assert got is state
    if state in (BadgeState.WEARING, BadgeState.DUE_BACK, BadgeState.LATE):
        assert due == date(2026, 11, 14)


def test_open_ended_badge_is_never_late():
    assert badge_state(date(2026, 1, 1), None, None, date(2027, 1, 1), 14) == (BadgeState.WEARING, None)


@pytest.mark.parametrize(
    ("start", "end", "next_start", "next_end"),
    [
        (date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 1, 1), date(2028, 1, 31), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 1), date(2027, 3, 31)),
        (date(2026, 1, 15), date(2026, 2, 14), date(2026, 2, 15), date(2026, 3, 17)),
    ],
)
def test_next_wear_period(start, end, next_start, next_end):
    assert next_wear_period(start, end) == (next_start, next_end)


def test_default_period_end():
    assert default_period_end(date(2028, 2, 10), "monthly") == date(2028, 2, 29)
    assert default_period_end(date(2026, 11, 12), "quarterly") == date(2026, 12, 31)
    with pytest.raises(ValueError):
        default_period_end(date(2026, 1, 1), "weekly")


# --------------------------------------------------------------------------- declared pregnancy


def test_pregnancy_window_counts_from_conception():
    start, end = pregnancy_window(date(2026, 8, 10), date(2027, 2, 16), None, date(2026, 11, 26))
    assert start == date(2026, 5, 12) and end == date(2026, 11, 26)
    assert pregnancy_window(date(2026, 8, 10), None, date(2026, 9, 1), date(2026, 11, 26)) == (
        date(2026, 8, 10),
        date(2026, 9, 1),
    )


def test_pregnancy_dose_prefers_the_fetal_badge_and_falls_back_to_the_collar():
    readings = [
        month(2026, 6, 0.4, position=BadgePosition.COLLAR),
        month(2026, 7, 0.4, position=BadgePosition.COLLAR),
        month(2026, 8, 0.4, position=BadgePosition.COLLAR),
        month(2026, 8, 0.05, position=BadgePosition.FETAL),
        month(2026, 9, None, position=BadgePosition.FETAL, kind=DoseReadingKind.MINIMAL),
        month(2026, 9, 0.4, position=BadgePosition.COLLAR),
    ]
    dose = pregnancy_dose(readings, date(2026, 6, 1), date(2026, 9, 30), AS_OF)
    assert dose.dose == Decimal("0.85")  # collar June + July, then fetal only
    assert "collar badge before" in dose.basis
    only_collar = pregnancy_dose(readings[:3], date(2026, 6, 1), date(2026, 9, 30), AS_OF)
    assert only_collar.dose == Decimal("1.2") and "conservative" in only_collar.basis
    assert pregnancy_dose([], date(2026, 6, 1), date(2026, 9, 30), AS_OF).basis == "no readings yet"


# --------------------------------------------------------------------------- quarterly review


def test_review_schedule_boundaries():
    first = date(2025, 11, 5)
    at_quarter_end = review_schedule(first, date(2025, 12, 31), {}, 60)
    assert at_quarter_end == []  # the quarter is not complete on its last day
    (q4,) = review_schedule(first, date(2026, 1, 1), {}, 60)
    assert q4.quarter.label == "2025 Q4" and q4.due_on == date(2026, 3, 1)
    assert q4.state(date(2026, 3, 1)) == "due"
    assert q4.state(date(2026, 3, 2)) == "overdue"
    signed = review_schedule(first, date(2026, 4, 2), {q4.quarter: date(2026, 2, 10)}, 60)
    assert [s.state(date(2026, 4, 2)) for s in signed] == ["signed", "due"]
    before_signing = review_schedule(first, date(2026, 2, 9), {q4.quarter: date(2026, 2, 10)}, 60)
    assert before_signing[0].signed_on is None
    assert review_schedule(None, date(2026, 1, 1), {}, 60) == []


@pytest.mark.parametrize("quantity", [DoseQuantity.DEEP, DoseQuantity.LENS, DoseQuantity.SHALLOW])
def test_a_cell_is_above_a_level_only_strictly_above_it(quantity):
    one, two, annual = LEVELS.alara1[quantity], LEVELS.alara2[quantity], LEVELS.annual[quantity]
    tiny = Decimal("0.001")
    assert LEVELS.quarter_level(quantity, one) is None
    assert LEVELS.quarter_level(quantity, one + tiny) is InvestigationLevel.ALARA1
    assert LEVELS.quarter_level(quantity, two) is InvestigationLevel.ALARA1
    assert LEVELS.quarter_level(quantity, two + tiny) is InvestigationLevel.ALARA2
    assert not LEVELS.over_annual(quantity, annual)
    assert LEVELS.over_annual(quantity, annual + tiny)
