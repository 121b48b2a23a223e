"""Protective garments: inventory rows with their inspection state, and garment findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Garment, GarmentInspection
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Area, GarmentStatus, GarmentType, InspectionResult, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.garments import next_inspection_due
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings


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


def valid_inspections(garment: Garment, as_of: date) -> list[GarmentInspection]:
    """Inspections on or before ``as_of`` that were not voided, oldest first."""
    return [i for i in garment.inspections if i.voided_at is None and i.inspected_on <= as_of]


def load_garments(session: Session) -> Sequence[Garment]:
    return session.scalars(
        select(Garment).options(selectinload(Garment.inspections)).order_by(Garment.code)
    ).all()


def garment_state(
    garment: Garment, settings: ClinicSettings, as_of: date
) -> tuple[GarmentInspection | None, date | None]:
    inspections = valid_inspections(garment, as_of)
    last = inspections[-1] if inspections else None
    due = next_inspection_due(
        garment.received_on, last.inspected_on if last else None, int(settings["garments.reinspect_months"])
    )
    return last, due


class GarmentService(Service):
    def list_rows(self, *, as_of: date | None = None) -> list[GarmentRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for g in load_garments(session):
                last, due = garment_state(g, settings, as_of)
                in_use = g.status is GarmentStatus.IN_SERVICE
                rows.append(
                    GarmentRow(
                        id=g.id,
                        code=g.code,
                        type=g.type,
                        manufacturer=g.manufacturer,
                        model=g.model,
                        location=g.location,
                        status=g.status,
                        last_inspected_on=last.inspected_on if last else None,
                        last_result=last.result if last else None,
                        next_due=due if in_use else None,
                        days_until_due=(due - as_of).days if in_use and due else None,
                        due_words=(describe_due(due, as_of) if due else "no receipt date") if in_use else "",
                    )
                )
            return rows


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    for g in load_garments(session):
        if g.received_on is not None and g.received_on > as_of:
            continue
        subject = f"{g.type.label} {g.code}"
        last, due = garment_state(g, settings, as_of)
        if g.status is GarmentStatus.LOST:
            out.append(
                Finding(
                    Area.GARMENTS,
                    Severity.WARNING,
                    "garment.lost",
                    subject,
                    "Reported lost. If it turns up it must be re-inspected before use.",
                    "Search for it, or record its removal from the inventory.",
                    None,
                    "garments",
                    g.id,
                )
            )
            continue
        if last is not None and last.result is InspectionResult.FAIL:
            if last.disposition is None:
                out.append(
                    Finding(
                        Area.GARMENTS,
                        Severity.CRITICAL,
                        "garment.failed_no_disposition",
                        subject,
                        f"Failed inspection on {last.inspected_on} has no disposition.",
                        "Record what was done with it (repair, remove, discard).",
                        last.inspected_on,
                        "garments",
                        g.id,
                    )
                )
            if g.status is GarmentStatus.IN_SERVICE:
                out.append(
                    Finding(
                        Area.GARMENTS,
                        Severity.CRITICAL,
                        "garment.failed_in_service",
                        subject,
                        f"Failed inspection on {last.inspected_on} but is still in service.",
                        "Pull it from service now.",
                        last.inspected_on,
                        "garments",
                        g.id,
                    )
                )
                continue
        if g.status is not GarmentStatus.IN_SERVICE:
            continue
        if last is None:
            out.append(
                Finding(
                    Area.GARMENTS,
                    Severity.CRITICAL,
                    "garment.never_inspected",
                    subject,
                    "Has no inspection on file (an acceptance inspection is due on receipt).",
                    "Inspect it before its next use.",
                    due,
                    "garments",
                    g.id,
                )
            )
        elif due is not None and due < as_of:
            out.append(
                Finding(
                    Area.GARMENTS,
                    Severity.CRITICAL,
                    "garment.overdue",
                    subject,
                    f"Inspection was due {due} ({describe_due(due, as_of)}); "
                    f"last inspected {last.inspected_on}.",
                    "Inspect it now or take it out of service.",
                    due,
                    "garments",
                    g.id,
                )
            )
        elif due is not None and (due - as_of).days <= int(settings["garments.warning_days"]):
            out.append(
                Finding(
                    Area.GARMENTS,
                    Severity.INFO,
                    "garment.due_soon",
                    subject,
                    f"Inspection {describe_due(due, as_of)} ({due}).",
                    "Plan it into the next inspection day.",
                    due,
                    "garments",
                    g.id,
                )
            )
    return out
