"""Fluoroscopy units: per-unit exposure-rate log with its trend chart, missed periods marked and
corrective actions; physicist surveys; meter calibrations.

Readings are assessed by services/exposure.assess (the same rule as the Exposure Logs tab and the
findings) and shown in the unit they were read in.  When the exposure-QC capability lands with
``reports/charts.py``, the lead can swap the chart block's renderer for it; the data handed over
(``TrendChart``) stays the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from fluorodesk.db.models import ExposureCheck, FluoroUnit, Meter, PhysicistSurvey
from fluorodesk.domain.dates import add_months, describe_due
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit
from fluorodesk.domain.exposure import applicable_limit
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
    TrendPoint,
)
from fluorodesk.reports.sections.common import DASH, d, documents_table, join
from fluorodesk.services.exposure import assess, corrective_closed, load_units, unit_facts
from fluorodesk.services.packet_data import load_meters, voided_by

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


def valid_checks(unit: FluoroUnit, as_of: date) -> list[ExposureCheck]:
    """Checks dated on or before ``as_of`` and not voided by then, oldest first."""
    return sorted(
        (c for c in unit.checks if c.checked_on <= as_of and not voided_by(c.voided_at, as_of)),
        key=lambda c: (c.checked_on, c.id),
    )


def unit_missed_periods(unit: FluoroUnit, ctx: PacketContext) -> list[tuple[date, date]]:
    """Complete check periods in the packet period with no check: the Exposure Logs tab's own calendar
    (periods excused as "unit not used" and periods after retirement are not missed), cut to the period."""
    from fluorodesk.services.exposure import UnitEvaluation

    until = min(ctx.period_to + timedelta(days=1), ctx.as_of)
    return [
        (p.start, p.end)
        for p in UnitEvaluation(unit, ctx.settings, until).missed()
        if p.end >= ctx.period_from
    ]


def gather(ctx: PacketContext) -> Section:
    units = [u for u in load_units(ctx.session) if included(u, ctx)]
    meters = [m for m in load_meters(ctx.session) if ctx.on_file(None, m.created_at)]
    blocks: list[Block] = []
    if not units:
        blocks.append(Para("No fluoroscopy units on file for this period.", "empty"))
    else:
        interval = int(ctx.settings["exposure.check_interval_days"])
        cadence = "weekly, Monday to Sunday" if interval == 7 else f"{interval}-day periods"
        blocks.append(
            Para(
                f"{counted(len(units), 'units')}. Exposure-rate checks are due every {interval} days "
                f"({cadence}); readings are "
                "compared with the federal limit for the unit and mode (21 CFR 1020.32) and with the "
                f"physicist's baseline (tolerance ±{float(ctx.settings['exposure.tolerance_pct']):g}%)."
            )
        )
        blocks.append(_summary(units, ctx))
        for unit in units:
            blocks.extend(_unit_blocks(unit, ctx))
    blocks.append(SubHeading("Physicist surveys", new_page=bool(units)))
    blocks.append(_surveys(units, ctx))
    blocks.append(SubHeading("Meter calibrations"))
    blocks.append(_meters(meters, ctx))
    docs = []
    for unit in units:
        docs.extend(ctx.documents_for(("fluoro_unit", "unit"), unit.id))
        for survey in unit.surveys:
            docs.extend(ctx.documents_for(("survey", "physicist_survey"), survey.id))
        for check in unit.checks:
            if ctx.in_period(check.checked_on):
                docs.extend(ctx.documents_for(("exposure_check",), check.id))
                for action in check.corrective_actions:
                    docs.extend(ctx.documents_for(("corrective_action",), action.id))
    for meter in meters:
        docs.extend(ctx.documents_for(("meter",), meter.id))
        for cal in meter.calibrations:
            docs.extend(ctx.documents_for(("meter_calibration", "calibration"), cal.id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return Section(KEY, TITLE, tuple(blocks))


def _summary(units: list[FluoroUnit], ctx: PacketContext) -> Table:
    rows = []
    for unit in units:
        checks = [c for c in valid_checks(unit, ctx.as_of) if ctx.in_period(c.checked_on)]
        verdicts = Counter(assess(c, unit, ctx.settings).verdict for c in checks)
        missed = unit_missed_periods(unit, ctx)
        problems = verdicts[ExposureVerdict.OVER_LIMIT] + verdicts[ExposureVerdict.OUTSIDE_TOLERANCE]
        surveys = sorted((s for s in unit.surveys if s.surveyed_on <= ctx.as_of), key=lambda s: s.surveyed_on)
        rows.append(
            Row(
                (
                    f"{unit.code} {unit.name}",
                    unit.room or DASH,
                    str(len(checks)),
                    str(len(missed)) if missed else "None",
                    f"{verdicts[ExposureVerdict.OVER_LIMIT]} over limit, "
                    f"{verdicts[ExposureVerdict.OUTSIDE_TOLERANCE]} outside tolerance"
                    if problems
                    else "All within limit and tolerance",
                    d(surveys[-1].surveyed_on) if surveys else "None on file",
                ),
                "bad" if verdicts[ExposureVerdict.OVER_LIMIT] else ("warn" if missed or problems else ""),
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


def _primary_unit(unit: FluoroUnit, checks: list[ExposureCheck]) -> RateUnit:
    if unit.baseline_unit is not None:
        return unit.baseline_unit
    counts = Counter(c.rate_unit for c in checks)
    return counts.most_common(1)[0][0] if counts else RateUnit.MGY_PER_MIN


def _unit_blocks(unit: FluoroUnit, ctx: PacketContext) -> list[Block]:
    as_of = ctx.as_of
    settings = ctx.settings
    all_checks = [c for c in unit.checks if c.checked_on <= as_of]
    in_period = [c for c in all_checks if ctx.in_period(c.checked_on)]
    valid = [c for c in in_period if not voided_by(c.voided_at, as_of)]
    missed = unit_missed_periods(unit, ctx)
    rate_unit = _primary_unit(unit, valid)
    facts = unit_facts(unit)
    normal_limit = applicable_limit(facts, ExposureMode.NORMAL, rate_unit, settings)
    hlc_limit = (
        applicable_limit(facts, ExposureMode.HIGH_LEVEL, rate_unit, settings) if unit.has_hlc else None
    )

    registration = unit.registration_number or "not recorded"
    if unit.registration_expires_on:
        verb = "expired" if unit.registration_expires_on < as_of else "expires"
        registration += f", {verb} {unit.registration_expires_on.isoformat()}"
    limits = []
    if normal_limit:
        limits.append(f"{normal_limit.value:g} {rate_unit.value} ({normal_limit.basis})")
    if unit.has_hlc:
        limits.append(
            f"{hlc_limit.value:g} {rate_unit.value} (high-level control)"
            if hlc_limit
            else "no limit in high-level control (made before 1995-05-19)"
        )
    baseline = DASH
    if unit.baseline_rate is not None:
        baseline = join(
            [
                f"{unit.baseline_rate:g} {unit.baseline_unit.value if unit.baseline_unit else ''}".strip(),
                f"{unit.baseline_kvp:g} kVp" if unit.baseline_kvp else "",
                f"{unit.baseline_ma:g} mA" if unit.baseline_ma else "",
            ],
            ", ",
        )
    pairs = (
        ("Unit", f"{unit.code} {unit.name}"),
        ("Make, model, serial", join([unit.manufacturer, unit.model, unit.serial], ", ") or DASH),
        ("Room", unit.room or DASH),
        ("State registration", registration),
        ("Manufactured", d(unit.manufactured_on)),
        ("Limits", "; ".join(limits) or DASH),
        ("Physicist's baseline", baseline),
        (
            "In service",
            d(unit.in_service_on) + (f"; retired {unit.retired_on.isoformat()}" if unit.retired_on else ""),
        ),
    )
    tolerance = float(settings["exposure.tolerance_pct"])
    points = []
    charted = [c for c in valid if c.rate_unit is rate_unit and c.mode is not ExposureMode.HIGH_LEVEL]
    for check in charted:
        verdict = assess(check, unit, settings).verdict
        points.append(TrendPoint(check.checked_on, check.rate, _VERDICT_TONE.get(verdict, "")))
    left_out = len(valid) - len(charted)
    chart = TrendChart(
        title=f"{unit.code}: exposure rate, {ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}",
        unit=rate_unit.value,
        start=ctx.period_from,
        end=ctx.period_to,
        points=tuple(points),
        limit=normal_limit.value if normal_limit else None,
        baseline=unit.baseline_rate if unit.baseline_unit is rate_unit else None,
        tolerance_pct=tolerance,
        missed=tuple(missed),
        note=(
            f"{counted(left_out, 'readings')} in high-level control or in another unit "
            f"{'is' if left_out == 1 else 'are'} in the log but not charted."
            if left_out
            else ""
        ),
    )

    entries: list[tuple[date, int, Row]] = []
    for check in in_period:
        entries.append((check.checked_on, 1, _check_row(check, unit, ctx)))
    for start, end in missed:
        entries.append(
            (
                start,
                0,
                Row(
                    (
                        f"{start.isoformat()} to {end.isoformat()}",
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
        SubHeading(f"{unit.code} {unit.name}", new_page=True),
        Fields(pairs),
        chart,
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
            tuple(row for _day, _order, row in entries),
            title=(
                f"Exposure-rate log ({counted(len(valid), 'checks')}, "
                f"{counted(len(missed), 'missed periods')})"
            ),
            empty="No checks recorded and none due in this period.",
        ),
        _corrective(in_period, unit, ctx),
    ]


def _check_row(check: ExposureCheck, unit: FluoroUnit, ctx: PacketContext) -> Row:
    result = assess(check, unit, ctx.settings)
    voided = voided_by(check.voided_at, ctx.as_of)
    words = result.verdict.label
    if result.verdict is not ExposureVerdict.PASS:
        words += f": {result.detail}"
        closed = [a for a in check.corrective_actions if a.closed_on is not None and a.closed_on <= ctx.as_of]
        words += (
            f". Corrective action closed {closed[-1].closed_on.isoformat()}"  # type: ignore[union-attr]
            if corrective_closed(check, ctx.as_of, ctx.settings)
            else ". No corrective action closed yet"
        )
    late = (check.entered_at.date() - check.checked_on).days if check.entered_at else 0
    extras = [
        f"entered late, on {check.entered_at.date().isoformat()}" if late > 7 else "",
        check.notes,
    ]
    if voided:
        words = f"VOIDED ({check.void_reason or 'entered in error'}); was: {words}"
    tone: Tone = "muted" if voided else _VERDICT_TONE.get(result.verdict, "")
    if (
        not voided
        and result.verdict is not ExposureVerdict.PASS
        and corrective_closed(check, ctx.as_of, ctx.settings)
    ):
        tone = ""
    return Row(
        (
            check.checked_on.isoformat(),
            check.performed_by,
            check.mode.label,
            join([f"{check.kvp:g}" if check.kvp else "", f"{check.ma:g}" if check.ma else ""], ", ") or DASH,
            f"{check.rate:g} {check.rate_unit.value}",
            f"{result.limit.value:g} {result.limit.unit.value}" if result.limit else "none",
            join([words] + [e for e in extras if e], ". "),
        ),
        tone,
    )


def _corrective(checks: list[ExposureCheck], unit: FluoroUnit, ctx: PacketContext) -> Table:
    rows = []
    for check in checks:
        if voided_by(check.voided_at, ctx.as_of):
            continue
        result = assess(check, unit, ctx.settings)
        if result.verdict is ExposureVerdict.PASS and not check.corrective_actions:
            continue
        actions = [a for a in check.corrective_actions if a.performed_on <= ctx.as_of]
        if not actions:
            rows.append(
                Row(
                    (check.checked_on.isoformat(), result.verdict.label, "None recorded", DASH, DASH, "Open"),
                    "bad" if result.verdict is ExposureVerdict.OVER_LIMIT else "warn",
                )
            )
        for action in actions:
            closed = action.closed_on is not None and action.closed_on <= ctx.as_of
            rows.append(
                Row(
                    (
                        check.checked_on.isoformat(),
                        result.verdict.label,
                        action.action
                        + (f" (ticket {action.service_ticket})" if action.service_ticket else ""),
                        action.performed_by,
                        action.performed_on.isoformat(),
                        f"Closed {action.closed_on.isoformat()}" if closed and action.closed_on else "Open",
                    ),
                    "" if closed else "warn",
                )
            )
    return Table(
        (
            Column("Reading of", 0.95),
            Column("Finding", 1.0),
            Column("Corrective action", 3.0),
            Column("By", 1.3),
            Column("Performed", 0.95),
            Column("Status", 1.0),
        ),
        tuple(rows),
        title="Corrective actions",
        empty="No reading in this period needed a corrective action.",
    )


def _surveys(units: list[FluoroUnit], ctx: PacketContext) -> Table:
    rows = []
    due_months = int(ctx.settings["exposure.survey_due_months"])
    for unit in units:
        on_file: list[PhysicistSurvey] = sorted(
            (s for s in unit.surveys if s.surveyed_on <= ctx.as_of), key=lambda s: s.surveyed_on
        )
        shown = [s for s in on_file if ctx.in_period(s.surveyed_on)]
        if on_file and on_file[-1] not in shown:
            shown.append(on_file[-1])
        shown.sort(key=lambda s: s.surveyed_on)
        if not shown:
            rows.append(Row((f"{unit.code} {unit.name}", DASH, DASH, "No survey on file", DASH, DASH), "bad"))
        for survey in shown:
            latest = survey is on_file[-1]
            next_due = add_months(survey.surveyed_on, due_months)
            closed = survey.recommendations_closed_on
            recommendations = survey.recommendations.strip()
            if recommendations:
                recommendations += (
                    f" (closed {closed.isoformat()})" if closed and closed <= ctx.as_of else " (OPEN)"
                )
            rows.append(
                Row(
                    (
                        f"{unit.code} {unit.name}",
                        survey.surveyed_on.isoformat(),
                        survey.physicist,
                        survey.result.label,
                        recommendations or "None",
                        f"{next_due.isoformat()} ({describe_due(next_due, ctx.as_of)})"
                        if latest
                        else "Superseded",
                    ),
                    "bad"
                    if survey.result.value == "fail"
                    else ("warn" if latest and (next_due < ctx.as_of or "(OPEN)" in recommendations) else ""),
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


def _meters(meters: list[Meter], ctx: PacketContext) -> Table:
    rows = []
    for meter in meters:
        if meter.retired_on is not None and meter.retired_on < ctx.period_from:
            continue
        calibrations = [c for c in meter.calibrations if c.calibrated_on <= ctx.as_of]
        shown = [c for c in calibrations if ctx.in_period(c.calibrated_on)]
        if calibrations and calibrations[-1] not in shown:
            shown.append(calibrations[-1])
        shown.sort(key=lambda c: c.calibrated_on)
        name = join([meter.name, join([meter.manufacturer, meter.model], " "), meter.serial], ", ")
        if not shown:
            rows.append(Row((name, DASH, DASH, DASH, "No calibration on file"), "warn"))
        for cal in shown:
            latest = cal is calibrations[-1]
            if not latest:
                words, tone = "Superseded", ""
            elif cal.due_on < ctx.as_of:
                words, tone = f"Expired {cal.due_on.isoformat()}", "warn"
            else:
                words, tone = f"Valid to {cal.due_on.isoformat()}", ""
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
                        words,
                    ),
                    tone,
                )
            )
    return Table(
        (
            Column("Meter", 2.2),
            Column("Calibrated", 0.9),
            Column("Due", 0.9),
            Column("Laboratory, certificate", 2.2),
            Column(f"Status on {ctx.as_of.isoformat()}", 1.3),
        ),
        tuple(rows),
        empty="No meters on file.",
    )


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Per-unit exposure-rate log and trend chart, missed periods, corrective actions, surveys, meters",
    OWNER_TYPES,
)
