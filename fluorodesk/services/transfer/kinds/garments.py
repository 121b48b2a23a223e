"""Garments in spreadsheets: the inventory, filed through the garment service's own operations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Garment
from fluorodesk.domain.enums import GarmentStatus, GarmentType
from fluorodesk.domain.garments import StatusAction
from fluorodesk.services.garments.rows import GarmentDraft, garment_draft
from fluorodesk.services.transfer.cells import as_date, as_member, as_number
from fluorodesk.services.transfer.framework import NEW, UNCHANGED, UPDATE, Col, Kind, Outcome, shown

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
