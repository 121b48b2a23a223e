"""Units, meters and exposure checks from spreadsheets go through the services the Exposure Logs tab's
dialogs call: what the check or unit dialog refuses, the import refuses with the dialog's message on
the column it came from; the sign-off lock holds; the words the window shows are accepted."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, ExposureCheck, FluoroUnit, Meter, UnitBaseline
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict
from fluorodesk.services.integrity import IntegrityService

CHECKS = ["unit_id", "checked_on", "performed_by", "mode", "kvp", "ma", "rate", "rate_unit", "meter", "notes"]
UNITS = [
    "unit_id",
    "name",
    "manufacturer",
    "model",
    "serial",
    "room",
    "manufactured_on",
    "in_service_on",
    "aerc",
    "hlc",
    "baseline_rate",
    "baseline_unit",
    "baseline_from",
    "baseline_set_by",
]
METER = "RaySafe X2 #1"  # the demo's


def write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def errors_of(report) -> dict[int, list[str]]:
    return {r.row: list(r.messages) for r in report.rows if r.outcome == "error"}


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def check(
    day="2026-11-20", *, unit="CA-1", mode="normal", rate="39", rate_unit="mGy/min", meter=METER, **more
):
    row = dict(unit_id=unit, checked_on=day, performed_by="Grace Chen", mode=mode, kvp="78", ma="2.1")
    row.update(rate=rate, rate_unit=rate_unit, meter=meter, notes="")
    row.update(more)
    return [row[c] for c in CHECKS]


def unit(code="CA-7", **more):
    row = dict.fromkeys(UNITS, "")
    row.update(
        unit_id=code, name="Pain suite C-arm", manufactured_on="2019-03-01", in_service_on="2026-01-05"
    )
    row.update(more)
    return [row[c] for c in UNITS]


# --------------------------------------------------------------------------- exposure checks


def test_a_check_dated_in_a_signed_off_period_is_refused_with_the_locks_message(demo_services, tmp_path):
    """It used to be filed, and ``fluorodesk check`` still said the signed records were unchanged."""
    before = count(demo_services, ExposureCheck)
    report = demo_services.imports.run(
        "exposure_checks", write_csv(tmp_path / "c.csv", [CHECKS, check("2025-12-10")])
    )
    assert not report.written and count(demo_services, ExposureCheck) == before
    [messages] = errors_of(report).values()
    assert len(messages) == 1 and messages[0].startswith("Exposure-rate checks")
    assert messages[0].endswith(
        "so records dated 2025-12-10 are locked. To correct one, record an amendment that references it."
    )
    assert IntegrityService(demo_services.db, "t").run().ok


def test_a_check_the_dialog_refuses_is_refused_with_its_message_on_its_column(demo_services, tmp_path):
    rows = [
        CHECKS,
        check("2027-01-04"),
        check(meter=""),
        check(rate="12000"),
        check(unit="CA-3", mode="high_level", rate="4", rate_unit="R/min"),
        check(kvp="500"),
        check("2020-01-06"),
        check(performed_by=" "),
    ]
    report = demo_services.imports.run("exposure_checks", write_csv(tmp_path / "c.csv", rows))
    assert not report.written
    assert errors_of(report) == {
        2: ["checked_on: The check date 2027-01-04 is in the future."],
        3: ["meter: Choose the meter used. If it is not listed, add it under Meters first."],
        4: ["rate: The measured rate must be at most 10000."],
        5: ["mode: CA-3 has no high-level control; choose normal or pulsed."],
        6: ["kvp: kVp must be at most 200."],
        7: [f"checked_on: CA-1 went into service on {date(2025, 11, 24)}; the check is dated before that."],
        8: ["performed_by: required, but empty"],
    }


@pytest.mark.parametrize(
    ("mode", "rate_unit"),
    [("High-level control", "MGY/MIN"), ("high_level", "mGy/min"), ("HIGH LEVEL", "mgy/min")],
)
def test_mode_and_rate_unit_accept_the_windows_words(demo_services, tmp_path, mode, rate_unit):
    rows = [CHECKS, check(mode=mode, rate_unit=rate_unit, rate="60")]
    report = demo_services.imports.run("exposure_checks", write_csv(tmp_path / "c.csv", rows))
    assert report.written, report.lines()
    ca1 = next(u for u in demo_services.units.list_units() if u.code == "CA-1")
    [row] = [
        r
        for r in demo_services.exposure.history(ca1.id).checks
        if r.checked_on == date(2026, 11, 20) and r.rate == 60
    ]
    assert row.mode is ExposureMode.HIGH_LEVEL and row.verdict is ExposureVerdict.PASS and row.meter == METER


def test_an_imported_check_is_judged_and_audited_as_the_dialogs(demo_services, tmp_path):
    rows = [CHECKS, check(rate="95")]  # over CA-1's 88 mGy/min limit
    assert demo_services.imports.run("exposure_checks", write_csv(tmp_path / "qc-log.csv", rows)).written
    with demo_services.db.read() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.entity, event.action, event.actor) == ("exposure_checks", "create", "tester")
    assert event.summary == "Exposure check of CA-1 on 2026-11-20: 95 mGy/min (import of qc-log.csv)"
    findings = [f for f in demo_services.compliance.findings() if f.code == "exposure.over_limit"]
    assert any("Reading on 2026-11-20: 95 mGy/min exceeds" in f.message for f in findings)


def test_the_same_check_again_is_unchanged_and_a_different_one_is_refused(demo_services, tmp_path):
    path = write_csv(tmp_path / "c.csv", [CHECKS, check()])
    assert demo_services.imports.run("exposure_checks", path).count("new") == 1
    assert demo_services.imports.run("exposure_checks", path).count("unchanged") == 1
    report = demo_services.imports.run(
        "exposure_checks", write_csv(tmp_path / "d.csv", [CHECKS, check(performed_by="Tom Nguyen")])
    )
    assert errors_of(report) == {
        2: [
            "performed_by: a different check of CA-1 on 2026-11-20 (normal, 39 mGy/min) is on file; correct it in the app"
        ]
    }


def test_an_unknown_meter_is_named(demo_services, tmp_path):
    report = demo_services.imports.run(
        "exposure_checks", write_csv(tmp_path / "c.csv", [CHECKS, check(meter="Geiger 9")])
    )
    assert errors_of(report) == {2: ["meter: no meter “Geiger 9” on file; import meters first"]}


# --------------------------------------------------------------------------- units and meters


def test_a_unit_the_dialog_refuses_is_refused_with_its_message_on_its_column(services, tmp_path):
    rows = [
        UNITS,
        unit("CA-7", name=""),
        unit("CA-8", manufactured_on="2027-01-01"),
        unit("CA-9", baseline_rate="38", baseline_unit="mGy/min"),
        unit("CA-10", baseline_rate="0", baseline_unit="mGy/min", baseline_set_by="A. Physicist"),
        unit("CA-11", in_service_on="", baseline_rate="38", baseline_unit="mGy/min", baseline_set_by="A. P."),
    ]
    report = services.imports.run("units", write_csv(tmp_path / "u.csv", rows))
    assert not report.written and count(services, FluoroUnit) == 0
    assert errors_of(report) == {
        2: ["name: Give the unit a name (e.g. OR 1 C-arm)."],
        3: [
            "manufactured_on: The manufacture date is in the future.",
            "in_service_on: The unit cannot go into service before it was made.",
        ],
        4: ["baseline_set_by: Say who set the baseline (usually the physicist)."],
        5: ["baseline_rate: The baseline rate must be more than 0."],
        6: ["baseline_from: Say from which date the baseline applies."],
    }


def test_a_units_baseline_is_recorded_as_the_dialog_records_it_and_a_new_one_rebaselines(services, tmp_path):
    first = unit(baseline_rate="34", baseline_unit="MGY/MIN", baseline_set_by="Alan Marsh, DABR")
    assert services.imports.run("units", write_csv(tmp_path / "a.csv", [UNITS, first])).written
    [row] = services.units.list_units()
    assert (
        row.baseline.words == "34 mGy/min, ±25% since 2026-01-05"
    )  # from the in-service date, as the dialog
    assert (
        services.imports.run("units", write_csv(tmp_path / "a.csv", [UNITS, first])).count("unchanged") == 1
    )
    again = unit(
        baseline_rate="35", baseline_unit="mGy/min", baseline_from="2026-05-08", baseline_set_by="A. M."
    )
    report = services.imports.run("units", write_csv(tmp_path / "b.csv", [UNITS, again]))
    assert [r.messages for r in report.rows] == [("baseline → 35 mGy/min",)]
    assert [(b.rate, b.effective_on) for b in services.units.baselines(row.id)] == [
        (35.0, date(2026, 5, 8)),
        (34.0, date(2026, 1, 5)),
    ]
    assert count(services, UnitBaseline) == 2


def test_a_unit_keeps_its_high_level_control_while_it_has_such_checks(demo_services, tmp_path):
    assert demo_services.imports.run(
        "exposure_checks", write_csv(tmp_path / "c.csv", [CHECKS, check(mode="high_level", rate="60")])
    ).written
    report = demo_services.imports.run(
        "units",
        write_csv(
            tmp_path / "u.csv",
            [UNITS, unit("CA-1", name="OR 1 C-arm", in_service_on="", manufactured_on="", hlc="no")],
        ),
    )
    assert errors_of(report) == {2: ["hlc: CA-1 has 1 high-level-control check on file."]}


def test_meters_are_added_updated_and_recognised(services, tmp_path):
    header = ["meter", "manufacturer", "model", "serial"]
    assert services.imports.run(
        "meters", write_csv(tmp_path / "m.csv", [header, ["X2 #1", "RaySafe", "X2", "S1"]])
    ).written
    report = services.imports.run(
        "meters", write_csv(tmp_path / "n.csv", [header, ["x2 #1", "", "", "S2"], ["", "", "", ""]])
    )
    assert [(r.outcome, r.messages) for r in report.rows] == [("update", ("serial → S2",))]
    [meter] = services.meters.list_meters()
    assert (meter.name, meter.manufacturer, meter.serial) == ("X2 #1", "RaySafe", "S2") and count(
        services, Meter
    ) == 1
    report = services.imports.run("meters", write_csv(tmp_path / "o.csv", [header, ["M" * 121, "", "", ""]]))
    assert errors_of(report) == {2: ["meter: Name is too long (at most 120 characters)."]}
