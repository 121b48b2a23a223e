"""Contracts import through the contract service's own operations: what the contract dialog refuses,
the import refuses with the dialog's message on the column it came from; the window's words are
accepted; the events in the audit trail are the service's own."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, Contract, Technician
from fluorodesk.domain.contracts import ContractState
from fluorodesk.domain.enums import ClauseStatus, ContractParty, EmploymentType, RenewalType
from fluorodesk.services.agencies import AgencyDraft
from fluorodesk.services.technicians.rows import TechnicianDraft

HEADER = [
    "party",
    "starts_on",
    "ends_on",
    "signed_on",
    "renewal",
    "clauses",
    "title",
    "clinic_signatory",
    "party_signatory",
    "procedures",
    "terminated_on",
    "termination_reason",
]
CLINIC = "Dr. Helen Park"


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def row(party="ana@example.com", starts="2026-01-01", ends="2026-12-31", signed="2025-12-15", **cells) -> list:
    values = {
        "party": party,
        "starts_on": starts,
        "ends_on": ends,
        "signed_on": signed,
        "renewal": "fixed",
        "clauses": "qc_duties;radiation_safety",
        "title": "Per diem services",
        "clinic_signatory": CLINIC if signed else "",
        "party_signatory": "Ana Lopez" if signed else "",
        "procedures": "",
        "terminated_on": "",
        "termination_reason": "",
        **cells,
    }
    return [values[name] for name in HEADER]


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ana(services):
    return services.technicians.create(
        TechnicianDraft("Ana", "Lopez", EmploymentType.PER_DIEM, "ana@example.com", start_date=date(2025, 1, 1))
    )


@pytest.fixture
def summit(services):
    return services.agencies.create(AgencyDraft("Summit Imaging Staffing")).row


def import_rows(services, tmp_path, rows, name="contracts.csv"):
    return services.imports.run("contracts", write_csv(tmp_path / name, [HEADER, *rows]))


# --------------------------------------------------------------------------- the dialog's refusals


def test_a_contract_the_dialog_refuses_is_refused_with_the_dialogs_message(services, tmp_path, ana, summit):
    report = import_rows(
        services,
        tmp_path,
        [
            row(ends="2025-12-31"),
            row(starts="2026-02-01", signed="2027-01-01"),
            row(starts="2026-03-01", clinic_signatory="", party_signatory=""),
            row(starts="2026-04-01", ends="", renewal="auto"),
            row(starts="2026-05-01", clauses="procedures;qc_duties"),
            row(starts="2026-06-01", clauses="qualified_staff"),
            row(party="Nobody Known"),
        ],
    )
    assert not report.written and count(services, Contract) == 0
    assert errors_of(report) == {
        2: ["ends_on: The contract would expire (2025-12-31) before it takes effect (2026-01-01)."],
        3: ["signed_on: The signed date (2027-01-01) is in the future; enter it once the contract is signed."],
        4: ["clinic_signatory: Say who signed for the clinic.", "party_signatory: Say who signed for the technician."],
        5: ["ends_on: A renewing contract needs the end date of its first term."],
        6: ["procedures: Tick the procedures the contract covers (its “Procedures covered” clause is marked present)."],
        7: ["clauses: “Agency supplies only qualified, verified staff” is not a clause of contracts with a technician."],
        8: [
            "party: no agency or technician “Nobody Known” on file (give the agency's name, "
            "or the technician's e-mail, ARRT ID or “First Last”)"
        ],
    }


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"ends": "9999-12-31"}, "ends_on: “9999-12-31” is not a plausible date: the year must be between 1900 and 2099."),
        ({"starts": "0001-01-01"}, "starts_on: “0001-01-01” is not a plausible date: the year must be between 1900 and 2099."),
        ({"signed": "12/31/9999"}, "signed_on: “9999-12-31” is not a plausible date: the year must be between 1900 and 2099."),
    ],
)
def test_implausible_dates_are_refused_on_their_column(services, tmp_path, ana, cells, message):
    report = import_rows(services, tmp_path, [row(**cells)])
    assert errors_of(report) == {2: [message]} and count(services, Contract) == 0


def test_an_excel_date_cell_in_year_9999_is_refused_like_a_typed_one(services, tmp_path, ana):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row(ends=date(9999, 12, 31)))
    book.save(tmp_path / "contracts.xlsx")
    report = services.imports.run("contracts", tmp_path / "contracts.xlsx")
    assert errors_of(report) == {
        2: ["ends_on: “9999-12-31” is not a plausible date: the year must be between 1900 and 2099."]
    }


def test_a_deactivated_agency_or_retired_technician_takes_no_current_contract(services, tmp_path, ana, summit):
    services.agencies.deactivate(summit.id)
    with services.db.write() as session:
        session.get(Technician, ana.id).retired_on = date(2026, 6, 30)
    agency_row = row(party="summit imaging staffing", party_signatory="Carla Diaz", ends="2027-12-31")
    report = import_rows(services, tmp_path, [agency_row, row(ends="2027-12-31")])
    assert errors_of(report) == {
        2: ["party: Summit Imaging Staffing is deactivated; reactivate it in Agencies first."],
        3: ["party: Ana Lopez is retired."],
    }


def test_a_past_contract_of_a_former_agency_is_filed_with_its_end(services, tmp_path, summit):
    services.agencies.deactivate(summit.id)
    ended = row(
        party="Summit Imaging Staffing",
        starts="2024-01-01",
        ends="2024-12-31",
        signed="2023-12-20",
        renewal="Renews automatically",
        party_signatory="Carla Diaz",
        terminated_on="2025-06-01",
        termination_reason="Notice given: missed shifts",
    )
    report = import_rows(services, tmp_path, [ended])
    assert report.written, report.lines()
    (contract,) = services.contracts.list_rows()
    assert (contract.state, contract.status, contract.renewal_type) == (
        ContractState.TERMINATED,
        "Ended 2025-06-01",
        RenewalType.AUTO,
    )
    assert services.contracts.get(contract.id).termination_reason == "Notice given: missed shifts"
    again = import_rows(services, tmp_path, [ended], name="again.csv")
    assert again.count("unchanged") == 1


def test_an_ending_needs_a_reason_as_in_the_terminate_dialog(services, tmp_path, ana):
    report = import_rows(services, tmp_path, [row(terminated_on="2026-06-01")])
    assert errors_of(report) == {
        2: ["termination_reason: Say why it ends (notice given, replaced, services no longer needed…)."]
    }


# --------------------------------------------------------------------------- the window's words


@pytest.mark.parametrize(
    ("words", "renewal"),
    [
        ("Renews automatically", RenewalType.AUTO),
        ("RENEWS AUTOMATICALLY", RenewalType.AUTO),
        ("auto", RenewalType.AUTO),
        ("Fixed term", RenewalType.FIXED),
        ("Expires unless renewed", RenewalType.MANUAL),
        ("manual", RenewalType.MANUAL),
    ],
)
def test_renewal_accepts_the_windows_words_and_the_stored_values(services, tmp_path, ana, words, renewal):
    report = import_rows(services, tmp_path, [row(renewal=words)])
    assert report.written, report.lines()
    assert services.contracts.list_rows()[0].renewal_type is renewal


def test_an_unknown_renewal_names_the_words_to_use(services, tmp_path, ana):
    report = import_rows(services, tmp_path, [row(renewal="yearly")])
    assert errors_of(report) == {
        2: ["renewal: “yearly” is not one of: Fixed term, Renews automatically, Expires unless renewed"]
    }


# --------------------------------------------------------------------------- what is filed


def test_an_imported_contract_is_the_dialogs_contract(services, tmp_path, ana, summit):
    report = import_rows(
        services,
        tmp_path,
        [
            row(clauses="procedures;qc_duties", procedures="64483;62323"),
            row(party="Summit Imaging Staffing", signed="", clauses="baa;qualified_staff", title=""),
        ],
    )
    assert report.written, report.lines()
    rows = {r.party: r for r in services.contracts.list_rows()}
    tech, agency = services.contracts.get(rows["Ana Lopez"].id), services.contracts.get(rows["Summit Imaging Staffing"].id)
    assert (tech.title, tech.clinic_signatory, tech.party_signatory) == ("Per diem services", CLINIC, "Ana Lopez")
    present = {c.key for c in tech.clauses if c.status is ClauseStatus.PRESENT}
    assert present == {"procedures", "qc_duties"}
    assert len(tech.clauses) == 12 and all(c.saved for c in tech.clauses)  # the rest of its checklist: missing
    procedures = {p.id: p.cpt_code for p in services.contracts.procedure_types()}
    assert sorted(procedures[p] for p in tech.procedure_ids) == ["62323", "64483"]
    assert (agency.party_type, agency.row.state) == (ContractParty.AGENCY, ContractState.UNSIGNED)
    assert {c.key for c in agency.clauses if c.status is ClauseStatus.PRESENT} == {"baa", "qualified_staff"}


def test_imported_contracts_are_audited_as_the_service_records_them_naming_the_file(services, tmp_path, ana):
    import_rows(services, tmp_path, [row(terminated_on="2026-09-30", termination_reason="Moved away")], "mine.csv")
    with services.db.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "contracts").order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.actor, e.summary) for e in events] == [
        ("create", "tester", "Contract with Ana Lopez added (import of mine.csv)"),
        ("terminate", "tester", "Contract with Ana Lopez ends from 2026-09-30: Moved away (import of mine.csv)"),
    ]


def test_an_update_lists_what_changes_and_keeps_what_the_file_leaves_blank(services, tmp_path, ana):
    import_rows(services, tmp_path, [row(clauses="qc_duties;radiation_safety;teamwork")])
    contract_id = services.contracts.list_rows()[0].id
    insurance = next(c for c in services.contracts.get(contract_id).clauses if c.key == "insurance")
    services.contracts.update(
        contract_id,
        _with_clause(services, contract_id, insurance.clause_id, ClauseStatus.NOT_APPLICABLE, "Clinic policy covers it"),
    )
    report = import_rows(
        services,
        tmp_path,
        [row(ends="2027-06-30", signed="", title="", clinic_signatory="", party_signatory="", clauses="qc_duties;confidentiality")],
        "again.csv",
    )
    (outcome,) = report.rows
    assert outcome.outcome == "update", report.lines()
    assert set(outcome.messages) == {"ends_on → 2027-06-30", "clauses → qc_duties;confidentiality"}
    detail = services.contracts.get(contract_id)
    assert (detail.expires_on, detail.signed_on, detail.title) == (date(2027, 6, 30), date(2025, 12, 15), "Per diem services")
    statuses = {c.key: c.status for c in detail.clauses}
    assert statuses["qc_duties"] is ClauseStatus.PRESENT and statuses["confidentiality"] is ClauseStatus.PRESENT
    assert statuses["radiation_safety"] is ClauseStatus.MISSING and statuses["teamwork"] is ClauseStatus.MISSING
    assert statuses["insurance"] is ClauseStatus.NOT_APPLICABLE  # a decision the file does not speak to
    same = import_rows(services, tmp_path, [row(ends="2027-06-30", clauses="qc_duties;confidentiality")], "same.csv")
    assert same.count("unchanged") == 1 and count(services, Contract) == 1


def _with_clause(services, contract_id, clause_id, status, note):
    from dataclasses import replace

    from fluorodesk.services.contracts.drafts import ClauseEntry, contract_draft
    from fluorodesk.services.contracts.loading import load_clause_definitions

    with services.db.read() as session:
        draft = contract_draft(session.get(Contract, contract_id), load_clause_definitions(session))
    clauses = tuple(ClauseEntry(clause_id, status, note) if c.clause_id == clause_id else c for c in draft.clauses)
    return replace(draft, clauses=clauses)
