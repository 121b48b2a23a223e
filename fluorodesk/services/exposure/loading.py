"""Loading units and their checks, and judging one reading against its limit and its baseline.

Two ways to load, for two needs: ``load_units`` brings a unit with its whole log (the unit's own
history, the packet); ``load_unit_summaries`` brings every unit with the dates of its checks and only
the readings that may fail (the units list and the findings need no more than that, and ten years of
weekly checks are thousands of readings that pass).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ExposureCheck, FluoroUnit, Meter
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit
from fluorodesk.domain.exposure import (
    Assessment,
    Baseline,
    CalibrationStatus,
    UnitFacts,
    applicable_limit,
    assess_reading,
    baseline_for,
    calibration_on,
    passing_band,
    unit_baselines,
)
from fluorodesk.domain.exposure import Calibration as CalibrationFacts
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.errors import NotFoundError


def unit_facts(unit: FluoroUnit) -> UnitFacts:
    return UnitFacts(has_aerc=unit.has_aerc, has_hlc=unit.has_hlc, manufactured_on=unit.manufactured_on)


def unit_label(unit: FluoroUnit) -> str:
    return f"{unit.code} {unit.name}"


def baselines_of(unit: FluoroUnit) -> list[Baseline]:
    """The unit's baselines as readings are judged against them (``domain.exposure.unit_baselines``)."""
    on_record = None
    if unit.baseline_rate and unit.baseline_unit is not None:
        on_record = (unit.baseline_rate, unit.baseline_unit, unit.baseline_kvp, unit.baseline_ma)
    recorded = (
        Baseline(b.effective_on, b.mode, b.rate, b.rate_unit, b.tolerance_pct, b.kvp, b.ma)
        for b in unit.baselines
    )
    return unit_baselines(recorded, on_record)


def default_tolerance(settings: ClinicSettings) -> float:
    """The clinic's tolerance, for a baseline the physicist set none for."""
    return float(settings["exposure.tolerance_pct"])


@dataclass(frozen=True)
class Judgement:
    assessment: Assessment
    baseline: Baseline | None
    tolerance_pct: float


def judge(
    facts: UnitFacts,
    baselines: Sequence[Baseline],
    day: date,
    mode: ExposureMode,
    rate: float,
    rate_unit: RateUnit,
    settings: ClinicSettings,
) -> Judgement:
    """A reading of a unit (its ``unit_facts`` and ``baselines_of``) judged against the limit for its
    mode and the baseline in effect on ``day``."""
    limit = applicable_limit(facts, mode, rate_unit, settings)
    applied = baseline_for(baselines, day, mode, rate_unit, default_tolerance(settings))
    baseline = applied.baseline
    result = assess_reading(
        rate,
        rate_unit,
        limit,
        baseline=baseline.rate if baseline else None,
        baseline_unit=baseline.rate_unit if baseline else None,
        tolerance_pct=applied.tolerance_pct,
    )
    if baseline is None and result.verdict is ExposureVerdict.PASS:
        result = Assessment(
            result.verdict, result.limit, None, f"{result.detail}; no baseline for {mode.label.lower()} mode"
        )
    return Judgement(result, baseline, applied.tolerance_pct)


def meter_calibration(meter: Meter | None, day: date) -> CalibrationStatus | None:
    if meter is None:
        return None
    return calibration_on((CalibrationFacts(c.calibrated_on, c.due_on) for c in meter.calibrations), day)


# --------------------------------------------------------------------------- valid on a date


def day_after_starts(day: date) -> datetime:
    """The moment (naive UTC, as stored) the local day after ``day`` begins."""
    local = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return local.astimezone(UTC).replace(tzinfo=None)


def voided_on(check: ExposureCheck, cutoff: datetime) -> bool:
    """Was ``check`` voided before ``cutoff`` (``day_after_starts(as_of)``: by the end of ``as_of``)?
    A check voided later still counted then, so a packet for a past date shows what the log said."""
    return check.voided_at is not None and check.voided_at < cutoff


def _counting_on(as_of: date):  # type: ignore[no-untyped-def]
    """Checks done on or before ``as_of`` and not voided by then (``voided_on``), as a query condition."""
    return and_(
        ExposureCheck.checked_on <= as_of,
        or_(ExposureCheck.voided_at.is_(None), ExposureCheck.voided_at >= day_after_starts(as_of)),
    )


# --------------------------------------------------------------------------- one unit, whole log


def load_units(session: Session, unit_id: int | None = None) -> Sequence[FluoroUnit]:
    """Units (one, or all by code) with their checks (each with its corrective actions and its meter's
    calibrations), surveys, baselines and period notes."""
    stmt = (
        select(FluoroUnit)
        .options(
            selectinload(FluoroUnit.checks).selectinload(ExposureCheck.corrective_actions),
            selectinload(FluoroUnit.checks)
            .selectinload(ExposureCheck.meter)
            .selectinload(Meter.calibrations),
            selectinload(FluoroUnit.surveys),
            selectinload(FluoroUnit.baselines),
            selectinload(FluoroUnit.period_notes),
        )
        .order_by(FluoroUnit.code)
    )
    if unit_id is not None:
        stmt = stmt.where(FluoroUnit.id == unit_id)
    return session.scalars(stmt).all()


def get_unit(session: Session, unit_id: int) -> FluoroUnit:
    units = load_units(session, unit_id)
    if not units:
        raise NotFoundError("That fluoroscopy unit no longer exists.")
    return units[0]


# --------------------------------------------------------------------------- every unit, in summary


@dataclass(frozen=True)
class UnitLog:
    """What a unit's summary is worked out from: the dates of the checks that count on ``as_of``, and
    the checks among them that may fail (with the re-checks their corrective actions name)."""

    unit: FluoroUnit
    check_dates: tuple[date, ...]
    checks: tuple[ExposureCheck, ...]


def load_unit_logs(
    session: Session, settings: ClinicSettings, as_of: date, unit_id: int | None = None
) -> list[UnitLog]:
    """Every unit (or one), by code, with its baselines, surveys and period notes, the dates of its
    checks, and the checks that may fail: the rate, mode and date of each check in one query, and
    whole records only for the few outside the range that surely passes."""
    stmt = (
        select(FluoroUnit)
        .options(
            selectinload(FluoroUnit.surveys),
            selectinload(FluoroUnit.baselines),
            selectinload(FluoroUnit.period_notes),
        )
        .order_by(FluoroUnit.code)
    )
    if unit_id is not None:
        stmt = stmt.where(FluoroUnit.id == unit_id)
    units = session.scalars(stmt).all()
    if not units:
        return []
    passing = {u.id: _surely_passing(u, settings) for u in units}
    dates: dict[int, list[date]] = defaultdict(list)
    may_fail: list[int] = []
    for check_id, owner, day, mode, rate, rate_unit in session.execute(
        select(
            ExposureCheck.id,
            ExposureCheck.unit_id,
            ExposureCheck.checked_on,
            ExposureCheck.mode,
            ExposureCheck.rate,
            ExposureCheck.rate_unit,
        ).where(ExposureCheck.unit_id.in_(passing), _counting_on(as_of))
    ):
        dates[owner].append(day)
        low, high = passing[owner][(mode, rate_unit)]
        if not low <= rate <= high:
            may_fail.append(check_id)
    checks: dict[int, list[ExposureCheck]] = defaultdict(list)
    for check in _with_rechecks(session, may_fail):
        checks[check.unit_id].append(check)
    return [UnitLog(u, tuple(sorted(dates[u.id])), tuple(checks[u.id])) for u in units]


def _surely_passing(
    unit: FluoroUnit, settings: ClinicSettings
) -> dict[tuple[ExposureMode, RateUnit], tuple[float, float]]:
    """For each mode and rate unit, the rates that pass on any day: within the limit and inside
    ``domain.exposure.passing_band`` of the unit's baselines."""
    facts, baselines = unit_facts(unit), baselines_of(unit)
    out = {}
    for mode in ExposureMode:
        for rate_unit in RateUnit:
            low, high = passing_band(baselines, mode, rate_unit, default_tolerance(settings)) or (
                0.0,
                math.inf,
            )
            limit = applicable_limit(facts, mode, rate_unit, settings)
            out[(mode, rate_unit)] = (low, min(high, limit.value) if limit else high)
    return out


def _with_rechecks(session: Session, check_ids: Sequence[int]) -> list[ExposureCheck]:
    """The checks, with their corrective actions, and the re-checks those actions name."""
    if not check_ids:
        return []
    options = selectinload(ExposureCheck.corrective_actions)
    found = list(
        session.scalars(select(ExposureCheck).where(ExposureCheck.id.in_(check_ids)).options(options))
    )
    wanted = {a.recheck_id for c in found for a in c.corrective_actions if a.recheck_id} - set(check_ids)
    if wanted:
        found += session.scalars(select(ExposureCheck).where(ExposureCheck.id.in_(wanted)).options(options))
    return found
