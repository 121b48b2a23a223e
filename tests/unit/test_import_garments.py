"""Inspections import through the inspection service's own ``record_in``: what the Inspection dialog
refuses, the import refuses with its message on the column; what recording implies (a failed garment
leaves service) happens; the sign-off lock holds; the window's words are accepted."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, GarmentInspection, GarmentStatusChange
from fluorodesk.domain.enums import (
    Disposition,
    GarmentStatus,
    InspectionMethod,
    InspectionResult,
    SignoffArea,
)
from fluorodesk.errors import ConflictError
from fluorodesk.services.garment_inspections import InspectionDraft
from fluorodesk.services.signoff import record_signoff

GARMENTS = ["garment_id", "type", "manufacturer", "model", "serial", "lead_mm", "location", "received_on", "status"]
HEADER = ["garment_id", "inspected_on", "inspector", "method", "kvp", "equipment", "defects", "result", "disposition", "notes"]


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clinic(services, tmp_path):
    """Three garments received in 2024, in service, with no inspection yet."""
    rows = [GARMENTS] + [[code, kind, "", "", "", "0.5", "", "2024-01-15", ""] for code, kind in (("A-001", "apron"), ("A-002", "apron"), ("T-001", "thyroid"))]
    assert services.imports.run("garments", write_csv(tmp_path / "garments.csv", rows)).written
    return services


def inspection(code="A-001", on="2026-06-10", method="visual+tactile", kvp="", equipment="", defects="", result="", disposition="", notes=""):
    return [code, on, "Grace Chen, RT(R)", method, kvp, equipment, defects, result, disposition, notes]


def run(services, tmp_path, *rows, name="inspections.csv"):
    """Import ``rows`` with only the columns they fill (and the required ones), as a clinic's file would."""
    keep = [i for i, column in enumerate(HEADER) if i < 4 or any(row[i] for row in rows)]
    table = [[line[i] for i in keep] for line in (HEADER, *rows)]
    return services.imports.run("inspections", write_csv(tmp_path / name, table))


# --------------------------------------------------------------------------- what recording implies


def test_an_imported_failed_inspection_takes_the_garment_out_of_service(clinic, tmp_path):
    report = run(clinic, tmp_path, inspection("A-001", defects="critical:42"))
    assert report.written, report.lines()
    pending = clinic.garments.find_by_code("A-001")
    assert (pending.status, pending.last_result, pending.last_disposition) == (GarmentStatus.QUARANTINED, InspectionResult.FAIL, None)
    (change,) = clinic.garments.history(pending.id)
    assert (change.from_status, change.to_status, change.changed_on) == (GarmentStatus.IN_SERVICE, GarmentStatus.QUARANTINED, date(2026, 6, 10))
    assert change.reason == "Inspection of 2026-06-10: Fail: Critical area defect 42 mm² exceeds 15 mm². Disposition pending."
    assert "garment.failed_in_service" not in {f.code for f in clinic.compliance.findings()}
    removal = run(clinic, tmp_path, inspection("A-002", defects="critical:42", disposition="remove"), name="removal.csv")
    assert removal.written and clinic.garments.find_by_code("A-002").status is GarmentStatus.REMOVED


def test_an_imported_pass_returns_a_quarantined_garment_to_service(clinic, tmp_path):
    run(clinic, tmp_path, inspection("A-001", on="2026-06-10", defects="critical:42", disposition="repair"))
    assert clinic.garments.find_by_code("A-001").status is GarmentStatus.QUARANTINED
    assert run(clinic, tmp_path, inspection("A-001", on="2026-07-01"), name="after-repair.csv").written
    assert clinic.garments.find_by_code("A-001").status is GarmentStatus.IN_SERVICE


# --------------------------------------------------------------------------- the form's refusals


def test_an_inspection_dated_in_a_signed_off_period_is_refused_with_the_locks_message(clinic, tmp_path):
    with clinic.db.write() as session:
        record_signoff(session, SignoffArea.GARMENTS, date(2026, 1, 1), date(2026, 6, 30), signed_by="hpark", signer_name="Dr. Helen Park")
    garment = clinic.garments.find_by_code("A-001")
    with pytest.raises(ConflictError) as dialog:
        clinic.garment_inspections.record(InspectionDraft(garment.id, "Grace Chen, RT(R)", inspected_on=date(2026, 6, 10)))
    report = run(clinic, tmp_path, inspection("A-001", on="2026-06-10"), inspection("A-002", on="2026-07-01"))
    assert errors_of(report) == {2: [str(dialog.value)]}
    assert "are locked" in str(dialog.value)
    assert not report.written and count(clinic, GarmentInspection) == 0


def test_a_pass_the_rejection_criteria_contradict_is_refused_with_the_forms_message(clinic, tmp_path):
    report = run(clinic, tmp_path, inspection("A-001", defects="critical:20", result="pass"), inspection("T-001", defects="critical:12", result="Pass"))
    assert errors_of(report) == {
        2: ["result: This garment cannot pass: Critical area defect 20 mm² exceeds 15 mm². Correct the defect size if it was mistyped."],
        3: ["result: This garment cannot pass: Thyroid defect 12 mm² exceeds 11 mm². Correct the defect size if it was mistyped."],
    }
    assert count(clinic, GarmentInspection) == 0


def test_what_the_inspection_dialog_refuses_is_refused_on_its_column(clinic, tmp_path):
    report = run(
        clinic,
        tmp_path,
        inspection("A-001", method="visual+fluoroscopic"),
        inspection("A-001", on="2026-12-01"),
        inspection("A-001", method="x-ray"),
        inspection("A-001", result="fail"),
        inspection("A-001", defects="critical:42", disposition="return to service"),
        inspection("A-001", on="2023-12-01"),
        inspection("A-001", defects="critical:0"),
        inspection("Z-999"),
    )
    assert errors_of(report) == {
        2: ["kvp: Enter the kVp used for the imaging (manual technique, about 80 kVp for fluoroscopy)."],
        3: ["inspected_on: The inspection date can't be in the future."],
        4: ["method: “x-ray” is not an inspection method (visual, tactile, fluoroscopic, radiographic)."],
        5: ["notes: Say why it fails: no defect over a rejection limit was entered."],
        6: ["disposition: A failed garment cannot go back into service; choose repair, remove or discard."],
        7: ["inspected_on: A-001 was received on 2024-01-15; the inspection can't be earlier."],
        8: ["defects: Defect 1: A defect's size must be more than 0 mm²."],
        9: ["garment_id: no garment “Z-999” on file; import garments first"],
    }
    assert count(clinic, GarmentInspection) == 0


def test_a_garment_that_left_service_takes_only_inspections_dated_before_it_left(clinic, tmp_path):
    lost = [GARMENTS, ["A-001", "apron", "", "", "", "", "", "", "Lost"]]
    clinic.imports.run("garments", write_csv(tmp_path / "lost.csv", lost))  # reported lost today
    report = run(clinic, tmp_path, inspection("A-001", on="2026-06-10"), inspection("A-001", on="2026-11-26"))
    assert errors_of(report) == {3: ["A-001 is reported lost. Mark it found first; it then needs this re-inspection before use."]}
    assert run(clinic, tmp_path, inspection("A-001", on="2026-06-10"), name="late-entry.csv").written
    row = clinic.garments.find_by_code("A-001")
    assert (row.status, row.last_inspected_on) == (GarmentStatus.LOST, date(2026, 6, 10))


# --------------------------------------------------------------------------- the window's words


def test_method_zone_result_and_disposition_accept_the_windows_words(clinic, tmp_path):
    row = inspection(
        "A-001",
        method="Visual + Fluoroscopic",
        kvp="80",
        equipment="OR 1 C-arm",
        defects="Seam/overlap/back:700; Critical area:3 x 4",
        result="Fail",
        disposition="Remove",
    )
    report = run(clinic, tmp_path, row)
    assert report.written, report.lines()
    (saved,) = clinic.garment_inspections.list_for_garment(clinic.garments.find_by_code("A-001").id)
    assert saved.methods == (InspectionMethod.VISUAL, InspectionMethod.FLUOROSCOPIC)
    assert (saved.kvp, saved.equipment, saved.result, saved.disposition) == (80.0, "OR 1 C-arm", InspectionResult.FAIL, Disposition.REMOVE)
    assert saved.defects_words == "Seam/overlap/back 700 mm²; Critical area 12 mm²"
    assert saved.acceptance  # the garment's first inspection is its acceptance inspection, as in the dialog


# --------------------------------------------------------------------------- regulated records


def test_the_same_inspection_again_is_unchanged_and_a_different_one_is_refused(clinic, tmp_path):
    first = inspection("A-001", defects="critical:42", disposition="remove")
    assert run(clinic, tmp_path, first).written
    again = run(clinic, tmp_path, first, name="again.csv")
    assert again.written and again.count("unchanged") == 1 and count(clinic, GarmentInspection) == 1
    different = run(clinic, tmp_path, inspection("A-001", defects="critical:10"), name="different.csv")
    assert errors_of(different) == {
        2: ["a different inspection of A-001 on 2026-06-10 by Grace Chen, RT(R) is on file; correct it in the app"]
    }


def test_imported_inspections_are_audited_as_the_service_records_them_naming_the_file(clinic, tmp_path):
    with clinic.db.read() as session:
        before = session.scalar(select(func.max(AuditEvent.id)))
    run(clinic, tmp_path, inspection("A-001", defects="critical:42"), name="paper-log.csv")
    with clinic.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity, e.actor) for e in events] == [
        ("create", "garment_inspections", "tester"),
        ("status", "garments", "tester"),
    ]
    assert all(e.summary.endswith("(import of paper-log.csv)") for e in events)
    assert count(clinic, GarmentStatusChange) == 1


# --------------------------------------------------------------------------- export


def test_an_exported_inspection_file_imports_back_unchanged_with_kvp_and_disposition(demo_services, tmp_path):
    path, n = demo_services.exports.run("inspections", tmp_path / "inspections.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == n
    failed = next(r for r in exported if r["garment_id"] == "A-010" and r["result"] == "fail")
    assert (failed["kvp"], failed["disposition"], failed["defects"]) == ("80", "remove", "critical:42")
    report = demo_services.imports.run("inspections", path)
    assert report.written and report.count("unchanged") == n
