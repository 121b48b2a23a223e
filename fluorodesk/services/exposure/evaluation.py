"""One unit judged as of a date: each reading against its limit and baseline, corrective actions with
their re-checks, the calendar of check periods, and the trend chart's data.

The Exposure Logs tab, the units list, the findings and the audit packet all read a unit through a
``UnitEvaluation``, so they cannot disagree about a verdict, a missed period or a baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from fluorodesk.db.models import CorrectiveAction, ExposureCheck, FluoroUnit
from fluorodesk.domain.enums import ExposureMode, RateUnit
from fluorodesk.domain.exposure import (
    ActionFacts,
    CheckFacts,
    CorrectiveState,
    Period,
    TrendPoint,
    TrendSeries,
    applicable_limit,
    baseline_on,
    baseline_spans,
    corrective_state,
    entry_delay_days,
    is_late_entry,
    missed_periods,
    period_calendar,
    period_holding,
    recheck_problem,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import counted
from fluorodesk.services.exposure.inputs import local_date
from fluorodesk.services.exposure.loading import (
    Judgement,
    UnitLog,
    baselines_of,
    day_after_starts,
    default_tolerance,
    judge,
    meter_calibration,
    unit_facts,
    unit_label,
    voided_on,
)
from fluorodesk.services.exposure.rows import (
    CorrectiveActionRow,
    ExposureCheckRow,
    PeriodRow,
    SeriesKey,
    UnitHistory,
)


class UnitEvaluation:
    """The checks of a unit judged, with corrective states and the check calendar, as of a date.

    ``checks``: the unit's checks to judge (all of ``unit.checks`` unless given: a summary passes only
    those that may fail, see ``loading.load_unit_logs``); ``check_dates``: the dates of every check
    that counts on ``as_of`` (the calendar's), worked out from ``checks`` unless given.
    """

    def __init__(
        self,
        unit: FluoroUnit,
        settings: ClinicSettings,
        as_of: date,
        *,
        checks: Iterable[ExposureCheck] | None = None,
        check_dates: Iterable[date] | None = None,
    ) -> None:
        self.unit = unit
        self.settings = settings
        self.as_of = as_of
        self.interval = int(settings["exposure.check_interval_days"])
        self.checks = list(unit.checks if checks is None else checks)
        self.by_id = {c.id: c for c in self.checks}
        self._cutoff = day_after_starts(as_of)  # voided before it: voided on as_of
        self.valid = sorted(
            (c for c in self.checks if c.checked_on <= as_of and not voided_on(c, self._cutoff)),
            key=lambda c: (c.checked_on, c.id),
        )
        self.check_dates = [c.checked_on for c in self.valid] if check_dates is None else sorted(check_dates)
        self._judged: dict[int, Judgement] = {}
        self._calendar: list[PeriodRow] | None = None
        self._facts = unit_facts(unit)
        self._baselines = baselines_of(unit)

    @classmethod
    def of_log(cls, log: UnitLog, settings: ClinicSettings, as_of: date) -> UnitEvaluation:
        """A unit in summary: its calendar whole, only the readings that may fail judged."""
        return cls(log.unit, settings, as_of, checks=log.checks, check_dates=log.check_dates)

    # ---- readings

    def judgement(self, check: ExposureCheck) -> Judgement:
        """The check judged against its limit and the baseline of its date (computed once)."""
        found = self._judged.get(check.id)
        if found is None:
            found = judge(
                self._facts,
                self._baselines,
                check.checked_on,
                check.mode,
                check.rate,
                check.rate_unit,
                self.settings,
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
            voided_on(check, self._cutoff),
        )

    def corrective(self, check: ExposureCheck) -> CorrectiveState:
        actions = []
        for action in check.corrective_actions:
            recheck = self.by_id.get(action.recheck_id) if action.recheck_id else None
            actions.append(
                ActionFacts(action.performed_on, action.closed_on, self.facts(recheck) if recheck else None)
            )
        return corrective_state(self.facts(check), actions, self.as_of)

    def recheck_for(self) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {}
        for check in self.checks:
            for action in check.corrective_actions:
                if action.recheck_id:
                    out.setdefault(action.recheck_id, []).append(check.id)
        return {k: tuple(v) for k, v in out.items()}

    # ---- calendar

    @property
    def first_day(self) -> date | None:
        if self.unit.in_service_on is not None:
            return self.unit.in_service_on
        return self.check_dates[0] if self.check_dates else None

    def calendar(self) -> list[PeriodRow]:
        if self._calendar is None:
            self._calendar = self._calendar_from(self.first_day)
        return list(self._calendar)

    def _calendar_from(self, first: date | None) -> list[PeriodRow]:
        if first is None or first > self.as_of:
            return []
        notes = {n.period_start: n for n in self.unit.period_notes}
        rows = []
        for status in period_calendar(
            self.check_dates,
            first,
            self.as_of,
            self.interval,
            retired_on=self.unit.retired_on,
            excused=self._excused(),
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

    def _excused(self) -> list[date]:
        return [n.period_start for n in self.unit.period_notes if n.unit_not_used]

    def missed(self) -> list[Period]:
        """Complete periods with no check and no note excusing them: the calendar's missed ones (a
        property test says ``missed_periods`` and ``period_calendar`` agree), without listing the
        years of checked periods before them."""
        first = self.first_day
        if first is None or first > self.as_of:
            return []
        return missed_periods(
            self.check_dates,
            first,
            self.as_of,
            self.interval,
            retired_on=self.unit.retired_on,
            excused=self._excused(),
        )

    def this_period(self) -> PeriodRow | None:
        """The period holding ``as_of`` (None before the first and after retirement)."""
        first = self.first_day
        if first is None or first > self.as_of:
            return None
        current = period_holding(self.as_of, first, self.interval)
        rows = self._calendar_from(max(first, current.start))
        return rows[-1] if rows and rows[-1].end >= self.as_of else None

    # ---- rows

    def row(
        self, check: ExposureCheck, recheck_for: dict[int, tuple[int, ...]] | None = None
    ) -> ExposureCheckRow:
        judgement = self.judgement(check)
        result = judgement.assessment
        entered_on = local_date(check.entered_at)
        grace = int(self.settings["exposure.late_entry_days"])
        calibration = meter_calibration(check.meter, check.checked_on)
        state = self.corrective(check)
        voided = voided_on(check, self._cutoff)
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
            voided_at=check.voided_at if voided else None,
            void_reason=check.void_reason if voided else "",
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

    # ---- trend

    def series(self) -> list[SeriesKey]:
        counts = Counter((c.mode, c.rate_unit) for c in self.valid)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0].value, kv[0][1].value))
        return [SeriesKey(mode, unit, n) for (mode, unit), n in ordered]

    def trend(
        self, mode: ExposureMode | None, rate_unit: RateUnit | None, start: date, end: date
    ) -> TrendSeries:
        """The trend chart's data for ``mode`` and ``rate_unit`` from ``start`` to ``end`` (both None:
        the pair read most often in that range): what the Exposure Logs tab and the packet draw."""
        if mode is None or rate_unit is None:
            mode, rate_unit = self._usual_series(start, end)
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
        spans = baseline_spans(self._baselines, mode, rate_unit, start, end, default_tolerance(self.settings))
        skipped = {b.rate_unit for b in self._baselines if b.mode is mode and b.rate_unit is not rate_unit}
        if skipped:
            notes.append(
                "A baseline recorded in "
                + ", ".join(sorted(u.value for u in skipped))
                + " is not drawn (never converted)."
            )
        limit = applicable_limit(self._facts, mode, rate_unit, self.settings)
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

    def _usual_series(self, start: date, end: date) -> tuple[ExposureMode, RateUnit]:
        in_range = Counter(
            (c.mode, c.rate_unit) for c in self.valid if start <= c.checked_on <= end
        ).most_common(1)
        if in_range:
            return in_range[0][0]
        series = self.series()
        if series:
            return series[0].mode, series[0].rate_unit
        baseline = baseline_on(self._baselines, end, ExposureMode.NORMAL)
        return ExposureMode.NORMAL, baseline.rate_unit if baseline else RateUnit.MGY_PER_MIN

    # ---- the whole record

    def history(self) -> UnitHistory:
        """The unit's checks (newest first, voided ones too), calendar, corrective actions and series:
        what the tab shows and the packet prints."""
        recheck_for = self.recheck_for()
        checks = sorted(
            (self.row(c, recheck_for) for c in self.checks if c.checked_on <= self.as_of),
            key=lambda r: (r.checked_on, r.id),
            reverse=True,
        )
        actions = sorted(
            (
                self.action_row(a)
                for c in self.checks
                for a in c.corrective_actions
                if a.performed_on <= self.as_of
            ),
            key=lambda r: (r.check_on, r.performed_on, r.id),
            reverse=True,
        )
        return UnitHistory(
            unit_id=self.unit.id,
            unit=unit_label(self.unit),
            as_of=self.as_of,
            interval_days=self.interval,
            first_day=self.first_day,
            retired_on=self.unit.retired_on,
            checks=tuple(checks),
            calendar=tuple(self.calendar()),
            corrective_actions=tuple(actions),
            series=tuple(self.series()),
        )
