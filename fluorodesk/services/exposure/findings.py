"""What is wrong with the fluoroscopy units and the meters on a date: readings over the limit or
outside tolerance without a closed corrective action, missed check periods, registrations, physicist
surveys and meter calibrations.  The Overview, ``fluorodesk status``, the packet and the units list's
"needs attention" read them here."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ExposureCheck, FluoroUnit, Meter, PhysicistSurvey
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Area, ExposureVerdict, Severity, SurveyResult
from fluorodesk.domain.exposure import CorrectiveState, DueState, survey_due
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import counted
from fluorodesk.services.exposure.evaluation import UnitEvaluation
from fluorodesk.services.exposure.loading import load_unit_logs, unit_label


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    for log in load_unit_logs(session, settings, as_of):
        out.extend(unit_findings(UnitEvaluation.of_log(log, settings, as_of)))
    out.extend(meter_findings(session, settings, as_of))
    return out


def unit_findings(evaluation: UnitEvaluation) -> list[Finding]:
    """Everything wrong with one unit's QC on its evaluation's date (nothing for a retired or future
    unit)."""
    unit, as_of = evaluation.unit, evaluation.as_of
    if unit.retired_on is not None and unit.retired_on <= as_of:
        return []
    if unit.in_service_on is not None and unit.in_service_on > as_of:
        return []
    settings = evaluation.settings
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
