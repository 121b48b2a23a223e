"""Where a garment stands on a date: loading what that needs, and working it out.

A garment's state needs its status history and its newest standing inspection on or before the
date, never its whole inspection log: the list of 400 garments with ten years of inspections reads
400 inspections, not 4,000 (and none of their defects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Garment, GarmentInspection
from fluorodesk.domain.enums import Disposition, GarmentStatus, InspectionResult
from fluorodesk.domain.garments import (
    StatusChange,
    awaiting_reinspection,
    found_on,
    next_inspection_due,
    status_on,
    status_since,
)
from fluorodesk.domain.settings import ClinicSettings


@dataclass(frozen=True)
class LastInspection:
    """What a garment's state needs of its newest standing inspection."""

    id: int
    inspected_on: date
    result: InspectionResult
    disposition: Disposition | None


@dataclass(frozen=True)
class GarmentState:
    status: GarmentStatus
    since: date | None  # the day it took that status (None: in service since it came)
    last: LastInspection | None  # the newest standing inspection on or before the date
    due: date | None
    found: date | None
    awaiting_reinspection: bool


def status_changes(garment: Garment) -> list[StatusChange]:
    return [StatusChange(c.changed_on, c.from_status, c.to_status) for c in garment.status_changes]


def load_garments(session: Session, *, garment_id: int | None = None) -> Sequence[Garment]:
    """Garments (one, or all by code) with their status history and owner, not their inspections."""
    stmt = (
        select(Garment)
        .options(selectinload(Garment.status_changes), selectinload(Garment.owner))
        .order_by(Garment.code)
    )
    if garment_id is not None:
        stmt = stmt.where(Garment.id == garment_id)
    return session.scalars(stmt).all()


def latest_inspections(
    session: Session, as_of: date, *, garment_id: int | None = None, excluding: int | None = None
) -> dict[int, LastInspection]:
    """Each garment's newest standing (not voided) inspection dated on or before ``as_of``, by garment
    id: the one its state follows.  ``excluding`` leaves one inspection out (the one being amended)."""
    i = GarmentInspection
    columns = (i.garment_id, i.id, i.inspected_on, i.result, i.disposition)
    if garment_id is not None:  # one garment: its newest, straight from the garment_id index
        stmt = (
            select(*columns)
            .where(i.garment_id == garment_id, *_standing(i, as_of, excluding))
            .order_by(i.inspected_on.desc(), i.id.desc())
            .limit(1)
        )
    else:  # per garment, its few inspections: a window over all of them would sort the whole table
        other = GarmentInspection.__table__.alias("other").c
        newest = (
            select(other.id)
            .where(other.garment_id == Garment.id, *_standing(other, as_of, excluding))
            .order_by(other.inspected_on.desc(), other.id.desc())
            .limit(1)
            .correlate(Garment)
            .scalar_subquery()
        )
        stmt = select(*columns).join(Garment, i.id == newest)
    return {row.garment_id: LastInspection(*row[1:]) for row in session.execute(stmt)}


def _standing(i: Any, as_of: date, excluding: int | None) -> list[Any]:
    """Not voided, dated on or before ``as_of`` (and not ``excluding``): ``i`` is the mapped class or a
    table alias's columns."""
    where = [i.voided_at.is_(None), i.inspected_on <= as_of]
    if excluding is not None:
        where.append(i.id != excluding)
    return where


def garment_state(
    garment: Garment, last: LastInspection | None, settings: ClinicSettings, as_of: date
) -> GarmentState:
    """Where ``garment`` stood on ``as_of``, given its newest standing inspection by then (``last``,
    from ``latest_inspections``)."""
    changes = status_changes(garment)
    status = status_on(changes, garment.status, garment.status_changed_on, as_of)
    since = status_since(changes, garment.status_changed_on, as_of)
    found = found_on(changes, as_of)
    waiting = awaiting_reinspection(found, [last.inspected_on] if last else [])
    due = next_inspection_due(
        garment.received_on,
        last.inspected_on if last else None,
        int(settings["garments.reinspect_months"]),
        found=found,
    )
    return GarmentState(status, since, last, due, found, waiting)


def due_soon(due: date, as_of: date, settings: ClinicSettings) -> bool:
    """The inspection falls due within the clinic's warning window (``garments.warning_days``)."""
    return (due - as_of).days <= int(settings["garments.warning_days"])
