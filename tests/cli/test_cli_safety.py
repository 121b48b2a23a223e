"""`fluorodesk restore` and `--user` (with the window open: test_cli_concurrency.py; roles: test_cli_users.py)."""

from __future__ import annotations

import sqlite3

from fluorodesk.cli import main
from fluorodesk.db.database import open_database
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def count(path, table):
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_backup_then_restore_round_trip(capsys, demo_dir, tmp_path):
    root = str(demo_dir.root)
    code, _, _ = run(capsys, "backup", "--data-dir", root, "--out", str(tmp_path / "b.fdbackup"))
    assert code == 0
    con = sqlite3.connect(demo_dir.database)
    con.execute("DELETE FROM credentials")  # a disaster
    con.commit()
    con.close()
    code, out, err = run(capsys, "restore", str(tmp_path / "b.fdbackup"), "--data-dir", root)
    assert code == 0, err
    assert "Restored b.fdbackup" in out and "moved to" in out and "nothing was deleted" in out
    assert count(demo_dir.database, "credentials") > 0
    replaced = next((demo_dir.root / "replaced").iterdir())
    assert count(replaced / "fluorodesk.sqlite3", "credentials") == 0  # the replaced data is kept
    code, out, _ = run(capsys, "check", "--data-dir", root)
    assert code == 0 and "Audit trail: unbroken" in out


def test_restore_refuses_a_bad_file_and_changes_nothing(capsys, demo_dir, tmp_path):
    bad = tmp_path / "bad.fdbackup"
    bad.write_text("not a backup")
    before = demo_dir.database.read_bytes()
    code, _, err = run(capsys, "restore", str(bad), "--data-dir", str(demo_dir.root))
    assert code == 1 and "cannot be restored" in err and "Nothing was changed" in err
    assert demo_dir.database.read_bytes() == before
    code, _, err = run(
        capsys, "restore", str(tmp_path / "missing.fdbackup"), "--data-dir", str(demo_dir.root)
    )
    assert code == 1 and "does not exist" in err


def test_user_option_names_the_actor(capsys, demo_dir, monkeypatch):
    db = open_database(demo_dir)
    Services(db, "setup").auth.create_first_director(
        UserDraft("hpark", "Dr. Helen Park", password="pw for hp", confirm="pw for hp")
    )
    db.close()
    code, _, err = run(capsys, "demo", "--force", "--user", "ghost", "--data-dir", str(demo_dir.root))
    assert code == 1 and "no active FluoroDesk account called “ghost”" in err
    monkeypatch.setenv("FLUORODESK_PASSWORD", "pw for hp")
    code, _, _ = run(capsys, "demo", "--force", "--user", "HPark", "--data-dir", str(demo_dir.root))
    assert code == 0
    con = sqlite3.connect(demo_dir.database)
    actor = con.execute("SELECT actor FROM audit_events WHERE action = 'demo' ORDER BY id DESC").fetchone()[0]
    con.close()
    assert actor == "hpark"


def test_default_actor_is_the_system_login_name(capsys, data_dir, monkeypatch):
    monkeypatch.setattr("fluorodesk.services.registry.default_actor", lambda: "frontpc")
    code, _, _ = run(capsys, "demo", "--data-dir", str(data_dir.root))
    assert code == 0
    con = sqlite3.connect(data_dir.database)
    actor = con.execute("SELECT actor FROM audit_events WHERE action = 'demo'").fetchone()[0]
    con.close()
    assert actor == "frontpc (command line)"
