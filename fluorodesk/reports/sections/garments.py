"""Protective garments: the inventory as it stood on the packet date, the inspection log for the
period, and every failure with its disposition.

Each garment's status, last inspection and next due date are the Aprons tab's own rows
(``services.garments.rows.garment_rows``) for the packet's as-of date, and the log is the inspection
service's rows, so the packet, the tab and the findings cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from fluorodesk.db.models import GarmentInspection
from fluorodesk.domain.enums import Disposition, GarmentStatus, InspectionResult
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Block, Column, Para, Row, Section, SubHeading, Table, Tone
from fluorodesk.reports.sections.common import DASH, documents_table, join, num
from fluorodesk.services.garment_inspections import InspectionRow, inspection_rows
from fluorodesk.services.garments.rows import GarmentRow, garment_rows
from fluorodesk.services.packet_data import voided_by

KEY = "garments"
TITLE = "Protective garments"
OWNER_TYPES = ("garment", "inspection", "garment_inspection")


def included(row: GarmentRow, ctx: PacketContext) -> bool:
    """On file on the as-of date, and in service or leaving service within the period."""
    if not ctx.on_file(row.received_on, row.created_at):
        return False
    if row.status is GarmentStatus.IN_SERVICE:
        return True
    left = row.status_since or row.disposed_on
    return left is None or left >= ctx.period_from


def _next_words(row: GarmentRow) -> tuple[str, Tone]:
    """The Next inspection column: the tab's due date and words, and how it reads."""
    if row.awaiting_reinspection:
        return row.standing, "bad"
    if row.status is not GarmentStatus.IN_SERVICE:
        return DASH, "muted"
    tone: Tone = "bad" if row.last_result is InspectionResult.FAIL else ""
    if row.next_due is None:
        return row.standing, "bad"
    if row.days_until_due is not None and row.days_until_due < 0:
        tone = "bad"
    elif row.due_soon:
        tone = tone or "warn"
    return f"{row.next_due.isoformat()} ({row.due_words})", tone


def _lead(row: GarmentRow) -> str:
    if row.lead_free:
        front = num(row.lead_front_mm, digits=2) if row.lead_front_mm is not None else ""
        return "Lead-free" + (f", {front} mm Pb eq." if front else "")
    parts = []
    if row.lead_front_mm is not None:
        parts.append(f"{row.lead_front_mm:g} front")
    if row.lead_back_mm is not None:
        parts.append(f"{row.lead_back_mm:g} back")
    return ", ".join(parts) or DASH


def _defects(inspection: InspectionRow) -> str:
    return join(
        [
            f"{x.zone.label} {x.area_mm2:g} mm²" + (f": {x.description}" if x.description else "")
            for x in inspection.defects
        ]
    )


def gather(ctx: PacketContext) -> Section:
    garments = [r for r in garment_rows(ctx.session, ctx.settings, ctx.as_of) if included(r, ctx)]
    if not garments:
        return Section(KEY, TITLE, (Para("No protective garments on file for this period.", "empty"),))
    as_of = ctx.as_of
    inventory = []
    for g in garments:
        next_words, tone = _next_words(g)
        last_words = (
            f"{g.last_inspected_on.isoformat()} {g.last_result.label.lower()}"
            if g.last_inspected_on and g.last_result
            else "None on file"
        )
        inventory.append(
            Row(
                (
                    g.code,
                    g.type.label,
                    g.make_model or DASH,
                    _lead(g),
                    g.location or DASH,
                    g.status_words,
                    last_words,
                    next_words,
                ),
                tone,
            )
        )
    in_service = sum(1 for g in garments if g.status is GarmentStatus.IN_SERVICE)

    by_id = {g.id: g for g in garments}
    logged = inspection_rows(
        ctx.session,
        GarmentInspection.garment_id.in_(list(by_id)),
        GarmentInspection.inspected_on.between(ctx.period_from, ctx.period_to),
    )
    logged.sort(key=lambda i: (i.inspected_on, i.garment_code, i.id))
    log_rows = []
    failures: dict[int, list[Row]] = defaultdict(list)
    for inspection in logged:
        g = by_id[inspection.garment_id]
        voided = voided_by(inspection.voided_at, as_of)
        result = inspection.result.label + (" (acceptance)" if inspection.acceptance else "")
        disposition = inspection.disposition.label if inspection.disposition else "None recorded"
        notes = join([_defects(inspection), inspection.notes])
        if voided:
            notes = join([f"VOIDED: {inspection.void_reason or 'entered in error'}", notes])
        failed = inspection.result is InspectionResult.FAIL
        tone: Tone = "muted" if voided else ("bad" if failed else "")
        log_rows.append(
            Row(
                (
                    inspection.inspected_on.isoformat(),
                    g.code,
                    inspection.inspector,
                    inspection.methods_words,
                    ("Voided: " if voided else "") + result,
                    disposition,
                    notes or DASH,
                ),
                tone,
            )
        )
        if failed and not voided:
            handled = inspection.disposition is not None and (
                inspection.disposition is not Disposition.RETURN_TO_SERVICE
                or g.status is GarmentStatus.IN_SERVICE
            )
            failures[g.id].append(
                Row(
                    (
                        inspection.inspected_on.isoformat(),
                        g.subject,
                        _defects(inspection) or inspection.notes or DASH,
                        disposition,
                        g.status_words,
                    ),
                    "" if handled and g.status is not GarmentStatus.IN_SERVICE else "bad",
                )
            )

    blocks: list[Block] = [
        Para(
            f"{counted(len(garments), 'garments')} on the inventory for the period; "
            f"{in_service} in service on {as_of.isoformat()}. Garments are inspected on receipt and every "
            f"{int(ctx.settings['garments.reinspect_months'])} months; a failed garment is removed from "
            "service, repaired or discarded."
        ),
        SubHeading("Inventory"),
        Table(
            (
                Column("Garment", 0.7),
                Column("Type", 1.0),
                Column("Make, model", 1.4),
                Column("Lead (mm Pb)", 1.0),
                Column("Location", 1.0),
                Column(f"Status on {as_of.isoformat()}", 1.3),
                Column("Last inspection", 1.1),
                Column("Next inspection", 1.4),
            ),
            tuple(inventory),
        ),
        SubHeading(f"Inspection log, {ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}"),
        Table(
            (
                Column("Date", 0.9),
                Column("Garment", 0.7),
                Column("Inspector", 1.4),
                Column("Method", 1.5),
                Column("Result", 0.9),
                Column("Disposition", 1.1),
                Column("Defects, notes", 2.3),
            ),
            tuple(log_rows),
            empty="No inspections recorded in this period.",
        ),
        SubHeading("Failures and dispositions"),
        Table(
            (
                Column("Date", 0.9),
                Column("Garment", 1.3),
                Column("Defects found", 2.6),
                Column("Disposition", 1.2),
                Column(f"Status on {as_of.isoformat()}", 1.6),
            ),
            tuple(row for g in garments for row in failures[g.id]),
            empty="No garment failed inspection in this period.",
        ),
    ]
    docs = []
    inspections_of = _inspection_ids(ctx, list(by_id))
    for g in garments:
        docs.extend(ctx.documents_for(("garment",), g.id))
        for inspection_id in inspections_of[g.id]:
            docs.extend(ctx.documents_for(("inspection", "garment_inspection"), inspection_id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return Section(KEY, TITLE, tuple(blocks))


def _inspection_ids(ctx: PacketContext, garment_ids: list[int]) -> dict[int, list[int]]:
    """Every inspection of these garments (any date: their documents are listed), oldest first."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = ctx.session.execute(
        select(GarmentInspection.garment_id, GarmentInspection.id)
        .where(GarmentInspection.garment_id.in_(garment_ids))
        .order_by(GarmentInspection.inspected_on, GarmentInspection.id)
    )
    for garment_id, inspection_id in rows:
        found[garment_id].append(inspection_id)
    return found


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Garment inventory, inspection log, failures and dispositions",
    OWNER_TYPES,
)
