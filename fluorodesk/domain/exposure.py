"""Exposure-rate QC rules: which limit applies, how a reading compares, which periods were missed.

Readings stay in the unit they were read in and are compared with the limit set in that same unit.
Converting R/min to mGy/min is deliberately avoided: sources use 8.76, 10 and 8.7 mGy/R.

About 650 lines: every exposure-QC rule in one place (limits, verdicts, baselines, calendars, re-checks,
meters, surveys, the chart's data), each small and pure, so none is worked out twice elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fluorodesk.domain.dates import add_months, week_start
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit

HLC_RULE_DATE = date(1995, 5, 19)  # 21 CFR 1020.32(e): units made on/after this date are limited in HLC


@dataclass(frozen=True)
class UnitFacts:
    has_aerc: bool
    has_hlc: bool
    manufactured_on: date | None


@dataclass(frozen=True)
class Limit:
    value: float
    unit: RateUnit
    basis: str


def _setting_suffix(unit: RateUnit) -> str:
    return "mgy_min" if unit is RateUnit.MGY_PER_MIN else "r_min"


def applicable_limit(
    unit: UnitFacts, mode: ExposureMode, rate_unit: RateUnit, settings: Mapping[str, Any]
) -> Limit | None:
    """The federal limit for this unit and mode, in ``rate_unit``; None when no limit applies."""
    suffix = _setting_suffix(rate_unit)
    if mode is ExposureMode.HIGH_LEVEL:
        if unit.manufactured_on is not None and unit.manufactured_on < HLC_RULE_DATE:
            return None  # pre-1995 units have no limit while high-level control is active
        return Limit(float(settings[f"exposure.limit_hlc_{suffix}"]), rate_unit, "high-level control")
    if unit.has_aerc:
        return Limit(float(settings[f"exposure.limit_normal_{suffix}"]), rate_unit, "with AERC")
    return Limit(float(settings[f"exposure.limit_manual_{suffix}"]), rate_unit, "without AERC")


@dataclass(frozen=True)
class Assessment:
    verdict: ExposureVerdict
    limit: Limit | None
    deviation_pct: float | None
    detail: str


def assess_reading(
    rate: float,
    rate_unit: RateUnit,
    limit: Limit | None,
    *,
    baseline: float | None = None,
    baseline_unit: RateUnit | None = None,
    tolerance_pct: float = 25.0,
) -> Assessment:
    """Over limit beats outside tolerance beats pass.  A reading exactly at the limit passes."""
    if limit is not None and limit.unit is not rate_unit:
        raise ValueError("limit and reading must be in the same unit")
    deviation = None
    if baseline and baseline_unit is rate_unit:
        deviation = (rate - baseline) / baseline * 100.0
    if limit is not None and rate > limit.value:
        return Assessment(
            ExposureVerdict.OVER_LIMIT,
            limit,
            deviation,
            f"{rate:g} {rate_unit.value} exceeds the {limit.value:g} {limit.unit.value} "
            f"limit ({limit.basis})",
        )
    if deviation is not None and abs(deviation) > tolerance_pct:
        return Assessment(
            ExposureVerdict.OUTSIDE_TOLERANCE,
            limit,
            deviation,
            f"{deviation:+.0f}% from the baseline {baseline:g} {rate_unit.value} "
            f"(tolerance ±{tolerance_pct:g}%)",
        )
    detail = "within limit" if limit else "no limit applies in this mode"
    if baseline and baseline_unit is not rate_unit and baseline_unit is not None:
        detail += "; baseline recorded in another unit, not compared"
    return Assessment(ExposureVerdict.PASS, limit, deviation, detail)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def words(self) -> str:
        return f"{self.start:%b %d} – {self.end:%b %d, %Y}"


def _periods(first_day: date, interval_days: int) -> Iterable[Period]:
    if interval_days <= 0:
        raise ValueError("interval must be positive")
    start = week_start(first_day) if interval_days == 7 else first_day
    step = timedelta(days=interval_days)
    while True:
        yield Period(start, start + step - timedelta(days=1))
        start += step


def expected_periods(
    first_day: date, as_of: date, interval_days: int, *, retired_on: date | None = None
) -> list[Period]:
    """Complete check periods from ``first_day`` up to ``as_of``.

    Weekly checks use calendar weeks (Monday to Sunday), which is how a clinic's log reads; other
    intervals run in fixed windows from ``first_day``.  A period still in progress on ``as_of`` is
    not yet expected (the check can still be done today); a period cut short by retirement is
    complete once the unit's last day in service has passed.

    A unit is in service from ``first_day`` up to the day before ``retired_on`` (the first day it is
    out of service).  A period in which the unit was in service on at least one day is expected: the
    week a unit enters service mid-week counts, and so does the week it leaves service after its
    Monday.  Nothing is expected after retirement.
    """
    origin, count = _expected_span(first_day, as_of, interval_days, retired_on)
    return [_period(origin, index, interval_days) for index in range(count)]


def _expected_span(
    first_day: date, as_of: date, interval_days: int, retired_on: date | None
) -> tuple[date, int]:
    """Where the periods start and how many are complete on ``as_of`` (``expected_periods``, counted:
    ten years of weekly periods need not be made one by one to find the few that were missed)."""
    if interval_days <= 0:
        raise ValueError("interval must be positive")
    origin = week_start(first_day) if interval_days == 7 else first_day
    # complete on as_of: the period's last day (or the unit's last day in service) is before as_of
    count = (as_of - origin).days // interval_days
    if retired_on is not None:
        started = -(-(retired_on - origin).days // interval_days)  # periods starting before retirement
        count = started if retired_on <= as_of else min(count, started)
    return origin, max(0, count)


def _period(origin: date, index: int, interval_days: int) -> Period:
    start = origin + timedelta(days=index * interval_days)
    return Period(start, start + timedelta(days=interval_days - 1))


def _last_service_day(period: Period, retired_on: date | None) -> date:
    """The last day of ``period`` on which the unit could still be checked."""
    if retired_on is None:
        return period.end
    return min(period.end, retired_on - timedelta(days=1))


def missed_periods(
    check_dates: Iterable[date],
    first_day: date,
    as_of: date,
    interval_days: int,
    *,
    retired_on: date | None = None,
    excused: Iterable[date] = (),
) -> list[Period]:
    """Complete periods with no check in them.

    ``excused`` holds the start dates of periods with a recorded reason that excuses them (the unit
    was not used that period); those are not missed.
    """
    origin, count = _expected_span(first_day, as_of, interval_days, retired_on)
    checked = {(day - origin).days // interval_days for day in check_dates if day >= origin}
    skip = set(excused)
    missed = (_period(origin, index, interval_days) for index in sorted(set(range(count)) - checked))
    return [period for period in missed if period.start not in skip]


class PeriodState(StrEnum):
    CHECKED = "checked"
    MISSED = "missed"
    EXCUSED = "excused"  # a note says the unit was not used in the period
    DUE = "due"  # the period in progress on as_of, no check yet

    @property
    def label(self) -> str:
        return {
            "checked": "Checked",
            "missed": "Missed",
            "excused": "Not used",
            "due": "Due this period",
        }[self.value]


@dataclass(frozen=True)
class PeriodStatus:
    period: Period
    state: PeriodState
    checked_on: tuple[date, ...] = ()


def period_calendar(
    check_dates: Iterable[date],
    first_day: date,
    as_of: date,
    interval_days: int,
    *,
    retired_on: date | None = None,
    excused: Iterable[date] = (),
) -> list[PeriodStatus]:
    """Every period from ``first_day`` to the one holding ``as_of`` (the unit's calendar of checks).

    Complete periods are checked, missed or excused; the period in progress on ``as_of`` is checked
    or due.  Nothing is listed from the unit's retirement on, and no period after ``as_of``.
    """
    dates = sorted(d for d in set(check_dates) if d <= as_of)
    skip = set(excused)
    out = []
    index = 0
    for period in _periods(first_day, interval_days):
        if period.start > as_of or (retired_on is not None and period.start >= retired_on):
            break
        while index < len(dates) and dates[index] < period.start:
            index += 1
        end = index
        while end < len(dates) and dates[end] <= period.end:
            end += 1
        inside = tuple(dates[index:end])
        if inside:
            state = PeriodState.CHECKED
        elif period.start in skip:
            state = PeriodState.EXCUSED
        elif _last_service_day(period, retired_on) >= as_of:
            state = PeriodState.DUE
        else:
            state = PeriodState.MISSED
        out.append(PeriodStatus(period, state, inside))
    return out


def period_holding(day: date, first_day: date, interval_days: int) -> Period:
    """The check period that ``day`` falls in (for notes on a missed period)."""
    if interval_days == 7:
        start = week_start(day)
        return Period(start, start + timedelta(days=6))
    offset = (day - first_day).days // interval_days
    start = first_day + timedelta(days=offset * interval_days)
    return Period(start, start + timedelta(days=interval_days - 1))


# --------------------------------------------------------------------------- baselines


@dataclass(frozen=True)
class Baseline:
    """The physicist's reference reading for one mode, from ``effective_on`` until superseded."""

    effective_on: date
    mode: ExposureMode
    rate: float
    rate_unit: RateUnit
    tolerance_pct: float | None = None  # None: the clinic's setting applies
    kvp: float | None = None
    ma: float | None = None


def baseline_on(baselines: Iterable[Baseline], day: date, mode: ExposureMode) -> Baseline | None:
    """The newest baseline for ``mode`` that was in effect on ``day``."""
    best = None
    for baseline in baselines:
        if baseline.mode is not mode or baseline.effective_on > day:
            continue
        if best is None or baseline.effective_on >= best.effective_on:
            best = baseline
    return best


def unit_baselines(
    recorded: Iterable[Baseline],
    on_record: tuple[float, RateUnit, float | None, float | None] | None = None,
) -> list[Baseline]:
    """A unit's baselines as readings are judged against them: the recorded history, after the baseline
    written on the unit record itself (``on_record``: rate, rate unit, kVp, mA), which applies before
    the first recorded one, and to a unit without any, in every mode except high-level control."""
    history = list(recorded)
    if on_record is not None and on_record[0]:
        rate, rate_unit, kvp, ma = on_record
        history[:0] = [
            Baseline(date.min, mode, rate, rate_unit, None, kvp, ma)
            for mode in ExposureMode
            if mode is not ExposureMode.HIGH_LEVEL
        ]
    return history


@dataclass(frozen=True)
class AppliedBaseline:
    """The baseline a reading is compared with, and the tolerance that applies with it."""

    baseline: Baseline | None  # None: no baseline for the mode on that day
    tolerance_pct: float
    compared: bool  # a baseline recorded in the reading's rate unit (another unit is never converted)

    @property
    def rate(self) -> float | None:
        """The baseline rate a reading is compared with, or None when it is not compared."""
        return self.baseline.rate if self.baseline is not None and self.compared else None


def baseline_for(
    baselines: Iterable[Baseline],
    day: date,
    mode: ExposureMode,
    rate_unit: RateUnit | None,
    default_tolerance_pct: float,
) -> AppliedBaseline:
    """Which baseline and tolerance apply to a reading in ``mode`` and ``rate_unit`` on ``day``.

    The one rule the check log, the findings, the units list, the trend chart and the packet share:
    the newest baseline for the mode in effect on the day (``baselines``: ``unit_baselines``), with its
    own tolerance, or the clinic's ``default_tolerance_pct`` when the physicist set none.  A baseline
    recorded in another rate unit is in effect but not compared (never converted); ``rate_unit`` None
    asks about the baseline itself, in whatever unit it was recorded.
    """
    baseline = baseline_on(baselines, day, mode)
    if baseline is None:
        return AppliedBaseline(None, default_tolerance_pct, False)
    tolerance = baseline.tolerance_pct if baseline.tolerance_pct is not None else default_tolerance_pct
    return AppliedBaseline(baseline, tolerance, rate_unit in (None, baseline.rate_unit))


@dataclass(frozen=True)
class BaselineSpan:
    """A baseline drawn on a chart from ``start`` to ``end`` (inclusive) with its tolerance band."""

    start: date
    end: date
    rate: float
    tolerance_pct: float

    @property
    def low(self) -> float:
        return self.rate * (1 - self.tolerance_pct / 100.0)

    @property
    def high(self) -> float:
        return self.rate * (1 + self.tolerance_pct / 100.0)


def baseline_spans(
    baselines: Sequence[Baseline],
    mode: ExposureMode,
    rate_unit: RateUnit,
    start: date,
    end: date,
    default_tolerance_pct: float,
) -> list[BaselineSpan]:
    """What ``baseline_for`` answers from ``start`` to ``end``, as steps: each baseline from the day it
    took effect until the next, with its tolerance.

    A stretch judged against a baseline recorded in another rate unit is left out (never converted);
    it shows on the chart as "no baseline".
    """
    changes = sorted({b.effective_on for b in baselines if b.mode is mode and start < b.effective_on <= end})
    spans = []
    for index, first in enumerate([start, *changes]):
        last = changes[index] - timedelta(days=1) if index < len(changes) else end
        applied = baseline_for(baselines, first, mode, rate_unit, default_tolerance_pct)
        if applied.rate is not None:
            spans.append(BaselineSpan(first, last, applied.rate, applied.tolerance_pct))
    return spans


def passing_band(
    baselines: Iterable[Baseline], mode: ExposureMode, rate_unit: RateUnit, default_tolerance_pct: float
) -> tuple[float, float] | None:
    """Rates in ``rate_unit`` within tolerance of every baseline for ``mode`` (whichever applies on a
    reading's day), or None when no baseline is in that rate unit.

    A reading inside this band and within its limit passes, so a list that only needs the readings
    that may fail can leave those out unjudged.  Kept a hair narrower than the tolerance: a reading on
    the edge is judged.
    """
    low, high = 0.0, math.inf
    found = False
    for baseline in baselines:
        if baseline.mode is not mode or baseline.rate_unit is not rate_unit:
            continue
        applied = baseline_for([baseline], baseline.effective_on, mode, None, default_tolerance_pct)
        span = BaselineSpan(
            baseline.effective_on, baseline.effective_on, baseline.rate, applied.tolerance_pct
        )
        low, high = max(low, span.low * (1 + 1e-9)), min(high, span.high * (1 - 1e-9))
        found = True
    return (low, high) if found else None


# --------------------------------------------------------------------------- corrective actions


def needs_corrective_action(verdict: ExposureVerdict) -> bool:
    return verdict is not ExposureVerdict.PASS


@dataclass(frozen=True)
class CheckFacts:
    """What the re-check rule needs to know about a check."""

    id: int
    unit_id: int
    checked_on: date
    mode: ExposureMode
    verdict: ExposureVerdict
    voided: bool = False


def recheck_problem(original: CheckFacts, recheck: CheckFacts) -> str | None:
    """Why ``recheck`` cannot close the corrective action on ``original``; None when it can.

    A re-check is a later, valid check of the same unit in the same mode that passes.  A re-check that
    fails needs its own corrective action.
    """
    if recheck.id == original.id:
        return "A reading cannot be its own re-check; choose a later check."
    if recheck.voided:
        return "That check was voided; choose a valid re-check."
    if recheck.unit_id != original.unit_id:
        return "The re-check must be of the same unit."
    if recheck.checked_on < original.checked_on:
        return f"The re-check must be on or after the reading it re-checks ({original.checked_on})."
    if recheck.mode is not original.mode:
        return f"The re-check must be in the same mode ({original.mode.label.lower()})."
    if recheck.verdict is not ExposureVerdict.PASS:
        return f"The re-check is itself {recheck.verdict.label.lower()}; it needs its own corrective action."
    return None


class CorrectiveState(StrEnum):
    NOT_NEEDED = "not_needed"
    NEEDED = "needed"  # nothing recorded yet
    IN_PROGRESS = "in_progress"  # action recorded, no passing re-check yet
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "not_needed": "",
            "needed": "Needed",
            "in_progress": "Waiting for re-check",
            "closed": "Closed",
        }[self.value]


@dataclass(frozen=True)
class ActionFacts:
    performed_on: date
    closed_on: date | None
    recheck: CheckFacts | None


def corrective_state(original: CheckFacts, actions: Iterable[ActionFacts], as_of: date) -> CorrectiveState:
    """Closed only by an action closed on or before ``as_of`` with a valid, passing re-check.

    The re-check is judged again every time (it may have been voided or amended since), so a
    finding can never stay cleared by a re-check that no longer stands.
    """
    if not needs_corrective_action(original.verdict):
        return CorrectiveState.NOT_NEEDED
    state = CorrectiveState.NEEDED
    for action in actions:
        if action.performed_on > as_of:
            continue
        state = CorrectiveState.IN_PROGRESS
        recheck = action.recheck
        if (
            action.closed_on is not None
            and action.closed_on <= as_of
            and recheck is not None
            and recheck.checked_on <= as_of
            and recheck_problem(original, recheck) is None
        ):
            return CorrectiveState.CLOSED
    return state


# --------------------------------------------------------------------------- late entries


def entry_delay_days(checked_on: date, entered_on: date) -> int:
    """Days between the check and the day it was entered (0 when entered the same day)."""
    return max(0, (entered_on - checked_on).days)


def is_late_entry(checked_on: date, entered_on: date, grace_days: int) -> bool:
    """Entered more than ``grace_days`` after the check was done."""
    return entry_delay_days(checked_on, entered_on) > grace_days


# --------------------------------------------------------------------------- meters


class CalibrationState(StrEnum):
    VALID = "valid"
    LAPSED = "lapsed"  # calibrated before, but that calibration had run out on the day
    NONE = "none"  # no calibration on or before the day

    @property
    def label(self) -> str:
        return {"valid": "Calibrated", "lapsed": "Calibration lapsed", "none": "Never calibrated"}[self.value]


@dataclass(frozen=True)
class Calibration:
    calibrated_on: date
    due_on: date


@dataclass(frozen=True)
class CalibrationStatus:
    state: CalibrationState
    calibration: Calibration | None  # the one that applied (valid) or the last one before the day

    @property
    def words(self) -> str:
        c = self.calibration
        if c is None:
            return "no calibration on file before this date"
        if self.state is CalibrationState.VALID:
            return f"calibrated {c.calibrated_on}, valid until {c.due_on}"
        return f"calibration of {c.calibrated_on} ran out on {c.due_on}"


def calibration_on(calibrations: Iterable[Calibration], day: date) -> CalibrationStatus:
    """Was the meter calibrated on ``day``?  Valid from the calibration date through its due date."""
    before = sorted((c for c in calibrations if c.calibrated_on <= day), key=lambda c: c.calibrated_on)
    if not before:
        return CalibrationStatus(CalibrationState.NONE, None)
    valid = [c for c in before if c.due_on >= day]
    if valid:
        return CalibrationStatus(CalibrationState.VALID, valid[-1])
    return CalibrationStatus(CalibrationState.LAPSED, before[-1])


def default_calibration_due(calibrated_on: date, months: int) -> date:
    return add_months(calibrated_on, months)


# --------------------------------------------------------------------------- physicist surveys


class DueState(StrEnum):
    CURRENT = "current"
    DUE_SOON = "due_soon"
    DUE = "due"  # past the annual due date, within the state's maximum
    OVERDUE = "overdue"  # past the state's maximum
    NONE = "none"  # never done

    @property
    def label(self) -> str:
        return {
            "current": "Current",
            "due_soon": "Due soon",
            "due": "Due",
            "overdue": "Overdue",
            "none": "None on file",
        }[self.value]


@dataclass(frozen=True)
class SurveyDue:
    state: DueState
    last: date | None
    due_on: date | None
    overdue_after: date | None

    @property
    def words(self) -> str:
        if self.last is None:
            return "No physicist survey on file"
        if self.state is DueState.OVERDUE:
            return f"Overdue since {self.overdue_after} (last {self.last})"
        if self.state is DueState.DUE:
            return f"Due since {self.due_on}; overdue after {self.overdue_after}"
        if self.state is DueState.DUE_SOON:
            return f"Due {self.due_on} (last {self.last})"
        return f"Current until {self.due_on} (last {self.last})"


def survey_due(
    last: date | None, as_of: date, *, due_months: int, max_months: int, warning_days: int
) -> SurveyDue:
    """Annual survey due ``due_months`` after the last one; overdue the day after ``max_months``."""
    if last is None:
        return SurveyDue(DueState.NONE, None, None, None)
    due = add_months(last, due_months)
    overdue = add_months(last, max_months)
    if as_of > overdue:
        state = DueState.OVERDUE
    elif as_of >= due:
        state = DueState.DUE
    elif (due - as_of).days <= warning_days:
        state = DueState.DUE_SOON
    else:
        state = DueState.CURRENT
    return SurveyDue(state, last, due, overdue)


# --------------------------------------------------------------------------- trend chart data


@dataclass(frozen=True)
class TrendPoint:
    day: date
    rate: float
    verdict: ExposureVerdict


@dataclass(frozen=True)
class TrendSeries:
    """Everything a trend chart draws for one unit, one mode and one rate unit: plain data, no units mixed."""

    title: str
    mode: ExposureMode
    rate_unit: RateUnit
    start: date
    end: date
    points: tuple[TrendPoint, ...] = ()
    baselines: tuple[BaselineSpan, ...] = ()
    limit: float | None = None
    limit_basis: str = ""
    missed: tuple[Period, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the chart ends before it starts")
