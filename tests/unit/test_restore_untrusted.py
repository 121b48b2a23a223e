"""Restore trusts nothing in the file: hostile backups are refused with a sentence, the live data
stays as it was, and a sound backup comes back with every row and attachment.

Each hostile backup below is a real backup of the demo clinic whose database or manifest was then
doctored, with the manifest's SHA-256 updated so that only the schema check can catch it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from fluorodesk.cli import main
from fluorodesk.db import migrate
from fluorodesk.db.sqlite_tools import open_untrusted
from fluorodesk.paths import DATABASE_NAME, DataDir
from fluorodesk.services.backup import (
    BackupRejectedError,
    newest_good_backup,
    restore_backup,
    verify_backup,
    write_backup,
)
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import recovery_candidate
from tests.unit.test_backup_restore import rezip


def table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def doctored(good: Path, target: Path, *sql: str) -> Path:
    """``good`` with SQL run on its database, the manifest's SHA-256 and size made to match."""
    work = target.with_suffix(".work")
    with zipfile.ZipFile(good) as archive:
        archive.extract(DATABASE_NAME, work)
    con = sqlite3.connect(work / DATABASE_NAME)
    con.executescript(";\n".join(sql))
    con.close()
    data = (work / DATABASE_NAME).read_bytes()
    shutil.rmtree(work)
    digest = hashlib.sha256(data).hexdigest()
    return rezip(
        good,
        target,
        replace={DATABASE_NAME: data},
        manifest={"database_sha256": digest, "database_bytes": len(data)},
    )


@pytest.fixture
def clinic(demo_services: Services, tmp_path: Path):
    """The demo clinic, a good backup of it, and the live folder closed (as the restore needs)."""
    good = demo_services.backup.backup_to(tmp_path / "good").path
    data_dir = demo_services.db.data_dir
    demo_services.db.close()
    return data_dir, good


def live_state(data_dir: DataDir) -> tuple[bytes, dict[str, bytes]]:
    attachments = {
        p.relative_to(data_dir.root).as_posix(): p.read_bytes()
        for p in sorted(data_dir.attachments.rglob("*"))
        if p.is_file()
    }
    return data_dir.database.read_bytes(), attachments


def assert_refused(data_dir: DataDir, backup: Path, *phrases: str) -> str:
    before = live_state(data_dir)
    with pytest.raises(BackupRejectedError) as refused:
        restore_backup(data_dir, backup, actor="hpark")
    message = str(refused.value)
    assert message.endswith("Nothing was changed."), message
    for phrase in phrases:
        assert phrase in message, message
    assert live_state(data_dir) == before
    assert not (data_dir.root / "replaced").exists()
    assert not list(data_dir.root.glob(".restore-*"))
    return message


# --------------------------------------------------------------------------- hostile schemas


def test_an_extra_trigger_that_would_rewrite_the_notes_is_refused_and_never_fires(clinic, tmp_path):
    data_dir, good = clinic
    hostile = doctored(
        good,
        tmp_path / "trigger.fdbackup",
        "CREATE TRIGGER rewrite_notes AFTER INSERT ON audit_events "
        "BEGIN UPDATE technicians SET notes = 'rewritten'; END",
    )
    assert_refused(data_dir, hostile, "extra trigger “rewrite_notes”", "audit_events")
    notes = {n for (n,) in sqlite3.connect(data_dir.database).execute("SELECT notes FROM technicians")}
    assert "rewritten" not in notes


def test_a_trigger_waiting_for_a_later_insert_is_refused(clinic, tmp_path):
    data_dir, good = clinic
    hostile = doctored(
        good,
        tmp_path / "later.fdbackup",
        "CREATE TRIGGER purge_high_readings AFTER INSERT ON exposure_checks "
        "BEGIN DELETE FROM exposure_checks WHERE rate > 50; END",
    )
    assert_refused(data_dir, hostile, "extra trigger “purge_high_readings”")


ENDLESS = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
    "SELECT 'k' || x AS key, '1' AS value, '2026-01-01' AS updated_at, 'x' AS updated_by FROM n"
)


def test_an_endless_recursive_view_in_place_of_a_table_is_refused_without_running_it(clinic, tmp_path):
    data_dir, good = clinic
    hostile = doctored(
        good, tmp_path / "view.fdbackup", "DROP TABLE settings", f"CREATE VIEW settings AS {ENDLESS}"
    )
    started = time.monotonic()
    assert_refused(data_dir, hostile, "“settings” is a view instead of a table")
    assert time.monotonic() - started < 20
    extra = doctored(good, tmp_path / "extra-view.fdbackup", f"CREATE VIEW endless AS {ENDLESS}")
    assert_refused(data_dir, extra, "extra view “endless”")


@pytest.mark.parametrize(
    ("sql", "phrase"),
    [
        ("ALTER TABLE technicians DROP COLUMN notes", "the table “technicians” lacks the column “notes”"),
        ("DROP TABLE dosimetry_readings", "the table “dosimetry_readings” is missing"),
        ("ALTER TABLE technicians ADD COLUMN payload TEXT", "extra column “payload”"),
        ("CREATE TABLE smuggled (x)", "extra table “smuggled”"),
        ("CREATE INDEX ix_extra ON technicians (notes)", "extra index “ix_extra”"),
        ("DROP INDEX ix_technicians_last_name", "the index “ix_technicians_last_name” is missing"),
        (
            # the same table without NOT NULL on notes, rebuilt the way SQLite's docs advise
            "CREATE TABLE t2 AS SELECT * FROM technicians; DROP TABLE technicians; "
            "ALTER TABLE t2 RENAME TO technicians",
            "“technicians.",
        ),
    ],
)
def test_a_schema_that_differs_from_the_migrations_is_refused(clinic, tmp_path, sql, phrase):
    data_dir, good = clinic
    hostile = doctored(good, tmp_path / "changed.fdbackup", "PRAGMA foreign_keys=OFF", sql)
    message = assert_refused(data_dir, hostile, phrase)
    assert "schema" in message


def test_a_query_on_an_untrusted_file_stops_at_its_time_limit(tmp_path):
    path = tmp_path / "endless.sqlite3"
    con = sqlite3.connect(path)
    con.execute(f"CREATE VIEW endless AS {ENDLESS}")
    con.close()
    started = time.monotonic()
    with (
        open_untrusted(path, seconds=0.3) as untrusted,
        pytest.raises(sqlite3.OperationalError, match="interrupt"),
    ):
        untrusted.execute("SELECT count(*) FROM endless").fetchall()
    assert time.monotonic() - started < 5


def test_refused_on_the_command_line_with_a_sentence_and_the_clinic_still_reads(clinic, tmp_path, capsys):
    data_dir, good = clinic
    hostile = doctored(good, tmp_path / "h.fdbackup", "ALTER TABLE technicians DROP COLUMN notes")
    code = main(["restore", str(hostile), "--data-dir", str(data_dir.root)])
    _, err = capsys.readouterr()
    assert code == 1 and "cannot be restored" in err and "“notes”" in err and "Traceback" not in err
    assert main(["check", "--data-dir", str(data_dir.root)]) == 0


# --------------------------------------------------------------------------- malformed manifests


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attachments", "many"),
        ("attachments", -1),
        ("attachments", True),
        ("attachments", 1.5),
        ("attachments", None),
        ("database_sha256", 5),
        ("database_sha256", "not a hash"),
        ("database_bytes", "big"),
        ("created_at", "yesterday"),
        ("created_at", 12),
        ("app_version", ["2"]),
        ("schema_revision", {"x": 1}),
        ("quick_check", 7),
        ("audit_head", 1),
        ("files", ["attachments/a.png"]),
        ("files", {"../../outside": "0" * 64}),
    ],
)
def test_a_malformed_manifest_is_refused_everywhere_a_backup_is_read(clinic, tmp_path, field, value):
    data_dir, good = clinic
    data_dir.backups.mkdir(exist_ok=True)
    older = shutil.copy(good, data_dir.backups / "older.fdbackup")
    hostile = rezip(good, data_dir.backups / "newer.fdbackup", manifest={field: value})
    import os

    os.utime(older, (1_000_000, 1_000_000))  # the malformed one is the newest
    check = verify_backup(hostile)
    assert not check.ok and f"“{field}”" in check.problems[0], check.problems
    assert newest_good_backup(data_dir).path == Path(older)  # the recovery dialog's search
    assert recovery_candidate(data_dir).path == Path(older)
    assert_refused(data_dir, hostile, "manifest", f"“{field}”")


def test_a_manifest_missing_a_field_is_refused(clinic, tmp_path):
    data_dir, good = clinic
    target = tmp_path / "incomplete.fdbackup"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "manifest.json":
                data = data.replace(b'"database_sha256"', b'"checksum"')
            new.writestr(name, data)
    assert "no “database_sha256”" in verify_backup(target).problems[0]


# --------------------------------------------------------------------------- what a sound backup gives back


def test_a_sound_backup_restores_every_row_and_attachment(demo_services, tmp_path):
    data_dir = demo_services.db.data_dir
    backup = demo_services.backup.backup_to(tmp_path / "sound").path
    at_backup = table_rows(data_dir.database)
    _, attachments = live_state(data_dir)
    assert len(attachments) >= 2
    demo_services.db.close()
    target = DataDir(tmp_path / "new-pc")
    target.root.mkdir()

    restore_backup(target, backup, actor="hpark")

    restored = table_rows(target.database)
    assert restored.keys() == at_backup.keys()
    for table, rows in at_backup.items():
        if table == "audit_events":  # plus the restore's own event, chained to the last one
            assert set(rows) <= set(restored[table]) and len(restored[table]) == len(rows) + 1
        else:
            assert restored[table] == rows, table
    assert live_state(target)[1] == attachments


def test_a_backup_of_a_schema_with_the_old_counter_triggers_is_restored_without_them(tmp_path):
    """Schemas 0009-0011 as the released builds left them: a data-generation trigger on the tables."""
    old = DataDir(tmp_path / "old")
    old.root.mkdir()
    migrate.run_alembic(old.database, "upgrade", "0010_physician_index")
    con = sqlite3.connect(old.database)
    con.execute("INSERT INTO data_generation (name, n) VALUES ('agencies', 3)")
    con.execute(
        'CREATE TRIGGER "data_generation_agencies_insert" AFTER INSERT ON "agencies" '
        "BEGIN UPDATE data_generation SET n = n + 1 WHERE name = 'agencies'; END"
    )
    con.commit()
    con.close()
    backup = write_backup(old, tmp_path / "old-version").path
    assert verify_backup(backup).ok, verify_backup(backup).problems
    target = DataDir(tmp_path / "clinic")
    target.root.mkdir()
    restore_backup(target, backup, actor="t")
    con = sqlite3.connect(target.database)
    triggers = con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    con.close()
    assert triggers == []
    assert migrate.current_revision(target.database) == migrate.HEAD_REVISION


def test_rows_that_break_the_fresh_schemas_rules_are_refused_whole(tmp_path):
    """The copy itself enforces the schema: a row pointing nowhere stops it, and nothing is copied."""
    from fluorodesk.db.transplant import ReferenceDatabases, RowsRefused, copy_rows

    references = ReferenceDatabases(tmp_path / "references")
    source, target = tmp_path / "source.sqlite3", tmp_path / "target.sqlite3"
    references.fresh_copy(migrate.HEAD_REVISION, source)
    references.fresh_copy(migrate.HEAD_REVISION, target)
    con = sqlite3.connect(source)
    con.execute(
        "INSERT INTO technicians (id, first_name, last_name, email, phone, employment_type, agency_id, "
        "notes, retired_reason, created_at, created_by, updated_at, updated_by) VALUES "
        "(1, 'A', 'B', '', '', 'staff', 999, '', '', '2026-01-01', 't', '2026-01-01', 't')"
    )
    con.commit()
    con.close()
    before = table_rows(target)
    with pytest.raises(RowsRefused, match="“technicians”.*missing row of “agencies”"):
        copy_rows(source, target, references.shape(migrate.HEAD_REVISION))
    assert table_rows(target) == before
