"""The benchmark runs end to end at a tiny scale (CI proves it works; no timing assertions)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from fluorodesk.bench.synthetic import FULL_SCALE, _scaled, build
from fluorodesk.cli import main
from fluorodesk.db.models import ExposureCheck, ProcedureRecord, Technician


def test_full_scale_matches_the_issue():
    assert FULL_SCALE == {
        "technicians": 150,
        "credentials": 2500,
        "contracts": 60,
        "garments": 400,
        "inspections_per_garment": 10,
        "units": 8,
        "checks_per_unit": 520,
        "procedures": 60000,
        "dosimetry_readings": 6000,
    }
    assert _scaled(1.0)["checks_per_unit"] == 520


def test_synthetic_clinic_is_deterministic_and_loads_in_the_app(services):
    with services.db.write() as session:
        counts = build(session, scale=0.01, today=date(2026, 11, 26))
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Technician)) == counts.technicians
        assert session.scalar(select(func.count()).select_from(ProcedureRecord)) == counts.procedures
        assert session.scalar(select(func.count()).select_from(ExposureCheck)) == counts.exposure_checks
    assert services.compliance.findings()  # the services can read what the generator wrote
    assert services.technicians.list_rows(include_retired=True)


def test_bench_command_prints_the_table(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("fluorodesk.bench.run.TYPING_SECONDS", 0.3)  # the "user" types fast here
    code = main(["bench", "--scale", "0.005", "--repeats", "1", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    for measure in (
        "start-up ratio",
        "Overview after sign-in typed in 0.3 s",
        "tab 'Overview': first open (",
        "tab 'Dose Log': first open after sign-in",
        "one search keystroke",
        "compliance findings, all areas",
        "save one exposure check + tab reload",
        "import 10,000 rows (written)",
        "audit packet, 1 year(s)",
        "peak memory",
    ):
        assert measure in out


def test_bench_rejects_a_bad_scale(capsys):
    assert main(["bench", "--scale", "0"]) == 2
