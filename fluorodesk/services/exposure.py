"""Fluoroscopy units and exposure-rate checks: log rows, assessments and QC findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ExposureCheck, FluoroUnit, Meter, PhysicistSurvey
from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import Area, ExposureMode, ExposureVerdict, RateUnit, Severity
from fluorodesk.domain.exposure import (
    Assessment,
    UnitFacts,
    applicable_limit,
    assess_reading,
    missed_periods,
)
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings


@dataclass(frozen=True)
class ExposureCheckRow:
    id: int
    unit_id: int
    unit: str
    checked_on: date
    entered_at: datetime
    performed_by: str
    mode: ExposureMode
    kvp: float | None
    ma: float | None
    rate: float
    rate_unit: RateUnit
    verdict: ExposureVerdict
    limit: float | None
    detail: str
    corrective_closed: bool

    @property
    def late_entry(self) -> bool:
        return (self.entered_at.date() - self.checked_on).days > 7


def unit_facts(unit: FluoroUnit) -> UnitFacts:
    return UnitFacts(has_aerc=unit.has_aerc, has_hlc=unit.has_hlc, manufactured_on=unit.manufactured_on)


def assess(check: ExposureCheck, unit: FluoroUnit, settings: ClinicSettings) -> Assessment:
    limit = applicable_limit(unit_facts(unit), check.mode, check.rate_unit, settings)
    return assess_reading(
        check.rate,
        check.rate_unit,
        limit,
        baseline=unit.baseline_rate if check.mode is not ExposureMode.HIGH_LEVEL else None,
        baseline_unit=unit.baseline_unit,
        tolerance_pct=float(settings["exposure.tolerance_pct"]),
    )


def corrective_closed(check: ExposureCheck, as_of: date) -> bool:
    return any(a.closed_on is not None and a.closed_on <= as_of for a in check.corrective_actions)


def load_units(session: Session) -> Sequence[FluoroUnit]:
    return session.scalars(
        select(FluoroUnit)
        .options(
            selectinload(FluoroUnit.checks).selectinload(ExposureCheck.corrective_actions),
            selectinload(FluoroUnit.surveys),
        )
        .order_by(FluoroUnit.code)
    ).all()


class ExposureService(Service):
    def list_rows(self, *, as_of: date | None = None) -> list[ExposureCheckRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for unit in load_units(session):
                for check in unit.checks:
                    if check.voided_at is not None:
                        continue
                    result = assess(check, unit, settings)
                    rows.append(
                        ExposureCheckRow(
                            id=check.id,
                            unit_id=unit.id,
                            unit=f"{unit.code} {unit.name}",
                            checked_on=check.checked_on,
                            entered_at=check.entered_at,
                            performed_by=check.performed_by,
                            mode=check.mode,
                            kvp=check.kvp,
                            ma=check.ma,
                            rate=check.rate,
                            rate_unit=check.rate_unit,
                            verdict=result.verdict,
                            limit=result.limit.value if result.limit else None,
                            detail=result.detail,
                            corrective_closed=corrective_closed(check, as_of),
                        )
                    )
            rows.sort(key=lambda r: (r.checked_on, r.unit), reverse=True)
            return rows


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    interval = int(settings["exposure.check_interval_days"])
    for unit in load_units(session):
        if unit.retired_on is not None and unit.retired_on <= as_of:
            continue
        subject = f"{unit.code} {unit.name}"
        checks = [c for c in unit.checks if c.voided_at is None and c.checked_on <= as_of]
        for check in checks:
            result = assess(check, unit, settings)
            if result.verdict is ExposureVerdict.PASS or corrective_closed(check, as_of):
                continue
            over = result.verdict is ExposureVerdict.OVER_LIMIT
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.CRITICAL if over else Severity.WARNING,
                    "exposure.over_limit" if over else "exposure.outside_tolerance",
                    subject,
                    f"Reading on {check.checked_on}: {result.detail}.",
                    "Record the corrective action (what was done, service ticket, who, when) and a re-check.",
                    check.checked_on,
                    "exposure_checks",
                    check.id,
                )
            )
        first = unit.in_service_on or (min(c.checked_on for c in checks) if checks else None)
        if first is not None:
            missed = missed_periods((c.checked_on for c in checks), first, as_of, interval)
            if missed:
                shown = ", ".join(f"{p.start}…{p.end}" for p in missed[-6:])
                more = f" (and {len(missed) - 6} earlier)" if len(missed) > 6 else ""
                out.append(
                    Finding(
                        Area.EXPOSURE,
                        Severity.WARNING,
                        "exposure.missed_periods",
                        subject,
                        f"{len(missed)} check period(s) without an exposure-rate check: {shown}{more}.",
                        "Enter any check that was done late; otherwise note why it was missed.",
                        missed[0].end,
                        "fluoro_units",
                        unit.id,
                    )
                )
        if unit.registration_expires_on is not None and unit.registration_expires_on < as_of:
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.CRITICAL,
                    "unit.registration_expired",
                    subject,
                    f"State registration expired {unit.registration_expires_on}.",
                    "Renew the registration.",
                    unit.registration_expires_on,
                    "fluoro_units",
                    unit.id,
                )
            )
        out.extend(_survey_findings(unit, settings, as_of, subject))
    out.extend(_meter_findings(session, as_of))
    return out


def _survey_findings(unit: FluoroUnit, settings: ClinicSettings, as_of: date, subject: str) -> list[Finding]:
    surveys: list[PhysicistSurvey] = sorted(
        (s for s in unit.surveys if s.surveyed_on <= as_of), key=lambda s: s.surveyed_on
    )
    if not surveys:
        return [
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.no_survey",
                subject,
                "No medical physicist survey on file.",
                "Schedule the physicist's performance evaluation.",
                None,
                "fluoro_units",
                unit.id,
            )
        ]
    last = surveys[-1]
    due = add_months(last.surveyed_on, int(settings["exposure.survey_due_months"]))
    overdue = add_months(last.surveyed_on, int(settings["exposure.survey_max_months"]))
    out = []
    if overdue < as_of:
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.CRITICAL,
                "unit.survey_overdue",
                subject,
                f"Physicist survey overdue since {overdue} (last {last.surveyed_on}).",
                "Have the physicist survey the unit now.",
                overdue,
                "fluoro_units",
                unit.id,
            )
        )
    elif due <= as_of or (due - as_of).days <= 30:
        out.append(
            Finding(
                Area.EXPOSURE,
                Severity.WARNING,
                "unit.survey_due",
                subject,
                f"Annual physicist survey {'was' if due <= as_of else 'is'} due {due} "
                f"(last {last.surveyed_on}); the state maximum is {overdue}.",
                "Schedule the physicist.",
                due,
                "fluoro_units",
                unit.id,
            )
        )
    if last.recommendations.strip() and last.recommendations_closed_on is None:
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


def _meter_findings(session: Session, as_of: date) -> list[Finding]:
    out = []
    meters = session.scalars(select(Meter).options(selectinload(Meter.calibrations))).all()
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
            out.append(
                Finding(
                    Area.EXPOSURE,
                    Severity.WARNING,
                    "meter.calibration_overdue",
                    f"Meter {meter.name}",
                    f"Calibration expired {due}.",
                    "Send the meter for calibration.",
                    due,
                    "meters",
                    meter.id,
                )
            )
    return out
