"""Exposure-rate QC: the checks log, corrective actions, missed-period notes, each unit's calendar and
trend, and the QC findings.

Readings are stored in the unit they were read in and judged against the limit in that same unit
(never converted) and against the physicist's baseline that was in effect on the check's date.
Checks are regulated records: a wrong one is voided or amended (a new check that points at it),
never deleted.  Units, baselines, meters and surveys have their own services (units.py, meters.py,
surveys.py) built on the helpers here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import (
    CorrectiveAction,
    ExposureCheck,
    ExposurePeriodNote,
    FluoroUnit,
    Meter,
    PhysicistSurvey,
    Technician,
)
from fluorodesk.domain.dates import add_months, describe_due, parse_date
from fluorodesk.domain.enums import (
    Area,
    ExposureMode,
    ExposureVerdict,
    RateUnit,
    Severity,
    SignoffArea,
    SurveyResult,
)
from fluorodesk.domain.exposure import (
    ActionFacts,
    Assessment,
    Baseline,
    CalibrationState,
    CalibrationStatus,
    CheckFacts,
    CorrectiveState,
    DueState,
    Period,
    PeriodState,
    TrendPoint,
    TrendSeries,
    UnitFacts,
    applicable_limit,
    assess_reading,
    baseline_on,
    baseline_spans,
    calibration_on,
    corrective_state,
    entry_delay_days,
    is_late_entry,
    period_calendar,
    period_holding,
    recheck_problem,
    survey_due,
)
from fluorodesk.domain.exposure import Calibration as CalibrationFacts
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean, counted
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings
from fluorodesk.services.signoff import ensure_record_unlocked, ensure_unlocked

# --------------------------------------------------------------------------- input helpers (shared)


def parse_number(
    raw: float | int | str | None,
    errors: dict[str, str],
    field: str,
    label: str,
    *,
    required: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float | None:
    """A number typed by a user ('93.5'); problems go into ``errors[field]`` as a sentence."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[field] = f"{label} is required."
        return None
    try:
        value = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        text = str(raw).strip()
        hint = " Use a point for decimals (93.5)." if "," in text else ""
        errors[field] = f"{label}: “{text}” is not a number.{hint}"
        return None
    if not math.isfinite(value):
        errors[field] = f"{label} must be a finite number."
        return None
    if positive and value <= 0:
        errors[field] = f"{label} must be more than 0."
    elif minimum is not None and value < minimum:
        errors[field] = f"{label} must be at least {minimum:g}."
    elif maximum is not None and value > maximum:
        errors[field] = f"{label} must be at most {maximum:g}."
    return value


def parse_day(raw: date | str | None, errors: dict[str, str], field: str, label: str, *, required=False):
    try:
        value = parse_date(raw, field=field)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None
    if value is None and required:
        errors[field] = f"{label} is required."
    return value


def parse_enum(raw, enum_cls, errors: dict[str, str], field: str, message: str):  # type: ignore[no-untyped-def]
    if raw is None or raw == "":
        errors[field] = message
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        errors[field] = message
        return None


def check_length(value: str, limit: int, errors: dict[str, str], field: str, label: str) -> None:
    if len(value) > limit:
        errors[field] = f"{label} is too long (at most {limit} characters)."


def local_date(moment: datetime) -> date:
    """The local calendar date of a naive UTC timestamp (what the user saw on the clock)."""
    return moment.replace(tzinfo=UTC).astimezone().date()


class ClockedService(Service):
    """A service that stamps entry times; fixed to noon of ``today`` when the date is fixed (tests)."""

    def now(self) -> datetime:
        if self._today is not None:
            return datetime.combine(self._today, time(12, 0))
        return utcnow()


# --------------------------------------------------------------------------- loading & judging


def unit_facts(unit: FluoroUnit) -> UnitFacts:
    return UnitFacts(has_aerc=unit.has_aerc, has_hlc=unit.has_hlc, manufactured_on=unit.manufactured_on)


def unit_label(unit: FluoroUnit) -> str:
    return f"{unit.code} {unit.name}"


def baselines_of(unit: FluoroUnit) -> list[Baseline]:
    return [
        Baseline(b.effective_on, b.mode, b.rate, b.rate_unit, b.tolerance_pct, b.kvp, b.ma)
        for b in unit.baselines
    ]


def reference_baseline(
    unit: FluoroUnit, day: date, mode: ExposureMode, baselines: list[Baseline] | None = None
) -> Baseline | None:
    """The baseline a reading on ``day`` in ``mode`` is compared with.

    The baseline history applies first; before any recorded baseline (or for a unit without one),
    the baseline on the unit record applies to every mode except high-level control.
    ``baselines``: ``baselines_of(unit)`` when the caller has it already.
    """
    found = baseline_on(baselines_of(unit) if baselines is None else baselines, day, mode)
    if found is None and unit.baseline_rate and unit.baseline_unit and mode is not ExposureMode.HIGH_LEVEL:
        found = Baseline(
            date.min, mode, unit.baseline_rate, unit.baseline_unit, None, unit.baseline_kvp, unit.baseline_ma
        )
    return found


@dataclass(frozen=True)
class Judgement:
    assessment: Assessment
    baseline: Baseline | None
    tolerance_pct: float


def judge(
    unit: FluoroUnit,
    day: date,
    mode: ExposureMode,
    rate: float,
    rate_unit: RateUnit,
    settings: ClinicSettings,
    *,
    facts: UnitFacts | None = None,
    baselines: list[Baseline] | None = None,
) -> Judgement:
    """``facts`` and ``baselines``: the unit's, when the caller judges many readings of one unit."""
    limit = applicable_limit(facts or unit_facts(unit), mode, rate_unit, settings)
    baseline = reference_baseline(unit, day, mode, baselines)
    tolerance = float(settings["exposure.tolerance_pct"])
    if baseline is not None and baseline.tolerance_pct is not None:
        tolerance = baseline.tolerance_pct
    result = assess_reading(
        rate,
        rate_unit,
        limit,
        baseline=baseline.rate if baseline else None,
        baseline_unit=baseline.rate_unit if baseline else None,
        tolerance_pct=tolerance,
    )
    if baseline is None and result.verdict is ExposureVerdict.PASS:
        result = Assessment(
            result.verdict, result.limit, None, f"{result.detail}; no baseline for {mode.label.lower()} mode"
        )
    return Judgement(result, baseline, tolerance)


def assess(check: ExposureCheck, unit: FluoroUnit, settings: ClinicSettings) -> Assessment:
    return judge(unit, check.checked_on, check.mode, check.rate, check.rate_unit, settings).assessment


def corrective_closed(check: ExposureCheck, as_of: date, settings: ClinicSettings) -> bool:
    """Is the corrective action on ``check`` closed on ``as_of`` (closed, with a passing re-check)?

    For callers that judge one check at a time; the tab and the findings use ``UnitEvaluation``,
    which judges a whole unit at once.
    """
    return UnitEvaluation(check.unit, settings, as_of).corrective(check) is CorrectiveState.CLOSED


def meter_calibration(meter: Meter | None, day: date) -> CalibrationStatus | None:
    if meter is None:
        return None
    return calibration_on((CalibrationFacts(c.calibrated_on, c.due_on) for c in meter.calibrations), day)


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


# --------------------------------------------------------------------------- DTOs


@dataclass(frozen=True)
class ExposureCheckRow:
    id: int
    unit_id: int
    unit: str  # "CA-1 OR 1 C-arm"
    unit_code: str
    checked_on: date
    entered_at: datetime  # UTC
    entered_on: date  # local date it was entered
    entry_delay_days: int
    late_entry: bool
    performed_by: str
    technician_id: int | None
    meter_id: int | None
    meter: str
    meter_calibration: CalibrationState | None  # on the check date; None when no meter was recorded
    meter_calibration_words: str
    phantom: str
    mode: ExposureMode
    magnification: str
    kvp: float | None
    ma: float | None
    rate: float
    rate_unit: RateUnit
    verdict: ExposureVerdict
    limit: float | None
    limit_basis: str
    detail: str
    baseline_rate: float | None
    baseline_unit: RateUnit | None
    tolerance_pct: float
    deviation_pct: float | None
    corrective: CorrectiveState
    corrective_words: str
    notes: str
    amends_id: int | None
    voided_at: datetime | None
    void_reason: str
    recheck_for: tuple[int, ...]  # checks whose corrective action uses this one as the re-check

    @property
    def corrective_closed(self) -> bool:
        return self.corrective is CorrectiveState.CLOSED

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def rate_words(self) -> str:
        return f"{self.rate:g} {self.rate_unit.value}"


@dataclass(frozen=True)
class CorrectiveActionRow:
    id: int
    check_id: int
    unit_id: int
    unit: str
    check_on: date
    check_rate: str
    check_verdict: ExposureVerdict
    action: str
    service_ticket: str
    performed_by: str
    performed_on: date
    recheck_id: int | None
    recheck_on: date | None
    recheck_rate: str
    closed_on: date | None
    state: CorrectiveState
    words: str


@dataclass(frozen=True)
class PeriodRow:
    start: date
    end: date
    state: PeriodState
    checked_on: tuple[date, ...]
    note_id: int | None
    note: str

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def words(self) -> str:
        if self.state is PeriodState.CHECKED:
            return "Checked " + ", ".join(f"{d:%b %d}" for d in self.checked_on)
        if self.state is PeriodState.EXCUSED:
            return f"Not used: {self.note}"
        if self.state is PeriodState.DUE:
            return "Due this period"
        return "Missed" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class SeriesKey:
    mode: ExposureMode
    rate_unit: RateUnit
    count: int

    @property
    def label(self) -> str:
        return f"{self.mode.label}, {self.rate_unit.value} ({self.count} readings)"


@dataclass(frozen=True)
class CheckDefaults:
    unit_id: int
    checked_on: date
    performed_by: str
    technician_id: int | None
    meter_id: int | None
    mode: ExposureMode
    magnification: str
    phantom: str
    rate_unit: RateUnit


@dataclass(frozen=True)
class CheckPreview:
    verdict: ExposureVerdict | None
    words: str  # "Pass: within the 88 mGy/min limit; +3% from the baseline 38 mGy/min"
    meter_state: CalibrationState | None
    meter_words: str
    late_entry: bool = False
    entry_words: str = ""  # "Entered today, 20 days after the check: recorded as a late entry."


@dataclass(frozen=True)
class CheckDraft:
    unit_id: int | None
    checked_on: date | str | None
    performed_by: str
    meter_id: int | None
    mode: ExposureMode | str | None
    rate: float | str | None
    rate_unit: RateUnit | str | None
    kvp: float | str | None = None
    ma: float | str | None = None
    phantom: str = ""
    magnification: str = ""
    notes: str = ""
    technician_id: int | None = None


@dataclass(frozen=True)
class CorrectiveActionDraft:
    check_id: int | None
    action: str
    performed_by: str
    performed_on: date | str | None
    service_ticket: str = ""
    recheck_id: int | None = None
    closed_on: date | str | None = None


@dataclass(frozen=True)
class UnitHistory:
    """One unit's QC record as of a date: what the tab shows and the audit packet prints."""

    unit_id: int
    unit: str
    as_of: date
    interval_days: int
    first_day: date | None
    retired_on: date | None
    checks: tuple[ExposureCheckRow, ...]  # newest first, voided included
    calendar: tuple[PeriodRow, ...]  # oldest first
    corrective_actions: tuple[CorrectiveActionRow, ...]
    series: tuple[SeriesKey, ...]  # most readings first

    @property
    def missed(self) -> tuple[PeriodRow, ...]:
        return tuple(p for p in self.calendar if p.state is PeriodState.MISSED)


# --------------------------------------------------------------------------- one unit, judged


class UnitEvaluation:
    """Every valid check of a unit judged, with corrective states and the check calendar, as of a date."""

    def __init__(self, unit: FluoroUnit, settings: ClinicSettings, as_of: date) -> None:
        self.unit = unit
        self.settings = settings
        self.as_of = as_of
        self.interval = int(settings["exposure.check_interval_days"])
        self._judged: dict[int, Judgement] = {}
        self._calendar: list[PeriodRow] | None = None
        self.findings: list[Finding] | None = None  # unit_findings' answer, once worked out
        self._facts = unit_facts(unit)
        self._baselines = baselines_of(unit)
        self.by_id = {c.id: c for c in unit.checks}
        self.valid = sorted(
            (c for c in unit.checks if c.voided_at is None and c.checked_on <= as_of),
            key=lambda c: (c.checked_on, c.id),
        )

    def judgement(self, check: ExposureCheck) -> Judgement:
        """The check judged against its limit and the baseline of its date (computed once)."""
        found = self._judged.get(check.id)
        if found is None:
            found = judge(
                self.unit,
                check.checked_on,
                check.mode,
                check.rate,
                check.rate_unit,
                self.settings,
                facts=self._facts,
                baselines=self._baselines,
            )
            self._judged[check.id] = found
        return found

    def facts(self, check: ExposureCheck) -> CheckFacts:
        return CheckFacts(
            check.id,
            check.unit_id,
            check.checked_on,
            check.mode,
            self.judgement(check).assessment.verdict,
            check.voided_at is not None,
        )

    def corrective(self, check: ExposureCheck) -> CorrectiveState:
        actions = []
        for action in check.corrective_actions:
            recheck = self.by_id.get(action.recheck_id) if action.recheck_id else None
            actions.append(
                ActionFacts(action.performed_on, action.closed_on, self.facts(recheck) if recheck else None)
            )
        return corrective_state(self.facts(check), actions, self.as_of)

    @property
    def first_day(self) -> date | None:
        if self.unit.in_service_on is not None:
            return self.unit.in_service_on
        return self.valid[0].checked_on if self.valid else None

    def calendar(self) -> list[PeriodRow]:
        if self._calendar is None:
            self._calendar = self._work_out_calendar()
        return list(self._calendar)

    def _work_out_calendar(self) -> list[PeriodRow]:
        first = self.first_day
        if first is None or first > self.as_of:
            return []
        notes = {n.period_start: n for n in self.unit.period_notes}
        excused = [start for start, n in notes.items() if n.unit_not_used]
        rows = []
        for status in period_calendar(
            (c.checked_on for c in self.valid),
            first,
            self.as_of,
            self.interval,
            retired_on=self.unit.retired_on,
            excused=excused,
        ):
            note = notes.get(status.period.start)
            rows.append(
                PeriodRow(
                    status.period.start,
                    status.period.end,
                    status.state,
                    status.checked_on,
                    note.id if note else None,
                    note.reason if note else "",
                )
            )
        return rows

    def missed(self) -> list[Period]:
        """Complete periods with no check: the calendar's missed ones (``domain.exposure.missed_periods``
        gives the same answer, a property test says so), so the findings and the units list share it."""
        return [Period(row.start, row.end) for row in self.calendar() if row.state is PeriodState.MISSED]

    def recheck_for(self) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {}
        for check in self.unit.checks:
            for action in check.corrective_actions:
                if action.recheck_id:
                    out.setdefault(action.recheck_id, []).append(check.id)
        return {k: tuple(v) for k, v in out.items()}

    def row(
        self, check: ExposureCheck, recheck_for: dict[int, tuple[int, ...]] | None = None
    ) -> ExposureCheckRow:
        judgement = self.judgement(check)
        result = judgement.assessment
        entered_on = local_date(check.entered_at)
        grace = int(self.settings["exposure.late_entry_days"])
        calibration = meter_calibration(check.meter, check.checked_on)
        state = self.corrective(check)
        return ExposureCheckRow(
            id=check.id,
            unit_id=self.unit.id,
            unit=unit_label(self.unit),
            unit_code=self.unit.code,
            checked_on=check.checked_on,
            entered_at=check.entered_at,
            entered_on=entered_on,
            entry_delay_days=entry_delay_days(check.checked_on, entered_on),
            late_entry=is_late_entry(check.checked_on, entered_on, grace),
            performed_by=check.performed_by,
            technician_id=check.technician_id,
            meter_id=check.meter_id,
            meter=check.meter.name if check.meter else "",
            meter_calibration=calibration.state if calibration else None,
            meter_calibration_words=calibration.words if calibration else "no meter recorded",
            phantom=check.phantom,
            mode=check.mode,
            magnification=check.magnification,
            kvp=check.kvp,
            ma=check.ma,
            rate=check.rate,
            rate_unit=check.rate_unit,
            verdict=result.verdict,
            limit=result.limit.value if result.limit else None,
            limit_basis=result.limit.basis if result.limit else "",
            detail=result.detail,
            baseline_rate=judgement.baseline.rate if judgement.baseline else None,
            baseline_unit=judgement.baseline.rate_unit if judgement.baseline else None,
            tolerance_pct=judgement.tolerance_pct,
            deviation_pct=result.deviation_pct,
            corrective=state,
            corrective_words=self._corrective_words(check, state),
            notes=check.notes,
            amends_id=check.amends_id,
            voided_at=check.voided_at,
            void_reason=check.void_reason,
            recheck_for=(recheck_for or {}).get(check.id, ()),
        )

    def _corrective_words(self, check: ExposureCheck, state: CorrectiveState) -> str:
        if state is CorrectiveState.NOT_NEEDED:
            return ""
        if state is CorrectiveState.NEEDED:
            return "Corrective action needed"
        actions = [a for a in check.corrective_actions if a.performed_on <= self.as_of]
        if state is CorrectiveState.CLOSED:
            closed = max((a for a in actions if a.closed_on), key=lambda a: a.closed_on or date.min)
            recheck = self.by_id.get(closed.recheck_id) if closed.recheck_id else None
            return f"Closed {closed.closed_on}" + (f" (re-check {recheck.checked_on})" if recheck else "")
        last = max(actions, key=lambda a: a.performed_on)
        ticket = f", {last.service_ticket}" if last.service_ticket else ""
        return f"Waiting for re-check (action {last.performed_on}{ticket})"

    def action_row(self, action: CorrectiveAction) -> CorrectiveActionRow:
        check = self.by_id[action.check_id]
        recheck = self.by_id.get(action.recheck_id) if action.recheck_id else None
        if recheck is not None and recheck.checked_on > self.as_of:
            recheck = None  # not done yet on the as-of date
        closed_on = action.closed_on if action.closed_on and action.closed_on <= self.as_of else None
        state = self.corrective(check)
        problem = None
        if recheck is not None:
            problem = recheck_problem(self.facts(check), self.facts(recheck))
        if closed_on and recheck is not None and problem is None:
            words = f"Closed {closed_on} by the re-check of {recheck.checked_on}"
        elif recheck is not None and problem is not None:
            words = f"Re-check of {recheck.checked_on} does not count: {problem}"
        else:
            words = "Waiting for a passing re-check"
        return CorrectiveActionRow(
            id=action.id,
            check_id=check.id,
            unit_id=self.unit.id,
            unit=unit_label(self.unit),
            check_on=check.checked_on,
            check_rate=f"{check.rate:g} {check.rate_unit.value}",
            check_verdict=self.judgement(check).assessment.verdict,
            action=action.action,
            service_ticket=action.service_ticket,
            performed_by=action.performed_by,
            performed_on=action.performed_on,
            recheck_id=recheck.id if recheck else None,
            recheck_on=recheck.checked_on if recheck else None,
            recheck_rate=f"{recheck.rate:g} {recheck.rate_unit.value}" if recheck else "",
            closed_on=closed_on,
            state=state,
            words=words,
        )

    def series(self) -> list[SeriesKey]:
        counts = Counter((c.mode, c.rate_unit) for c in self.valid)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0].value, kv[0][1].value))
        return [SeriesKey(mode, unit, n) for (mode, unit), n in ordered]

    def trend(
        self, mode: ExposureMode | None, rate_unit: RateUnit | None, start: date, end: date
    ) -> TrendSeries:
        series = self.series()
        if mode is None or rate_unit is None:
            in_range = Counter(
                (c.mode, c.rate_unit) for c in self.valid if start <= c.checked_on <= end
            ).most_common(1)
            if in_range:
                mode, rate_unit = in_range[0][0]
            elif series:
                mode, rate_unit = series[0].mode, series[0].rate_unit
            else:
                baseline = reference_baseline(self.unit, end, ExposureMode.NORMAL)
                mode = ExposureMode.NORMAL
                rate_unit = baseline.rate_unit if baseline else RateUnit.MGY_PER_MIN
        points = tuple(
            TrendPoint(c.checked_on, c.rate, self.judgement(c).assessment.verdict)
            for c in self.valid
            if c.mode is mode and c.rate_unit is rate_unit and start <= c.checked_on <= end
        )
        notes = []
        others = [
            c
            for c in self.valid
            if start <= c.checked_on <= end and (c.mode, c.rate_unit) != (mode, rate_unit)
        ]
        if others:
            kinds = sorted({f"{c.mode.label.lower()} in {c.rate_unit.value}" for c in others})
            notes.append(
                f"{counted(len(others), 'other readings')} not shown ({', '.join(kinds)}); "
                "units are never mixed."
            )
        baselines = list(baselines_of(self.unit))
        legacy = reference_baseline(self.unit, date.min, mode)
        if legacy is not None:
            baselines.insert(0, legacy)
        default_tolerance = float(self.settings["exposure.tolerance_pct"])
        spans = baseline_spans(baselines, mode, rate_unit, start, end, default_tolerance)
        skipped = {b.rate_unit for b in baselines if b.mode is mode and b.rate_unit is not rate_unit}
        if skipped:
            notes.append(
                "A baseline recorded in "
                + ", ".join(sorted(u.value for u in skipped))
                + " is not drawn (never converted)."
            )
        limit = applicable_limit(unit_facts(self.unit), mode, rate_unit, self.settings)
        if limit is None:
            notes.append(f"No federal limit applies in {mode.label.lower()} mode for this unit.")
        missed = tuple(p for p in self.missed() if p.end >= start and p.start <= end)
        return TrendSeries(
            title=f"{unit_label(self.unit)}: {mode.label.lower()} mode, {rate_unit.value}",
            mode=mode,
            rate_unit=rate_unit,
            start=start,
            end=end,
            points=points,
            baselines=tuple(spans),
            limit=limit.value if limit else None,
            limit_basis=limit.basis if limit else "",
            missed=missed,
            notes=tuple(notes),
        )


def _history(unit: FluoroUnit, settings: ClinicSettings, as_of: date) -> UnitHistory:
    """``ExposureService.history``: the unit's checks, calendar, corrective actions and series."""
    evaluation = UnitEvaluation(unit, settings, as_of)
    recheck_for = evaluation.recheck_for()
    checks = sorted(
        (evaluation.row(c, recheck_for) for c in unit.checks if c.checked_on <= as_of),
        key=lambda r: (r.checked_on, r.id),
        reverse=True,
    )
    actions = sorted(
        (
            evaluation.action_row(a)
            for c in unit.checks
            for a in c.corrective_actions
            if a.performed_on <= as_of
        ),
        key=lambda r: (r.check_on, r.performed_on, r.id),
        reverse=True,
    )
    return UnitHistory(
        unit_id=unit.id,
        unit=unit_label(unit),
        as_of=as_of,
        interval_days=evaluation.interval,
        first_day=evaluation.first_day,
        retired_on=unit.retired_on,
        checks=tuple(checks),
        calendar=tuple(evaluation.calendar()),
        corrective_actions=tuple(actions),
        series=tuple(evaluation.series()),
    )


# --------------------------------------------------------------------------- the service


def _performer_key(name: str) -> str:
    return " ".join(name.lower().split())


class ExposureService(ClockedService):
    # ---- reading

    def list_rows(
        self, *, unit_id: int | None = None, as_of: date | None = None, include_voided: bool = False
    ) -> list[ExposureCheckRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for unit in load_units(session, unit_id):
                evaluation = UnitEvaluation(unit, settings, as_of)
                recheck_for = evaluation.recheck_for()
                for check in unit.checks:
                    if check.voided_at is not None and not include_voided:
                        continue
                    rows.append(evaluation.row(check, recheck_for))
            rows.sort(key=lambda r: (r.checked_on, r.unit, r.id), reverse=True)
            return rows

    def get_check(self, check_id: int) -> ExposureCheckRow:
        with self.db.read() as session:
            check = session.get(ExposureCheck, check_id)
            if check is None:
                raise NotFoundError("That exposure check no longer exists.")
            unit = get_unit(session, check.unit_id)
            evaluation = UnitEvaluation(unit, load_settings(session), self.today())
            return evaluation.row(evaluation.by_id[check_id], evaluation.recheck_for())

    def history(self, unit_id: int, *, as_of: date | None = None) -> UnitHistory:
        as_of = as_of or self.today()
        with self.db.read() as session:
            unit = get_unit(session, unit_id)
            settings = load_settings(session)
            return _history(unit, settings, as_of)

    def trend(
        self,
        unit_id: int,
        *,
        mode: ExposureMode | None = None,
        rate_unit: RateUnit | None = None,
        start: date | None = None,
        end: date | None = None,
        as_of: date | None = None,
    ) -> TrendSeries:
        """The data for one unit's trend chart (default: its most used mode and unit, the last 12 months)."""
        as_of = as_of or self.today()
        end = end or as_of
        start = start or add_months(end, -12)
        with self.db.read() as session:
            unit = get_unit(session, unit_id)
            evaluation = UnitEvaluation(unit, load_settings(session), min(as_of, end))
            return evaluation.trend(mode, rate_unit, start, end)

    def check_defaults(self, unit_id: int) -> CheckDefaults:
        """Today, the last performer, and the unit's usual mode, meter, phantom and rate unit."""
        with self.db.read() as session:
            unit = get_unit(session, unit_id)
            last_any = session.scalars(
                select(ExposureCheck)
                .where(ExposureCheck.voided_at.is_(None))
                .order_by(ExposureCheck.entered_at.desc(), ExposureCheck.id.desc())
                .limit(1)
            ).first()
            valid = sorted(
                (c for c in unit.checks if c.voided_at is None), key=lambda c: (c.checked_on, c.id)
            )
            last = valid[-1] if valid else None
            meters = session.scalars(select(Meter).where(Meter.retired_on.is_(None))).all()
            meter_id = None
            if last is not None and last.meter is not None and last.meter.retired_on is None:
                meter_id = last.meter_id
            elif len(meters) == 1:
                meter_id = meters[0].id
            baseline = reference_baseline(unit, self.today(), ExposureMode.NORMAL)
            if last is not None:
                mode, rate_unit = Counter((c.mode, c.rate_unit) for c in valid[-8:]).most_common(1)[0][0]
            else:
                mode = ExposureMode.NORMAL
                rate_unit = baseline.rate_unit if baseline else RateUnit.MGY_PER_MIN
            return CheckDefaults(
                unit_id=unit.id,
                checked_on=self.today(),
                performed_by=last_any.performed_by if last_any else "",
                technician_id=last_any.technician_id if last_any else None,
                meter_id=meter_id,
                mode=mode,
                magnification=last.magnification if last else "",
                phantom=last.phantom if last else "",
                rate_unit=rate_unit,
            )

    def performers(self) -> list[tuple[str, int | None]]:
        """Names to offer for "performed by": current technicians, then earlier performers."""
        with self.db.read() as session:
            techs = session.scalars(
                select(Technician)
                .where(Technician.retired_on.is_(None))
                .order_by(Technician.last_name, Technician.first_name)
            ).all()
            out = [(t.full_name, t.id) for t in techs]
            seen = {_performer_key(name) for name, _ in out}
            for name in session.scalars(select(ExposureCheck.performed_by).distinct()):
                if _performer_key(name) not in seen:
                    seen.add(_performer_key(name))
                    out.append((name, None))
            return out

    def recheck_candidates(self, check_id: int) -> list[ExposureCheckRow]:
        """Checks that could close the corrective action on ``check_id``: later, same mode, passing."""
        with self.db.read() as session:
            check = session.get(ExposureCheck, check_id)
            if check is None:
                raise NotFoundError("That exposure check no longer exists.")
            unit = get_unit(session, check.unit_id)
            evaluation = UnitEvaluation(unit, load_settings(session), self.today())
            original = evaluation.facts(evaluation.by_id[check_id])
            recheck_for = evaluation.recheck_for()
            rows = [
                evaluation.row(c, recheck_for)
                for c in unit.checks
                if recheck_problem(original, evaluation.facts(c)) is None
            ]
            return sorted(rows, key=lambda r: (r.checked_on, r.id))

    def preview(self, draft: CheckDraft) -> CheckPreview:
        """What the reading would be judged as, for the dialog's live line (nothing is written)."""
        errors: dict[str, str] = {}
        day = parse_day(draft.checked_on, errors, "checked_on", "Date") or self.today()
        rate = parse_number(draft.rate, errors, "rate", "Rate", positive=True)
        try:
            mode = ExposureMode(draft.mode) if draft.mode else None
            rate_unit = RateUnit(draft.rate_unit) if draft.rate_unit else None
        except ValueError:
            mode = rate_unit = None
        with self.db.read() as session:
            settings = load_settings(session)
            delay = entry_delay_days(day, local_date(self.now()))
            late = is_late_entry(day, local_date(self.now()), int(settings["exposure.late_entry_days"]))
            entry_words = ""
            if delay:
                entry_words = f"Entered today, {delay} day{'s' if delay != 1 else ''} after the check"
                entry_words += ": recorded as a late entry." if late else "."
            meter_state, meter_words = None, ""
            if draft.meter_id is not None:
                meter = session.get(Meter, draft.meter_id)
                status = meter_calibration(meter, day)
                if status is not None:
                    meter_state, meter_words = status.state, _meter_words(meter, status)
            if draft.unit_id is None or mode is None or rate_unit is None:
                return CheckPreview(None, "", meter_state, meter_words, late, entry_words)
            unit = session.get(FluoroUnit, draft.unit_id)
            if unit is None:
                return CheckPreview(None, "", meter_state, meter_words, late, entry_words)
            if rate is None or "rate" in errors:
                limit = applicable_limit(unit_facts(unit), mode, rate_unit, settings)
                words = (
                    f"Limit {limit.value:g} {limit.unit.value} ({limit.basis})"
                    if limit
                    else "No limit applies in this mode for this unit"
                )
                return CheckPreview(None, words, meter_state, meter_words, late, entry_words)
            result = judge(unit, day, mode, rate, rate_unit, settings).assessment
            return CheckPreview(
                result.verdict,
                f"{result.verdict.label}: {result.detail}",
                meter_state,
                meter_words,
                late,
                entry_words,
            )

    # ---- writing checks

    def _validate(self, session: Session, draft: CheckDraft) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        values: dict = {}  # type: ignore[type-arg]
        unit = session.get(FluoroUnit, draft.unit_id) if draft.unit_id is not None else None
        if unit is None:
            errors["unit_id"] = "Choose the unit that was checked."
        day = parse_day(draft.checked_on, errors, "checked_on", "The date of the check", required=True)
        if day is not None:
            if day > self.today():
                errors["checked_on"] = f"The check date {day} is in the future."
            elif unit is not None and unit.retired_on is not None and day >= unit.retired_on:
                errors["checked_on"] = (
                    f"{unit.code} was retired on {unit.retired_on}; it cannot be checked after that."
                )
            elif unit is not None and unit.in_service_on is not None and day < unit.in_service_on:
                errors["checked_on"] = (
                    f"{unit.code} went into service on {unit.in_service_on}; the check is dated before that."
                )
        performed_by = clean(draft.performed_by)
        if not performed_by:
            errors["performed_by"] = "Say who performed the check."
        check_length(performed_by, 120, errors, "performed_by", "The name")
        if draft.technician_id is not None and session.get(Technician, draft.technician_id) is None:
            errors["performed_by"] = "That technician no longer exists; type the name instead."
        meter = session.get(Meter, draft.meter_id) if draft.meter_id is not None else None
        if meter is None:
            errors["meter_id"] = "Choose the meter used. If it is not listed, add it under Meters first."
        elif day is not None and meter.retired_on is not None and day >= meter.retired_on:
            errors["meter_id"] = f"Meter {meter.name} was retired on {meter.retired_on}."
        mode = parse_enum(draft.mode, ExposureMode, errors, "mode", "Choose normal, high-level or pulsed.")
        if mode is ExposureMode.HIGH_LEVEL and unit is not None and not unit.has_hlc:
            errors["mode"] = f"{unit.code} has no high-level control; choose normal or pulsed."
        rate_unit = parse_enum(
            draft.rate_unit,
            RateUnit,
            errors,
            "rate_unit",
            "Choose the unit the meter showed (mGy/min or R/min).",
        )
        rate = parse_number(
            draft.rate, errors, "rate", "The measured rate", required=True, positive=True, maximum=10000
        )
        kvp = parse_number(draft.kvp, errors, "kvp", "kVp", minimum=20, maximum=200)
        ma = parse_number(draft.ma, errors, "ma", "mA", positive=True, maximum=1500)
        phantom, magnification = clean(draft.phantom), clean(draft.magnification)
        check_length(phantom, 160, errors, "phantom", "The phantom / set-up")
        check_length(magnification, 40, errors, "magnification", "Magnification")
        if errors:
            raise ValidationError(fields=errors)
        values.update(
            unit=unit,
            checked_on=day,
            performed_by=performed_by,
            technician_id=draft.technician_id,
            meter_id=meter.id if meter else None,
            mode=mode,
            rate=rate,
            rate_unit=rate_unit,
            kvp=kvp,
            ma=ma,
            phantom=phantom,
            magnification=magnification,
            notes=(draft.notes or "").strip(),
        )
        return values

    def _row_for(self, session: Session, check_id: int) -> ExposureCheckRow:
        """The row of a check just written (lazy loads: only what this one row needs)."""
        session.flush()
        session.expire_all()
        check = session.get(ExposureCheck, check_id)
        assert check is not None
        evaluation = UnitEvaluation(check.unit, load_settings(session), self.today())
        rechecked = session.scalars(
            select(CorrectiveAction.check_id).where(CorrectiveAction.recheck_id == check_id)
        ).all()
        return evaluation.row(evaluation.by_id[check_id], {check_id: tuple(rechecked)})

    def record_check(self, draft: CheckDraft) -> ExposureCheckRow:
        with self.writing() as session:
            values = self._validate(session, draft)
            ensure_unlocked(session, SignoffArea.EXPOSURE, values["checked_on"])  # signed-off periods
            unit = values.pop("unit")
            check = ExposureCheck(
                unit_id=unit.id, entered_at=self.now(), created_by=self.actor, updated_by=self.actor, **values
            )
            session.add(check)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="exposure_checks",
                entity_id=check.id,
                summary=f"Exposure check of {unit.code} on {check.checked_on}: "
                f"{check.rate:g} {check.rate_unit.value}",
                after=audit.snapshot(check),
            )
            return self._row_for(session, check.id)

    def amend_check(self, check_id: int, draft: CheckDraft, reason: str) -> ExposureCheckRow:
        """Correct a check: a new check that points at the old one, which is voided (never deleted)."""
        reason = clean(reason)
        with self.writing() as session:
            old = session.get(ExposureCheck, check_id)
            if old is None:
                raise NotFoundError("That exposure check no longer exists.")
            if old.voided_at is not None:
                raise ConflictError(
                    f"This check was already voided on {old.voided_at:%Y-%m-%d}: {old.void_reason}"
                )
            try:
                values = self._validate(session, draft)
            except ValidationError as exc:
                if not reason:
                    exc.fields.setdefault("reason", "Say why the check is being corrected.")
                raise ValidationError(fields=exc.fields) from None
            if not reason:
                raise ValidationError(fields={"reason": "Say why the check is being corrected."})
            # An amendment is how a signed-off check is corrected: allowed, it references the original.
            ensure_unlocked(session, SignoffArea.EXPOSURE, values["checked_on"], amends=old)
            unit = values.pop("unit")
            new = ExposureCheck(
                unit_id=unit.id,
                entered_at=self.now(),
                amends_id=old.id,
                created_by=self.actor,
                updated_by=self.actor,
                **values,
            )
            session.add(new)
            session.flush()
            before = audit.snapshot(old)
            old.voided_at = self.now()
            old.void_reason = f"Amended by check #{new.id}: {reason}"
            old.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="amend",
                entity="exposure_checks",
                entity_id=new.id,
                summary=f"Exposure check #{old.id} of {unit.code} amended: {reason}",
                after=audit.snapshot(new),
            )
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="exposure_checks",
                entity_id=old.id,
                summary=f"Exposure check #{old.id} replaced by #{new.id}",
                before=before,
                after=audit.snapshot(old),
            )
            moved = session.scalars(
                select(CorrectiveAction).where(
                    (CorrectiveAction.check_id == old.id) | (CorrectiveAction.recheck_id == old.id)
                )
            ).all()
            for action in moved:
                action_before = audit.snapshot(action)
                if action.check_id == old.id:
                    action.check_id = new.id
                if action.recheck_id == old.id:
                    action.recheck_id = new.id
                action.updated_by = self.actor
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="corrective_actions",
                    entity_id=action.id,
                    summary=f"Corrective action follows check #{old.id} to its amendment #{new.id}",
                    before=action_before,
                    after=audit.snapshot(action),
                )
            return self._row_for(session, new.id)

    def void_check(self, check_id: int, reason: str) -> ExposureCheckRow:
        reason = clean(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why the check is being voided."})
        with self.writing() as session:
            check = session.get(ExposureCheck, check_id)
            if check is None:
                raise NotFoundError("That exposure check no longer exists.")
            if check.voided_at is not None:
                raise ConflictError(f"This check was already voided on {check.voided_at:%Y-%m-%d}.")
            ensure_record_unlocked(session, check)
            before = audit.snapshot(check)
            check.voided_at = self.now()
            check.void_reason = reason
            check.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="exposure_checks",
                entity_id=check.id,
                summary=f"Exposure check #{check.id} of {check.checked_on} voided: {reason}",
                before=before,
                after=audit.snapshot(check),
            )
            return self._row_for(session, check.id)

    # ---- corrective actions

    def corrective_actions(
        self, *, unit_id: int | None = None, check_id: int | None = None
    ) -> list[CorrectiveActionRow]:
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for unit in load_units(session, unit_id):
                evaluation = UnitEvaluation(unit, settings, self.today())
                for check in unit.checks:
                    if check_id is not None and check.id != check_id:
                        continue
                    rows.extend(evaluation.action_row(a) for a in check.corrective_actions)
            return sorted(rows, key=lambda r: (r.check_on, r.performed_on, r.id), reverse=True)

    def _validate_action(self, session: Session, draft: CorrectiveActionDraft) -> dict:  # type: ignore[type-arg]
        if draft.check_id is None:
            raise ValidationError(fields={"check_id": "Choose the reading this action is about."})
        check = session.get(ExposureCheck, draft.check_id)
        if check is None:
            raise NotFoundError("That exposure check no longer exists.")
        unit = get_unit(session, check.unit_id)
        evaluation = UnitEvaluation(unit, load_settings(session), self.today())
        original = evaluation.facts(evaluation.by_id[check.id])
        errors: dict[str, str] = {}
        if check.voided_at is not None:
            errors["check_id"] = "This check was voided; record the action on the check that replaced it."
        elif original.verdict is ExposureVerdict.PASS:
            errors["check_id"] = "This reading passed; it needs no corrective action."
        action = (draft.action or "").strip()
        if not action:
            errors["action"] = "Describe what was done."
        performed_by = clean(draft.performed_by)
        if not performed_by:
            errors["performed_by"] = "Say who did it (service engineer, physicist, technologist)."
        check_length(performed_by, 120, errors, "performed_by", "The name")
        ticket = clean(draft.service_ticket)
        check_length(ticket, 80, errors, "service_ticket", "The service ticket")
        performed_on = parse_day(
            draft.performed_on, errors, "performed_on", "The date it was done", required=True
        )
        if performed_on is not None:
            if performed_on > self.today():
                errors["performed_on"] = f"{performed_on} is in the future."
            elif performed_on < check.checked_on:
                errors["performed_on"] = f"The action cannot be before the reading ({check.checked_on})."
        closed_on = parse_day(draft.closed_on, errors, "closed_on", "The closing date")
        recheck = None
        if draft.recheck_id is not None:
            recheck = evaluation.by_id.get(draft.recheck_id)
            if recheck is None:
                errors["recheck_id"] = "The re-check must be a check of the same unit."
            else:
                problem = recheck_problem(original, evaluation.facts(recheck))
                if problem:
                    errors["recheck_id"] = problem
        if closed_on is not None:
            if recheck is None and "recheck_id" not in errors:
                errors["closed_on"] = "Closing needs a passing re-check: choose it first."
            elif closed_on > self.today():
                errors["closed_on"] = f"{closed_on} is in the future."
            elif recheck is not None and closed_on < recheck.checked_on:
                errors["closed_on"] = f"The action cannot close before its re-check ({recheck.checked_on})."
            elif performed_on is not None and closed_on < performed_on:
                errors["closed_on"] = "The action cannot close before it was done."
        if errors:
            raise ValidationError(fields=errors)
        if recheck is not None and closed_on is None:
            closed_on = max(recheck.checked_on, performed_on or recheck.checked_on)
        return dict(
            check=check,
            action=action,
            performed_by=performed_by,
            performed_on=performed_on,
            service_ticket=ticket,
            recheck_id=recheck.id if recheck else None,
            closed_on=closed_on,
        )

    def add_corrective_action(self, draft: CorrectiveActionDraft) -> CorrectiveActionRow:
        with self.writing() as session:
            values = self._validate_action(session, draft)
            check = values.pop("check")
            action = CorrectiveAction(
                check_id=check.id, created_by=self.actor, updated_by=self.actor, **values
            )
            session.add(action)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="corrective_actions",
                entity_id=action.id,
                summary=f"Corrective action for the {check.checked_on} reading of unit #{check.unit_id}"
                + (f", closed {action.closed_on}" if action.closed_on else ""),
                after=audit.snapshot(action),
            )
            return self._action_row(session, action.id)

    def update_corrective_action(self, action_id: int, draft: CorrectiveActionDraft) -> CorrectiveActionRow:
        with self.writing() as session:
            action = session.get(CorrectiveAction, action_id)
            if action is None:
                raise NotFoundError("That corrective action no longer exists.")
            if draft.check_id != action.check_id:
                raise ConflictError("A corrective action stays with the reading it was recorded for.")
            values = self._validate_action(session, draft)
            values.pop("check")
            before = audit.snapshot(action)
            for key, value in values.items():
                setattr(action, key, value)
            action.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="corrective_actions",
                entity_id=action.id,
                summary="Corrective action updated"
                + (f", closed {action.closed_on}" if action.closed_on else ""),
                before=before,
                after=audit.snapshot(action),
            )
            return self._action_row(session, action.id)

    def _action_row(self, session: Session, action_id: int) -> CorrectiveActionRow:
        session.flush()
        session.expire_all()
        action = session.get(CorrectiveAction, action_id)
        assert action is not None
        evaluation = UnitEvaluation(action.check.unit, load_settings(session), self.today())
        return evaluation.action_row(action)

    # ---- notes on missed periods

    def note_period(self, unit_id: int, day: date | str, reason: str, *, unit_not_used: bool) -> PeriodRow:
        """Record why the period holding ``day`` has no check (replaces an earlier note for it)."""
        errors: dict[str, str] = {}
        when = parse_day(day, errors, "period", "The period", required=True)
        reason = (reason or "").strip()
        if not reason:
            errors["reason"] = "Say why there is no check for this period."
        if errors:
            raise ValidationError(fields=errors)
        assert when is not None
        with self.writing() as session:
            unit = get_unit(session, unit_id)
            settings = load_settings(session)
            evaluation = UnitEvaluation(unit, settings, self.today())
            first = evaluation.first_day
            if first is None:
                raise ValidationError(fields={"period": f"{unit.code} has no check periods yet."})
            period = period_holding(when, first, evaluation.interval)
            known = {p.start for p in evaluation.calendar()}
            if period.start not in known:
                raise ValidationError(
                    fields={"period": f"{period.words} is not one of {unit.code}'s check periods so far."}
                )
            note = next((n for n in unit.period_notes if n.period_start == period.start), None)
            before = audit.snapshot(note) if note else None
            if note is None:
                note = ExposurePeriodNote(
                    unit_id=unit.id,
                    period_start=period.start,
                    period_end=period.end,
                    created_by=self.actor,
                    reason=reason,
                    unit_not_used=unit_not_used,
                )
                session.add(note)
            note.reason = reason
            note.unit_not_used = unit_not_used
            note.updated_by = self.actor
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="update" if before else "create",
                entity="exposure_period_notes",
                entity_id=note.id,
                summary=f"Note on {unit.code}'s check period {period.start}…{period.end}: {reason}",
                before=before,
                after=audit.snapshot(note),
            )
            session.flush()
            session.expire_all()
            unit = get_unit(session, unit_id)
            for row in UnitEvaluation(unit, settings, self.today()).calendar():
                if row.start == period.start:
                    return row
            raise AssertionError("the noted period vanished")  # pragma: no cover


def _meter_words(meter: Meter | None, status: CalibrationStatus) -> str:
    name = meter.name if meter else "The meter"
    if status.state is CalibrationState.VALID:
        return f"{name}: {status.words}"
    if status.state is CalibrationState.LAPSED:
        return f"{name}: calibration had lapsed on this date ({status.words})"
    return f"{name}: not calibrated on this date ({status.words})"


# --------------------------------------------------------------------------- findings


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    for unit in load_units(session):
        out.extend(unit_findings(unit, settings, as_of, UnitEvaluation(unit, settings, as_of)))
    out.extend(meter_findings(session, settings, as_of))
    return out


def unit_findings(
    unit: FluoroUnit, settings: ClinicSettings, as_of: date, evaluation: UnitEvaluation | None = None
) -> list[Finding]:
    """Everything wrong with one unit's QC on ``as_of`` (nothing for a retired or future unit).

    A caller that has already judged the unit's checks for ``as_of`` passes its ``evaluation``.
    """
    if unit.retired_on is not None and unit.retired_on <= as_of:
        return []
    if unit.in_service_on is not None and unit.in_service_on > as_of:
        return []
    if evaluation is None or evaluation.as_of != as_of:
        evaluation = UnitEvaluation(unit, settings, as_of)
    if evaluation.findings is None:
        evaluation.findings = _unit_findings(unit, evaluation)
    return list(evaluation.findings)


def _unit_findings(unit: FluoroUnit, evaluation: UnitEvaluation) -> list[Finding]:
    settings, as_of = evaluation.settings, evaluation.as_of
    out: list[Finding] = []
    subject = unit_label(unit)
    for check in evaluation.valid:
        result = evaluation.judgement(check).assessment
        state = evaluation.corrective(check)
        if state in (CorrectiveState.NOT_NEEDED, CorrectiveState.CLOSED):
            continue
        over = result.verdict is ExposureVerdict.OVER_LIMIT
        status = (
            " A corrective action is recorded; a passing re-check is still needed."
            if state is CorrectiveState.IN_PROGRESS
            else " No corrective action recorded."
        )
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL if over else Severity.WARNING,
                "exposure.over_limit" if over else "exposure.outside_tolerance",
                subject,
                f"Reading on {check.checked_on}: {result.detail}.{status}",
                "Record the corrective action (what was done, service ticket, who, when) and a re-check.",
                check.checked_on,
                "exposure_checks",
                check.id,
            )
        )
    missed = evaluation.missed()
    if missed:
        shown = ", ".join(f"{p.start}…{p.end}" for p in missed[-6:])
        more = f" (and {len(missed) - 6} earlier)" if len(missed) > 6 else ""
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "exposure.missed_periods",
                subject,
                f"{counted(len(missed), 'check periods')} without an exposure-rate check: {shown}{more}.",
                "Enter any check that was done late; otherwise note why it was missed.",
                missed[0].end,
                "fluoro_units",
                unit.id,
            )
        )
    out.extend(_registration_findings(unit, settings, as_of, subject))
    out.extend(_survey_findings(unit, settings, as_of, subject))
    return out


def _registration_findings(
    unit: FluoroUnit, settings: ClinicSettings, as_of: date, subject: str
) -> list[Finding]:
    expires = unit.registration_expires_on
    if expires is None:
        if unit.registration_number.strip():
            return []
        return [
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "unit.registration_missing",
                subject,
                "No state registration on file.",
                "Record the unit's state registration number and expiry date.",
                None,
                "fluoro_units",
                unit.id,
            )
        ]
    if expires < as_of:
        return [
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.registration_expired",
                subject,
                f"State registration expired {expires}.",
                "Renew the registration.",
                expires,
                "fluoro_units",
                unit.id,
            )
        ]
    if (expires - as_of).days <= int(settings["exposure.warning_days"]):
        return [
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "unit.registration_expiring",
                subject,
                f"State registration expires {expires} ({describe_due(expires, as_of)}).",
                "Renew the registration.",
                expires,
                "fluoro_units",
                unit.id,
            )
        ]
    return []


def _survey_findings(unit: FluoroUnit, settings: ClinicSettings, as_of: date, subject: str) -> list[Finding]:
    surveys: list[PhysicistSurvey] = sorted(
        (s for s in unit.surveys if s.surveyed_on <= as_of), key=lambda s: (s.surveyed_on, s.id)
    )
    if not surveys:
        initial_due = unit.in_service_on + timedelta(days=30) if unit.in_service_on else None
        if initial_due is not None and as_of <= initial_due:
            return [
                Finding(
                    Area.EXPOSURE,
                    Severity.WARNING,
                    "unit.no_survey",
                    subject,
                    f"The physicist's initial evaluation is due by {initial_due} "
                    "(30 days after installation).",
                    "Schedule the physicist's performance evaluation.",
                    initial_due,
                    "fluoro_units",
                    unit.id,
                )
            ]
        return [
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.no_survey",
                subject,
                "No medical physicist survey on file.",
                "Schedule the physicist's performance evaluation.",
                initial_due,
                "fluoro_units",
                unit.id,
            )
        ]
    last = surveys[-1]
    due = survey_due(
        last.surveyed_on,
        as_of,
        due_months=int(settings["exposure.survey_due_months"]),
        max_months=int(settings["exposure.survey_max_months"]),
        warning_days=int(settings["exposure.warning_days"]),
    )
    out = []
    if due.state is DueState.OVERDUE:
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.survey_overdue",
                subject,
                f"Physicist survey overdue since {due.overdue_after} (last {last.surveyed_on}).",
                "Have the physicist survey the unit now.",
                due.overdue_after,
                "fluoro_units",
                unit.id,
            )
        )
    elif due.state in (DueState.DUE, DueState.DUE_SOON):
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "unit.survey_due",
                subject,
                f"Annual physicist survey {'was' if due.state is DueState.DUE else 'is'} due {due.due_on} "
                f"(last {last.surveyed_on}); the state maximum is {due.overdue_after}.",
                "Schedule the physicist.",
                due.due_on,
                "fluoro_units",
                unit.id,
            )
        )
    closed = last.recommendations_closed_on is not None and last.recommendations_closed_on <= as_of
    if last.result is SurveyResult.FAIL and not closed:
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.survey_failed",
                subject,
                f"The physicist's survey of {last.surveyed_on} failed the unit.",
                "Have the problems corrected, record how, and have the physicist confirm.",
                None,
                "fluoro_units",
                unit.id,
            )
        )
    elif last.recommendations.strip() and not closed:
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "unit.survey_recommendations_open",
                subject,
                f"Recommendations from the {last.surveyed_on} survey are not closed.",
                "Record how each recommendation was addressed.",
                None,
                "fluoro_units",
                unit.id,
            )
        )
    return out


def _checks_with_meter_since(session: Session, meter_id: int, since: date, as_of: date) -> int:
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count())
            .select_from(ExposureCheck)
            .where(
                ExposureCheck.meter_id == meter_id,
                ExposureCheck.voided_at.is_(None),
                ExposureCheck.checked_on > since,
                ExposureCheck.checked_on <= as_of,
            )
        )
        or 0
    )


def meter_findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out = []
    warning_days = int(settings["exposure.warning_days"])
    meters = session.scalars(
        select(Meter).options(selectinload(Meter.calibrations)).order_by(Meter.name)
    ).all()
    for meter in meters:
        if meter.retired_on is not None and meter.retired_on <= as_of:
            continue
        calibrations = [c for c in meter.calibrations if c.calibrated_on <= as_of]
        if not calibrations:
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.WARNING,
                    "meter.no_calibration",
                    f"Meter {meter.name}",
                    "No calibration certificate on file.",
                    "File the meter's calibration certificate.",
                    None,
                    "meters",
                    meter.id,
                )
            )
            continue
        due = max(c.due_on for c in calibrations)
        if due < as_of:
            used = _checks_with_meter_since(session, meter.id, due, as_of)
            made = "was" if used == 1 else "were"
            used_words = f" {counted(used, 'checks')} since then {made} made with it." if used else ""
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.WARNING,
                    "meter.calibration_overdue",
                    f"Meter {meter.name}",
                    f"Calibration expired {due}.{used_words}",
                    "Send the meter for calibration, or retire it and use a calibrated one.",
                    due,
                    "meters",
                    meter.id,
                )
            )
        elif (due - as_of).days <= warning_days:
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.WARNING,
                    "meter.calibration_due",
                    f"Meter {meter.name}",
                    f"Calibration runs out {due} ({describe_due(due, as_of)}).",
                    "Send the meter for calibration before then.",
                    due,
                    "meters",
                    meter.id,
                )
            )
    return out
