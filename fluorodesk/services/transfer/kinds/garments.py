"""Garments and their inspections in spreadsheets, filed through the garment and inspection services'
own operations (the ones the garment, status and Inspection dialogs call)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Garment, GarmentInspection
from fluorodesk.domain.enums import DefectZone, Disposition, GarmentStatus, GarmentType, InspectionResult
from fluorodesk.domain.garments import StatusAction, parse_area_mm2, parse_kvp, parse_methods
from fluorodesk.errors import ValidationError
from fluorodesk.services.garment_inspections import DefectDraft, InspectionDraft
from fluorodesk.services.garments.rows import GarmentDraft, garment_draft
from fluorodesk.services.transfer.cells import CellError, as_date, as_member, as_number, text
from fluorodesk.services.transfer.framework import (
    NEW,
    UNCHANGED,
    UPDATE,
    Col,
    Kind,
    Outcome,
    RowProblem,
    shown,
)

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services

#: Why a status read from a file changed: what the garment's history says.
IMPORTED_STATUS = "as recorded in the imported spreadsheet"

#: The status change that leads to each status a file may give.
_ACTION_TO = {action.target: action for action in StatusAction if action is not StatusAction.FOUND}


class GarmentsKind(Kind):
    name = "garments"
    description = "aprons, thyroid shields and other protective garments"
    columns = (
        Col("garment_id", True),
        Col("type", True, lambda cell: as_member(cell, GarmentType)),
        Col("manufacturer"),
        Col("model"),
        Col("serial"),
        Col("lead_mm", parse=as_number),
        Col("location"),
        Col("received_on", parse=as_date),
        Col("status", parse=lambda cell: as_member(cell, GarmentStatus)),
    )
    field_columns = {"code": "garment_id", "lead_front_mm": "lead_mm", "on": "status", "reason": "status"}

    def prepare(self, session: Session, services: Services) -> dict[str, int]:
        return {
            code.upper(): garment_id for garment_id, code in session.execute(select(Garment.id, Garment.code))
        }

    def apply(self, session: Session, services: Services, v: dict[str, Any], ids: dict[str, int]) -> Outcome:
        code = v["garment_id"]
        key = ("garment", code.upper())
        label = f"garment {code}"
        cells = {
            "type": v["type"],
            "manufacturer": v["manufacturer"],
            "model": v["model"],
            "serial": v["serial"],
            "lead_front_mm": v["lead_mm"],
            "location": v["location"],
            "received_on": v["received_on"],
        }
        given = {name: value for name, value in cells.items() if value not in (None, "")}  # blanks keep
        garment_id = ids.get(code.upper())
        if garment_id is None:
            garment = services.garments.create_in(session, GarmentDraft(code=code, **given))
            ids[code.upper()] = garment.id
            self._set_status(session, services, garment, v["status"])
            return Outcome(NEW, key, label)
        garment = session.get(Garment, garment_id)
        stored = garment_draft(garment)
        wanted = replace(stored, **given)
        changes = self.changes(vars(stored), vars(wanted))
        if wanted != stored:
            services.garments.update_in(session, garment_id, wanted)
        if v["status"] is not None and v["status"] is not garment.status:
            changes += (f"status → {shown(v['status'])}",)
            self._set_status(session, services, garment, v["status"])
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    @staticmethod
    def _set_status(
        session: Session, services: Services, garment: Garment, status: GarmentStatus | None
    ) -> None:
        """Bring the garment to ``status`` the way the Aprons tab would (its history says why)."""
        if status is None or status is garment.status:
            return
        action = _ACTION_TO[status]
        method = IMPORTED_STATUS if action is StatusAction.DISPOSE else ""
        services.garments.change_status_in(
            session, garment.id, action, reason=IMPORTED_STATUS, disposal_method=method
        )

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        for g in session.scalars(select(Garment).order_by(Garment.code)):
            yield [
                g.code,
                g.type.value,
                g.manufacturer,
                g.model,
                g.serial,
                g.lead_front_mm,
                g.location,
                g.received_on,
                g.status.value,
            ]


# --------------------------------------------------------------------------- inspections


def as_defects(value: Any) -> tuple[DefectDraft, ...]:
    """``zone:size`` joined by ``;`` ("critical:20; Seam/overlap/back:3 x 4"); the size as typed in the
    Inspection dialog (the service reads it)."""
    defects = []
    for part in filter(None, (p.strip() for p in text(value).split(";"))):
        zone, sep, area = part.partition(":")
        if not sep or not zone.strip() or not area.strip():
            raise CellError(f"“{part}” should read zone:mm2, e.g. critical:20")
        defects.append(DefectDraft(as_member(zone, DefectZone), area.strip()))
    return tuple(defects)


class InspectionsKind(Kind):
    """Inspections are regulated records: the same inspection again (garment, date and inspector) is
    unchanged; a different one under that key is refused, never changed by the import."""

    name = "inspections"
    description = "apron and thyroid-shield inspections"
    columns = (
        Col("garment_id", True),
        Col("inspected_on", True, as_date),
        Col("inspector", True),
        Col("method", True),
        Col("kvp"),
        Col("equipment"),
        Col("defects", parse=as_defects),
        Col("result", parse=lambda cell: as_member(cell, InspectionResult)),
        Col("disposition", parse=lambda cell: as_member(cell, Disposition)),
        Col("notes"),
    )
    field_columns = {"methods": "method"}

    def column_for(self, field_name: str) -> str:
        if field_name.startswith("defect_"):  # defect_2_area: the second defect in the cell
            return "defects"
        return super().column_for(field_name)

    @dataclass
    class Context:
        garments: dict[str, tuple[int, str]]  # CODE -> (id, code as stored)
        standing: dict[tuple[int, date, str], list[int]]  # (garment id, date, inspector) -> ids

    def prepare(self, session: Session, services: Services) -> Context:
        i = GarmentInspection
        standing: dict[tuple[int, date, str], list[int]] = defaultdict(list)
        for inspection_id, garment_id, day, inspector in session.execute(
            select(i.id, i.garment_id, i.inspected_on, i.inspector).where(i.voided_at.is_(None))
        ):
            standing[(garment_id, day, inspector.lower())].append(inspection_id)
        garments = session.execute(select(Garment.id, Garment.code))
        return self.Context({code.upper(): (gid, code) for gid, code in garments}, standing)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ctx: Context) -> Outcome:
        found = ctx.garments.get(v["garment_id"].upper())
        if found is None:
            raise RowProblem("garment_id", f"no garment “{v['garment_id']}” on file; import garments first")
        garment_id, code = found
        draft = InspectionDraft(
            garment_id=garment_id,
            inspector=v["inspector"],
            inspected_on=v["inspected_on"],
            methods=v["method"],
            kvp=v["kvp"],
            equipment=v["equipment"],
            result=v["result"],
            disposition=v["disposition"],
            notes=v["notes"],
            defects=v["defects"] or (),
        )
        key = (garment_id, draft.inspected_on, draft.inspector.lower())
        label = f"inspection of {code} on {draft.inspected_on}"
        stored = [session.get(GarmentInspection, i) for i in ctx.standing.get(key, ())]
        if stored:
            if any(_same(i, draft) for i in stored):
                return Outcome(UNCHANGED, ("inspection", *key), label)
            by = stored[0].inspector
            raise RowProblem("", f"a different {label} by {by} is on file; correct it in the app")
        services.garment_inspections.record_in(session, draft)
        return Outcome(NEW, ("inspection", *key), label)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        inspections = session.scalars(
            select(GarmentInspection)
            .where(GarmentInspection.voided_at.is_(None))
            .options(selectinload(GarmentInspection.garment), selectinload(GarmentInspection.defects))
            .order_by(GarmentInspection.inspected_on, GarmentInspection.id)
        )
        for i in inspections:
            yield [
                i.garment.code,
                i.inspected_on,
                i.inspector,
                i.methods,
                i.kvp,
                i.equipment,
                ";".join(f"{d.zone.value}:{d.area_mm2:g}" for d in i.defects),
                i.result.value,
                i.disposition.value if i.disposition else "",
                i.notes,
            ]


def _same(stored: GarmentInspection, draft: InspectionDraft) -> bool:
    """Does the row describe ``stored`` (what it gives matches; blank cells say nothing)?  A row the
    service could not read is not the same record (filing it then says why)."""
    try:
        wanted_defects = sorted((d.zone, parse_area_mm2(d.area)) for d in draft.defects)
        same = (
            parse_methods(draft.methods) == parse_methods(stored.methods)
            and draft.result in (None, stored.result)
            and draft.disposition in (None, stored.disposition)
            and (draft.kvp in (None, "") or parse_kvp(draft.kvp) == stored.kvp)
            and (not draft.defects or wanted_defects == sorted((d.zone, d.area_mm2) for d in stored.defects))
        )
    except ValidationError:
        return False
    return same
