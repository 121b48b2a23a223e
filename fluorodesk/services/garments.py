"""Protective garments: the inventory, where each garment stands, status changes, and findings.

Inspections (record, amend, void, disposition) live in ``garment_inspections``; both share the
state computed here by ``garment_state`` so the Aprons tab, the inspection-day panel, the labels
and the findings can never disagree about when a garment is due.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Garment, GarmentInspection, GarmentStatusChange, Technician
from fluorodesk.domain.dates import describe_due, parse_date_into
from fluorodesk.domain.enums import (
    Area,
    Disposition,
    GarmentStatus,
    GarmentType,
    InspectionResult,
    Severity,
)
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.garments import (
    StatusAction,
    StatusChange,
    available_actions,
    awaiting_reinspection,
    found_on,
    inspection_refusal,
    next_inspection_due,
    status_action_refusal,
    status_on,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.settings import load_settings

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
MAX_LEAD_MM = 2.0


# --------------------------------------------------------------------------- rows out


@dataclass(frozen=True)
class GarmentRow:
    id: int
    code: str
    type: GarmentType
    manufacturer: str
    model: str
    location: str
    status: GarmentStatus
    last_inspected_on: date | None
    last_result: InspectionResult | None
    next_due: date | None
    days_until_due: int | None  # negative when overdue; None when not in service or no date
    due_words: str
    due_soon: bool  # due within the clinic's warning window (garments.warning_days), not yet overdue
    serial: str = ""
    size: str = ""
    lead_front_mm: float | None = None
    lead_back_mm: float | None = None
    lead_free: bool = False
    owner: str = ""  # technician's name for a tech's own garment; "" when clinic-owned
    owner_technician_id: int | None = None
    received_on: date | None = None
    status_since: date | None = None
    last_disposition: Disposition | None = None
    awaiting_reinspection: bool = False
    found_on: date | None = None
    disposed_on: date | None = None
    disposal_method: str = ""
    notes: str = ""

    @property
    def make_model(self) -> str:
        return f"{self.manufacturer} {self.model}".strip()

    @property
    def owner_words(self) -> str:
        return f"{self.owner}'s own" if self.owner else "Clinic"

    @property
    def lead_words(self) -> str:
        parts = []
        if self.lead_front_mm is not None:
            parts.append(f"front {self.lead_front_mm:g}")
        if self.lead_back_mm is not None:
            parts.append(f"back {self.lead_back_mm:g}")
        text = (" / ".join(parts) + " mm Pb") if parts else ""
        if self.lead_free:
            text = (text + ", lead-free").lstrip(", ")
        return text

    @property
    def standing(self) -> str:
        """Where it stands, in words: due wording for a garment in use, the status story otherwise."""
        if self.awaiting_reinspection:
            return f"Re-inspect before use (found {self.found_on})"
        if self.status is GarmentStatus.IN_SERVICE:
            if self.last_inspected_on is None:
                return (
                    f"Never inspected; acceptance {self.due_words}" if self.due_words else "Never inspected"
                )
            return self.due_words
        since = f" since {self.status_since}" if self.status_since else ""
        if self.status is GarmentStatus.DISPOSED:
            when = f" {self.disposed_on}" if self.disposed_on else ""
            return f"Disposed{when}" + (f" ({self.disposal_method})" if self.disposal_method else "")
        if self.status is GarmentStatus.QUARANTINED and self.last_result is InspectionResult.FAIL:
            if self.last_disposition is Disposition.REPAIR:
                return f"Out for repair{since}; re-inspect when back"
            if self.last_disposition is None:
                return f"Failed {self.last_inspected_on}; needs a disposition"
        return f"{self.status.label}{since}"

    @property
    def can_be_inspected(self) -> bool:
        return self.inspection_refusal is None

    @property
    def inspection_refusal(self) -> str | None:
        """Why it cannot be inspected now (lost, removed, disposed of), in words; None when it can."""
        return inspection_refusal(self.code, self.status, self.status_since)

    @property
    def actions(self) -> list[StatusAction]:
        return available_actions(self.status)


@dataclass(frozen=True)
class StatusChangeRow:
    id: int
    changed_on: date
    from_status: GarmentStatus
    to_status: GarmentStatus
    reason: str
    inspection_id: int | None
    recorded_by: str


@dataclass(frozen=True)
class GarmentDraft:
    """What the garment dialog hands over: text as typed (the service parses and validates)."""

    code: str
    type: GarmentType | str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    size: str = ""
    lead_front_mm: str | float | None = None
    lead_back_mm: str | float | None = None
    lead_free: bool = False
    location: str = ""
    owner_technician_id: int | None = None
    received_on: date | str | None = None
    notes: str = ""


@dataclass(frozen=True)
class OwnerChoice:
    id: int
    name: str


@dataclass(frozen=True)
class LabelRow:
    """One printed label: the QR code holds ``code`` (what a scanner types back)."""

    code: str
    type_label: str
    next_due: date | None
    due_text: str


def garment_draft(garment: Garment) -> GarmentDraft:
    """The draft that would file ``garment`` as it is stored (an edit starts from it)."""
    return GarmentDraft(
        code=garment.code,
        type=garment.type,
        manufacturer=garment.manufacturer,
        model=garment.model,
        serial=garment.serial,
        size=garment.size,
        lead_front_mm=garment.lead_front_mm,
        lead_back_mm=garment.lead_back_mm,
        lead_free=garment.lead_free,
        location=garment.location,
        owner_technician_id=garment.owner_technician_id,
        received_on=garment.received_on,
        notes=garment.notes,
    )


# --------------------------------------------------------------------------- state shared by all views


@dataclass(frozen=True)
class GarmentState:
    status: GarmentStatus
    last: GarmentInspection | None
    due: date | None
    found: date | None
    awaiting_reinspection: bool


def valid_inspections(garment: Garment, as_of: date) -> list[GarmentInspection]:
    """Inspections on or before ``as_of`` that were not voided (or amended), oldest first."""
    return sorted(
        (i for i in garment.inspections if i.voided_at is None and i.inspected_on <= as_of),
        key=lambda i: (i.inspected_on, i.id or 0),
    )


def status_changes(garment: Garment) -> list[StatusChange]:
    return [StatusChange(c.changed_on, c.from_status, c.to_status) for c in garment.status_changes]


def load_garments(
    session: Session, *, garment_id: int | None = None, defects: bool = True
) -> Sequence[Garment]:
    """Garments (one, or all by code) with inspections, status changes and owner; each inspection with
    its defects unless ``defects=False`` (a garment's state never reads them: one query per 500
    inspections saved, a fifth of the list's load at ten years)."""
    inspections = selectinload(Garment.inspections)
    if defects:
        inspections = inspections.selectinload(GarmentInspection.defects)
    stmt = (
        select(Garment)
        .options(inspections, selectinload(Garment.status_changes), selectinload(Garment.owner))
        .order_by(Garment.code)
    )
    if garment_id is not None:
        stmt = stmt.where(Garment.id == garment_id)
    return session.scalars(stmt).all()


def garment_state(garment: Garment, settings: ClinicSettings, as_of: date) -> GarmentState:
    inspections = valid_inspections(garment, as_of)
    last = inspections[-1] if inspections else None
    changes = status_changes(garment)
    status = status_on(changes, garment.status, garment.status_changed_on, as_of)
    found = found_on(changes, as_of)
    waiting = awaiting_reinspection(found, (i.inspected_on for i in inspections))
    due = next_inspection_due(
        garment.received_on,
        last.inspected_on if last else None,
        int(settings["garments.reinspect_months"]),
        found=found,
    )
    return GarmentState(status, last, due, found, waiting)


def due_soon(due: date, as_of: date, settings: ClinicSettings) -> bool:
    """The inspection falls due within the clinic's warning window (``garments.warning_days``)."""
    return (due - as_of).days <= int(settings["garments.warning_days"])


def to_row(garment: Garment, settings: ClinicSettings, as_of: date) -> GarmentRow:
    state = garment_state(garment, settings, as_of)
    last = state.last
    in_use = state.status is GarmentStatus.IN_SERVICE
    due = state.due if in_use or state.awaiting_reinspection else None
    return GarmentRow(
        id=garment.id,
        code=garment.code,
        type=garment.type,
        manufacturer=garment.manufacturer,
        model=garment.model,
        location=garment.location,
        status=state.status,
        last_inspected_on=last.inspected_on if last else None,
        last_result=last.result if last else None,
        next_due=due,
        days_until_due=(due - as_of).days if in_use and due else None,
        due_words=(describe_due(due, as_of) if due else "no receipt date") if in_use else "",
        due_soon=in_use and due is not None and due >= as_of and due_soon(due, as_of, settings),
        serial=garment.serial,
        size=garment.size,
        lead_front_mm=garment.lead_front_mm,
        lead_back_mm=garment.lead_back_mm,
        lead_free=garment.lead_free,
        owner=garment.owner.full_name if garment.owner else "",
        owner_technician_id=garment.owner_technician_id,
        received_on=garment.received_on,
        status_since=garment.status_changed_on,
        last_disposition=last.disposition if last else None,
        awaiting_reinspection=state.awaiting_reinspection,
        found_on=state.found,
        disposed_on=garment.disposed_on,
        disposal_method=garment.disposal_method,
        notes=garment.notes,
    )


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
    audit.record(
        session,
        actor=actor,
        action="status",
        entity="garments",
        entity_id=garment.id,
        summary=f"Garment {garment.code}: {change.from_status.label} → {to_status.label}"
        + (f" ({reason})" if reason else ""),
        before=before,
        after=audit.snapshot(garment),
    )
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
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            rows = [to_row(g, settings, as_of) for g in load_garments(session, defects=False)]
        if not include_disposed:
            rows = [r for r in rows if r.status is not GarmentStatus.DISPOSED]
        return rows

    def get(self, garment_id: int) -> GarmentRow:
        with self.db.read() as session:
            found = load_garments(session, garment_id=garment_id)
            if not found:
                raise NotFoundError("That garment no longer exists.")
            return to_row(found[0], load_settings(session), self.today())

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
    #
    # Each change is one operation taking the caller's write transaction (``*_in``): the dialog's own
    # (``create``, ``update``, ``change_status`` below), or an import's, which files many in one.

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
        garments = load_garments(session, garment_id=garment_id)
        if not garments:
            raise NotFoundError("That garment no longer exists.")
        garment = garments[0]
        state = garment_state(garment, load_settings(session), self.today())
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
            audit.record(
                session,
                actor=self.actor,
                action="dispose",
                entity="garments",
                entity_id=garment.id,
                summary=f"Garment {garment.code} disposed of on {day}: {method}",
                before=before,
                after=audit.snapshot(garment),
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
        return [_label(r) for r in chosen]


def _label(row: GarmentRow) -> LabelRow:
    if row.status is not GarmentStatus.IN_SERVICE:
        text = "Inspect before use"
    elif row.next_due is not None:
        text = f"Next due {row.next_due.isoformat()}"
    else:
        text = "Inspect on receipt"
    return LabelRow(row.code, row.type.label, row.next_due, text)


# --------------------------------------------------------------------------- findings


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []

    def add(
        severity: Severity, code: str, subject: str, message: str, action: str, due: date | None, gid: int
    ) -> None:
        out.append(Finding(Area.GARMENTS, severity, code, subject, message, action, due, "garments", gid))

    for g in load_garments(session, defects=False):
        if g.received_on is not None and g.received_on > as_of:
            continue
        if g.created_at is not None and g.received_on is None and g.created_at.date() > as_of:
            continue
        subject = f"{g.type.label} {g.code}"
        state = garment_state(g, settings, as_of)
        last, due, status = state.last, state.due, state.status
        if status in (GarmentStatus.DISPOSED, GarmentStatus.REMOVED):
            if last is not None and last.result is InspectionResult.FAIL and last.disposition is None:
                add(
                    Severity.WARNING,
                    "garment.failed_no_disposition",
                    subject,
                    f"Failed inspection on {last.inspected_on} has no disposition on record.",
                    "Record the disposition (repair, remove or discard) on that inspection.",
                    last.inspected_on,
                    g.id,
                )
            continue
        if status is GarmentStatus.LOST:
            since = f" since {g.status_changed_on}" if g.status_changed_on else ""
            add(
                Severity.WARNING,
                "garment.lost",
                subject,
                f"Reported lost{since}. If it turns up it must be re-inspected before use.",
                "Search for it; mark it found (then re-inspect it) or remove it from the inventory.",
                None,
                g.id,
            )
            continue
        if state.awaiting_reinspection:
            in_use = status is GarmentStatus.IN_SERVICE
            add(
                Severity.CRITICAL if in_use else Severity.WARNING,
                "garment.found_not_reinspected",
                subject,
                f"Found on {state.found} after being lost and not re-inspected since"
                + ("; it is in service." if in_use else "."),
                "Re-inspect it before anyone wears it.",
                state.found,
                g.id,
            )
            continue
        if last is not None and last.result is InspectionResult.FAIL:
            if last.disposition is None:
                add(
                    Severity.CRITICAL,
                    "garment.failed_no_disposition",
                    subject,
                    f"Failed inspection on {last.inspected_on} has no disposition.",
                    "Record what was done with it (repair, remove or discard).",
                    last.inspected_on,
                    g.id,
                )
            if status is GarmentStatus.IN_SERVICE:
                add(
                    Severity.CRITICAL,
                    "garment.failed_in_service",
                    subject,
                    f"Failed inspection on {last.inspected_on} but is still in service.",
                    "Pull it from service now.",
                    last.inspected_on,
                    g.id,
                )
            if last.disposition is None or status is not GarmentStatus.QUARANTINED:
                continue
        if status is GarmentStatus.QUARANTINED:
            since = f" since {g.status_changed_on}" if g.status_changed_on else ""
            repair = last is not None and last.result is InspectionResult.FAIL
            add(
                Severity.INFO,
                "garment.quarantined",
                subject,
                f"Out for repair{since}, not available for use."
                if repair
                else f"In quarantine{since}, not available for use.",
                "Re-inspect it when it is back (a pass returns it to service)."
                if repair
                else "Inspect it (a pass returns it to service) or remove it from service.",
                None,
                g.id,
            )
            continue
        if last is None:
            add(
                Severity.CRITICAL,
                "garment.never_inspected",
                subject,
                "Has no inspection on file (an acceptance inspection is due on receipt).",
                "Inspect it before its next use.",
                due,
                g.id,
            )
        elif due is not None and due < as_of:
            add(
                Severity.CRITICAL,
                "garment.overdue",
                subject,
                f"Inspection was due {due} ({describe_due(due, as_of)}); last inspected {last.inspected_on}.",
                "Inspect it now or take it out of service.",
                due,
                g.id,
            )
        elif due is not None and due_soon(due, as_of, settings):
            add(
                Severity.INFO,
                "garment.due_soon",
                subject,
                f"Inspection {describe_due(due, as_of)} ({due}).",
                "Plan it into the next inspection day.",
                due,
                g.id,
            )
    return out
