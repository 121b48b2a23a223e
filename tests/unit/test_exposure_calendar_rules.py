"""Exposure QC rules beyond the limits: calendars, retirement, baselines, re-checks, meters, surveys."""

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fluorodesk.domain.enums import ExposureMode as M
from fluorodesk.domain.enums import ExposureVerdict as V
from fluorodesk.domain.enums import RateUnit as U
from fluorodesk.domain.exposure import (
    Baseline,
    Calibration,
    CalibrationState,
    CheckFacts,
    DueState,
    Period,
    PeriodState,
    TrendSeries,
    assess_reading,
    baseline_for,
    baseline_on,
    baseline_spans,
    calibration_on,
    entry_delay_days,
    expected_periods,
    is_late_entry,
    missed_periods,
    passing_band,
    period_calendar,
    period_holding,
    recheck_problem,
    survey_due,
    unit_baselines,
)


def spans(periods):
    return [(p.start, p.end) for p in periods]


# --------------------------------------------------------------------------- missed periods


def test_year_end_week_straddling_new_year_is_one_period():
    # Mon 2025-12-29 .. Sun 2026-01-04 is one calendar week: a check on Jan 2 covers it.
    missed = missed_periods([date(2025, 12, 22), date(2026, 1, 2)], date(2025, 12, 22), date(2026, 1, 11), 7)
    assert missed == []
    missed = missed_periods([date(2025, 12, 22)], date(2025, 12, 22), date(2026, 1, 12), 7)
    assert spans(missed) == [(date(2025, 12, 29), date(2026, 1, 4)), (date(2026, 1, 5), date(2026, 1, 11))]


def test_year_end_in_a_53_week_iso_year():
    # 2026 has ISO week 53 (Dec 28 2026 .. Jan 3 2027); it must be expected like any other week.
    checks = [date(2026, 12, 21), date(2027, 1, 5)]
    missed = missed_periods(checks, date(2026, 12, 21), date(2027, 1, 11), 7)
    assert spans(missed) == [(date(2026, 12, 28), date(2027, 1, 3))]


def test_check_on_sunday_and_monday_belong_to_different_weeks():
    first = date(2026, 3, 2)  # Monday
    checks = [date(2026, 3, 8), date(2026, 3, 9)]  # Sunday of week 1, Monday of week 2
    assert missed_periods(checks, first, date(2026, 3, 16), 7) == []
    assert spans(missed_periods([date(2026, 3, 8)], first, date(2026, 3, 16), 7)) == [
        (date(2026, 3, 9), date(2026, 3, 15))
    ]


@pytest.mark.parametrize(
    ("in_service", "first_week_start"),
    [
        (date(2026, 11, 2), date(2026, 11, 2)),  # Monday
        (date(2026, 11, 4), date(2026, 11, 2)),  # Wednesday: that week counts
        (date(2026, 11, 8), date(2026, 11, 2)),  # Sunday: still in service that week
    ],
)
def test_unit_put_in_service_mid_week_owes_a_check_that_week(in_service, first_week_start):
    periods = expected_periods(in_service, date(2026, 11, 16), 7)
    assert periods[0].start == first_week_start
    assert spans(missed_periods([date(2026, 11, 10)], in_service, date(2026, 11, 16), 7)) == [
        (date(2026, 11, 2), date(2026, 11, 8))
    ]


def test_no_periods_after_retirement():
    first = date(2026, 1, 5)
    # Retired on Wednesday Feb 4: the week of Feb 2 was partly in service and is expected, nothing after.
    periods = expected_periods(first, date(2026, 6, 1), 7, retired_on=date(2026, 2, 4))
    assert periods[-1] == Period(date(2026, 2, 2), date(2026, 2, 8))
    assert len(periods) == 5
    # Retired on a Monday: that week is not expected at all.
    periods = expected_periods(first, date(2026, 6, 1), 7, retired_on=date(2026, 2, 2))
    assert periods[-1].end == date(2026, 2, 1)
    missed = missed_periods([], first, date(2026, 6, 1), 7, retired_on=date(2026, 2, 2))
    assert len(missed) == 4


def test_retired_unit_calendar_stops_and_has_nothing_due():
    calendar = period_calendar([], date(2026, 1, 5), date(2026, 6, 1), 7, retired_on=date(2026, 2, 4))
    assert calendar[-1].period.start == date(2026, 2, 2)
    assert all(p.state is PeriodState.MISSED for p in calendar)


def test_excused_periods_are_not_missed():
    first = date(2026, 1, 5)
    missed = missed_periods([], first, date(2026, 1, 26), 7, excused=[date(2026, 1, 12)])
    assert spans(missed) == [(date(2026, 1, 5), date(2026, 1, 11)), (date(2026, 1, 19), date(2026, 1, 25))]


def test_calendar_states_including_the_period_in_progress():
    first = date(2026, 11, 2)
    as_of = date(2026, 11, 26)  # Thursday of the 4th week
    checks = [date(2026, 11, 3), date(2026, 11, 5), date(2026, 11, 20), date(2026, 11, 30)]
    calendar = period_calendar(checks, first, as_of, 7, excused=[date(2026, 11, 9)])
    assert [c.state for c in calendar] == [
        PeriodState.CHECKED,
        PeriodState.EXCUSED,
        PeriodState.CHECKED,
        PeriodState.DUE,
    ]
    assert calendar[0].checked_on == (date(2026, 11, 3), date(2026, 11, 5))
    # a check dated after as_of does not count yet
    assert calendar[3].checked_on == ()
    # The calendar and missed_periods agree on what is missed.
    missed = missed_periods(checks, first, as_of, 7, excused=[date(2026, 11, 9)])
    assert missed == [c.period for c in calendar if c.state is PeriodState.MISSED] == []


@given(
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)),
    span=st.integers(min_value=0, max_value=400),
    interval=st.sampled_from([7, 14, 30, 31]),
    offsets=st.lists(st.integers(min_value=0, max_value=400), max_size=40),
    retire_after=st.one_of(st.none(), st.integers(min_value=1, max_value=400)),
)
def test_calendar_and_missed_periods_always_agree(first, span, interval, offsets, retire_after):
    as_of = first + timedelta(days=span)
    checks = [first + timedelta(days=o) for o in offsets if first + timedelta(days=o) <= as_of]
    retired = first + timedelta(days=retire_after) if retire_after else None
    calendar = period_calendar(checks, first, as_of, interval, retired_on=retired)
    missed = missed_periods(checks, first, as_of, interval, retired_on=retired)
    assert [c.period for c in calendar if c.state is PeriodState.MISSED] == missed
    for status in calendar:
        assert retired is None or status.period.start < retired
        assert status.period.start <= as_of
        assert (status.state is PeriodState.CHECKED) == bool(status.checked_on)
    for period in missed:
        last_day = period.end if retired is None else min(period.end, retired - timedelta(days=1))
        assert last_day < as_of and not any(period.contains(d) for d in checks)


def test_period_holding_a_day():
    assert period_holding(date(2026, 1, 1), date(2025, 6, 4), 7) == Period(
        date(2025, 12, 29), date(2026, 1, 4)
    )
    assert period_holding(date(2026, 1, 31), date(2026, 1, 1), 30) == Period(
        date(2026, 1, 31), date(2026, 3, 1)
    )


# --------------------------------------------------------------------------- baselines


def test_baseline_in_effect_on_a_day_for_its_mode():
    old = Baseline(date(2025, 1, 1), M.NORMAL, 38.0, U.MGY_PER_MIN)
    new = Baseline(date(2026, 6, 1), M.NORMAL, 40.0, U.MGY_PER_MIN, tolerance_pct=20)
    pulsed = Baseline(date(2025, 1, 1), M.PULSED, 12.0, U.MGY_PER_MIN)
    all_ = [new, old, pulsed]
    assert baseline_on(all_, date(2024, 12, 31), M.NORMAL) is None
    assert baseline_on(all_, date(2026, 5, 31), M.NORMAL) is old
    assert baseline_on(all_, date(2026, 6, 1), M.NORMAL) is new
    assert baseline_on(all_, date(2026, 6, 1), M.PULSED) is pulsed
    assert baseline_on(all_, date(2026, 6, 1), M.HIGH_LEVEL) is None


def test_baseline_spans_end_where_the_next_begins_and_skip_other_units():
    baselines = [
        Baseline(date(2025, 1, 1), M.NORMAL, 38.0, U.MGY_PER_MIN),
        Baseline(date(2026, 3, 1), M.NORMAL, 4.3, U.R_PER_MIN),  # re-baselined with an R/min meter
        Baseline(date(2026, 6, 1), M.NORMAL, 40.0, U.MGY_PER_MIN, tolerance_pct=20),
    ]
    result = baseline_spans(baselines, M.NORMAL, U.MGY_PER_MIN, date(2026, 1, 1), date(2026, 12, 31), 25.0)
    assert [(s.start, s.end, s.rate, s.tolerance_pct) for s in result] == [
        (date(2026, 1, 1), date(2026, 2, 28), 38.0, 25.0),
        (date(2026, 6, 1), date(2026, 12, 31), 40.0, 20.0),
    ]
    assert result[1].low == pytest.approx(32.0) and result[1].high == pytest.approx(48.0)
    r_min = baseline_spans(baselines, M.NORMAL, U.R_PER_MIN, date(2026, 1, 1), date(2026, 12, 31), 25.0)
    assert [(s.start, s.end, s.rate) for s in r_min] == [(date(2026, 3, 1), date(2026, 5, 31), 4.3)]


def test_which_baseline_and_tolerance_apply_on_a_day():
    """One answer for the log, the findings, the units list, the chart and the packet: the baseline in
    effect for the mode on the day, with its own tolerance or the clinic's."""
    history = unit_baselines(
        [
            Baseline(date(2025, 11, 24), M.NORMAL, 34.0, U.MGY_PER_MIN),
            Baseline(date(2026, 4, 24), M.NORMAL, 35.0, U.MGY_PER_MIN, tolerance_pct=20),
            Baseline(date(2026, 6, 1), M.PULSED, 4.0, U.R_PER_MIN),
        ],
        on_record=(38.0, U.MGY_PER_MIN, 78.0, 2.1),
    )
    before = baseline_for(history, date(2025, 1, 1), M.NORMAL, U.MGY_PER_MIN, 25.0)
    assert (before.rate, before.tolerance_pct) == (38.0, 25.0)  # the unit record's, before the first
    first = baseline_for(history, date(2026, 4, 23), M.NORMAL, U.MGY_PER_MIN, 25.0)
    assert (first.rate, first.tolerance_pct) == (34.0, 25.0)
    second = baseline_for(history, date(2026, 4, 24), M.NORMAL, U.MGY_PER_MIN, 30.0)
    assert (second.rate, second.tolerance_pct) == (35.0, 20.0)  # its own tolerance, not the clinic's
    in_r = baseline_for(history, date(2026, 7, 1), M.PULSED, U.MGY_PER_MIN, 25.0)
    assert in_r.baseline is not None and not in_r.compared and in_r.rate is None  # never converted
    assert baseline_for(history, date(2026, 7, 1), M.HIGH_LEVEL, U.MGY_PER_MIN, 25.0).baseline is None
    spans_ = baseline_spans(history, M.NORMAL, U.MGY_PER_MIN, date(2026, 1, 1), date(2026, 12, 31), 25.0)
    assert [(s.start, s.rate, s.tolerance_pct) for s in spans_] == [
        (date(2026, 1, 1), 34.0, 25.0),
        (date(2026, 4, 24), 35.0, 20.0),
    ]


@given(rate=st.floats(0.1, 200, allow_nan=False), day=st.dates(date(2024, 1, 1), date(2027, 1, 1)))
def test_a_reading_inside_the_passing_band_passes_whichever_baseline_applies(rate, day):
    history = [
        Baseline(date(2025, 1, 1), M.NORMAL, 34.0, U.MGY_PER_MIN),
        Baseline(date(2026, 4, 24), M.NORMAL, 35.0, U.MGY_PER_MIN, tolerance_pct=20),
        Baseline(date(2026, 8, 1), M.NORMAL, 3.9, U.R_PER_MIN),
    ]
    low, high = passing_band(history, M.NORMAL, U.MGY_PER_MIN, 25.0)
    if low <= rate <= high:
        applied = baseline_for(history, day, M.NORMAL, U.MGY_PER_MIN, 25.0)
        result = assess_reading(
            rate,
            U.MGY_PER_MIN,
            None,
            baseline=applied.baseline.rate if applied.baseline else None,
            baseline_unit=applied.baseline.rate_unit if applied.baseline else None,
            tolerance_pct=applied.tolerance_pct,
        )
        assert result.verdict is V.PASS
    assert passing_band(history, M.PULSED, U.MGY_PER_MIN, 25.0) is None


# --------------------------------------------------------------------------- re-checks


def facts(id_, day, verdict=V.PASS, mode=M.NORMAL, unit=1, voided=False):
    return CheckFacts(id_, unit, day, mode, verdict, voided)


def test_a_valid_recheck_closes():
    original = facts(1, date(2026, 5, 4), V.OVER_LIMIT)
    assert recheck_problem(original, facts(2, date(2026, 5, 6))) is None
    assert recheck_problem(original, facts(3, date(2026, 5, 4))) is None  # same day, after the fix


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (facts(1, date(2026, 5, 4)), "its own re-check"),
        (facts(2, date(2026, 5, 6), voided=True), "voided"),
        (facts(2, date(2026, 5, 6), unit=2), "same unit"),
        (facts(2, date(2026, 5, 3)), "on or after"),
        (facts(2, date(2026, 5, 6), mode=M.PULSED), "same mode"),
        (facts(2, date(2026, 5, 6), V.OUTSIDE_TOLERANCE), "outside tolerance"),
        (facts(2, date(2026, 5, 6), V.OVER_LIMIT), "over limit"),
    ],
)
def test_what_is_not_a_recheck(candidate, words):
    problem = recheck_problem(facts(1, date(2026, 5, 4), V.OVER_LIMIT), candidate)
    assert problem is not None and words in problem


# --------------------------------------------------------------------------- late entries


def test_late_entries():
    assert entry_delay_days(date(2026, 11, 2), date(2026, 11, 2)) == 0
    assert entry_delay_days(date(2026, 11, 2), date(2026, 11, 9)) == 7
    assert not is_late_entry(date(2026, 11, 2), date(2026, 11, 9), 7)  # exactly at the grace: on time
    assert is_late_entry(date(2026, 11, 2), date(2026, 11, 10), 7)
    assert is_late_entry(date(2025, 12, 30), date(2026, 1, 2), 1)  # across the year end
    assert entry_delay_days(date(2026, 11, 2), date(2026, 11, 1)) == 0  # clock skew never negative


# --------------------------------------------------------------------------- meters


def test_meter_calibration_on_a_day_boundaries():
    cals = [Calibration(date(2024, 2, 29), date(2026, 2, 28))]
    assert calibration_on(cals, date(2024, 2, 28)).state is CalibrationState.NONE
    assert calibration_on(cals, date(2024, 2, 29)).state is CalibrationState.VALID
    assert calibration_on(cals, date(2026, 2, 28)).state is CalibrationState.VALID  # the due day itself
    lapsed = calibration_on(cals, date(2026, 3, 1))
    assert lapsed.state is CalibrationState.LAPSED and "ran out on 2026-02-28" in lapsed.words
    renewed = cals + [Calibration(date(2026, 3, 10), date(2028, 3, 10))]
    assert calibration_on(renewed, date(2026, 3, 5)).state is CalibrationState.LAPSED
    assert calibration_on(renewed, date(2026, 3, 10)).calibration == renewed[1]


# --------------------------------------------------------------------------- surveys


@pytest.mark.parametrize(
    ("as_of", "state"),
    [
        (date(2026, 1, 30), DueState.CURRENT),
        (date(2026, 1, 31), DueState.DUE_SOON),  # 30 days before the due date
        (date(2026, 2, 28), DueState.DUE),  # 12 months after Feb 28 2025 (clamped)
        (date(2026, 4, 28), DueState.DUE),  # the last day within 14 months
        (date(2026, 4, 29), DueState.OVERDUE),
    ],
)
def test_survey_due_at_12_overdue_after_14_months(as_of, state):
    result = survey_due(date(2025, 2, 28), as_of, due_months=12, max_months=14, warning_days=28)
    assert result.state is state
    assert result.due_on == date(2026, 2, 28) and result.overdue_after == date(2026, 4, 28)


def test_no_survey():
    assert survey_due(None, date(2026, 1, 1), due_months=12, max_months=14, warning_days=30).state is (
        DueState.NONE
    )


def test_trend_series_refuses_a_backwards_range():
    with pytest.raises(ValueError):
        TrendSeries("x", M.NORMAL, U.MGY_PER_MIN, date(2026, 2, 1), date(2026, 1, 1))


# --------------------------------------------------------------------------- corrective state


def test_corrective_state_needs_a_closed_action_with_a_passing_recheck():
    from fluorodesk.domain.exposure import ActionFacts, CorrectiveState, corrective_state

    original = facts(1, date(2026, 5, 4), V.OVER_LIMIT)
    good = facts(2, date(2026, 5, 6))
    as_of = date(2026, 6, 1)
    assert corrective_state(facts(9, date(2026, 5, 4)), [], as_of) is CorrectiveState.NOT_NEEDED
    assert corrective_state(original, [], as_of) is CorrectiveState.NEEDED
    open_action = ActionFacts(date(2026, 5, 5), None, None)
    assert corrective_state(original, [open_action], as_of) is CorrectiveState.IN_PROGRESS
    closed_without_recheck = ActionFacts(date(2026, 5, 5), date(2026, 5, 6), None)
    assert corrective_state(original, [closed_without_recheck], as_of) is CorrectiveState.IN_PROGRESS
    closed = ActionFacts(date(2026, 5, 5), date(2026, 5, 6), good)
    assert corrective_state(original, [closed], as_of) is CorrectiveState.CLOSED
    # as of the day before the closure it was still open; before the action, still needed
    assert corrective_state(original, [closed], date(2026, 5, 5)) is CorrectiveState.IN_PROGRESS
    assert corrective_state(original, [closed], date(2026, 5, 4)) is CorrectiveState.NEEDED
    # a re-check voided later no longer closes it
    voided = ActionFacts(date(2026, 5, 5), date(2026, 5, 6), facts(2, date(2026, 5, 6), voided=True))
    assert corrective_state(original, [voided], as_of) is CorrectiveState.IN_PROGRESS


def test_rate_unit_labels_keep_their_case():
    assert [label for _value, label in U.choices()] == ["mGy/min", "R/min"]


def test_the_week_cut_short_by_retirement_is_complete_once_the_unit_has_left():
    first, retired = date(2026, 1, 26), date(2026, 2, 4)  # out of service from Wednesday Feb 4
    # On Wednesday the unit's part of the week (Mon-Tue) is over: a missing check is missed, not due.
    assert spans(missed_periods([date(2026, 1, 27)], first, date(2026, 2, 4), 7, retired_on=retired)) == [
        (date(2026, 2, 2), date(2026, 2, 8))
    ]
    calendar = period_calendar([date(2026, 1, 27)], first, date(2026, 2, 4), 7, retired_on=retired)
    assert [c.state for c in calendar] == [PeriodState.CHECKED, PeriodState.MISSED]
    # On Tuesday it could still be checked.
    calendar = period_calendar([date(2026, 1, 27)], first, date(2026, 2, 3), 7, retired_on=retired)
    assert [c.state for c in calendar] == [PeriodState.CHECKED, PeriodState.DUE]
    assert missed_periods([date(2026, 1, 27)], first, date(2026, 2, 3), 7, retired_on=retired) == []


@given(
    checks=st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=30),
    first=st.dates(date(2024, 1, 1), date(2026, 6, 30)),
    days_after=st.integers(-30, 500),
    interval=st.sampled_from([1, 7, 14, 30]),
    retired_after=st.one_of(st.none(), st.integers(0, 600)),
    excused=st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=5),
)
@example(  # a check after as_of, in a period cut short by retirement (found by hypothesis)
    checks=[date(2025, 6, 1)],
    first=date(2025, 2, 2),
    days_after=91,
    interval=30,
    retired_after=91,
    excused=[],
)
@settings(max_examples=400)
def test_the_calendars_missed_periods_are_the_missed_periods(
    checks, first, days_after, interval, retired_after, excused
):
    """The units list shows the calendar, the findings count missed periods: one answer for both."""
    as_of = first + timedelta(days=days_after)
    retired = first + timedelta(days=retired_after) if retired_after is not None else None
    # Checks known on as_of only, as UnitEvaluation passes them (missed_periods would otherwise count
    # a later check for a period ending before as_of, where the calendar rightly does not).
    checks = [d for d in checks if d <= as_of]
    excused = (
        excused + [p.start for p in missed_periods(checks, first, as_of, interval, retired_on=retired)][:3]
    )
    from_calendar = [
        s.period
        for s in period_calendar(checks, first, as_of, interval, retired_on=retired, excused=excused)
        if s.state is PeriodState.MISSED
    ]
    assert from_calendar == missed_periods(
        checks, first, as_of, interval, retired_on=retired, excused=excused
    )
