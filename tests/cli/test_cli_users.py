"""Accounts from the command line, and the director's commands asking for the director's password."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys

import pytest

from fluorodesk.cli import main

DIRECTOR_PW, FRONT_PW = "pw for hpark", "pw for jlee"


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def query(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def accounts(demo_dir):
    """The demo clinic with a director (hpark) and a front-desk account (jlee)."""
    from fluorodesk.db.database import open_database
    from fluorodesk.services.auth import UserDraft
    from fluorodesk.services.registry import Services

    db = open_database(demo_dir)
    try:
        auth = Services(db, "hpark").auth
        auth.create_first_director(UserDraft("hpark", "Dr. Helen Park", "director", DIRECTOR_PW, DIRECTOR_PW))
        auth.create_user(UserDraft("jlee", "Jamie Lee", "front_desk", FRONT_PW, FRONT_PW))
    finally:
        db.close()
    return demo_dir


def test_accounts_made_by_commands(capsys, demo_dir, monkeypatch):
    root = str(demo_dir.root)
    code, out, err = run(
        capsys,
        "users", "add", "hpark", "--role", "director", "--full-name", "Dr. Helen Park", "--data-dir", root,
        stdin=DIRECTOR_PW + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0 and out == "Account hpark (director, Dr. Helen Park) created.\n", err
    code, _, err = run(
        capsys,
        "users", "add", "jlee", "--role", "front_desk", "--full-name", "Jamie Lee", "--data-dir", root,
        stdin=FRONT_PW + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1 and "Only the director can manage user accounts: name a director's account" in err
    monkeypatch.setenv("FLUORODESK_PASSWORD", DIRECTOR_PW)
    code, out, err = run(
        capsys,
        "users", "add", "jlee", "--role", "front_desk", "--full-name", "Jamie Lee",
        "--user", "hpark", "--data-dir", root,
        stdin=FRONT_PW + "\r\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0 and "a new password is chosen at its first sign-in" in out, err
    events = query(demo_dir.database, "SELECT actor, summary FROM audit_events WHERE entity = 'users'")
    assert events == [
        ("hpark", "Director account hpark created at first start (command line)"),
        ("hpark", "Account jlee (front desk) created (command line)"),
    ]


def test_the_first_account_must_be_the_directors_and_needs_no_actor(capsys, data_dir, monkeypatch):
    root = str(data_dir.root)
    code, out, _ = run(capsys, "users", "list", "--data-dir", root)
    assert code == 0 and out.startswith("No accounts yet")
    code, _, err = run(
        capsys, "users", "add", "jlee", "--role", "front_desk", "--full-name", "Jamie Lee", "--data-dir", root,
        stdin=FRONT_PW + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1 and "the first account must be the director's: use --role director" in err
    code, _, err = run(
        capsys, "users", "add", "hpark", "--role", "director", "--full-name", "Helen", "--data-dir", root,
        stdin="short\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1 and "at least 8 characters" in err
    assert query(data_dir.database, "SELECT count(*) FROM users") == [(0,)]


def test_users_add_reads_the_password_from_a_pipe(tmp_path):
    """A real process, the password piped in: the account signs in with exactly that line."""
    root = str(tmp_path / "clinic")
    result = subprocess.run(
        [sys.executable, "-m", "fluorodesk", "users", "add", "hpark", "--role", "director",
         "--full-name", "Dr. Helen Park", "--data-dir", root],
        input="a password with spaces \n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    from fluorodesk.db.database import open_database
    from fluorodesk.paths import DataDir
    from fluorodesk.services.registry import Services

    db = open_database(DataDir(tmp_path / "clinic"))
    try:
        assert Services(db, "x").auth.login("hpark", "a password with spaces ").is_director
    finally:
        db.close()


def test_users_list_and_disable(capsys, accounts, monkeypatch):
    root = str(accounts.root)
    code, out, _ = run(capsys, "users", "list", "--data-dir", root)
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()] == [
        ["hpark", "director", "active"],
        ["jlee", "front", "desk"],
    ]
    code, _, err = run(capsys, "users", "disable", "jlee", "--user", "jlee", "--data-dir", root)
    assert code == 1 and "Only the director can manage user accounts: name a director's account" in err
    monkeypatch.setenv("FLUORODESK_PASSWORD", DIRECTOR_PW)
    code, out, _ = run(capsys, "users", "disable", "jlee", "--user", "hpark", "--data-dir", root)
    assert code == 0 and "Account jlee is switched off" in out
    code, out, _ = run(capsys, "users", "list", "--data-dir", root)
    assert "switched off" in out.splitlines()[1]
    code, _, err = run(capsys, "users", "disable", "hpark", "--user", "hpark", "--data-dir", root)
    assert code == 1 and "only active director" in err  # the last director stays
    monkeypatch.setenv("FLUORODESK_PASSWORD", FRONT_PW)
    code, _, err = run(capsys, "import", "technicians", "x.csv", "--user", "jlee", "--data-dir", root)
    assert code == 1 and "no active FluoroDesk account called “jlee”" in err


REFUSALS = [
    ((), None, "Only the director can {doing}: name a director's account with --user NAME"),
    (("--user", "ghost"), DIRECTOR_PW, "There is no active FluoroDesk account called “ghost”."),
    (
        ("--user", "jlee"),
        FRONT_PW,
        "Only the director can restore a backup, and “jlee” is a front desk account.",
    ),
    (("--user", "hpark"), None, "and put its password in the environment variable FLUORODESK_PASSWORD."),
    (("--user", "hpark"), "not the password", "FLUORODESK_PASSWORD does not hold the password of “hpark”."),
]


@pytest.mark.parametrize(("who", "password", "message"), REFUSALS)
@pytest.mark.parametrize(
    "command",
    [("restore", "{backup}"), ("demo", "--force")],
    ids=["restore", "demo --force"],
)
def test_the_directors_commands_need_the_directors_password(
    capsys, accounts, tmp_path, monkeypatch, command, who, password, message
):
    root = str(accounts.root)
    backup = tmp_path / "b.fdbackup"
    assert main(["backup", "--data-dir", root, "--out", str(backup)]) == 0
    capsys.readouterr()
    if password is None:
        monkeypatch.delenv("FLUORODESK_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("FLUORODESK_PASSWORD", password)
    technicians = query(accounts.database, "SELECT count(*) FROM technicians")
    argv = [part.format(backup=backup) for part in command]
    code, out, err = run(capsys, *argv, *who, "--data-dir", root)
    doing = "restore a backup" if command[0] == "restore" else "replace the records with the demo clinic"
    assert code == 1 and out == ""
    expected = message.format(doing=doing).replace("restore a backup", doing)
    assert expected in err and err.count("\n") == 1, err
    assert not (accounts.root / "replaced").exists() and not list(accounts.backups.glob("before-demo-*"))
    assert query(accounts.database, "SELECT count(*) FROM technicians") == technicians


def test_a_wrong_password_counts_like_a_wrong_sign_in(capsys, accounts, tmp_path, monkeypatch):
    root = str(accounts.root)
    monkeypatch.setenv("FLUORODESK_PASSWORD", "not the password")
    for _ in range(4):
        code, _, err = run(capsys, "demo", "--force", "--user", "hpark", "--data-dir", root)
        assert code == 1
    assert "Too many wrong passwords for hpark: try again in 1 second." in err
    monkeypatch.setenv("FLUORODESK_PASSWORD", DIRECTOR_PW)  # the right one, during the wait
    code, _, err = run(capsys, "demo", "--force", "--user", "hpark", "--data-dir", root)
    assert code == 1 and "Too many wrong passwords for hpark" in err
    events = query(
        accounts.database,
        "SELECT action, summary FROM audit_events WHERE action LIKE 'sign_in_%' ORDER BY id",
    )
    assert [a for a, _ in events] == ["sign_in_failed"] * 4 + ["sign_in_throttled"]
    assert events[0][1] == (
        "Wrong password for “hpark” at `fluorodesk demo --force` (1 in a row) (command line)"
    )


def test_with_the_directors_password_they_run_and_the_trail_says_command_line(
    capsys, accounts, tmp_path, monkeypatch
):
    root = str(accounts.root)
    backup = tmp_path / "b.fdbackup"
    assert main(["backup", "--data-dir", root, "--out", str(backup)]) == 0
    monkeypatch.setenv("FLUORODESK_PASSWORD", DIRECTOR_PW)
    code, out, err = run(capsys, "restore", str(backup), "--user", "hpark", "--data-dir", root)
    assert code == 0 and "Restored b.fdbackup" in out, err
    code, out, err = run(capsys, "demo", "--force", "--user", "hpark", "--data-dir", root)
    assert code == 0 and "Demo clinic loaded" in out, err
    events = query(
        accounts.database,
        "SELECT actor, action, summary FROM audit_events WHERE action IN ('create', 'restore', 'demo') "
        "AND entity = 'clinic' AND actor != 'tester' ORDER BY id",  # not the demo's making
    )
    assert [(actor, action) for actor, action, _ in events] == [("hpark", "restore"), ("hpark", "demo")]
    assert all(summary.endswith("(command line)") for _, _, summary in events), events


def test_front_desk_imports_with_its_account_and_without_one_is_told_how(capsys, accounts, tmp_path):
    root = str(accounts.root)
    csv = tmp_path / "new.csv"
    csv.write_text("first_name,last_name\nAda,Newcomer\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "technicians", str(csv), "--data-dir", root)
    assert code == 1 and out == ""
    assert err == (
        "fluorodesk: Only someone with a FluoroDesk account can enter or change records once the clinic "
        "has accounts: name yours with --user NAME.\n"
    )
    code, out, err = run(capsys, "import", "technicians", str(csv), "--user", "jlee", "--data-dir", root)
    assert code == 0 and "1 new" in out, err
    ((actor, summary),) = query(
        accounts.database,
        "SELECT actor, summary FROM audit_events WHERE entity = 'technicians' ORDER BY id DESC LIMIT 1",
    )
    assert actor == "jlee" and summary.endswith("(command line, import of new.csv)")
