"""Spreadsheet import and export: round trips, every malformed case, all or nothing."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, ExposureCheck, GarmentInspection, Technician
from fluorodesk.errors import ValidationError
from fluorodesk.paths import resources_dir
from fluorodesk.services.audit import verify_chain
from fluorodesk.services.transfer.kinds import KINDS

ORDER = [
    "agencies",
    "technicians",
    "units",
    "meters",
    "garments",
    "credentials",
    "inspections",
    "exposure_checks",
    "contracts",
    "procedures",
    "dosimetry",
]
SAMPLES = resources_dir() / "samples"


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def write_csv(path: Path, rows: list[list], *, bom: bool = False, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)
    return path


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_every_kind_has_a_sample_and_the_samples_import_in_order(services):
    assert set(KINDS) == set(ORDER)
    for kind in ORDER:
        report = services.imports.run(kind, SAMPLES / f"{kind}.csv")
        assert report.ok and report.written, report.lines()
        assert report.count("new") >= 2
    with services.db.read() as session:
        assert not verify_chain(session)


def test_round_trip_of_every_kind_through_csv_and_xlsx(services, demo_services, tmp_path):
    # demo → files
    for fmt in ("csv", "xlsx"):
        exported = {}
        for kind in ORDER:
            path, n = demo_services.exports.run(kind, tmp_path / fmt / f"{kind}.{fmt}")
            exported[kind] = path
            assert n > 0
            # importing an export into the same database changes nothing
            report = demo_services.imports.run(kind, path)
            assert report.ok, report.lines()
            assert report.count("new") == report.count("update") == 0
    # files → an empty clinic → files again: the same content
    for kind in ORDER:
        if kind == "procedures":  # what each unit's display shows is not in a file: set as in the demo
            shown = {u.code: u.display for u in demo_services.procedures.entry_options().units}
            for unit in services.procedures.entry_options().units:
                display = shown[unit.code]
                services.procedures.set_unit_display(
                    unit.id, shows_air_kerma=display.shows_air_kerma, shows_kap=display.shows_kap
                )
        report = services.imports.run(kind, tmp_path / "csv" / f"{kind}.csv")
        assert report.ok, report.lines()
    for kind in ORDER:
        again, _ = services.exports.run(kind, tmp_path / "again" / f"{kind}.csv")
        assert sorted(read_rows(again)) == sorted(read_rows(tmp_path / "csv" / f"{kind}.csv")), kind


def test_procedures_and_dosimetry_round_trip(services, tmp_path):
    for kind in ORDER:
        assert services.imports.run(kind, SAMPLES / f"{kind}.csv").ok
    for kind in ("procedures", "dosimetry"):
        path, n = services.exports.run(kind, tmp_path / f"{kind}.csv")
        assert n == 3
        rows = read_rows(path)
        original = read_rows(SAMPLES / f"{kind}.csv")
        assert [r[:4] for r in rows[1:]] == [r[:4] for r in original[1:]] or kind == "procedures"
        report = services.imports.run(kind, path)
        assert report.ok and report.count("unchanged") == 3
    exported = read_rows(tmp_path / "dosimetry.csv")
    assert exported[2][3:6] == ["M", "M", "M"] and exported[3][3:6] == ["unused", "unused", "unused"]


def test_reimporting_the_same_file_creates_no_duplicates(services):
    for _ in range(2):
        services.imports.run("technicians", SAMPLES / "technicians.csv")
        services.imports.run("units", SAMPLES / "units.csv")
        services.imports.run("meters", SAMPLES / "meters.csv")
        report = services.imports.run("exposure_checks", SAMPLES / "exposure_checks.csv")
    assert report.count("unchanged") == 3 and report.count("new") == 0
    assert count(services, Technician) == 3 and count(services, ExposureCheck) == 3


def test_dry_run_writes_nothing_and_says_what_would_happen(services):
    report = services.imports.run("technicians", SAMPLES / "technicians.csv", dry_run=True)
    assert report.ok and not report.written and report.count("new") == 3
    assert "dry run" in report.summary()
    assert count(services, Technician) == 0 and count(services, AuditEvent) == 0


def test_each_imported_record_is_audited(services):
    services.imports.run("technicians", SAMPLES / "technicians.csv")
    with services.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "technicians")).all()
    # the technician service's own events, naming the file
    assert [e.action for e in events] == ["create"] * 3
    assert all(e.summary.endswith("(import of technicians.csv)") for e in events)


# --------------------------------------------------------------------------- malformed files


def test_missing_required_column(services, tmp_path):
    path = write_csv(tmp_path / "t.csv", [["first_name", "email"], ["Ana", "a@x.org"]])
    report = services.imports.run("technicians", path)
    assert not report.ok and "last_name" in report.file_errors[0]
    assert count(services, Technician) == 0


def test_unknown_column_names_the_expected_ones(services, tmp_path):
    path = write_csv(tmp_path / "t.csv", [["first_name", "last_name", "shoe_size"], ["Ana", "Li", "9"]])
    report = services.imports.run("technicians", path)
    assert not report.ok and "shoe_size" in report.file_errors[0] and "arrt_id" in report.file_errors[0]


def test_headers_are_case_insensitive_with_stars_and_bom_and_semicolons(services, tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [["First Name*", "LAST_NAME*", "Email"], ["Zoë", "Ångström", "z@x.org"]],
        bom=True,
        delimiter=";",
    )
    report = services.imports.run("technicians", path)
    assert report.ok, report.lines()
    with services.db.read() as session:
        assert session.scalars(select(Technician.first_name)).one() == "Zoë"


def test_one_bad_row_means_nothing_is_written_and_the_report_names_row_and_column(services, tmp_path):
    services.imports.run("technicians", SAMPLES / "technicians.csv")
    services.imports.run("units", SAMPLES / "units.csv")
    services.imports.run("meters", SAMPLES / "meters.csv")
    before = count(services, ExposureCheck), count(services, AuditEvent)
    rows = [
        ["unit_id", "checked_on", "performed_by", "mode", "rate", "rate_unit", "meter"],
        ["CA-1", "2026-11-02", "Grace", "normal", "39", "mGy/min", "RaySafe X2 #1"],
        ["CA-1", "2026-02-30", "Grace", "normal", "39", "mGy/min", "RaySafe X2 #1"],
        ["CA-1", "2026-11-16", "Grace", "normal", "39", "mR/min", "RaySafe X2 #1"],
        ["CA-9", "2026-11-16", "Grace", "normal", "39", "mGy/min", "RaySafe X2 #1"],
        ["CA-1", "2026-11-23", "Grace", "normal", "fast", "mGy/min", "RaySafe X2 #1"],
    ]
    report = services.imports.run("exposure_checks", write_csv(tmp_path / "c.csv", rows))
    assert not report.ok and not report.written
    errors = {r.row: " ".join(r.messages) for r in report.rows if r.outcome == "error"}
    assert set(errors) == {3, 4, 5, 6}
    assert "checked_on" in errors[3] and "2026-02-30" in errors[3]
    assert "rate_unit" in errors[4] and "mR/min" in errors[4]
    assert "CA-9" in errors[5]
    assert "rate" in errors[6] and "fast" in errors[6]
    assert (count(services, ExposureCheck), count(services, AuditEvent)) == before
    assert "NOTHING was imported" in report.summary() and "4 rows have problems" in report.summary()


def test_one_bad_row_is_counted_in_words(services, tmp_path):
    rows = [["unit_id", "checked_on", "performed_by", "mode", "rate", "rate_unit"]]
    rows.append(["CA-1", "2026-02-30", "Grace", "normal", "39", "mGy/min"])
    report = services.imports.run("exposure_checks", write_csv(tmp_path / "one.csv", rows))
    assert "1 row has problems" in report.summary()


def test_unknown_and_ambiguous_technicians(services, tmp_path):
    assert services.imports.run(
        "technicians",
        write_csv(
            tmp_path / "t.csv",
            [
                ["first_name", "last_name", "email"],
                ["Sam", "Lee", "sam1@x.org"],
                ["Sam", "Lee", "sam2@x.org"],
            ],
        ),
    ).written
    report = services.imports.run(
        "credentials",
        write_csv(
            tmp_path / "c.csv",
            [
                ["technician", "type", "issued_on"],
                ["Nobody Here", "bls", "2026-01-01"],
                ["Sam Lee", "bls", "2026-01-01"],
            ],
        ),
    )
    messages = [m for r in report.rows for m in r.messages]
    assert any("no technician “Nobody Here”" in m for m in messages)
    assert any("matches 2 technicians" in m for m in messages)


def test_duplicate_rows_in_one_file(services, tmp_path):
    path = write_csv(tmp_path / "g.csv", [["garment_id", "type"], ["A-1", "apron"], ["a-1", "apron"]])
    report = services.imports.run("garments", path)
    assert not report.ok and "duplicate of row 2" in report.rows[1].messages[0]


def test_xlsx_with_real_date_cells_and_us_dates(services, tmp_path):
    services.imports.run("technicians", SAMPLES / "technicians.csv")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["technician*", "type*", "issued_on", "expires_on"])
    sheet.append(["kevin.brooks@example.com", "BLS", datetime(2026, 3, 15), None])
    sheet.append([500003, "arrt", "04/01/2026", date(2027, 6, 30)])  # ARRT ID typed as a number
    workbook.save(tmp_path / "c.xlsx")
    report = services.imports.run("credentials", tmp_path / "c.xlsx")
    assert report.ok, report.lines()
    with services.db.read() as session:
        from fluorodesk.db.models import Credential

        rows = {c.type.value: (c.issued_on, c.expires_on) for c in session.scalars(select(Credential))}
    assert rows["bls"] == (date(2026, 3, 15), date(2028, 3, 31))  # BLS expiry from the rule
    assert rows["arrt"] == (date(2026, 4, 1), date(2027, 6, 30))


def test_inspection_result_is_computed_and_a_false_pass_refused(services, tmp_path):
    services.imports.run("garments", SAMPLES / "garments.csv")
    rows = [
        ["garment_id", "inspected_on", "inspector", "method", "defects", "result"],
        ["A-001", "2026-06-10", "G", "visual", "critical:15.5", ""],
        ["A-002", "2026-06-10", "G", "visual", "critical:20", "pass"],
        ["T-001", "2026-06-10", "G", "x-ray", "", ""],
    ]
    report = services.imports.run("inspections", write_csv(tmp_path / "i.csv", rows))
    errors = {r.row: " ".join(r.messages) for r in report.rows if r.outcome == "error"}
    assert set(errors) == {3, 4} and "This garment cannot pass" in errors[3] and "x-ray" in errors[4]
    rows.pop(3)
    rows.pop(2)
    assert services.imports.run("inspections", write_csv(tmp_path / "i2.csv", rows)).ok
    with services.db.read() as session:
        assert session.scalars(select(GarmentInspection.result)).one().value == "fail"


@pytest.mark.parametrize("name", ["data.txt", "data.xls"])
def test_unsupported_file_types(services, tmp_path, name):
    (tmp_path / name).write_text("x")
    report = services.imports.run("technicians", tmp_path / name)
    assert not report.ok and ".csv or .xlsx" in report.file_errors[0]


def test_damaged_xlsx_and_non_utf8_csv(services, tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"PK not really")
    assert "not a readable .xlsx" in services.imports.run("technicians", tmp_path / "bad.xlsx").file_errors[0]
    (tmp_path / "latin.csv").write_bytes("first_name,last_name\nJosé,Núñez\n".encode("latin-1"))
    assert "UTF-8" in services.imports.run("technicians", tmp_path / "latin.csv").file_errors[0]


def test_unknown_kind_is_a_validation_error(services):
    with pytest.raises(ValidationError, match="technicians"):
        services.imports.run("patients", SAMPLES / "technicians.csv")


def test_ten_thousand_rows_import_in_one_go(services, tmp_path):
    services.imports.run("units", SAMPLES / "units.csv")
    services.imports.run("meters", SAMPLES / "meters.csv")
    start = date(1999, 1, 4)  # 10,000 days to 2026-05-22: a check may not be dated in the future
    rows = [["unit_id", "checked_on", "performed_by", "mode", "rate", "rate_unit", "meter"]]
    rows += [
        [
            "CA-1",
            (start.fromordinal(start.toordinal() + i)).isoformat(),
            "G",
            "normal",
            f"{30 + i % 10}",
            "mGy/min",
            "RaySafe X2 #1",
        ]
        for i in range(10_000)
    ]
    report = services.imports.run("exposure_checks", write_csv(tmp_path / "big.csv", rows))
    assert report.ok and report.count("new") == 10_000
    assert count(services, ExposureCheck) == 10_000
    with services.db.read() as session:
        assert not verify_chain(session)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(ORDER),
    cells=st.lists(st.one_of(st.text(max_size=12), st.none()), min_size=12, max_size=12),
)
def test_arbitrary_cells_never_crash_or_half_write(services, tmp_path_factory, kind, cells):
    headers = list(KINDS[kind].headers)
    path = write_csv(
        tmp_path_factory.mktemp("h") / "x.csv", [headers, [c or "" for c in cells[: len(headers)]]]
    )
    before = count(services, AuditEvent)
    try:
        report = services.imports.run(kind, path)
    except ValidationError:
        pytest.fail("import raised instead of reporting")
    if not report.written:
        assert count(services, AuditEvent) == before


def test_credentials_follow_the_credential_dialogs_rules(services, tmp_path):
    services.imports.run("technicians", SAMPLES / "technicians.csv")
    rows = [
        ["technician", "type", "issued_on", "expires_on", "verified_on", "verified_by", "result"],
        ["kevin.brooks@example.com", "state_license", "2026-01-05", "", "", "", ""],
        ["kevin.brooks@example.com", "exclusion_check", "2026-11-20", "", "", "", ""],
        ["kevin.brooks@example.com", "bls", "2026-01-05", "", "2026-12-30", "L. Ortiz", ""],
        ["kevin.brooks@example.com", "exclusion_check", "2026-11-20", "", "", "", "clear"],
    ]
    report = services.imports.run("credentials", write_csv(tmp_path / "c.csv", rows))
    errors = {r.row: " ".join(r.messages) for r in report.rows if r.outcome == "error"}
    assert set(errors) == {2, 3, 4} and not report.written
    assert "expires_on" in errors[2] and "result" in errors[3] and "future" in errors[4]


def test_a_failure_while_filing_a_later_row_writes_nothing_at_all(services, tmp_path, monkeypatch):
    """The rows are filed one after the other in one transaction: a full disk at the fourth row leaves
    none of the file (nor its audit events) behind, and the chain stays whole."""
    from fluorodesk.errors import DiskFullError
    from fluorodesk.services import audit

    services.imports.run("units", SAMPLES / "units.csv")
    services.imports.run("meters", SAMPLES / "meters.csv")
    before = count(services, ExposureCheck), count(services, AuditEvent)
    rows = [["unit_id", "checked_on", "performed_by", "mode", "rate", "rate_unit", "meter"]]
    rows += [["CA-1", f"2026-0{1 + i}-05", "G", "normal", "31", "mGy/min", "RaySafe X2 #1"] for i in range(5)]
    real, events = audit.record, []

    def failing_on_the_fourth_event(session, **kwargs):
        events.append(kwargs["summary"])
        if len(events) == 4:
            raise DiskFullError("The disk is full. Free some space and try again; nothing was saved.")
        return real(session, **kwargs)

    monkeypatch.setattr(audit, "record", failing_on_the_fourth_event)
    with pytest.raises(DiskFullError):
        services.imports.run("exposure_checks", write_csv(tmp_path / "five.csv", rows))
    assert len(events) == 4
    assert (count(services, ExposureCheck), count(services, AuditEvent)) == before
    monkeypatch.setattr(audit, "record", real)
    report = services.imports.run("exposure_checks", write_csv(tmp_path / "five.csv", rows))
    assert report.written and count(services, ExposureCheck) == before[0] + 5
    with services.db.read() as session:
        assert not verify_chain(session)
