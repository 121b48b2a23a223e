"""Import files each row through the same service operation a dialog calls: what a form refuses, the
import refuses with the form's message; what an operation implies happens; the role is checked."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, Garment, GarmentStatusChange
from fluorodesk.domain.enums import GarmentStatus, Role
from fluorodesk.errors import PermissionDeniedError
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services

GARMENT_HEADER = ["garment_id", "type", "manufacturer", "model", "serial", "lead_mm", "location", "received_on", "status"]


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------- garments


def test_a_garment_the_form_refuses_is_refused_with_the_forms_message(services, tmp_path):
    rows = [
        GARMENT_HEADER,
        ["A-001", "apron", "", "", "", "55", "", "", ""],
        ["A 0#2", "apron", "", "", "", "0.5", "", "", ""],
        ["A-003", "apron", "", "", "", "0.5", "", "2027-01-01", ""],
        ["A-004", "apron", "x" * 121, "", "", "0.5", "", "", ""],
    ]
    report = services.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    assert not report.written and count(services, Garment) == 0
    assert errors_of(report) == {
        2: ["lead_mm: Lead equivalence must be more than 0 and at most 2 mm (e.g. 0.5)."],
        3: ["garment_id: “A 0#2” has characters a barcode scanner may mistype; use letters, digits and - _ . /"],
        4: ["received_on: The received date can't be in the future."],
        5: ["manufacturer: At most 120 characters."],
    }


def test_a_garment_id_differing_only_in_case_is_the_same_garment(services, tmp_path):
    services.imports.run("garments", write_csv(tmp_path / "a.csv", [GARMENT_HEADER, ["A-001", "apron", "", "", "", "0.5", "", "", ""]]))
    report = services.imports.run("garments", write_csv(tmp_path / "b.csv", [GARMENT_HEADER, ["a-001", "apron", "", "", "", "0.5", "", "", ""]]))
    assert report.count("unchanged") == 1 and count(services, Garment) == 1


@pytest.mark.parametrize("words", ["In service", "in_service", "IN SERVICE", "in-service"])
def test_status_and_type_accept_the_windows_words_and_the_stored_values(services, tmp_path, words):
    rows = [GARMENT_HEADER, ["T-001", "Thyroid shield", "", "", "", "0.5", "", "", words]]
    report = services.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    assert report.written, report.lines()
    row = services.garments.find_by_code("T-001")
    assert row.status is GarmentStatus.IN_SERVICE and row.type.value == "thyroid"


def test_an_unknown_status_names_the_words_to_use(services, tmp_path):
    rows = [GARMENT_HEADER, ["T-001", "thyroid", "", "", "", "0.5", "", "", "Gone fishing"]]
    report = services.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    (messages,) = errors_of(report).values()
    assert messages == [
        "status: “Gone fishing” is not one of: In service, Quarantined, Lost, Removed from service, Disposed"
    ]


def test_an_imported_status_is_a_status_change_with_its_history(services, tmp_path):
    rows = [
        GARMENT_HEADER,
        ["A-001", "apron", "", "", "", "0.5", "", "", "Removed from service"],
        ["A-002", "apron", "", "", "", "0.5", "", "", "lost"],
    ]
    report = services.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    assert report.written, report.lines()
    assert services.garments.find_by_code("A-001").status is GarmentStatus.REMOVED
    history = services.garments.history(services.garments.find_by_code("A-002").id)
    assert [(h.from_status, h.to_status, h.reason) for h in history] == [
        (GarmentStatus.IN_SERVICE, GarmentStatus.LOST, "as recorded in the imported spreadsheet")
    ]
    again = services.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    assert again.count("unchanged") == 2 and count(services, GarmentStatusChange) == 2


def test_an_update_lists_what_changes_and_keeps_what_the_file_leaves_blank(services, tmp_path):
    services.imports.run("garments", write_csv(tmp_path / "a.csv", [GARMENT_HEADER, ["A-001", "apron", "Infab", "Revolution", "S1", "0.5", "Room 1", "", ""]]))
    rows = [GARMENT_HEADER, ["A-001", "apron", "", "", "", "0.35", "Room 2", "", ""]]
    report = services.imports.run("garments", write_csv(tmp_path / "b.csv", rows))
    (row,) = report.rows
    assert row.outcome == "update" and set(row.messages) == {"lead_mm → 0.35", "location → Room 2"}
    stored = services.garments.find_by_code("A-001")
    assert (stored.manufacturer, stored.model, stored.lead_front_mm, stored.location) == ("Infab", "Revolution", 0.35, "Room 2")


def test_imported_changes_are_audited_as_the_service_records_them_naming_the_file(services, tmp_path):
    rows = [GARMENT_HEADER, ["A-001", "apron", "", "", "", "0.5", "", "", "quarantined"]]
    services.imports.run("garments", write_csv(tmp_path / "inventory.csv", rows))
    with services.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "garments").order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor) for e in events] == [("create", "tester"), ("status", "tester")]
    assert all(e.summary.endswith("(import of inventory.csv)") for e in events)


# --------------------------------------------------------------------------- who may import


def test_once_accounts_exist_only_an_account_may_import(db, tmp_path):
    director = Services(db, "setup")
    director.auth.create_first_director(UserDraft("boss", "The Director", Role.DIRECTOR, "long enough pw", "long enough pw"))
    rows = [GARMENT_HEADER, ["A-001", "apron", "", "", "", "0.5", "", "", ""]]
    stranger = Services(db, "someone (command line)")
    with pytest.raises(PermissionDeniedError, match="not a FluoroDesk account.*--user"):
        stranger.imports.run("garments", write_csv(tmp_path / "g.csv", rows))
    assert count(stranger, Garment) == 0
    assert Services(db, "boss").imports.run("garments", write_csv(tmp_path / "g.csv", rows)).written
