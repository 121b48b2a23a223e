from datetime import date

import pytest

from fluorodesk.domain.enums import ExposureMode as M
from fluorodesk.domain.enums import ExposureVerdict as V
from fluorodesk.domain.enums import RateUnit as U
from fluorodesk.domain.exposure import (
    UnitFacts,
    applicable_limit,
    assess_reading,
    expected_periods,
    missed_periods,
)
from fluorodesk.domain.settings import ClinicSettings

SETTINGS = ClinicSettings()
MODERN = UnitFacts(has_aerc=True, has_hlc=True, manufactured_on=date(2015, 1, 1))


@pytest.mark.parametrize(
    ("unit", "mode", "rate_unit", "expected"),
    [
        (MODERN, M.NORMAL, U.MGY_PER_MIN, 88.0),
        (MODERN, M.NORMAL, U.R_PER_MIN, 10.0),
        (MODERN, M.PULSED, U.MGY_PER_MIN, 88.0),
        (MODERN, M.HIGH_LEVEL, U.MGY_PER_MIN, 176.0),
        (MODERN, M.HIGH_LEVEL, U.R_PER_MIN, 20.0),
        (UnitFacts(False, False, None), M.NORMAL, U.MGY_PER_MIN, 44.0),
        (UnitFacts(False, False, None), M.NORMAL, U.R_PER_MIN, 5.0),
        (UnitFacts(True, True, date(1995, 5, 19)), M.HIGH_LEVEL, U.R_PER_MIN, 20.0),
    ],
)
def test_limit_in_the_readings_own_unit(unit, mode, rate_unit, expected):
    limit = applicable_limit(unit, mode, rate_unit, SETTINGS)
    assert limit is not None and limit.value == expected and limit.unit is rate_unit


def test_pre_1995_unit_has_no_limit_in_high_level_control():
    old = UnitFacts(True, True, date(1995, 5, 18))
    assert applicable_limit(old, M.HIGH_LEVEL, U.R_PER_MIN, SETTINGS) is None
    assert applicable_limit(old, M.NORMAL, U.R_PER_MIN, SETTINGS).value == 10.0


def test_reading_exactly_at_the_limit_passes():
    limit = applicable_limit(MODERN, M.NORMAL, U.MGY_PER_MIN, SETTINGS)
    assert assess_reading(88.0, U.MGY_PER_MIN, limit).verdict is V.PASS
    over = assess_reading(88.01, U.MGY_PER_MIN, limit)
    assert over.verdict is V.OVER_LIMIT and "88 mGy/min" in over.detail


def test_r_per_min_reading_is_never_converted():
    limit = applicable_limit(MODERN, M.NORMAL, U.R_PER_MIN, SETTINGS)
    # 10.1 R/min is over 10 R/min even though 10.1 is far below 88
    assert assess_reading(10.1, U.R_PER_MIN, limit).verdict is V.OVER_LIMIT
    with pytest.raises(ValueError):
        assess_reading(10.0, U.MGY_PER_MIN, limit)


def test_tolerance_against_baseline_in_same_unit_only():
    limit = applicable_limit(MODERN, M.NORMAL, U.MGY_PER_MIN, SETTINGS)
    at_edge = assess_reading(
        50.0, U.MGY_PER_MIN, limit, baseline=40.0, baseline_unit=U.MGY_PER_MIN, tolerance_pct=25
    )
    assert at_edge.verdict is V.PASS and at_edge.deviation_pct == pytest.approx(25.0)
    outside = assess_reading(
        50.5, U.MGY_PER_MIN, limit, baseline=40.0, baseline_unit=U.MGY_PER_MIN, tolerance_pct=25
    )
    assert outside.verdict is V.OUTSIDE_TOLERANCE
    other_unit = assess_reading(60.0, U.MGY_PER_MIN, limit, baseline=4.0, baseline_unit=U.R_PER_MIN)
    assert other_unit.verdict is V.PASS and "not compared" in other_unit.detail
    assert assess_reading(100, U.MGY_PER_MIN, limit, baseline=40, baseline_unit=U.MGY_PER_MIN).verdict is (
        V.OVER_LIMIT
    )


def test_weekly_periods_are_calendar_weeks_and_current_week_is_not_expected():
    periods = expected_periods(date(2026, 11, 4), date(2026, 11, 26), 7)  # Wed -> Thu
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 22)),
    ]
    # Sunday is the last day of its week: still doable on that day
    assert len(expected_periods(date(2026, 11, 2), date(2026, 11, 8), 7)) == 0
    assert len(expected_periods(date(2026, 11, 2), date(2026, 11, 9), 7)) == 1


def test_missed_periods_across_the_year_end():
    checks = [date(2025, 12, 22), date(2026, 1, 8)]
    missed = missed_periods(checks, date(2025, 12, 22), date(2026, 1, 18), 7)
    assert [(p.start, p.end) for p in missed] == [(date(2025, 12, 29), date(2026, 1, 4))]


def test_missed_periods_other_interval_and_no_checks():
    missed = missed_periods([], date(2026, 1, 1), date(2026, 3, 3), 30)
    assert [(p.start, p.end) for p in missed] == [
        (date(2026, 1, 1), date(2026, 1, 30)),
        (date(2026, 1, 31), date(2026, 3, 1)),
    ]
    with pytest.raises(ValueError):
        expected_periods(date(2026, 1, 1), date(2026, 2, 1), 0)
