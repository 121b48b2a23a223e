"""What the Overview, `fluorodesk status` and the packet say about the garments: judged from the same
rows the Aprons tab lists (``garment_rows``), as they stood on the date."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Area, GarmentStatus, InspectionResult, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.garments.rows import GarmentRow, garment_rows


def on_file(row: GarmentRow, as_of: date) -> bool:
    """Was the garment on the inventory on ``as_of`` (received, or with no receipt date entered)?"""
    if row.received_on is not None:
        return row.received_on <= as_of
    return row.created_at is None or row.created_at.date() <= as_of


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding] = []
    for row in garment_rows(session, settings, as_of):
        if on_file(row, as_of):
            out.extend(_judge(row, as_of))
    return out


def _judge(row: GarmentRow, as_of: date) -> list[Finding]:
    out: list[Finding] = []

    def add(severity: Severity, code: str, message: str, action: str, due: date | None) -> None:
        out.append(
            Finding(Area.GARMENTS, severity, code, row.subject, message, action, due, "garments", row.id)
        )

    status, last_on, due = row.status, row.last_inspected_on, row.next_due
    failed = row.last_result is InspectionResult.FAIL
    since = f" since {row.status_since}" if row.status_since else ""
    if status in (GarmentStatus.DISPOSED, GarmentStatus.REMOVED):
        if failed and row.last_disposition is None:
            add(
                Severity.WARNING,
                "garment.failed_no_disposition",
                f"Failed inspection on {last_on} has no disposition on record.",
                "Record the disposition (repair, remove or discard) on that inspection.",
                last_on,
            )
        return out
    if status is GarmentStatus.LOST:
        add(
            Severity.WARNING,
            "garment.lost",
            f"Reported lost{since}. If it turns up it must be re-inspected before use.",
            "Search for it; mark it found (then re-inspect it) or remove it from the inventory.",
            None,
        )
        return out
    if row.awaiting_reinspection:
        in_use = status is GarmentStatus.IN_SERVICE
        add(
            Severity.CRITICAL if in_use else Severity.WARNING,
            "garment.found_not_reinspected",
            f"Found on {row.found_on} after being lost and not re-inspected since"
            + ("; it is in service." if in_use else "."),
            "Re-inspect it before anyone wears it.",
            row.found_on,
        )
        return out
    if failed:
        if row.last_disposition is None:
            add(
                Severity.CRITICAL,
                "garment.failed_no_disposition",
                f"Failed inspection on {last_on} has no disposition.",
                "Record what was done with it (repair, remove or discard).",
                last_on,
            )
        if status is GarmentStatus.IN_SERVICE:
            add(
                Severity.CRITICAL,
                "garment.failed_in_service",
                f"Failed inspection on {last_on} but is still in service.",
                "Pull it from service now.",
                last_on,
            )
        if row.last_disposition is None or status is not GarmentStatus.QUARANTINED:
            return out
    if status is GarmentStatus.QUARANTINED:
        add(
            Severity.INFO,
            "garment.quarantined",
            f"Out for repair{since}, not available for use."
            if failed
            else f"In quarantine{since}, not available for use.",
            "Re-inspect it when it is back (a pass returns it to service)."
            if failed
            else "Inspect it (a pass returns it to service) or remove it from service.",
            None,
        )
        return out
    if last_on is None:
        add(
            Severity.CRITICAL,
            "garment.never_inspected",
            "Has no inspection on file (an acceptance inspection is due on receipt).",
            "Inspect it before its next use.",
            due,
        )
    elif due is not None and due < as_of:
        add(
            Severity.CRITICAL,
            "garment.overdue",
            f"Inspection was due {due} ({describe_due(due, as_of)}); last inspected {last_on}.",
            "Inspect it now or take it out of service.",
            due,
        )
    elif due is not None and row.due_soon:
        add(
            Severity.INFO,
            "garment.due_soon",
            f"Inspection {describe_due(due, as_of)} ({due}).",
            "Plan it into the next inspection day.",
            due,
        )
    return out
