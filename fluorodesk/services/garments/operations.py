"""The garment service: the inventory's operations (add, edit, status changes) and its reads for the
Aprons tab, the inspection-day panel and the labels.

Each change is one operation taking the caller's write transaction (``*_in``): the window's own
(``create``, ``update``, ``change_status`` wrap them) or an import's, which files many in one.
Inspections (record, amend, void, disposition) are ``garment_inspections``'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Garment, GarmentStatusChange, Technician
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.enums import GarmentStatus, GarmentType
from fluorodesk.domain.garments import StatusAction, status_action_refusal
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.garments.rows import (
    GarmentDraft,
    GarmentRow,
    LabelRow,
    OwnerChoice,
    StatusChangeRow,
    garment_rows,
    label_for,
)
from fluorodesk.services.garments.state import garment_state, latest_inspections
from fluorodesk.services.settings import load_settings

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
MAX_LEAD_MM = 2.0


def change_status(
    session: Session,
    garment: Garment,
    to_status: GarmentStatus,
    *,
    on: date,
    reason: str,
    actor: str,
    inspection_id: int | None = None,
) -> GarmentStatusChange | None:
    """Move a garment to ``to_status`` inside the caller's transaction: history row plus audit event."""
    if garment.status is to_status:
        return None
    before = audit.snapshot(garment)
    change = GarmentStatusChange(
        garment=garment,
        changed_on=on,
        from_status=garment.status,
        to_status=to_status,
        reason=reason,
        inspection_id=inspection_id,
        created_by=actor,
        updated_by=actor,
    )
    session.add(change)
    garment.status = to_status
    garment.status_changed_on = on
    garment.updated_by = actor
    summary = f"Garment {garment.code}: {change.from_status.label} → {to_status.label}" + (
        f" ({reason})" if reason else ""
    )
    audit.changed(session, actor, "garments", garment, before, summary, action="status")
    return change


def _lead(value: str | float | None, field: str, errors: dict[str, str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        mm = float(str(value).strip().lower().removesuffix("mm").strip().replace(",", "."))
    except ValueError:
        errors[field] = f"“{value}” is not a thickness; type mm of lead equivalence, e.g. 0.5."
        return None
    if not 0 < mm <= MAX_LEAD_MM:
        errors[field] = f"Lead equivalence must be more than 0 and at most {MAX_LEAD_MM:g} mm (e.g. 0.5)."
        return None
    return mm


# --------------------------------------------------------------------------- the service


class GarmentService(Service):
    def list_rows(self, *, as_of: date | None = None, include_disposed: bool = True) -> list[GarmentRow]:
        with self.db.read() as session:
            rows = garment_rows(session, load_settings(session), as_of or self.today())
        if not include_disposed:
            rows = [r for r in rows if r.status is not GarmentStatus.DISPOSED]
        return rows

    def get(self, garment_id: int) -> GarmentRow:
        with self.db.read() as session:
            found = garment_rows(session, load_settings(session), self.today(), garment_id=garment_id)
        if not found:
            raise NotFoundError("That garment no longer exists.")
        return found[0]

    def find_by_code(self, code: str) -> GarmentRow | None:
        """The garment whose label reads ``code`` (as a scanner types it: case and spaces ignored)."""
        wanted = clean(code)
        if not wanted:
            return None
        with self.db.read() as session:
            garment_id = session.scalar(select(Garment.id).where(func.upper(Garment.code) == wanted.upper()))
        return None if garment_id is None else self.get(garment_id)

    def still_due(self, day: date | None = None) -> list[GarmentRow]:
        """Garments that could be inspected and are due on or before ``day`` (or await re-inspection)."""
        day = day or self.today()
        return [
            r
            for r in self.list_rows(as_of=day)
            if r.can_be_inspected
            and (
                r.awaiting_reinspection
                or (r.status is GarmentStatus.IN_SERVICE and r.next_due and r.next_due <= day)
            )
        ]

    def history(self, garment_id: int) -> list[StatusChangeRow]:
        with self.db.read() as session:
            changes = session.scalars(
                select(GarmentStatusChange)
                .where(GarmentStatusChange.garment_id == garment_id)
                .order_by(GarmentStatusChange.changed_on, GarmentStatusChange.id)
            ).all()
            return [
                StatusChangeRow(
                    c.id, c.changed_on, c.from_status, c.to_status, c.reason, c.inspection_id, c.created_by
                )
                for c in changes
            ]

    def owner_choices(self) -> list[OwnerChoice]:
        """Technicians who may own a garment (retired ones only when they already do)."""
        with self.db.read() as session:
            techs = session.scalars(
                select(Technician).order_by(Technician.last_name, Technician.first_name)
            ).all()
            owners = set(session.scalars(select(Garment.owner_technician_id)).all())
            return [OwnerChoice(t.id, t.full_name) for t in techs if t.retired_on is None or t.id in owners]

    # ---- inventory

    def _validate(self, session: Session, draft: GarmentDraft, garment_id: int | None) -> dict[str, object]:
        errors: dict[str, str] = {}
        code = clean(draft.code)
        if not code:
            errors["code"] = "Garment ID is required: the label on the garment (e.g. A-014)."
        elif len(code) > 40:
            errors["code"] = "Garment ID is at most 40 characters."
        elif not CODE_PATTERN.match(code):
            errors["code"] = (
                f"“{code}” has characters a barcode scanner may mistype; use letters, digits and - _ . /"
            )
        else:
            other = session.scalar(
                select(Garment.code).where(
                    func.upper(Garment.code) == code.upper(), Garment.id != (garment_id or -1)
                )
            )
            if other is not None:
                errors["code"] = f"Another garment already has the ID {other}."
        try:
            kind = GarmentType(draft.type)
        except ValueError:
            errors["type"] = "Choose the garment type."
            kind = GarmentType.OTHER
        front = _lead(draft.lead_front_mm, "lead_front_mm", errors)
        back = _lead(draft.lead_back_mm, "lead_back_mm", errors)
        received = parse_date_into(draft.received_on, "received_on", errors)
        if received is not None and received > self.today():
            errors["received_on"] = "The received date can't be in the future."
        for name, limit in (
            ("manufacturer", 120),
            ("model", 120),
            ("serial", 80),
            ("size", 20),
            ("location", 120),
        ):
            if len(clean(getattr(draft, name))) > limit:
                errors[name] = f"At most {limit} characters."
        owner = draft.owner_technician_id
        if owner is not None and session.get(Technician, owner) is None:
            errors["owner_technician_id"] = "That technician no longer exists."
        if errors:
            raise ValidationError(fields=errors)
        return {
            "code": code,
            "type": kind,
            "manufacturer": clean(draft.manufacturer),
            "model": clean(draft.model),
            "serial": clean(draft.serial),
            "size": clean(draft.size),
            "lead_front_mm": front,
            "lead_back_mm": back,
            "lead_free": bool(draft.lead_free),
            "location": clean(draft.location),
            "owner_technician_id": owner,
            "received_on": received,
            "notes": (draft.notes or "").strip(),
        }

    def create_in(self, session: Session, draft: GarmentDraft) -> Garment:
        """Add a garment to the inventory, in service."""
        values = self._validate(session, draft, None)
        garment = Garment(**values, status=GarmentStatus.IN_SERVICE)
        self.stamp(garment, new=True)
        session.add(garment)
        audit.created(
            session,
            self.actor,
            "garments",
            garment,
            f"Garment {garment.code} ({garment.type.label}) added to the inventory",
        )
        return garment

    def update_in(self, session: Session, garment_id: int, draft: GarmentDraft) -> Garment:
        """Change a garment's details (its status changes go through ``change_status_in``)."""
        garment = existing(session, Garment, garment_id, "garment")
        values = self._validate(session, draft, garment_id)
        before = audit.snapshot(garment)
        for key, value in values.items():
            setattr(garment, key, value)
        if audit.changed(
            session, self.actor, "garments", garment, before, f"Garment {garment.code} details changed"
        ):
            self.stamp(garment)
        return garment

    def create(self, draft: GarmentDraft) -> GarmentRow:
        with self.writing() as session:
            garment_id = self.create_in(session, draft).id
        return self.get(garment_id)

    def update(self, garment_id: int, draft: GarmentDraft) -> GarmentRow:
        with self.writing() as session:
            self.update_in(session, garment_id, draft)
        return self.get(garment_id)

    # ---- status

    def change_status(
        self,
        garment_id: int,
        action: StatusAction | str,
        *,
        on: date | str | None = None,
        reason: str = "",
        disposal_method: str = "",
    ) -> GarmentRow:
        """Quarantine, report lost, mark found, return to service, remove, or record the disposal."""
        with self.writing() as session:
            self.change_status_in(
                session, garment_id, action, on=on, reason=reason, disposal_method=disposal_method
            )
        return self.get(garment_id)

    def change_status_in(
        self,
        session: Session,
        garment_id: int,
        action: StatusAction | str,
        *,
        on: date | str | None = None,
        reason: str = "",
        disposal_method: str = "",
    ) -> Garment:
        errors: dict[str, str] = {}
        try:
            action = StatusAction(action)
        except ValueError:
            raise ValidationError(fields={"action": "Choose what happened to the garment."}) from None
        day = parse_date_into(on, "on", errors) or self.today()
        if day > self.today():
            errors["on"] = "The date can't be in the future."
        reason = (reason or "").strip()
        method = (disposal_method or "").strip()
        if action is StatusAction.DISPOSE and not method:
            errors["disposal_method"] = (
                "Say how it was disposed of (e.g. returned to the vendor for lead recycling)."
            )
        if len(method) > 200:
            errors["disposal_method"] = "At most 200 characters."
        if (
            action in (StatusAction.QUARANTINE, StatusAction.REMOVE, StatusAction.RETURN_TO_SERVICE)
            and not reason
        ):
            errors["reason"] = "Give a short reason (it goes into the garment's history)."
        if errors:
            raise ValidationError(fields=errors)
        garment = existing(session, Garment, garment_id, "garment")
        last = latest_inspections(session, self.today(), garment_id=garment.id).get(garment.id)
        state = garment_state(garment, last, load_settings(session), self.today())
        refusal = status_action_refusal(
            action,
            garment.status,
            last_result=state.last.result if state.last else None,
            awaiting_reinspection=state.awaiting_reinspection,
        )
        if refusal:
            raise ConflictError(f"{garment.code}: {refusal}")
        if garment.status_changed_on and day < garment.status_changed_on:
            raise ValidationError(
                fields={
                    "on": f"The date can't be before its last status change ({garment.status_changed_on})."
                }
            )
        if action is StatusAction.DISPOSE:
            before = audit.snapshot(garment)
            garment.disposed_on = day
            garment.disposal_method = method
            audit.changed(
                session,
                self.actor,
                "garments",
                garment,
                before,
                f"Garment {garment.code} disposed of on {day}: {method}",
                action="dispose",
            )
        words = reason
        if action is StatusAction.FOUND:
            words = "Found; re-inspect before use" + (f" ({reason})" if reason else "")
        elif action is StatusAction.DISPOSE:
            words = method + (f" ({reason})" if reason else "")
        change_status(session, garment, action.target, on=day, reason=words, actor=self.actor)
        return garment

    # ---- labels

    def label_rows(self, codes: Sequence[str] | None = None, *, as_of: date | None = None) -> list[LabelRow]:
        """Labels for the named garments, or for every garment at hand (not lost, removed or disposed of).

        Unknown codes raise ValidationError naming them, so nothing half-done gets printed.
        """
        rows = self.list_rows(as_of=as_of)
        if codes:
            by_code = {r.code.upper(): r for r in rows}
            wanted = [c.strip() for c in codes if c.strip()]
            missing = [c for c in wanted if c.upper() not in by_code]
            if missing:
                raise ValidationError(fields={"codes": "No garment with the ID " + ", ".join(missing) + "."})
            chosen = [by_code[c.upper()] for c in wanted]
        else:
            gone = (GarmentStatus.REMOVED, GarmentStatus.DISPOSED, GarmentStatus.LOST)
            chosen = [r for r in rows if r.status not in gone]
        return [label_for(r) for r in chosen]
