"""Dosimetry readings in spreadsheets, filed through the Dosimetry tab's own operations: the reading
dialog's (``record_reading_in``, which also closes the badge the reading came from) and, for a badge
not on file for that wear period, the badge dialog's (``issue_badge_in``).

A reading is a regulated record: an import never changes one.  The same reading again is unchanged; a
different one for the same wearer, wear period, badge and facility is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import DosimeterBadge, DosimetryReading
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind
from fluorodesk.services.dosimetry.rows import BadgeDraft, ReadingDraft
from fluorodesk.services.dosimetry.validation import DOSE_CELLS
from fluorodesk.services.transfer.cells import as_date, as_member
from fluorodesk.services.transfer.framework import NEW, UNCHANGED, Col, Kind, Outcome, RowProblem

# The technician lookup moves to kinds/lookups.py (another change in progress); until then it is here.
from fluorodesk.services.transfer.kinds.lookups import People, tech_reference

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


@dataclass
class _Context:
    people: People
    stored: dict[tuple[Any, ...], DosimetryReading]  # live readings by the key below


def _key(technician_id: int, start: date, end: date, badge_code: str, facility: str) -> tuple[Any, ...]:
    return ("reading", technician_id, start, end, badge_code.lower(), facility.lower())


class DosimetryKind(Kind):
    name = "dosimetry"
    description = "staff dosimetry badge readings"
    columns = (
        Col("technician", True),
        Col("period_start", True, as_date),
        Col("period_end", True, as_date),
        Col("deep_msv"),  # as the report says: mSv, M (below the reporting minimum) or unused
        Col("lens_msv"),
        Col("shallow_msv"),
        Col("badge_id"),
        Col("other_facility"),  # optional: dose a per diem tech reports from another employer
        Col("position", parse=lambda cell: as_member(cell, BadgePosition)),  # of a badge issued here
    )
    field_columns = {
        "technician_id": "technician",
        "badge_code": "badge_id",
        "assigned_on": "period_start",
    }

    def prepare(self, session: Session, services: Services) -> _Context:
        stored = {}
        readings = session.scalars(
            select(DosimetryReading)
            .options(selectinload(DosimetryReading.badge))
            .where(DosimetryReading.voided_at.is_(None))
        )
        for r in readings:
            code = r.badge.badge_code if r.badge else ""
            stored[_key(r.technician_id, r.period_start, r.period_end, code, r.other_facility)] = r
        return _Context(People.load(session), stored)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ctx: _Context) -> Outcome:
        technician = ctx.people.find(v["technician"])
        start, end, code, facility = v["period_start"], v["period_end"], v["badge_id"], v["other_facility"]
        key = _key(technician.id, start, end, code, facility)
        label = f"reading of {technician.full_name} for {start}…{end}" + (
            f" from {facility}" if facility else ""
        )
        draft = ReadingDraft(
            technician_id=technician.id,
            period_start=start,
            period_end=end,
            deep_msv=v["deep_msv"],
            lens_msv=v["lens_msv"],
            shallow_msv=v["shallow_msv"],
            other_facility=facility,
        )
        stored = ctx.stored.get(key)
        if stored is not None:
            if services.dosimetry.same_reading(stored, draft):
                return Outcome(UNCHANGED, key, label)
            raise RowProblem("", f"a different {label} is on file; correct it in the app")
        if code:
            badge = _badge_worn(session, technician.id, code, start, end)
            if badge is None:  # each wear period is an issue of the badge (the Dosimetry tab's model)
                badge = services.dosimetry.issue_badge_in(
                    session,
                    BadgeDraft(
                        technician.id,
                        code,
                        v["position"] or BadgePosition.COLLAR,
                        assigned_on=start,
                        period_end=end,
                    ),
                )
            draft = replace(draft, badge_id=badge.id)
        services.dosimetry.record_reading_in(session, draft)
        return Outcome(NEW, key, label)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        readings = session.scalars(
            select(DosimetryReading)
            .where(DosimetryReading.voided_at.is_(None))
            .options(selectinload(DosimetryReading.technician), selectinload(DosimetryReading.badge))
            .order_by(DosimetryReading.period_start, DosimetryReading.id)
        )
        for r in readings:
            flags = [getattr(r, name.replace("_msv", "_minimal")) for name in DOSE_CELLS]
            cells: list[Any] = []
            for name, minimal in zip(DOSE_CELLS, flags, strict=True):
                value = getattr(r, name)
                if r.kind is DoseReadingKind.UNUSED:
                    cells.append("unused")
                elif minimal or (r.kind is DoseReadingKind.MINIMAL and not any(flags) and value is None):
                    cells.append("M")  # per cell; a reading stored before per-cell M is M throughout
                else:
                    cells.append(value)
            yield [
                tech_reference(r.technician),
                r.period_start,
                r.period_end,
                *cells,
                r.badge.badge_code if r.badge else "",
                r.other_facility,
                r.badge.position.value if r.badge else "",
            ]


def _badge_worn(
    session: Session, technician_id: int, code: str, start: date, end: date
) -> DosimeterBadge | None:
    """The issue of badge ``code`` worn for this period: the one assigned on its first day, or else the
    latest whose wear period covers it."""
    return session.scalars(
        select(DosimeterBadge)
        .where(
            DosimeterBadge.technician_id == technician_id,
            func.lower(DosimeterBadge.badge_code) == code.lower(),
            DosimeterBadge.assigned_on <= start,
            or_(
                DosimeterBadge.assigned_on == start,
                DosimeterBadge.period_end.is_(None),
                DosimeterBadge.period_end >= end,
            ),
        )
        .order_by(DosimeterBadge.assigned_on.desc())
        .limit(1)
    ).first()
