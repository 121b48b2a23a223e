"""Cases and dosimetry readings imported through the Dose Log's and the Dosimetry tab's own operations:
what the entry form or the reading dialog refuses, the import refuses with its message on the column;
the window's words are accepted; an imported reading closes its badge as the reading dialog does."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from fluorodesk.db.models import AuditEvent, DosimeterBadge, FluoroUnit, ProcedureRecord, Technician
from fluorodesk.domain.dosimetry import BadgeState
from fluorodesk.domain.enums import BadgePosition, EmploymentType, KapUnit
from fluorodesk.services.dosimetry.rows import BadgeDraft
from fluorodesk.services.procedures.rows import CaseDraft

CASES = ["performed_on", "procedure", "unit_id", "technician", "physician", "fluoro_time_s", "air_kerma_mgy", "kap_gycm2", "images", "case_ref"]
READINGS = ["technician", "period_start", "period_end", "deep_msv", "lens_msv", "shallow_msv", "badge_id", "other_facility"]


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def events(services, entity: str) -> list[AuditEvent]:
    with services.db.read() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)).all()


@pytest.fixture
def clinic(services):
    """A C-arm showing both dose quantities, one showing KAP only, and two technologists (one has left)."""
    with services.db.write() as session:
        units = [
            FluoroUnit(code="CA-1", name="OR 1 C-arm"),
            FluoroUnit(code="CA-2", name="OR 2 C-arm", shows_air_kerma=False, shows_kap=True),
        ]
        techs = [
            Technician(first_name="Grace", last_name="Chen", email="grace@x.org", employment_type=EmploymentType.EMPLOYEE),
            Technician(first_name="Luis", last_name="Moreno", email="luis@x.org", employment_type=EmploymentType.AGENCY, retired_on=date(2026, 6, 30)),
        ]
        session.add_all(units + techs)
        session.flush()
        return {"ca1": units[0].id, "ca2": units[1].id, "grace": techs[0].id, "luis": techs[1].id}


def case(**cells) -> list[str]:
    values = dict(
        performed_on="2026-11-16",
        procedure="64483",
        unit_id="CA-1",
        technician="grace@x.org",
        physician="Dr. Helen Park",
        fluoro_time_s="34.5",
        air_kerma_mgy="12.8",
        kap_gycm2="3.1",
        images="6",
        case_ref="C-10021",
    )
    values.update(cells)
    return [values[c] for c in CASES]


# --------------------------------------------------------------------------- cases


def test_a_case_the_entry_form_refuses_is_refused_with_its_message(services, clinic, tmp_path):
    rows = [
        CASES,
        case(case_ref="Jane Doe"),
        case(performed_on="2026-12-01", case_ref="C-2"),
        case(physician="", case_ref="C-3"),
        case(fluoro_time_s="", case_ref="C-4"),
        case(fluoro_time_s="-5", case_ref="C-5"),
        case(technician="luis@x.org", case_ref="C-6"),
        case(unit_id="CA-2", air_kerma_mgy="12.8", case_ref="C-7"),
        case(kap_gycm2="lots", case_ref="C-8"),
        case(procedure="Kyphoplasty", case_ref="C-9"),
    ]
    report = services.imports.run("procedures", write_csv(tmp_path / "cases.csv", rows))
    assert not report.written
    assert errors_of(report) == {
        2: ["case_ref: This looks like a name. Enter the clinic case number, never the patient's name."],
        3: ["performed_on: 2026-12-01 is in the future; enter the day the case was done."],
        4: ["physician: Enter the physician (operator of record)."],
        5: ["fluoro_time_s: Enter the fluoroscopy time shown on the unit (e.g. 83 or 1:23)."],
        6: ["fluoro_time_s: “-5” is not a fluoroscopy time; type seconds (83), minutes:seconds (1:23) or 1.4 min."],
        7: ["technician: Luis Moreno left on 2026-06-30."],
        8: ["air_kerma_mgy: This unit does not show air kerma; leave it blank or fix the unit's setting."],
        9: ["kap_gycm2: “lots” is not a number; type the kerma-area product as shown, e.g. 12.5."],
        10: ["procedure: “Kyphoplasty” fits 2 procedures (22513, 22514); type more of the name or the CPT code."],
    }
    with services.db.read() as session:
        assert session.scalars(select(ProcedureRecord)).all() == []


def test_a_case_accepts_the_dose_logs_words(services, clinic, tmp_path):
    options = services.procedures.entry_options()
    label = next(p.label for p in options.procedures if p.cpt_code == "64483")  # "64483 — …"
    rows = [CASES, case(procedure=label, unit_id="ca-1  or 1 c-arm", fluoro_time_s="1:23", technician="")]
    report = services.imports.run("procedures", write_csv(tmp_path / "cases.csv", rows))
    assert report.written, report.lines()
    (row,) = services.procedures.list_cases()
    assert (row.cpt_code, row.unit_id, row.fluoro_time_s, row.technician_id) == ("64483", clinic["ca1"], 83.0, None)
    assert (row.kap_value, row.kap_unit) == (3.1, KapUnit.GY_CM2)


def test_imported_cases_are_logged_and_audited_as_the_dose_log_logs_them(services, clinic, tmp_path):
    services.imports.run("procedures", write_csv(tmp_path / "cases.csv", [CASES, case()]))
    (event,) = events(services, "procedure_records")
    assert (event.action, event.actor) == ("create", "tester")
    assert event.summary == "Case logged: 2026-11-16 C-10021 (import of cases.csv)"
    with services.db.read() as session:
        record = session.scalars(select(ProcedureRecord)).one()
        assert (record.created_by, record.updated_by) == ("tester", "tester")


def test_a_case_number_is_the_logs_key_a_different_case_under_it_is_refused(services, clinic, tmp_path):
    first = [CASES, case(), case(procedure="64493")]  # two procedures under one case number: two cases
    assert services.imports.run("procedures", write_csv(tmp_path / "a.csv", first)).count("new") == 2
    again = services.imports.run("procedures", write_csv(tmp_path / "b.csv", [CASES, case(fluoro_time_s="0:34.5")]))
    assert again.count("unchanged") == 1 and again.written
    changed = services.imports.run("procedures", write_csv(tmp_path / "c.csv", [CASES, case(air_kerma_mgy="99")]))
    assert errors_of(changed) == {2: ["a different case C-10021 on 2026-11-16 is on file; correct it in the app"]}


def test_kap_is_exported_converted_exactly_and_imports_back_unchanged(services, clinic, tmp_path):
    for ref, value, unit in (("U-1", "100.5", KapUnit.UGY_M2), ("M-1", "123456.7", KapUnit.MGY_CM2)):
        services.procedures.log_case(
            CaseDraft("2026-11-16", "64483", clinic["ca1"], "Dr. A", None, ref, "30", "", value, unit)
        )
    path, _ = services.exports.run("procedures", tmp_path / "cases.csv")
    kap = {row[CASES.index("case_ref")]: row[CASES.index("kap_gycm2")] for row in read_csv(path)[1:]}
    assert kap == {"U-1": "1.005", "M-1": "123.4567"}  # as a float, the second was written 123.457
    report = services.imports.run("procedures", path)
    assert report.written and report.count("unchanged") == 2


# --------------------------------------------------------------------------- dosimetry readings


def reading(**cells) -> list[str]:
    values = dict(
        technician="grace@x.org",
        period_start="2026-09-01",
        period_end="2026-09-30",
        deep_msv="0.12",
        lens_msv="0.31",
        shallow_msv="0.33",
        badge_id="LX-1",
        other_facility="",
    )
    values.update(cells)
    return [values[c] for c in READINGS]


def test_an_imported_reading_closes_its_badge_as_the_reading_dialog_does(services, clinic, tmp_path):
    issued = services.dosimetry.issue_badge(
        BadgeDraft(clinic["grace"], "LX-1", BadgePosition.COLLAR, assigned_on="2026-09-01", period_end="2026-09-30")
    )
    assert issued.state is BadgeState.LATE
    report = services.imports.run("dosimetry", write_csv(tmp_path / "readings.csv", [READINGS, reading()]))
    assert report.written, report.lines()
    (badge,) = services.dosimetry.badges()
    assert (badge.id, badge.state, badge.returned_on, badge.has_reading) == (
        issued.id,
        BadgeState.RETURNED,
        date(2026, 9, 30),
        True,
    )
    assert not [f for f in services.dosimetry.findings() if f.code == "dosimetry.badge_late"]
    reading_event, badge_event = events(services, "dosimetry_readings")[-1], events(services, "dosimeter_badges")[-1]
    assert (reading_event.action, reading_event.actor) == ("create", "tester")
    assert reading_event.summary == (
        "Dosimetry reading for Grace Chen, 2026-09-01 to 2026-09-30 badge LX-1 (import of readings.csv)"
    )
    assert badge_event.summary == "Badge LX-1 returned 2026-09-30 (its reading is on file) (import of readings.csv)"


@pytest.mark.parametrize("words", ["Ring", "ring", "RING"])
def test_a_badge_the_import_issues_has_the_files_position_and_is_closed(services, clinic, tmp_path, words):
    rows = [[*READINGS, "position"], [*reading(deep_msv="", lens_msv="", shallow_msv="1.2", badge_id="LX-1R"), words]]
    report = services.imports.run("dosimetry", write_csv(tmp_path / "readings.csv", rows))
    assert report.written, report.lines()
    (badge,) = services.dosimetry.badges()
    assert (badge.position, badge.assigned_on, badge.period_end, badge.state) == (
        BadgePosition.RING,
        date(2026, 9, 1),
        date(2026, 9, 30),
        BadgeState.RETURNED,
    )
    (reading_row,) = services.dosimetry.readings()
    assert (reading_row.badge_id, reading_row.shallow.value) == (badge.id, 1.2)


def test_a_reading_the_dialog_refuses_is_refused_with_its_message(services, clinic, tmp_path):
    rows = [
        READINGS,
        reading(period_start="2026-11-01", period_end="2026-11-30", badge_id=""),
        reading(deep_msv="lots"),
        reading(deep_msv="unused", badge_id="LX-2"),
        reading(deep_msv="", lens_msv="", shallow_msv="", badge_id="LX-3"),
        reading(period_start="2026-09-30", period_end="2026-09-01", badge_id=""),
        reading(technician="luis@x.org", badge_id="LX-5"),
    ]
    report = services.imports.run("dosimetry", write_csv(tmp_path / "readings.csv", rows))
    assert not report.written
    assert errors_of(report) == {
        2: ["period_end: This wear period has not ended yet; enter its reading when the report comes."],
        3: ["deep_msv: “lots” is not a dose: type mSv (e.g. 0.12), M when the report says M, or unused."],
        4: ["lens_msv: An unused badge has no dose: clear the doses, or untick “Returned unused”."],
        5: ["deep_msv: Enter at least one dose (a number in mSv, or M where the report says M), or tick “Returned unused”."],
        6: ["period_end: The wear period ends before it starts."],
        7: ["technician: Luis Moreno left on 2026-06-30."],
    }
    with services.db.read() as session:
        assert session.scalars(select(DosimeterBadge)).all() == []
    wrist = [[*READINGS, "position"], [*reading(), "wrist"]]
    report = services.imports.run("dosimetry", write_csv(tmp_path / "wrist.csv", wrist))
    assert errors_of(report) == {2: ["position: “wrist” is not one of: Collar, Waist, Ring, Fetal"]}


def test_m_and_unused_in_the_windows_words_and_the_same_reading_again_is_unchanged(services, clinic, tmp_path):
    rows = [
        READINGS,
        reading(deep_msv="m", lens_msv="M", shallow_msv="m"),
        reading(period_start="2026-10-01", period_end="2026-10-31", deep_msv="Unused", lens_msv="", shallow_msv=""),
    ]
    assert services.imports.run("dosimetry", write_csv(tmp_path / "a.csv", rows)).written
    words = {r.period_start.month: (r.deep.words, r.lens.words, r.shallow.words) for r in services.dosimetry.readings()}
    assert words == {9: ("M", "M", "M"), 10: ("Unused", "Unused", "Unused")}
    again = services.imports.run("dosimetry", write_csv(tmp_path / "b.csv", rows))
    assert again.count("unchanged") == 2
    different = services.imports.run("dosimetry", write_csv(tmp_path / "c.csv", [READINGS, reading(deep_msv="0.5")]))
    assert errors_of(different) == {
        2: ["a different reading of Grace Chen for 2026-09-01…2026-09-30 is on file; correct it in the app"]
    }
