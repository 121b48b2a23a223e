"""Reading the dosimetry records through the caller's session, as they stood on a date: readings (as
the facts the rules judge, and as the rows the Readings page lists), badges, investigations, reviews."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, and_, cast, extract, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    DoseInvestigation,
    DosimeterBadge,
    DosimetryReading,
    DosimetryReview,
    Technician,
)
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import ReadingFacts, ReviewDue, badge_state, review_schedule
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.dosimetry.rows import BadgeRow, InvestigationRow, ReadingRow, ReviewRow


def known_by(as_of: date) -> datetime:
    """The end of ``as_of``: a record voided after it still counted that day (a past packet stays
    reproducible)."""
    return datetime.combine(as_of, time.max)


_RD = DosimetryReading
_FACT_COLUMNS = (
    _RD.period_start,
    _RD.period_end,
    _RD.kind,
    _RD.deep_msv,
    _RD.lens_msv,
    _RD.shallow_msv,
    _RD.deep_minimal,
    _RD.lens_minimal,
    _RD.shallow_minimal,
    DosimeterBadge.position,
    _RD.other_facility,
    _RD.received_on,
)


def counted_on(as_of: date) -> ColumnElement[bool]:
    """SQL: the reading counts on ``as_of``: not voided by then, and its report known by then."""
    return and_(
        or_(_RD.voided_at.is_(None), _RD.voided_at > known_by(as_of)),
        func.coalesce(_RD.received_on, _RD.period_end) <= as_of,
    )


def load_readings(
    session: Session,
    as_of: date,
    *,
    years: Iterable[int] | None = None,
    technician_ids: Iterable[int] | None = None,
) -> dict[int, list[ReadingFacts]]:
    """Each worker's readings that count on ``as_of`` (not voided by then, known by then): all of them,
    or those whose wear period ends in one of ``years`` / those of ``technician_ids``."""
    stmt = (
        select(_RD.technician_id, *_FACT_COLUMNS)
        .outerjoin(DosimeterBadge, _RD.badge_id == DosimeterBadge.id)
        .where(counted_on(as_of))
        .order_by(_RD.id)  # the table's own order: free
    )
    if years is not None:
        stmt = stmt.where(
            or_(false(), *(_RD.period_end.between(date(y, 1, 1), date(y, 12, 31)) for y in years))
        )
    if technician_ids is not None:
        stmt = stmt.where(_RD.technician_id.in_(list(technician_ids)))
    out: dict[int, list[ReadingFacts]] = defaultdict(list)
    for technician_id, *values in session.execute(stmt):  # columns only: no ORM object per reading
        out[technician_id].append(ReadingFacts(*values))
    return out


def possibly_over(
    session: Session, as_of: date, quarter_level: Decimal, annual_level: Decimal
) -> set[tuple[int, int]]:
    """(worker, year) pairs whose readings might reach a level: a quarter's where some dose column adds up
    to ``quarter_level`` or to a quarter of ``annual_level`` (a year above the annual level has a quarter
    above a quarter of it).

    Every quantity a rule adds up is at most one column's sum (a ring's extremity dose is its shallow
    cell; other facilities' dose is counted in), so a pair left out cannot reach any level: only the
    few pairs returned need their readings loaded and judged exactly (ten years of readings otherwise).
    """
    year = extract("year", _RD.period_end)
    quarter = (cast(extract("month", _RD.period_end), Integer) + 2) // 3  # whole-number division
    floor = float(min(quarter_level, annual_level / 4)) * (1 - 1e-6)  # far wider than a sum's rounding
    stmt = (
        select(_RD.technician_id, year)
        .where(counted_on(as_of))
        .group_by(_RD.technician_id, year, quarter)
        .having(or_(*(func.sum(func.coalesce(column, 0.0)) >= floor for column in _DOSE_COLUMNS)))
    )
    return {(tech, int(y)) for tech, y in session.execute(stmt)}


_DOSE_COLUMNS = (_RD.deep_msv, _RD.lens_msv, _RD.shallow_msv)


def investigation_row(inv: DoseInvestigation) -> InvestigationRow:
    return InvestigationRow(
        id=inv.id,
        technician_id=inv.technician_id,
        technician=inv.technician.full_name,
        quarter=Period.of(date(inv.year, 3 * inv.quarter - 2, 1), "quarter"),
        level=inv.level,
        quantity=inv.quantity,
        dose_msv=inv.dose_msv,
        opened_on=inv.opened_on,
        investigator=inv.investigator,
        findings=inv.findings,
        actions=inv.actions,
        closed_on=inv.closed_on,
    )


def load_investigations(session: Session, as_of: date) -> list[InvestigationRow]:
    rows = session.scalars(
        select(DoseInvestigation)
        .options(selectinload(DoseInvestigation.technician))
        .where(DoseInvestigation.opened_on <= as_of)
        .order_by(DoseInvestigation.opened_on.desc(), DoseInvestigation.id.desc())
    ).all()
    out = []
    for inv in rows:
        row = investigation_row(inv)
        if row.closed_on is not None and row.closed_on > as_of:
            row = replace(row, closed_on=None)
        out.append(row)
    return out


def first_record_day(session: Session) -> date | None:
    """The first day of dosimetry on file: the first badge issued or the first wear period read here."""
    days = session.execute(
        select(
            select(func.min(DosimeterBadge.assigned_on)).scalar_subquery(),
            select(func.min(DosimetryReading.period_end))
            .where(DosimetryReading.other_facility == "")
            .scalar_subquery(),
        )
    ).one()
    known = [d for d in days if d is not None]
    return min(known) if known else None


def load_reviews(session: Session, settings: ClinicSettings, as_of: date) -> list[ReviewRow]:
    due_days = int(settings["dosimetry.review_due_days"])
    reviews = {
        Period.of(date(r.year, 3 * r.quarter - 2, 1), "quarter"): r
        for r in session.scalars(select(DosimetryReview).where(DosimetryReview.reviewed_on <= as_of))
    }
    schedule = review_schedule(
        first_record_day(session),
        as_of,
        {q: r.reviewed_on for q, r in reviews.items()},
        due_days,
    )
    out = []
    for item in reversed(schedule):
        review = reviews.get(item.quarter)
        out.append(review_row(item, review, as_of))
    return out


def review_row(item: ReviewDue, review: DosimetryReview | None, as_of: date) -> ReviewRow:
    return ReviewRow(
        quarter=item.quarter,
        due_on=item.due_on,
        state=item.state(as_of),
        review_id=review.id if review else None,
        reviewed_on=review.reviewed_on if review else None,
        reviewer=review.reviewer if review else "",
        reviewer_role=review.reviewer_role if review else None,
        notes=review.notes if review else "",
        as_of=as_of,
    )


def badge_row(badge: Any, technician: str, grace: int, as_of: date, with_reading: set[int]) -> BadgeRow:
    """``badge``: a ``DosimeterBadge``, or a row of ``_badge_select``'s columns (named alike)."""
    state, due = badge_state(badge.assigned_on, badge.period_end, badge.returned_on, as_of, grace)
    return BadgeRow(
        id=badge.id,
        technician_id=badge.technician_id,
        technician=technician,
        badge_code=badge.badge_code,
        position=badge.position,
        vendor=badge.vendor,
        assigned_on=badge.assigned_on,
        period_end=badge.period_end,
        returned_on=badge.returned_on if badge.returned_on and badge.returned_on <= as_of else None,
        state=state,
        due_back_on=due,
        has_reading=badge.id in with_reading,
        notes=badge.notes,
        as_of=as_of,
    )


_B = DosimeterBadge


def _badge_select() -> Select:
    """Badges as columns, with their wearer's name, newest first (no ORM object per badge)."""
    return (
        select(
            _B.id,
            _B.technician_id,
            _B.badge_code,
            _B.position,
            _B.vendor,
            _B.assigned_on,
            _B.period_end,
            _B.returned_on,
            _B.notes,
            Technician.first_name,
            Technician.last_name,
        )
        .join(Technician, _B.technician_id == Technician.id)
        .order_by(_B.assigned_on.desc(), _B.badge_code)
    )


def load_badges(session: Session, settings: ClinicSettings, as_of: date) -> list[BadgeRow]:
    grace = int(settings["dosimetry.badge_return_days"])
    with_reading = set(
        session.scalars(
            select(DosimetryReading.badge_id)
            .where(DosimetryReading.badge_id.is_not(None), DosimetryReading.voided_at.is_(None))
            .distinct()  # one row per badge, not per reading
        )
    )
    return [
        badge_row(b, f"{b.first_name} {b.last_name}".strip(), grace, as_of, with_reading)
        for b in session.execute(_badge_select())
    ]


def badges_out(session: Session, settings: ClinicSettings, as_of: date) -> list[BadgeRow]:
    """The badges worn by ``as_of`` and not back by then: the only ones that can be late (a few dozen,
    where ``load_badges`` reads ten years of returned ones).  ``has_reading`` is not looked up."""
    grace = int(settings["dosimetry.badge_return_days"])
    stmt = _badge_select().where(
        _B.assigned_on <= as_of, or_(_B.returned_on.is_(None), _B.returned_on > as_of)
    )
    return [
        badge_row(b, f"{b.first_name} {b.last_name}".strip(), grace, as_of, set())
        for b in session.execute(stmt)
    ]


def reading_select() -> Select:
    return (
        select(
            _RD.id,
            _RD.technician_id,
            Technician.first_name,
            Technician.last_name,
            _RD.badge_id,
            DosimeterBadge.badge_code,
            _RD.notes,
            _RD.voided_at,
            _RD.void_reason,
            *_FACT_COLUMNS,
        )
        .join(Technician, _RD.technician_id == Technician.id)
        .outerjoin(DosimeterBadge, _RD.badge_id == DosimeterBadge.id)
    )


_FIRST_FACT = 9  # where _FACT_COLUMNS start in reading_select's rows


def reading_row(row: Row) -> ReadingRow:
    id_, technician_id, first, last, badge_id, badge_code, notes, voided_at, void_reason = row[:_FIRST_FACT]
    facts = ReadingFacts(*row[_FIRST_FACT:])
    deep, lens, shallow = facts.entries()
    return ReadingRow(
        id=id_,
        technician_id=technician_id,
        technician=f"{first} {last}",
        badge_id=badge_id,
        badge_code=badge_code or "",
        position=facts.position,
        period_start=facts.period_start,
        period_end=facts.period_end,
        kind=facts.kind,
        deep=deep,
        lens=lens,
        shallow=shallow,
        other_facility=facts.other_facility,
        received_on=facts.received_on,
        notes=notes,
        voided_at=voided_at,
        void_reason=void_reason,
    )


def reading_by_id(session: Session, reading_id: int) -> ReadingRow:
    return reading_row(session.execute(reading_select().where(_RD.id == reading_id)).one())
