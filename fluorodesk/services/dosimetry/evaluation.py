"""Judging the dose on file: each worker's quarter and year against the ALARA levels and annual limits,
which investigation answers a level reached, and each declared pregnancy's dose so far.

The Dosimetry tab, its findings and the packet all judge through these functions, from the records
loaded once (``load_dose_records``) and passed down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import DeclaredPregnancy, DosimeterBadge, DosimetryReading, Technician
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    InvestigationLevel,
    LevelReached,
    Levels,
    ReadingFacts,
    alara_reached,
    annual_reached,
    investigation_covers,
    pregnancy_dose,
    pregnancy_window,
    quarter_to_date,
    year_to_date,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.dosimetry.loading import counted_on, load_investigations, load_readings
from fluorodesk.services.dosimetry.rows import InvestigationRow, PregnancyRow, TotalsRow


def covering(
    investigations: Sequence[InvestigationRow], technician_id: int, reached: LevelReached, quarter: Period
) -> InvestigationRow | None:
    """The investigation answering ``reached``: same worker; same quarter (ALARA) or year (annual limit)."""
    best = None
    for inv in investigations:
        if inv.technician_id != technician_id or not investigation_covers(inv.level, reached.level):
            continue
        if reached.level is InvestigationLevel.ANNUAL_LIMIT:
            if inv.quarter.year != quarter.year:
                continue
        elif inv.quarter != quarter:
            continue
        if best is None or (best.closed_on is None and inv.closed_on is not None):
            best = inv
    return best


def load_pregnancies(
    session: Session,
    settings: ClinicSettings,
    as_of: date,
    readings: dict[int, list[ReadingFacts]],
    investigations: Sequence[InvestigationRow],
) -> list[PregnancyRow]:
    """Declarations made by ``as_of``, newest first, each with the dose so far against the limit."""
    levels = Levels.from_settings(settings)
    out = []
    for p in session.scalars(
        select(DeclaredPregnancy)
        .options(selectinload(DeclaredPregnancy.technician))
        .where(DeclaredPregnancy.declared_on <= as_of)
        .order_by(DeclaredPregnancy.declared_on.desc())
    ):
        ended = p.ended_on if p.ended_on is not None and p.ended_on <= as_of else None
        start, end = pregnancy_window(p.declared_on, p.estimated_due_on, ended, as_of)
        dose = pregnancy_dose(readings.get(p.technician_id, []), start, end, as_of)
        investigated = any(
            i.technician_id == p.technician_id
            and i.level is InvestigationLevel.PREGNANCY
            and i.opened_on >= p.declared_on
            for i in investigations
        )
        out.append(
            PregnancyRow(
                id=p.id,
                technician_id=p.technician_id,
                technician=p.technician.full_name,
                declared_on=p.declared_on,
                estimated_due_on=p.estimated_due_on,
                ended_on=ended,
                end_reason=p.end_reason if ended else "",
                notes=p.notes,
                window_start=start,
                window_end=end,
                dose=dose,
                limit_msv=levels.pregnancy,
                investigated=investigated,
            )
        )
    return out


@dataclass(frozen=True)
class DoseRecords:
    """What counts on a date, loaded once and passed to whatever judges it (the totals of any number of
    quarters, the level findings, the packet): the readings of some years, the investigations, and the
    declared pregnancies with their dose so far."""

    as_of: date
    years: frozenset[int]  # ``readings`` holds the readings whose wear period ends in these years
    readings: dict[int, list[ReadingFacts]]
    investigations: list[InvestigationRow]
    pregnancies: list[PregnancyRow]


def load_dose_records(
    session: Session, settings: ClinicSettings, as_of: date, years: Iterable[int] = ()
) -> DoseRecords:
    """The records that count on ``as_of``, with the readings of ``years`` (those the caller's quarters
    are in; a declared pregnancy reads its wearer's own)."""
    years = frozenset(years)
    readings = load_readings(session, as_of, years=years) if years else {}
    investigations = load_investigations(session, as_of)
    pregnant = session.scalars(
        select(DeclaredPregnancy.technician_id).where(DeclaredPregnancy.declared_on <= as_of).distinct()
    ).all()
    theirs = load_readings(session, as_of, technician_ids=pregnant) if pregnant else {}
    pregnancies = load_pregnancies(session, settings, as_of, theirs, investigations)
    return DoseRecords(as_of, years, readings, investigations, pregnancies)


def load_totals(
    session: Session,
    settings: ClinicSettings,
    quarter: Period,
    as_of: date,
    records: DoseRecords | None = None,
) -> list[TotalsRow]:
    """One row per worker with a badge or a reading: the quarter's dose here, the year's dose everywhere.
    ``records``: ``load_dose_records(session, settings, as_of, years)`` with the quarter's year, when the
    caller has them already (a packet's quarters share one load)."""
    levels = Levels.from_settings(settings)
    records = records or load_dose_records(session, settings, as_of, (quarter.year,))
    assert records.as_of == as_of and quarter.year in records.years, "records loaded for another period"
    readings, investigations = records.readings, records.investigations
    badge_holders = select(DosimeterBadge.technician_id).where(DosimeterBadge.assigned_on <= as_of)
    readers = set(session.scalars(select(DosimetryReading.technician_id).where(counted_on(as_of)).distinct()))
    ids = set(session.scalars(badge_holders.distinct())) | readers
    techs = (
        session.execute(
            select(Technician.id, Technician.first_name, Technician.last_name, Technician.retired_on).where(
                Technician.id.in_(ids)
            )
        ).all()
        if ids
        else []
    )
    out = []
    for tech_id, first, last, retired_on in techs:
        if retired_on is not None and retired_on < quarter.start and tech_id not in readers:
            continue
        # Only the quarter's year counts below: the year's readings, not ten years of them, are added up.
        mine = [r for r in readings.get(tech_id, ()) if r.period_end.year == quarter.year]
        here = quarter_to_date(mine, quarter, as_of, include_other=False)
        year_all = year_to_date(mine, quarter, as_of)
        year_other = year_to_date([r for r in mine if r.other_facility], quarter, as_of)
        reached = annual_reached(year_all, levels) or alara_reached(here, levels)
        answer = covering(investigations, tech_id, reached, quarter) if reached else None
        pregnancy = next(
            (
                p
                for p in records.pregnancies
                if p.technician_id == tech_id and (p.active or p.ended_on >= quarter.start)
            ),
            None,
        )
        out.append(
            TotalsRow(
                tech_id,
                f"{first} {last}".strip(),  # Technician.full_name, from columns
                retired_on,
                quarter,
                here,
                year_all,
                year_other,
                reached,
                answer,
                pregnancy,
                levels,
            )
        )
    out.sort(key=lambda r: r.technician.lower())
    return out
