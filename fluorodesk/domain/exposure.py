"""Exposure-rate QC rules: which limit applies, how a reading compares, which periods were missed.

Readings stay in the unit they were read in and are compared with the limit set in that same unit.
Converting R/min to mGy/min is deliberately avoided: sources use 8.76, 10 and 8.7 mGy/R.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fluorodesk.domain.dates import week_start
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


def expected_periods(first_day: date, as_of: date, interval_days: int) -> list[Period]:
    """Complete check periods from ``first_day`` up to ``as_of``.

    Weekly checks use calendar weeks (Monday to Sunday), which is how a clinic's log reads; other
    intervals run in fixed windows from ``first_day``.  A period still in progress on ``as_of`` is
    not yet expected (the check can still be done today).
    """
    if interval_days <= 0:
        raise ValueError("interval must be positive")
    start = week_start(first_day) if interval_days == 7 else first_day
    periods = []
    step = timedelta(days=interval_days)
    while True:
        end = start + step - timedelta(days=1)
        if end >= as_of:
            break
        periods.append(Period(start, end))
        start += step
    return periods


def missed_periods(
    check_dates: Iterable[date], first_day: date, as_of: date, interval_days: int
) -> list[Period]:
    """Complete periods with no check in them."""
    dates = sorted(set(check_dates))
    missed = []
    index = 0
    for period in expected_periods(first_day, as_of, interval_days):
        while index < len(dates) and dates[index] < period.start:
            index += 1
        if index >= len(dates) or dates[index] > period.end:
            missed.append(period)
    return missed
