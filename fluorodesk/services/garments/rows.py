"""What the garment service hands out and takes in: the rows the Aprons tab, the inspection-day panel,
the labels, the findings and the packet show, and the draft the garment dialog fills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from fluorodesk.db.models import Garment
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Disposition, GarmentStatus, GarmentType, InspectionResult
from fluorodesk.domain.garments import (
    StatusAction,
    available_actions,
    garment_name,
    inspection_refusal,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.garments.state import (
    GarmentState,
    due_soon,
    garment_state,
    latest_inspections,
    load_garments,
)


@dataclass(frozen=True)
class GarmentRow:
    """One garment as it stood on a date (``as_of`` of ``garment_rows``): status, last inspection, due."""

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
    status_since: date | None = None  # the day it took ``status``
    last_disposition: Disposition | None = None
    awaiting_reinspection: bool = False
    found_on: date | None = None
    disposed_on: date | None = None
    disposal_method: str = ""
    notes: str = ""
    created_at: datetime | None = None  # when it was entered (a garment with no receipt date)

    @property
    def make_model(self) -> str:
        return f"{self.manufacturer} {self.model}".strip()

    @property
    def owner_words(self) -> str:
        return f"{self.owner}'s own" if self.owner else "Clinic"

    @property
    def subject(self) -> str:
        return garment_name(self.type, self.code)

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
    def status_words(self) -> str:
        """Its status in words with the day it took it ("Lost since 2026-11-06"; a disposal with its
        method)."""
        if self.status is GarmentStatus.IN_SERVICE:
            return self.status.label
        if self.status is GarmentStatus.DISPOSED:
            when = f" {self.disposed_on}" if self.disposed_on else ""
            return f"Disposed{when}" + (f" ({self.disposal_method})" if self.disposal_method else "")
        since = f" since {self.status_since}" if self.status_since else ""
        return f"{self.status.label}{since}"

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
        if self.status is GarmentStatus.QUARANTINED and self.last_result is InspectionResult.FAIL:
            since = f" since {self.status_since}" if self.status_since else ""
            if self.last_disposition is Disposition.REPAIR:
                return f"Out for repair{since}; re-inspect when back"
            if self.last_disposition is None:
                return f"Failed {self.last_inspected_on}; needs a disposition"
        return self.status_words

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


def to_row(garment: Garment, state: GarmentState, settings: ClinicSettings, as_of: date) -> GarmentRow:
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
        status_since=state.since,
        last_disposition=last.disposition if last else None,
        awaiting_reinspection=state.awaiting_reinspection,
        found_on=state.found,
        disposed_on=garment.disposed_on,
        disposal_method=garment.disposal_method,
        notes=garment.notes,
        created_at=garment.created_at,
    )


def garment_rows(
    session: Session, settings: ClinicSettings, as_of: date, *, garment_id: int | None = None
) -> list[GarmentRow]:
    """Every garment (or one) as it stood on ``as_of``, by code: what the Aprons tab lists, the findings
    judge and the packet's inventory shows."""
    last = latest_inspections(session, as_of, garment_id=garment_id)
    return [
        to_row(g, garment_state(g, last.get(g.id), settings, as_of), settings, as_of)
        for g in load_garments(session, garment_id=garment_id)
    ]


def label_for(row: GarmentRow) -> LabelRow:
    if row.status is not GarmentStatus.IN_SERVICE:
        text = "Inspect before use"
    elif row.next_due is not None:
        text = f"Next due {row.next_due.isoformat()}"
    else:
        text = "Inspect on receipt"
    return LabelRow(row.code, row.type.label, row.next_due, text)
