"""Patient-dose rules: exact trigger boundaries in every KAP unit, parsing what techs type, summaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.dose import (
    CaseDose,
    DoseMetric,
    FollowUpState,
    Period,
    PeriodKind,
    ProcedureChoice,
    TriggerLevels,
    UnitDisplay,
    above,
    completeness_errors,
    dose_stats,
    exact,
    follow_up_missing,
    follow_up_state,
    format_fluoro_time,
    gycm2_to,
    kap_to_gycm2,
    looks_like_patient_name,
    match_procedure,
    median,
    parse_count,
    parse_fluoro_time,
    parse_number,
    periods_between,
    skin_check_due,
    triggers_exceeded,
)
from fluorodesk.domain.enums import KapUnit
from fluorodesk.domain.settings import ClinicSettings

LEVELS = TriggerLevels.from_settings(ClinicSettings())  # 3000 mGy, 500 Gy·cm², 60 min


def metrics(dose: CaseDose, levels: TriggerLevels = LEVELS) -> set[DoseMetric]:
    return {h.metric for h in triggers_exceeded(dose, levels)}


def test_default_levels_are_the_seeded_ones():
    assert (LEVELS.air_kerma_mgy, LEVELS.kap_gycm2, LEVELS.fluoro_min) == (3000.0, 500.0, 60.0)
    assert "3000 mGy" in LEVELS.words()


# --------------------------------------------------------------------------- exactly at a trigger


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        (CaseDose(air_kerma_mgy=3000.0), set()),  # exactly at the level: not above it
        (CaseDose(air_kerma_mgy=3000.1), {DoseMetric.AIR_KERMA}),
        (CaseDose(fluoro_time_s=3600.0), set()),
        (CaseDose(fluoro_time_s=3600.1), {DoseMetric.FLUORO_TIME}),
        (CaseDose(kap_value=500.0, kap_unit=KapUnit.GY_CM2), set()),
        (CaseDose(kap_value=500.01, kap_unit=KapUnit.GY_CM2), {DoseMetric.KAP}),
        (CaseDose(kap_value=500000.0, kap_unit=KapUnit.MGY_CM2), set()),
        (CaseDose(kap_value=500000.5, kap_unit=KapUnit.MGY_CM2), {DoseMetric.KAP}),
        (CaseDose(kap_value=50000.0, kap_unit=KapUnit.UGY_M2), set()),
        (CaseDose(kap_value=50000.1, kap_unit=KapUnit.UGY_M2), {DoseMetric.KAP}),
        (CaseDose(kap_value=600.0, kap_unit=None), set()),  # no unit: cannot be compared
        (
            CaseDose(3725.0, 3415.0, 612.0, KapUnit.GY_CM2),
            {DoseMetric.AIR_KERMA, DoseMetric.KAP, DoseMetric.FLUORO_TIME},
        ),
        (CaseDose(), set()),
    ],
)
def test_trigger_boundaries(dose, expected):
    assert metrics(dose) == expected


def test_kap_comparison_has_no_binary_rounding():
    """0.29 × 100 is 28.999999999999996 in floats; 29 µGy·m² is exactly 0.29 Gy·cm², so not above it."""
    assert 0.29 * 100 < 29  # the trap
    levels = TriggerLevels(3000.0, 0.29, 60.0)
    assert metrics(CaseDose(kap_value=29.0, kap_unit=KapUnit.UGY_M2), levels) == set()
    assert metrics(CaseDose(kap_value=290.0, kap_unit=KapUnit.MGY_CM2), levels) == set()
    assert metrics(CaseDose(kap_value=29.1, kap_unit=KapUnit.UGY_M2), levels) == {DoseMetric.KAP}


def test_a_hit_says_value_and_level_in_the_records_own_unit():
    (hit,) = triggers_exceeded(CaseDose(kap_value=50000.1, kap_unit=KapUnit.UGY_M2), LEVELS)
    assert hit.value == "50000.1 µGy·m²" and hit.level == "50000 µGy·m²"
    assert "above the 50000 µGy·m² trigger" in hit.words
    (time_hit,) = triggers_exceeded(CaseDose(fluoro_time_s=3725.0), LEVELS)
    assert time_hit.value.startswith("1:02:05") and time_hit.level == "60 min"


@given(hundredths=st.integers(0, 10**8), level_hundredths=st.integers(0, 10**6))
def test_the_flag_is_the_same_whichever_unit_the_kap_was_read_in(hundredths, level_hundredths):
    """k/100 Gy·cm² = 10k mGy·cm² = k µGy·m²: all three must agree with the exact decimal comparison."""
    levels = TriggerLevels(3000.0, float(Decimal(level_hundredths) / 100), 60.0)
    expected = Decimal(hundredths) / 100 > Decimal(level_hundredths) / 100
    readings = [
        CaseDose(kap_value=float(Decimal(hundredths) / 100), kap_unit=KapUnit.GY_CM2),
        CaseDose(kap_value=float(hundredths * 10), kap_unit=KapUnit.MGY_CM2),
        CaseDose(kap_value=float(hundredths), kap_unit=KapUnit.UGY_M2),
    ]
    assert [bool(metrics(r, levels)) for r in readings] == [expected] * 3


def test_kap_unit_conversions_are_exact_powers_of_ten():
    assert kap_to_gycm2(50000.0, KapUnit.UGY_M2) == Decimal(500)
    assert kap_to_gycm2(1.0, KapUnit.MGY_CM2) == Decimal("0.001")
    assert gycm2_to(0.29, KapUnit.UGY_M2) == Decimal(29)
    assert CaseDose(kap_value=250.0, kap_unit=KapUnit.UGY_M2).kap_gycm2 == Decimal("2.5")


# --------------------------------------------------------------------------- typing


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("83", 83.0),
        ("83 s", 83.0),
        ("83sec", 83.0),
        ("1:23", 83.0),
        ("01:23", 83.0),
        (" 1 : 23 ", 83.0),
        ("0:05", 5.0),
        ("1:02:03", 3723.0),
        ("1.4 min", 84.0),
        ("1.5m", 90.0),
        ("36.5", 36.5),
        (".5", 0.5),
        ("", None),
        (None, None),
        (42, 42.0),
    ],
)
def test_fluoro_time_as_the_display_shows_it(text, seconds):
    assert parse_fluoro_time(text) == seconds


@pytest.mark.parametrize("text", ["abc", "1:60", "-5", "5 hours", "1:2:3:4", "25:00:00", True])
def test_fluoro_time_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError):
        parse_fluoro_time(text)


@given(st.integers(0, 24 * 3600))
def test_fluoro_time_format_round_trips(seconds):
    assert parse_fluoro_time(format_fluoro_time(seconds)) == seconds


def test_format_fluoro_time():
    assert format_fluoro_time(83) == "1:23"
    assert format_fluoro_time(36.5) == "0:36.5"
    assert format_fluoro_time(3725) == "1:02:05"
    assert format_fluoro_time(None) == ""


@pytest.mark.parametrize(
    ("text", "value"), [("12.5", 12.5), ("1,250.5", 1250.5), ("0", 0.0), ("-0", 0.0), ("", None), (7, 7.0)]
)
def test_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["12,5", "abc", "-1", "nan", "inf", "1e999", True])
def test_bad_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text, what="air kerma")


def test_counts():
    assert parse_count("12") == 12 and parse_count("") is None and parse_count(0) == 0
    for bad in ("1.5", "-2", "many", True):
        with pytest.raises(ValueError):
            parse_count(bad)


@pytest.mark.parametrize(
    ("text", "is_name"),
    [
        ("Jane Doe", True),
        ("Doe, Jane", True),
        ("Mary-Ann O'Neil", True),
        ("C-2026-0412", False),
        ("A1234", False),
        ("Smith", False),  # one word: could be a clinic code; not refused
        ("", False),
        ("Case 12", False),
    ],
)
def test_a_patient_name_is_not_a_case_number(text, is_name):
    assert looks_like_patient_name(text) is is_name


CHOICES = [
    ProcedureChoice(1, "64483", "Transforaminal ESI, lumbar/sacral"),
    ProcedureChoice(2, "64479", "Transforaminal ESI, cervical/thoracic"),
    ProcedureChoice(3, "27096", "Sacroiliac joint injection"),
    ProcedureChoice(4, "22514", "Kyphoplasty, lumbar"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64483", 1),
        ("64483 — Transforaminal ESI, lumbar/sacral", 1),
        ("64483 anything after the code", 1),
        ("+64483", 1),
        ("kyphoplasty", 4),
        ("sacroiliac", 3),
        ("esi lumbar", 1),
        ("SACROILIAC JOINT INJECTION", 3),
    ],
)
def test_procedure_by_code_or_name(text, expected):
    assert match_procedure(text, CHOICES).id == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Choose the procedure"), ("esi", "fits 2 procedures (64483, 64479)"), ("vertebro", "No procedure")],
)
def test_procedure_that_does_not_fit_one(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        match_procedure(text, CHOICES)


# --------------------------------------------------------------------------- what must be recorded


@pytest.mark.parametrize(
    ("display", "dose", "fields"),
    [
        (UnitDisplay(True, True), CaseDose(40.0, 12.0), set()),
        (UnitDisplay(True, True), CaseDose(40.0, kap_value=1.2, kap_unit=KapUnit.GY_CM2), set()),
        (UnitDisplay(True, True), CaseDose(40.0), {"air_kerma_mgy"}),
        (UnitDisplay(False, True), CaseDose(40.0), {"kap_value"}),
        (UnitDisplay(True, False), CaseDose(40.0, kap_value=1.0, kap_unit=KapUnit.GY_CM2), {"kap_value"}),
        (UnitDisplay(False, False), CaseDose(40.0, images=4), set()),
        (UnitDisplay(False, False), CaseDose(40.0), {"images"}),
        (UnitDisplay(False, False), CaseDose(40.0, 12.0, images=4), {"air_kerma_mgy"}),
        (UnitDisplay(True, True), CaseDose(None, 12.0), {"fluoro_time"}),
        (UnitDisplay(True, True), CaseDose(40.0, kap_value=1.0), {"kap_unit"}),
    ],
)
def test_what_a_case_must_hold_depends_on_the_units_display(display, dose, fields):
    assert set(completeness_errors(dose, display)) == fields


def test_unit_display_words():
    assert UnitDisplay(False, False).words().startswith("Neither")
    assert not UnitDisplay(False, False).shows_dose


# --------------------------------------------------------------------------- follow-up


def test_follow_up_needs_both_steps_by_the_as_of_date():
    day = date(2026, 11, 1)
    assert follow_up_state(False, None, None, day) is FollowUpState.NOT_NEEDED
    assert follow_up_state(True, None, None, day) is FollowUpState.NEEDED
    assert follow_up_state(True, day, None, day) is FollowUpState.PARTIAL
    assert follow_up_state(True, day, day, day) is FollowUpState.DONE
    later = date(2026, 11, 20)
    assert (
        follow_up_state(True, day, later, date(2026, 11, 19)) is FollowUpState.PARTIAL
    )  # not yet on that day
    assert follow_up_missing(None, later, date(2026, 11, 19)) == [
        "patient not informed",
        "skin check not documented",
    ]
    assert skin_check_due(date(2026, 2, 1), 28) == date(2026, 3, 1)


# --------------------------------------------------------------------------- summaries


@pytest.mark.parametrize(
    ("day", "kind", "label", "start", "end"),
    [
        (date(2026, 3, 31), "quarter", "2026 Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "quarter", "2026 Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 12, 31), "quarter", "2026 Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), "quarter", "2027 Q1", date(2027, 1, 1), date(2027, 3, 31)),
        (date(2028, 2, 29), "month", "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 1), "month", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_period_boundaries(day, kind, label, start, end):
    period = Period.of(day, kind)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_periods_across_a_year_end():
    labels = [p.label for p in periods_between(date(2025, 11, 15), date(2026, 2, 1), PeriodKind.QUARTER)]
    assert labels == ["2025 Q4", "2026 Q1"]
    months = periods_between(date(2025, 11, 30), date(2026, 1, 1), "month")
    assert [p.label for p in months] == ["2025-11", "2025-12", "2026-01"]


def test_median_is_exact_and_blank_is_not_zero():
    assert median([8.4, 8.5]) == 8.45
    assert median([]) is None
    stats = dose_stats(
        [
            CaseDose(30.0, 10.0),
            CaseDose(40.0, None, 250.0, KapUnit.UGY_M2),
            CaseDose(50.0, 20.0, 1.5, KapUnit.GY_CM2),
            CaseDose(None, None),
        ],
        flagged=1,
    )
    assert (stats.cases, stats.time_cases, stats.kerma_cases, stats.kap_cases) == (4, 3, 2, 2)
    assert stats.median_time_s == 40.0 and stats.median_kerma_mgy == 15.0
    assert stats.median_kap_gycm2 == 2.0  # 2.5 and 1.5 Gy·cm², after an exact conversion
    assert stats.max_kap_gycm2 == 2.5 and stats.flagged == 1


@given(
    value=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    level=st.one_of(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.integers(0, 10**6)),
)
def test_the_fast_path_agrees_with_the_exact_comparison(value, level):
    assert above(value, exact(level)) is (exact(value) > exact(level))


@given(hundredths=st.integers(0, 10**7), delta=st.sampled_from([-1, 0, 1]))
def test_the_fast_path_at_a_hair_from_the_level(hundredths, delta):
    level = Decimal(hundredths) / 100
    value = float((Decimal(hundredths) + delta) / 100)
    assert above(value, level) is (delta > 0)
