"""Every sub-command, its happy path and its error paths (exit codes 0 / 1 / 2, no tracebacks)."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from fluorodesk import __version__
from fluorodesk.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_demo_fills_a_new_folder_then_refuses_to_overwrite(capsys, tmp_path):
    folder = tmp_path / "new" / "clinic"
    code, out, _ = run(capsys, "demo", "--data-dir", str(folder))
    assert code == 0 and "technicians" in out
    assert (folder / "fluorodesk.sqlite3").exists()
    code, _, err = run(capsys, "demo", "--data-dir", str(folder))
    assert code == 1 and "--force" in err
    code, out, _ = run(capsys, "demo", "--force", "--data-dir", str(folder))
    assert code == 0 and "Backed up" in out
    assert list((folder / "backups").glob("before-demo-*.fdbackup"))


def test_status_text_and_json(capsys, demo_dir):
    code, out, _ = run(capsys, "status", "--data-dir", str(demo_dir.root), "--as-of", "2026-11-26")
    assert code == 1 and "CRITICAL" in out and "as of 2026-11-26" in out
    code, out, _ = run(capsys, "status", "--json", "--as-of", "2026-11-26", "--data-dir", str(demo_dir.root))
    findings = json.loads(out)
    assert code == 1 and findings
    for item in findings:
        assert {"area", "severity", "code", "subject", "message", "due"} <= set(item)
        assert item["severity"] in ("critical", "warning", "info")
    assert {"exposure.over_limit", "technician.cannot_work"} <= {f["code"] for f in findings}


def test_status_on_an_empty_clinic_is_clean(capsys, data_dir):
    code, out, _ = run(capsys, "status", "--data-dir", str(data_dir.root))
    assert code == 0 and "Nothing needs attention" in out


def test_data_dir_from_the_environment(capsys, demo_dir, monkeypatch):
    monkeypatch.setenv("FLUORODESK_DATA_DIR", str(demo_dir.root))
    code, out, _ = run(capsys, "status", "--json")
    assert code == 1 and json.loads(out)


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "11/26/2026"])
def test_bad_date_is_a_usage_error(capsys, demo_dir, bad):
    with pytest.raises(SystemExit) as info:
        main(["status", "--as-of", bad, "--data-dir", str(demo_dir.root)])
    _, err = capsys.readouterr()
    assert info.value.code == 2 and "is not a date" in err and "Traceback" not in err


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fly"])
    assert info.value.code == 2


def test_missing_folder_is_one_clear_sentence(capsys, tmp_path):
    code, _, err = run(capsys, "status", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 1 and err.strip() == f"fluorodesk: The data folder {tmp_path / 'nowhere'} does not exist."
    code, _, err = run(capsys, "check", "--data-dir", str(tmp_path))
    assert code == 1 and "no FluoroDesk database" in err
    assert not (tmp_path / "fluorodesk.sqlite3").exists()  # a read-only command never creates one


def test_corrupt_database_is_reported_and_left_alone(capsys, tmp_path):
    (tmp_path / "fluorodesk.sqlite3").write_bytes(b"garbage" * 1000)
    code, _, err = run(capsys, "status", "--data-dir", str(tmp_path))
    assert code == 1 and "not a FluoroDesk database" in err
    assert (tmp_path / "fluorodesk.sqlite3").read_bytes() == b"garbage" * 1000


def test_locked_database_gives_a_clear_message(capsys, demo_dir, monkeypatch):
    monkeypatch.setattr("fluorodesk.db.engine.BUSY_TIMEOUT_MS", 50)
    locker = sqlite3.connect(demo_dir.database)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(capsys, "demo", "--force", "--data-dir", str(demo_dir.root))
    finally:
        locker.rollback()
        locker.close()
    assert code == 1 and "busy" in err.lower()


def test_check_ok_and_tampered(capsys, demo_dir):
    code, out, _ = run(capsys, "check", "--data-dir", str(demo_dir.root))
    assert code == 0 and "Audit trail: unbroken" in out
    con = sqlite3.connect(demo_dir.database)
    con.execute("UPDATE audit_events SET actor = 'someone else'")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "check", "--data-dir", str(demo_dir.root))
    assert code == 1 and "TAMPERED" in out


def test_check_compares_the_audit_trail_with_its_anchors(capsys, demo_dir):
    """Issue 20: the chain's head is anchored by every start and backup; deleting the newest events
    after that is reported (the chain alone links up)."""
    code, _, _ = run(capsys, "backup", "--data-dir", str(demo_dir.root))
    assert code == 0
    code, out, _ = run(capsys, "check", "--data-dir", str(demo_dir.root))
    assert code == 0 and "Audit trail: unbroken (matches 1 anchor kept outside the database)" in out
    con = sqlite3.connect(demo_dir.database)
    (newest,) = con.execute("SELECT max(id) FROM audit_events").fetchone()
    con.execute("DELETE FROM audit_events WHERE id = ?", (newest,))
    con.commit()
    con.close()
    code, out, _ = run(capsys, "check", "--data-dir", str(demo_dir.root))
    assert code == 1 and "Audit trail: TAMPERED" in out
    assert f"  the trail ends at event #{newest - 1}, but backup fluorodesk-" in out
    assert f"recorded event #{newest}: events were removed" in out


def test_check_reports_a_removed_sign_off(capsys, demo_dir):
    con = sqlite3.connect(demo_dir.database)
    con.execute("DELETE FROM signoffs WHERE area = 'exposure'")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "check", "--data-dir", str(demo_dir.root))
    assert code == 1 and "Signed records: CHANGED AFTER SIGN-OFF" in out
    assert (
        "  sign-off #1 (exposure-rate checks 2025-11-01…2026-01-31) by Dr. Helen Park, MD was removed" in out
    )


def test_backup_command(capsys, demo_dir, tmp_path):
    code, out, _ = run(
        capsys, "backup", "--data-dir", str(demo_dir.root), "--out", str(tmp_path / "b.fdbackup")
    )
    assert code == 0 and "b.fdbackup" in out
    assert "fluorodesk.sqlite3" in zipfile.ZipFile(tmp_path / "b.fdbackup").namelist()
    code, out, _ = run(capsys, "backup", "--data-dir", str(demo_dir.root))
    assert code == 0 and list(demo_dir.backups.glob("fluorodesk-*.fdbackup"))


def test_backup_to_an_unwritable_place(capsys, demo_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(
        capsys, "backup", "--data-dir", str(demo_dir.root), "--out", str(blocker / "b.fdbackup")
    )
    assert code == 1 and err.startswith("fluorodesk: ") and "internal error" not in err
    assert "could not be written" in err or "may not write" in err


def test_entry_points_run_as_real_processes(tmp_path):
    result = subprocess.run([sys.executable, "-m", "fluorodesk", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and __version__ in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "fluorodesk", "status", "--data-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_labels_writes_a_pdf_and_refuses_unknown_ids(capsys, demo_dir, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "labels.pdf"
    code, text, _ = run(capsys, "labels", "--out", str(out), "--data-dir", str(demo_dir.root))
    assert code == 0 and "Wrote 31 labels on 2 pages" in text
    assert len(PdfReader(out).pages) == 2
    code, text, _ = run(
        capsys, "labels", "--out", str(out), "--codes", "A-001", "T-021", "--page-size", "a4", "--layout", "large",
        "--data-dir", str(demo_dir.root),
    )  # fmt: skip
    assert code == 0 and "Wrote 2 labels on 1 page" in text and "a4" in text
    code, _, err = run(
        capsys, "labels", "--out", str(out), "--codes", "Z-999", "--data-dir", str(demo_dir.root)
    )
    assert code == 1 and "Z-999" in err
    with pytest.raises(SystemExit) as info:
        main(["labels", "--data-dir", str(demo_dir.root)])  # --out is required
    assert info.value.code == 2


def test_export_says_how_many_rows_of_which_kind(capsys, demo_dir, tmp_path):
    out_file = tmp_path / "techs.csv"
    code, out, _ = run(
        capsys, "export", "technicians", "--out", str(out_file), "--data-dir", str(demo_dir.root)
    )
    with out_file.open(encoding="utf-8-sig", newline="") as handle:
        rows = len(list(csv.reader(handle))) - 1  # less the header
    assert code == 0 and out.startswith(f"Exported {rows} rows of technicians to ") and rows > 1
