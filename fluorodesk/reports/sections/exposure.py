"""Fluoroscopy units: per-unit exposure-rate log with its trend chart, missed periods marked and
corrective actions; physicist surveys; meter calibrations.

Everything here is read through the services the Exposure Logs tab uses, as of the packet's date: each
unit's ``UnitEvaluation`` (its check rows, corrective actions, missed periods and the trend chart's
``TrendSeries``, drawn by the tab's own drawing code), the units list's row, the baseline rows, the
survey rows and the meter rows.  No verdict, baseline or due date is worked out here.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from fluorodesk.db.models import FluoroUnit, Meter
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, SurveyResult
from fluorodesk.domain.exposure import CalibrationState, CorrectiveState, DueState, Period, applicable_limit
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import (
    Block,
    Column,
    Fields,
    Para,
    Row,
    Section,
    SubHeading,
    Table,
    Tone,
    TrendChart,
)
from fluorodesk.reports.sections.common import DASH, d, documents_table, join
from fluorodesk.services.exposure.evaluation import UnitEvaluation
from fluorodesk.services.exposure.loading import default_tolerance, load_units, unit_facts
from fluorodesk.services.exposure.rows import CorrectiveActionRow, ExposureCheckRow, UnitHistory
from fluorodesk.services.meters import calibration_rows, meter_rows
from fluorodesk.services.surveys import SurveyRow, survey_rows
from fluorodesk.services.units import UnitRow, baseline_rows, unit_row

KEY = "exposure"
TITLE = "Fluoroscopy units and exposure-rate QC"
OWNER_TYPES = (
    "fluoro_unit",
    "unit",
    "exposure_check",
    "corrective_action",
    "survey",
    "physicist_survey",
    "meter",
    "meter_calibration",
    "calibration",
)

_VERDICT_TONE: dict[ExposureVerdict, Tone] = {
    ExposureVerdict.OVER_LIMIT: "bad",
    ExposureVerdict.OUTSIDE_TOLERANCE: "warn",
}


def included(unit: FluoroUnit, ctx: PacketContext) -> bool:
    if not ctx.on_file(unit.in_service_on, unit.created_at):
        return False
    return unit.retired_on is None or unit.retired_on >= ctx.period_from


class UnitPages:
    """One unit as the packet shows it: the tab's evaluation as of the packet date, cut to the period."""

    def __init__(self, unit: FluoroUnit, ctx: PacketContext) -> None:
        self.unit = unit
        self.evaluation = UnitEvaluation(unit, ctx.settings, ctx.as_of)
        self.row: UnitRow = unit_row(self.evaluation)
        self.history: UnitHistory = self.evaluation.history()
        self.checks = [
            r for r in reversed(self.history.checks) if ctx.in_period(r.checked_on)
        ]  # oldest first
        self.valid = [r for r in self.checks if not r.voided]
        self.missed: list[Period] = [
            p for p in self.evaluation.missed() if p.end >= ctx.period_from and p.start <= ctx.period_to
        ]

    def actions_of(self, check: ExposureCheckRow) -> list[CorrectiveActionRow]:
        return sorted(
            (a for a in self.history.corrective_actions if a.check_id == check.id),
            key=lambda a: (a.performed_on, a.id),
        )


def gather(ctx: PacketContext) -> Section:
    units = [UnitPages(u, ctx) for u in load_units(ctx.session) if included(u, ctx)]
    surveys = survey_rows(ctx.session, as_of=ctx.as_of)
    blocks: list[Block] = []
    if not units:
        blocks.append(Para("No fluoroscopy units on file for this period.", "empty"))
    else:
        interval = int(ctx.settings["exposure.check_interval_days"])
        cadence = "weekly, Monday to Sunday" if interval == 7 else f"{interval}-day periods"
        blocks.append(
            Para(
                f"{counted(len(units), 'units')}. Exposure-rate checks are due every {interval} days "
                f"({cadence}); readings are compared with the federal limit for the unit and mode "
                "(21 CFR 1020.32) and with the physicist's baseline in effect on the check's date, within "
                "that baseline's tolerance (the clinic's "
                f"±{default_tolerance(ctx.settings):g}% where the physicist set none)."
            )
        )
        blocks.append(_summary(units, surveys))
        for pages in units:
            blocks.extend(_unit_blocks(pages, ctx))
    blocks.append(SubHeading("Physicist surveys", new_page=bool(units)))
    blocks.append(_surveys(units, surveys, ctx))
    blocks.append(SubHeading("Meter calibrations"))
    meters, meter_blocks = _meters(ctx)
    blocks.append(meter_blocks)
    docs = []
    for pages in units:
        docs.extend(ctx.documents_for(("fluoro_unit", "unit"), pages.unit.id))
        for survey in surveys:
            if survey.unit_id == pages.unit.id:
                docs.extend(ctx.documents_for(("survey", "physicist_survey"), survey.id))
        for check in pages.checks:
            docs.extend(ctx.documents_for(("exposure_check",), check.id))
            for action in pages.actions_of(check):
                docs.extend(ctx.documents_for(("corrective_action",), action.id))
    for meter in meters:
        docs.extend(ctx.documents_for(("meter",), meter.id))
        for cal in meter.calibrations:
            docs.extend(ctx.documents_for(("meter_calibration", "calibration"), cal.id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return Section(KEY, TITLE, tuple(blocks))


def _summary(units: list[UnitPages], surveys: list[SurveyRow]) -> Table:
    rows = []
    for pages in units:
        verdicts = Counter(r.verdict for r in pages.valid)
        over, outside = verdicts[ExposureVerdict.OVER_LIMIT], verdicts[ExposureVerdict.OUTSIDE_TOLERANCE]
        last = next((s.surveyed_on for s in surveys if s.unit_id == pages.unit.id), None)  # newest first
        rows.append(
            Row(
                (
                    pages.row.label,
                    pages.row.room or DASH,
                    str(len(pages.valid)),
                    str(len(pages.missed)) if pages.missed else "None",
                    f"{over} over limit, {outside} outside tolerance"
                    if over or outside
                    else "All within limit and tolerance",
                    d(last) if last else "None on file",
                ),
                "bad" if over else ("warn" if pages.missed or outside else ""),
            )
        )
    return Table(
        (
            Column("Unit", 1.8),
            Column("Room", 1.0),
            Column("Checks in period", 0.9, "RIGHT"),
            Column("Missed periods", 0.9, "RIGHT"),
            Column("Readings", 2.2),
            Column("Last survey", 1.0),
        ),
        tuple(rows),
        title="Summary for the period",
    )


def _unit_blocks(pages: UnitPages, ctx: PacketContext) -> list[Block]:
    unit, row, as_of = pages.unit, pages.row, ctx.as_of
    series = pages.evaluation.trend(None, None, ctx.period_from, ctx.period_to)
    facts = unit_facts(unit)
    normal_limit = applicable_limit(facts, ExposureMode.NORMAL, series.rate_unit, ctx.settings)
    hlc_limit = applicable_limit(facts, ExposureMode.HIGH_LEVEL, series.rate_unit, ctx.settings)

    registration = row.registration_number or "not recorded"
    if row.registration_expires_on:
        verb = "expired" if row.registration_expires_on < as_of else "expires"
        registration += f", {verb} {row.registration_expires_on.isoformat()}"
    limits = []
    if normal_limit:
        limits.append(f"{normal_limit.value:g} {series.rate_unit.value} ({normal_limit.basis})")
    if unit.has_hlc:
        limits.append(
            f"{hlc_limit.value:g} {series.rate_unit.value} (high-level control)"
            if hlc_limit
            else "no limit in high-level control (made before 1995-05-19)"
        )
    pairs = (
        ("Unit", row.label),
        ("Make, model, serial", join([row.manufacturer, row.model, row.serial], ", ") or DASH),
        ("Room", row.room or DASH),
        ("State registration", registration),
        ("Manufactured", d(row.manufactured_on)),
        ("Limits", "; ".join(limits) or DASH),
        ("Physicist's baseline", _baselines(unit, ctx)),
        (
            "In service",
            d(row.in_service_on) + (f"; retired {row.retired_on.isoformat()}" if row.retired_on else ""),
        ),
    )
    entries: list[tuple[date, int, Row]] = [(r.checked_on, 1, _check_row(r)) for r in pages.checks]
    for period in pages.missed:
        entries.append(
            (
                period.start,
                0,
                Row(
                    (
                        f"{period.start.isoformat()} to {period.end.isoformat()}",
                        DASH,
                        DASH,
                        DASH,
                        DASH,
                        DASH,
                        "MISSED: no check recorded for this period",
                    ),
                    "warn",
                ),
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [
        SubHeading(row.label, new_page=True),
        Fields(pairs),
        TrendChart(series),
        Table(
            (
                Column("Date", 0.95),
                Column("Performed by", 1.2),
                Column("Mode", 0.8),
                Column("kVp, mA", 0.8),
                Column("Rate", 0.95, "RIGHT"),
                Column("Limit", 0.95, "RIGHT"),
                Column("Result", 2.6),
            ),
            tuple(entry for _day, _order, entry in entries),
            title=(
                f"Exposure-rate log ({counted(len(pages.valid), 'checks')}, "
                f"{counted(len(pages.missed), 'missed periods')})"
            ),
            empty="No checks recorded and none due in this period.",
        ),
        _corrective(pages),
    ]


def _baselines(unit: FluoroUnit, ctx: PacketContext) -> str:
    """The baselines in effect during the period, each with the tolerance that applied with it."""
    history = sorted(baseline_rows(ctx.session, ctx.settings, unit), key=lambda b: b.effective_on or date.min)
    shown = []
    for index, baseline in enumerate(history):
        start = baseline.effective_on or date.min
        if start > ctx.period_to or start > ctx.as_of:
            continue
        later = [b for b in history[index + 1 :] if b.mode is baseline.mode]
        if later and (later[0].effective_on or date.min) <= ctx.period_from:
            continue  # superseded before the period began
        mode = "" if baseline.mode is ExposureMode.NORMAL else f"{baseline.mode.label.lower()} mode: "
        shown.append(mode + baseline.words)
    return "; ".join(shown) or DASH


def _check_row(row: ExposureCheckRow) -> Row:
    words = row.verdict.label
    if row.verdict is not ExposureVerdict.PASS:
        words += f": {row.detail}. {row.corrective_words}"
    extras = [f"entered late, on {row.entered_on.isoformat()}" if row.late_entry else "", row.notes]
    tone: Tone = _VERDICT_TONE.get(row.verdict, "")
    if row.corrective is CorrectiveState.CLOSED:
        tone = ""
    if row.voided:
        words = f"VOIDED ({row.void_reason or 'entered in error'}); was: {words}"
        tone = "muted"
    return Row(
        (
            row.checked_on.isoformat(),
            row.performed_by,
            row.mode.label,
            join([f"{row.kvp:g}" if row.kvp else "", f"{row.ma:g}" if row.ma else ""], ", ") or DASH,
            row.rate_words,
            f"{row.limit:g} {row.rate_unit.value}" if row.limit is not None else "none",
            join([words] + [e for e in extras if e], ". "),
        ),
        tone,
    )


def _corrective(pages: UnitPages) -> Table:
    rows = []
    for check in pages.valid:
        actions = pages.actions_of(check)
        if check.verdict is ExposureVerdict.PASS and not actions:
            continue
        if not actions:
            rows.append(
                Row(
                    (check.checked_on.isoformat(), check.verdict.label, "None recorded", DASH, DASH, "Open"),
                    _VERDICT_TONE.get(check.verdict, "warn"),
                )
            )
        for action in actions:
            closed = action.state is CorrectiveState.CLOSED and action.closed_on is not None
            rows.append(
                Row(
                    (
                        check.checked_on.isoformat(),
                        check.verdict.label,
                        action.action
                        + (f" (ticket {action.service_ticket})" if action.service_ticket else ""),
                        action.performed_by,
                        action.performed_on.isoformat(),
                        action.words,
                    ),
                    "" if closed else "warn",
                )
            )
    return Table(
        (
            Column("Reading of", 0.95),
            Column("Finding", 1.0),
            Column("Corrective action", 2.6),
            Column("By", 1.2),
            Column("Performed", 0.95),
            Column("Status", 1.5),
        ),
        tuple(rows),
        title="Corrective actions",
        empty="No reading in this period needed a corrective action.",
    )


def _surveys(units: list[UnitPages], surveys: list[SurveyRow], ctx: PacketContext) -> Table:
    rows = []
    for pages in units:
        on_file = sorted(
            (s for s in surveys if s.unit_id == pages.unit.id), key=lambda s: (s.surveyed_on, s.id)
        )
        shown = [s for s in on_file if ctx.in_period(s.surveyed_on)]
        if on_file and on_file[-1] not in shown:
            shown.append(on_file[-1])
        if not shown:
            rows.append(Row((pages.row.label, DASH, DASH, "No survey on file", DASH, DASH), "bad"))
        for survey in shown:
            latest = survey is on_file[-1]
            closed = survey.recommendations_closed_on
            is_closed = closed is not None and closed <= ctx.as_of
            recommendations = survey.recommendations.strip()
            if recommendations:
                recommendations += f" (closed {closed.isoformat()})" if is_closed and closed else " (OPEN)"
            due = pages.row.survey  # the units list's: when the latest survey falls due again
            next_due = (
                f"{due.due_on.isoformat()} ({describe_due(due.due_on, ctx.as_of)})"
                if latest and due.due_on
                else "Superseded"
            )
            late = latest and due.state in (DueState.DUE, DueState.OVERDUE)
            rows.append(
                Row(
                    (
                        pages.row.label,
                        survey.surveyed_on.isoformat(),
                        survey.physicist,
                        survey.result.label,
                        recommendations or "None",
                        next_due,
                    ),
                    "bad"
                    if survey.result is SurveyResult.FAIL
                    else ("warn" if latest and (late or (recommendations and not is_closed)) else ""),
                )
            )
    return Table(
        (
            Column("Unit", 1.6),
            Column("Surveyed", 0.9),
            Column("Physicist", 1.4),
            Column("Result", 0.8),
            Column("Recommendations", 2.2),
            Column("Next due", 1.4),
        ),
        tuple(rows),
        empty="No fluoroscopy units on file.",
    )


def _meters(ctx: PacketContext) -> tuple[list[Meter], Table]:
    """The meters on file on the packet date with their calibrations, and where each stood then."""
    rows = []
    meters = []
    by_id = {m.id: m for m in ctx.session.scalars(select(Meter))}
    for meter_row in meter_rows(ctx.session, ctx.as_of, include_retired=True):
        meter = by_id[meter_row.id]
        if not ctx.on_file(None, meter.created_at):
            continue
        if meter.retired_on is not None and meter.retired_on < ctx.period_from:
            continue
        meters.append(meter)
        calibrations = list(reversed(calibration_rows(ctx.session, meter, ctx.as_of)))  # oldest first
        shown = [c for c in calibrations if ctx.in_period(c.calibrated_on)]
        if calibrations and calibrations[-1] not in shown:
            shown.append(calibrations[-1])
        name = join([meter.name, join([meter.manufacturer, meter.model], " "), meter.serial], ", ")
        tone: Tone = "" if meter_row.state is CalibrationState.VALID else "warn"
        if not shown:
            rows.append(Row((name, DASH, DASH, DASH, meter_row.words), tone))
        for cal in shown:
            latest = cal is calibrations[-1]
            rows.append(
                Row(
                    (
                        name,
                        cal.calibrated_on.isoformat(),
                        cal.due_on.isoformat(),
                        join(
                            [
                                cal.laboratory,
                                f"certificate {cal.certificate_number}" if cal.certificate_number else "",
                            ],
                            ", ",
                        )
                        or DASH,
                        meter_row.words if latest else "Superseded",
                    ),
                    tone if latest else "",
                )
            )
    table = Table(
        (
            Column("Meter", 2.0),
            Column("Calibrated", 0.9),
            Column("Due", 0.9),
            Column("Laboratory, certificate", 1.9),
            Column(f"Status on {ctx.as_of.isoformat()}", 1.8),
        ),
        tuple(rows),
        empty="No meters on file.",
    )
    return meters, table


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Per-unit exposure-rate log and trend chart, missed periods, corrective actions, surveys, meters",
    OWNER_TYPES,
)
