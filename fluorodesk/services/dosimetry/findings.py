"""The dosimetry findings for the Overview: badges not returned, levels reached without an investigation,
a declared pregnancy over its limit, and quarterly reviews due or overdue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    BadgeState,
    InvestigationLevel,
    LevelReached,
    Levels,
    ReadingFacts,
    alara_reached,
    annual_reached,
    clearly_below,
    fmt_msv,
    quarter_of,
    quarter_to_date,
    year_to_date,
)
from fluorodesk.domain.enums import Area, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.dosimetry.evaluation import DoseRecords, covering, load_dose_records
from fluorodesk.services.dosimetry.loading import badges_out, load_readings, load_reviews, possibly_over


def findings(
    session: Session, settings: ClinicSettings, as_of: date, records: DoseRecords | None = None
) -> list[Finding]:
    """The area's findings (``records``: ``load_dose_records(session, settings, as_of)`` if the caller
    has them; their readings are not used, the level findings load the few that matter)."""
    records = records or load_dose_records(session, settings, as_of)
    out: list[Finding] = []
    out.extend(_badge_findings(session, settings, as_of))
    out.extend(_level_findings(session, settings, as_of, records))
    out.extend(_review_findings(session, settings, as_of))
    return out


def _badge_findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out = []
    for row in badges_out(session, settings, as_of):
        if row.state is not BadgeState.LATE:
            continue
        assert row.due_back_on is not None
        out.append(
            Finding(
                Area.DOSIMETRY,
                Severity.WARNING,
                "dosimetry.badge_late",
                row.technician,
                f"Badge {row.badge_code} ({row.position.label.lower()}, worn {row.period_text}) "
                f"not returned: "
                f"{describe_due(row.due_back_on, as_of)}.",
                "Get the badge back and send it to the vendor (unused badges too), then record the return.",
                row.due_back_on,
                "dosimeter_badges",
                row.id,
            )
        )
    return out


def _level_findings(
    session: Session, settings: ClinicSettings, as_of: date, records: DoseRecords
) -> list[Finding]:
    levels = Levels.from_settings(settings)
    quarter_levels = (*levels.alara1.values(), *levels.alara2.values())
    annual_levels = tuple(levels.annual.values())
    investigations = records.investigations
    # Only the workers and years whose readings might reach a level are loaded (ten years otherwise).
    pairs = possibly_over(session, as_of, min(quarter_levels), min(annual_levels))
    loaded = (
        load_readings(session, as_of, years={y for _, y in pairs}, technician_ids={t for t, _ in pairs})
        if pairs
        else {}
    )
    readings = {
        tech: [r for r in mine if (tech, r.period_end.year) in pairs] for tech, mine in loaded.items()
    }
    names = dict(
        session.execute(select(Technician.id, Technician.first_name + " " + Technician.last_name)).all()
    )
    out = []
    for tech_id, mine in readings.items():
        # Bucketed by (year, quarter number): cheaper keys than Periods, and they sort the same way.
        by_quarter: dict[tuple[int, int], list[ReadingFacts]] = defaultdict(list)
        by_year: dict[int, list[ReadingFacts]] = defaultdict(list)
        for reading in mine:
            end = reading.period_end
            by_quarter[end.year, (end.month + 2) // 3].append(reading)
            by_year[end.year].append(reading)
        checks: list[tuple[Period, LevelReached]] = []
        for key in sorted(by_quarter):
            bucket = by_quarter[key]
            if clearly_below(bucket, quarter_levels):
                continue
            quarter = quarter_of(bucket[0].period_end)
            here = quarter_to_date(bucket, quarter, as_of, include_other=False)
            reached = alara_reached(here, levels)
            if reached:
                checks.append((quarter, reached))
        for year in sorted(by_year):
            if clearly_below(by_year[year], annual_levels):
                continue
            last = quarter_of(min(as_of, date(year, 12, 31)))
            reached = annual_reached(year_to_date(by_year[year], last, as_of), levels)
            if reached:
                checks.append((last, reached))
        for quarter, reached in checks:
            answer = covering(investigations, tech_id, reached, quarter)
            span = str(quarter.year) if reached.level is InvestigationLevel.ANNUAL_LIMIT else quarter.label
            if answer is None:
                over_limit = reached.level is InvestigationLevel.ANNUAL_LIMIT
                out.append(
                    Finding(
                        Area.DOSIMETRY,
                        Severity.WARNING if reached.level is InvestigationLevel.ALARA1 else Severity.CRITICAL,
                        "dosimetry.over_annual_limit" if over_limit else "dosimetry.investigation_needed",
                        names.get(tech_id, f"Technician #{tech_id}"),
                        f"{span}: {reached.words}, and no investigation is on file.",
                        "Open an investigation (RSO or physicist): confirm the reading, find the cause, "
                        "record the actions."
                        + (" Report to the state as its rules require." if over_limit else ""),
                        quarter.end,
                        "technicians",
                        tech_id,
                    )
                )
            elif answer.closed_on is None:
                out.append(
                    Finding(
                        Area.DOSIMETRY,
                        Severity.INFO,
                        "dosimetry.investigation_open",
                        names.get(tech_id, f"Technician #{tech_id}"),
                        f"{span}: {reached.level.label} investigation open since {answer.opened_on}.",
                        "Record the findings and actions, then close it.",
                        None,
                        "dose_investigations",
                        answer.id,
                    )
                )
    for preg in records.pregnancies:
        if preg.over and not preg.investigated:
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.CRITICAL,
                    "dosimetry.pregnancy_over_limit",
                    preg.technician,
                    f"Declared pregnancy: {fmt_msv(preg.dose.dose)} mSv ({preg.dose.basis}) is above the "
                    f"{fmt_msv(preg.limit_msv)} mSv limit for the pregnancy.",
                    "Open a pregnancy-limit investigation with the RSO and review her duties now.",
                    None,
                    "declared_pregnancies",
                    preg.id,
                )
            )
    return out


def _review_findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out = []
    for row in load_reviews(session, settings, as_of):
        if row.state == "overdue":
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.WARNING,
                    "dosimetry.review_overdue",
                    f"Dosimetry review {row.quarter.label}",
                    f"The quarterly review of dosimetry results was due {row.due_on} "
                    f"({describe_due(row.due_on, as_of)}) and is not signed.",
                    "Have the RSO or physicist review the quarter's reports and sign off (Dosimetry tab).",
                    row.due_on,
                    "dosimetry_reviews",
                    None,
                )
            )
        elif row.state == "due" and (row.due_on - as_of).days <= 30:
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.INFO,
                    "dosimetry.review_due",
                    f"Dosimetry review {row.quarter.label}",
                    f"The quarterly review is {describe_due(row.due_on, as_of)} ({row.due_on}).",
                    "Send the quarter's reports to the RSO or physicist for review.",
                    row.due_on,
                    "dosimetry_reviews",
                    None,
                )
            )
    return out
