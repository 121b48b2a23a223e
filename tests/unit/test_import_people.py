"""Agencies, technicians and credentials from spreadsheets go through the agency, technician and
credential services' own operations: what a form refuses, the import refuses with the form's
message on the column it came from; the window's words are accepted; the events are the services'."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fluorodesk.db.models import Agency, AgencyContact, AuditEvent, Credential, Technician
from fluorodesk.domain.enums import EmploymentType
from fluorodesk.reports.packet import PacketRequest, make_packet
from fluorodesk.services.agencies import AgencyDraft, ContactDraft

TECH_HEADER = ["first_name", "last_name", "email", "phone", "employment_type", "agency", "arrt_id", "notes"]
AGENCY_HEADER = ["name", "contact_name", "phone", "email", "address", "notes", "active"]
CRED_HEADER = [
    "technician",
    "type",
    "number",
    "issuer",
    "issued_on",
    "expires_on",
    "verified_on",
    "verified_by",
    "result",
    "verification_method",
]


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def events(services, entity: str) -> list[tuple[str, str]]:
    with services.db.read() as session:
        found = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        ).all()
        return [(e.action, e.summary) for e in found]


def tech_row(first="Ana", last="Lopez", email="", employment="", agency="", arrt="", phone="", notes=""):
    return [first, last, email, phone, employment, agency, arrt, notes]


def import_techs(services, tmp_path, *rows, name="t.csv"):
    return services.imports.run("technicians", write_csv(tmp_path / name, [TECH_HEADER, *rows]))


# --------------------------------------------------------------------------- technicians


def test_a_technician_the_form_refuses_is_refused_with_the_forms_message(services, tmp_path):
    report = import_techs(
        services,
        tmp_path,
        tech_row(email="a@"),
        tech_row(first="A" * 5000, email="ana@x.org"),
        tech_row(first="Sam", last="Lee", arrt="50O001"),
        tech_row(first="Kim", last="Ng", employment="employee", agency="Summit Imaging Staffing"),
        tech_row(first="Bo", last="Li", phone="5" * 41),
    )
    assert not report.written and count(services, Technician) == 0 and count(services, Agency) == 0
    assert errors_of(report) == {
        2: ["email: “a@” is not an e-mail address."],
        3: ["first_name: First name is too long (at most 80 characters)."],
        4: ["arrt_id: An ARRT ID is a number (e.g. 123456)."],
        5: ["agency: Only agency technicians come through an agency; clear it or choose Agency."],
        6: ["phone: The phone number is too long (at most 40 characters)."],
    }


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Freelance per diem", EmploymentType.PER_DIEM),
        ("per diem", EmploymentType.PER_DIEM),
        ("per_diem", EmploymentType.PER_DIEM),
        ("EMPLOYEE", EmploymentType.EMPLOYEE),
        ("Employee", EmploymentType.EMPLOYEE),
    ],
)
def test_employment_type_accepts_the_windows_words_and_the_stored_values(services, tmp_path, words, expected):
    report = import_techs(services, tmp_path, tech_row(employment=words))
    assert report.written, report.lines()
    (row,) = services.technicians.list_rows()
    assert row.employment_type is expected


def test_an_unknown_employment_type_names_the_windows_words(services, tmp_path):
    report = import_techs(services, tmp_path, tech_row(employment="contractor"))
    assert errors_of(report) == {
        2: ["employment_type: “contractor” is not one of: Freelance per diem, Agency, Employee"]
    }


def test_an_agency_named_for_the_first_time_is_added_by_the_agency_service(services, tmp_path):
    report = import_techs(
        services,
        tmp_path,
        tech_row(email="ana@x.org", agency="Summit Imaging Staffing"),
        tech_row(
            first="Sam", last="Lee", email="sam@x.org", employment="Agency", agency="summit imaging staffing"
        ),
        name="roster.csv",
    )
    assert report.written, report.lines()
    assert count(services, Agency) == 1
    assert events(services, "agencies") == [
        ("create", "Agency Summit Imaging Staffing added (import of roster.csv)")
    ]
    rows = {r.name: r for r in services.technicians.list_rows()}
    assert {(r.employment_type, r.agency) for r in rows.values()} == {
        (EmploymentType.AGENCY, "Summit Imaging Staffing")
    }
    with services.db.read() as session:
        assert session.scalars(select(Agency.created_by)).one() == "tester"


def test_an_agency_name_the_agency_form_refuses_is_refused_on_the_agency_column(services, tmp_path):
    report = import_techs(services, tmp_path, tech_row(agency="S" * 161))
    assert errors_of(report) == {2: ["agency: At most 160 characters."]}
    assert count(services, Agency) == 0


def test_imported_technicians_are_the_services_events_naming_the_file(services, tmp_path):
    import_techs(services, tmp_path, tech_row(email="ana@x.org"), name="roster.csv")
    import_techs(services, tmp_path, tech_row(email="ana@x.org", phone="916-555-0100"), name="again.csv")
    assert events(services, "technicians") == [
        ("create", "Technician Ana Lopez added (import of roster.csv)"),
        ("update", "Technician Ana Lopez changed (import of again.csv)"),
    ]
    with services.db.read() as session:
        assert session.scalars(select(Technician.created_by)).one() == "tester"


def test_an_update_lists_what_changes_and_keeps_what_the_file_leaves_blank(services, tmp_path):
    import_techs(
        services, tmp_path, tech_row(email="ana@x.org", phone="916-555-0100", arrt="500001", notes="Tuesdays")
    )
    report = import_techs(
        services, tmp_path, tech_row(first="Anna", arrt="500001", employment="Employee"), name="b.csv"
    )
    (row,) = report.rows
    assert row.outcome == "update" and set(row.messages) == {
        "first_name → Anna",
        "employment_type → Employee",
    }
    (stored,) = services.technicians.list_rows()
    assert (stored.first_name, stored.email, stored.phone, stored.notes) == (
        "Anna",
        "ana@x.org",
        "916-555-0100",
        "Tuesdays",
    )
    again = import_techs(services, tmp_path, tech_row(first="Anna", arrt="500001"), name="c.csv")
    assert again.count("unchanged") == 1


def test_moving_a_technician_to_an_agency_names_it_in_the_report(services, tmp_path):
    import_techs(services, tmp_path, tech_row(email="ana@x.org"))
    report = import_techs(services, tmp_path, tech_row(email="ana@x.org", agency="Keystone"), name="b.csv")
    (row,) = report.rows
    assert set(row.messages) == {"employment_type → Agency", "agency → Keystone"}
    (stored,) = services.technicians.list_rows()
    assert (stored.employment_type, stored.agency) == (EmploymentType.AGENCY, "Keystone")


# --------------------------------------------------------------------------- agencies


def test_an_agency_the_form_refuses_is_refused_with_the_forms_message(services, tmp_path):
    rows = [
        AGENCY_HEADER,
        ["Summit", "", "", "a@", "", "", ""],
        ["S" * 161, "", "", "", "", "", ""],
        ["Keystone", "", "9" * 41, "", "", "", ""],
    ]
    report = services.imports.run("agencies", write_csv(tmp_path / "a.csv", rows))
    assert not report.written and count(services, Agency) == 0
    assert errors_of(report) == {
        2: ["email: “a@” is not an e-mail address."],
        3: ["name: At most 160 characters."],
        4: ["phone: At most 40 characters."],
    }


def test_an_imported_agency_update_keeps_its_contacts_and_deactivates_through_the_service(services, tmp_path):
    services.agencies.create(AgencyDraft("Summit", contacts=(ContactDraft("Carla Diaz", "Scheduling"),)))
    rows = [AGENCY_HEADER, ["summit", "", "916-555-0142", "", "", "", "no"]]
    report = services.imports.run("agencies", write_csv(tmp_path / "agencies.csv", rows))
    assert report.written, report.lines()
    (row,) = report.rows
    assert row.outcome == "update" and set(row.messages) == {"phone → 916-555-0142", "active → no"}
    with services.db.read() as session:
        assert session.scalars(select(AgencyContact.name)).all() == ["Carla Diaz"]
        agency = session.scalars(select(Agency)).one()
        assert (agency.name, agency.phone, agency.active) == ("Summit", "916-555-0142", False)
    assert [action for action, _ in events(services, "agencies")] == ["create", "update", "deactivate"]
    assert events(services, "agencies")[-1][1] == "Agency Summit deactivated (import of agencies.csv)"


# --------------------------------------------------------------------------- credentials


@pytest.fixture
def roster(services, tmp_path):
    import_techs(
        services,
        tmp_path,
        tech_row(email="ana@x.org", arrt="500001"),
        tech_row(first="Sam", last="Lee", email="sam@x.org"),
        name="roster.csv",
    )
    return services


def import_creds(services, tmp_path, *rows, name="c.csv"):
    return services.imports.run("credentials", write_csv(tmp_path / name, [CRED_HEADER, *rows]))


def test_a_credential_the_form_refuses_names_each_problem_on_its_column(roster, tmp_path):
    report = import_creds(
        roster,
        tmp_path,
        ["ana@x.org", "state_license", "", "", "2026-01-05", "2028-01-31", "2025-12-30", "", "", ""],
        ["ana@x.org", "state_license", "CRT 1", "", "2026-01-05", "", "", "", "", ""],
        ["ana@x.org", "exclusion_check", "", "", "2026-11-20", "", "", "", "", ""],
        ["ana@x.org", "bls", "N" * 81, "", "2026-01-05", "", "", "", "", ""],
    )
    assert not report.written and count(roster, Credential) == 0
    assert errors_of(report) == {
        2: [
            "verified_on: The verification date is before the issue date; verify this credential, not the old one.",
            "verified_by: Say who verified it.",
        ],
        3: ["expires_on: Enter the expiry printed on the licence or permit."],
        4: ["result: Record the result (clear or excluded)."],
        5: ["number: The number is too long (at most 80 characters)."],
    }


def test_credential_types_accept_the_windows_words(roster, tmp_path):
    report = import_creds(
        roster,
        tmp_path,
        ["ana@x.org", "ARRT certification", "500001", "ARRT", "2026-05-20", "2027-03-31", "", "", "", ""],
        ["sam@x.org", "Exclusion check (OIG/SAM)", "", "", "2026-11-20", "", "", "", "clear", ""],
        ["sam@x.org", "BLS", "", "", "2026-03-15", "", "", "", "", ""],
    )
    assert report.written, report.lines()
    with roster.db.read() as session:
        stored = {c.type.value for c in session.scalars(select(Credential))}
    assert stored == {"arrt", "exclusion_check", "bls"}


def test_a_type_kept_in_the_app_is_not_importable(roster, tmp_path):
    report = import_creds(roster, tmp_path, ["ana@x.org", "Other", "", "", "2026-05-20", "", "", "", "", ""])
    ((message,),) = errors_of(report).values()
    assert message.startswith("type: “Other” is not one of: ARRT certification, State licence,")


def test_a_verification_added_by_a_later_file_is_the_services_verification(roster, tmp_path):
    arrt = ["ana@x.org", "arrt", "500001", "ARRT", "2026-05-20", "2027-03-31"]
    import_creds(roster, tmp_path, [*arrt, "", "", "", ""], name="first.csv")
    report = import_creds(roster, tmp_path, [*arrt, "2026-05-21", "L. Ortiz", "", ""], name="verified.csv")
    (row,) = report.rows
    assert row.outcome == "update" and set(row.messages) == {
        "verified_on → 2026-05-21",
        "verified_by → L. Ortiz",
        "verification_method → as recorded in the imported spreadsheet",
    }
    assert events(roster, "credentials") == [
        ("create", "ARRT certification added for Ana Lopez (import of first.csv)"),
        (
            "verify",
            "ARRT certification of Ana Lopez verified (as recorded in the imported spreadsheet) "
            "(import of verified.csv)",
        ),
    ]
    (line,) = [ln for ln in roster.technicians.get_file(_tech_id(roster, "ana@x.org")).lines if ln.record]
    assert line.status.words == "Current to 2027-03-31"
    again = import_creds(roster, tmp_path, [*arrt, "2026-05-21", "L. Ortiz", "", ""], name="again.csv")
    assert again.count("unchanged") == 1


def test_a_verification_without_who_is_refused_with_the_forms_message(roster, tmp_path):
    arrt = ["ana@x.org", "arrt", "500001", "ARRT", "2026-05-20", "2027-03-31"]
    import_creds(roster, tmp_path, [*arrt, "", "", "", ""])
    report = import_creds(roster, tmp_path, [*arrt, "2026-05-21", "", "", ""], name="b.csv")
    assert errors_of(report) == {2: ["verified_by: Say who verified it."]}


def _tech_id(services, email: str) -> int:
    with services.db.read() as session:
        return session.scalar(select(Technician.id).where(Technician.email == email))


# --------------------------------------------------------------------------- long text stored before


def test_a_five_thousand_character_name_stored_by_an_older_version_does_not_stop_the_packet(demo_services):
    """An older version's import stored what the form refuses; the packet must still be made."""
    with demo_services.db.write() as session:
        session.execute(
            text("UPDATE technicians SET first_name = :name WHERE last_name = 'Brooks'"),
            {"name": "Kevinkevin " * 454 + "K" * 6},
        )
        session.execute(
            text("UPDATE technicians SET last_name = :name WHERE last_name = 'Chen'"),
            {"name": "C" * 5000},
        )
    out = demo_services.db.data_dir.root / "long-name.pdf"
    result = make_packet(
        demo_services, PacketRequest(as_of=date(2026, 11, 26), sections=("technicians",)), out
    )
    assert out.exists() and result.pages > 1
