"""Protective garments: the inventory as it stood on the packet date, the inspection log for the
period, and every failure with its disposition.

Next-due dates come from services/garments (the same rule as the Aprons tab and the findings).
When the garments & inspections capability lands, the lead can add its richer fields (owner,
defect photos, acceptance details) here.
"""

from __future__ import annotations

from datetime import date

from fluorodesk.db.models import Garment, GarmentInspection
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Disposition, GarmentStatus, InspectionMethod, InspectionResult
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Block, Column, Para, Row, Section, SubHeading, Table, Tone
from fluorodesk.reports.sections.common import DASH, documents_table, join, num
from fluorodesk.services.garments import garment_state, load_garments
from fluorodesk.services.packet_data import voided_by

KEY = "garments"
TITLE = "Protective garments"
OWNER_TYPES = ("garment", "inspection", "garment_inspection")


def status_on(garment: Garment, as_of: date) -> GarmentStatus:
    """The garment's status on ``as_of``, read back from its status history (the Aprons tab's rule)."""
    from fluorodesk.domain.garments import status_on as status_from_history
    from fluorodesk.services.garments import status_changes

    return status_from_history(status_changes(garment), garment.status, garment.status_changed_on, as_of)


def included(garment: Garment, ctx: PacketContext) -> bool:
    if not ctx.on_file(garment.received_on, garment.created_at):
        return False
    status = status_on(garment, ctx.as_of)
    if status is GarmentStatus.IN_SERVICE:
        return True
    changed = garment.status_changed_on or garment.disposed_on
    return changed is None or changed >= ctx.period_from


def _status_words(garment: Garment, status: GarmentStatus, as_of: date) -> str:
    if status is GarmentStatus.IN_SERVICE:
        return "In service"
    changed = garment.status_changed_on or garment.disposed_on
    words = status.label + (f" {changed.isoformat()}" if changed and changed <= as_of else "")
    if status is GarmentStatus.DISPOSED and garment.disposal_method:
        words += f" ({garment.disposal_method})"
    return words


def _methods(text: str) -> str:
    labels = []
    for part in (text or "").split("+"):
        try:
            labels.append(InspectionMethod(part.strip()).label)
        except ValueError:
            if part.strip():
                labels.append(part.strip())
    return ", ".join(labels).capitalize() or DASH


def _lead(garment: Garment) -> str:
    if garment.lead_free:
        front = num(garment.lead_front_mm, digits=2) if garment.lead_front_mm is not None else ""
        return "Lead-free" + (f", {front} mm Pb eq." if front else "")
    parts = []
    if garment.lead_front_mm is not None:
        parts.append(f"{garment.lead_front_mm:g} front")
    if garment.lead_back_mm is not None:
        parts.append(f"{garment.lead_back_mm:g} back")
    return ", ".join(parts) or DASH


def _defects(inspection: GarmentInspection) -> str:
    return join(
        [
            f"{x.zone.label} {x.area_mm2:g} mm²" + (f": {x.description}" if x.description else "")
            for x in inspection.defects
        ]
    )


def gather(ctx: PacketContext) -> Section:
    garments = [g for g in load_garments(ctx.session) if included(g, ctx)]
    if not garments:
        return Section(KEY, TITLE, (Para("No protective garments on file for this period.", "empty"),))
    as_of = ctx.as_of
    inventory = []
    in_service = 0
    for g in garments:
        state = garment_state(g, ctx.settings, as_of)  # status read back from the status history
        status, last, due = state.status, state.last, state.due
        tone: Tone = ""
        next_words = DASH
        if status is GarmentStatus.IN_SERVICE:
            in_service += 1
            if last is not None and last.result is InspectionResult.FAIL:
                tone = "bad"
            if due is not None:
                next_words = f"{due.isoformat()} ({describe_due(due, as_of)})"
                if due < as_of:
                    tone = "bad"
                elif (due - as_of).days <= int(ctx.settings["garments.warning_days"]):
                    tone = tone or "warn"
            elif last is None:
                next_words, tone = "Never inspected", "bad"
        else:
            tone = "muted"
        last_words = (
            f"{last.inspected_on.isoformat()} {last.result.label.lower()}" if last else "None on file"
        )
        inventory.append(
            Row(
                (
                    g.code,
                    g.type.label,
                    join([g.manufacturer, g.model], " ") or DASH,
                    _lead(g),
                    g.location or DASH,
                    _status_words(g, status, as_of),
                    last_words,
                    next_words,
                ),
                tone,
            )
        )

    log_rows = []
    failures = []
    for g in garments:
        for inspection in g.inspections:
            if not ctx.in_period(inspection.inspected_on):
                continue
            voided = voided_by(inspection.voided_at, as_of)
            result = inspection.result.label + (" (acceptance)" if inspection.acceptance else "")
            disposition = inspection.disposition.label if inspection.disposition else "None recorded"
            notes = join([_defects(inspection), inspection.notes])
            if voided:
                notes = join([f"VOIDED: {inspection.void_reason or 'entered in error'}", notes])
            tone: Tone = "muted" if voided else ("bad" if inspection.result is InspectionResult.FAIL else "")
            log_rows.append(
                (
                    inspection.inspected_on,
                    g.code,
                    Row(
                        (
                            inspection.inspected_on.isoformat(),
                            g.code,
                            inspection.inspector,
                            _methods(inspection.methods)
                            + (f" at {inspection.kvp:g} kVp" if inspection.kvp else ""),
                            ("Voided: " if voided else "") + result,
                            disposition,
                            notes or DASH,
                        ),
                        tone,
                    ),
                )
            )
            if inspection.result is InspectionResult.FAIL and not voided:
                status = status_on(g, as_of)
                handled = inspection.disposition is not None and (
                    inspection.disposition is not Disposition.RETURN_TO_SERVICE
                    or status is GarmentStatus.IN_SERVICE
                )
                failures.append(
                    Row(
                        (
                            inspection.inspected_on.isoformat(),
                            f"{g.type.label} {g.code}",
                            _defects(inspection) or inspection.notes or DASH,
                            disposition,
                            _status_words(g, status, as_of),
                        ),
                        "" if handled and status is not GarmentStatus.IN_SERVICE else "bad",
                    )
                )
    log_rows.sort(key=lambda item: (item[0], item[1]))

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
            tuple(row for _day, _code, row in log_rows),
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
            tuple(failures),
            empty="No garment failed inspection in this period.",
        ),
    ]
    docs = []
    for g in garments:
        docs.extend(ctx.documents_for(("garment",), g.id))
        for inspection in g.inspections:
            docs.extend(ctx.documents_for(("inspection", "garment_inspection"), inspection.id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return Section(KEY, TITLE, tuple(blocks))


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Garment inventory, inspection log, failures and dispositions",
    OWNER_TYPES,
)
