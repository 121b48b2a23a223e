"""Backups: restore round trip, verification of damaged files, rotation, start-up health checks."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fluorodesk.db import migrate
from fluorodesk.db.database import open_database
from fluorodesk.errors import DiskFullError, StorageError
from fluorodesk.paths import DataDir
from fluorodesk.services import backup as backup_module
from fluorodesk.services import backup_verify
from fluorodesk.services.backup import (
    BackupRejectedError,
    auto_backups,
    newest_good_backup,
    restore_backup,
    verify_backup,
    write_backup,
)
from fluorodesk.services.integrity import IntegrityService
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import health_check
from fluorodesk.services.technicians.rows import TechnicianDraft
from tests.conftest import TODAY
from tests.damage import corrupt_pages, corrupt_table


def rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def technicians(path: Path) -> list[str]:
    return [r[0] for r in rows(path, "SELECT last_name FROM technicians ORDER BY id")]


def rezip(
    source: Path, target: Path, *, replace: dict[str, bytes] | None = None, manifest: dict | None = None
):
    """Copy a backup, swapping members and/or manifest fields (the manifest is otherwise kept as it was)."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "manifest.json" and manifest is not None:
                data = json.dumps({**json.loads(data), **manifest}).encode()
            new.writestr(name, replace.pop(name, data))
        for name, data in replace.items():
            new.writestr(name, data)
    return target


@pytest.fixture
def clinic(demo_services: Services, tmp_path: Path) -> Services:
    """The demo clinic with exactly one attachment (its own demo scans removed), so every damage case
    below knows which file it is tampering with."""
    from sqlalchemy import delete

    from fluorodesk.db.models import Attachment

    with demo_services.db.write() as session:
        session.execute(delete(Attachment))
    shutil.rmtree(demo_services.db.data_dir.attachments, ignore_errors=True)
    scan = tmp_path / "bls-card.png"
    scan.write_bytes(b"\x89PNG scanned card")
    demo_services.attachments.add("credential", 1, scan)
    return demo_services


# --------------------------------------------------------------------------- restore round trip


def test_restore_round_trip_keeps_the_replaced_data_aside(clinic, tmp_path):
    data_dir = clinic.db.data_dir
    info = clinic.backup.backup_to(tmp_path / "monday")
    at_backup = technicians(data_dir.database)
    attachment = clinic.attachments.list_for("credential", 1)[0]
    stored = data_dir.root / attachment.stored_path
    # life goes on: a technician is added and the scanned card goes missing
    clinic.technicians.create(TechnicianDraft("Late", "Addition"))
    stored.unlink()
    clinic.db.close()

    result = restore_backup(data_dir, info.path, actor="hpark")

    assert technicians(data_dir.database) == at_backup
    assert stored.read_bytes() == b"\x89PNG scanned card"
    assert result.replaced is not None and result.replaced.parent == data_dir.root / "replaced"
    assert "Addition" in technicians(result.replaced / "fluorodesk.sqlite3")  # nothing thrown away
    assert not list(data_dir.root.glob(".restore-*"))
    db = open_database(data_dir)
    try:
        services = Services(db, "hpark", today=TODAY)
        report = IntegrityService(db, "hpark").run()
        assert report.ok, report.lines()
        last = services.audit_trail.query(limit=1)[0]
        assert last.action == "restore" and last.actor == "hpark" and "monday.fdbackup" in last.summary
        assert rows(db.path, "PRAGMA journal_mode")[0][0] == "wal"
    finally:
        db.close()


def test_a_rejected_backup_changes_nothing(clinic, tmp_path):
    data_dir = clinic.db.data_dir
    clinic.db.close()
    before = data_dir.database.read_bytes()
    bad = tmp_path / "bad.fdbackup"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(BackupRejectedError, match="Nothing was changed"):
        restore_backup(data_dir, bad, actor="hpark")
    assert data_dir.database.read_bytes() == before
    assert not (data_dir.root / "replaced").exists()
    assert not list(data_dir.root.glob(".restore-*"))


def test_restore_into_an_empty_folder(clinic, tmp_path):
    info = clinic.backup.backup_to(tmp_path / "b")
    fresh = DataDir(tmp_path / "new-pc")
    fresh.root.mkdir()
    result = restore_backup(fresh, info.path, actor="someone (command line)")
    assert result.replaced is None
    assert technicians(fresh.database) == technicians(clinic.db.path)


def test_an_older_backup_is_migrated_after_restore(tmp_path):
    old = DataDir(tmp_path / "old")
    migrate.run_alembic(old.database, "upgrade", "0002_reference_data")
    info = write_backup(old, tmp_path / "old-version")
    assert verify_backup(info.path).schema_revision == "0002_reference_data"
    target = DataDir(tmp_path / "clinic")
    target.root.mkdir()
    restore_backup(target, info.path, actor="t")
    assert migrate.current_revision(target.database) == migrate.HEAD_REVISION
    assert list(target.backups.glob("before-migration-0002_reference_data-*"))


def test_disk_full_while_unpacking_leaves_everything_in_place(clinic, tmp_path, monkeypatch):
    """Injected: shutil.copyfileobj raises ENOSPC as a full disk would (see test_failures for a real one)."""
    data_dir = clinic.db.data_dir
    info = clinic.backup.backup_to(tmp_path / "b")
    clinic.db.close()
    before = data_dir.database.read_bytes()

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_module.shutil, "copyfileobj", full)
    with pytest.raises(DiskFullError, match="disk is full"):
        restore_backup(data_dir, info.path, actor="t")
    assert data_dir.database.read_bytes() == before
    assert not (data_dir.root / "replaced").exists()
    assert not list(data_dir.root.glob(".restore-*"))


# --------------------------------------------------------------------------- verification


def test_a_sound_backup_verifies(clinic, tmp_path):
    check = verify_backup(clinic.backup.backup_to(tmp_path / "b").path)
    assert check.ok, check.problems
    assert check.schema_revision == migrate.HEAD_REVISION and check.attachments == 1
    assert check.created_at is not None and "b.fdbackup" in check.describe()


def _tampered_database(source: Path, tmp_path: Path) -> bytes:
    with zipfile.ZipFile(source) as archive:
        archive.extract("fluorodesk.sqlite3", tmp_path / "t")
    path = tmp_path / "t" / "fluorodesk.sqlite3"
    con = sqlite3.connect(path)
    con.execute("UPDATE technicians SET last_name = 'Forged'")
    con.commit()
    con.close()
    return path.read_bytes()


def _corrupt_database(source: Path, tmp_path: Path) -> bytes:
    with zipfile.ZipFile(source) as archive:
        archive.extract("fluorodesk.sqlite3", tmp_path / "c")
    path = tmp_path / "c" / "fluorodesk.sqlite3"
    corrupt_pages(path)
    return path.read_bytes()


def _future_database(source: Path, tmp_path: Path) -> bytes:
    with zipfile.ZipFile(source) as archive:
        archive.extract("fluorodesk.sqlite3", tmp_path / "f")
    path = tmp_path / "f" / "fluorodesk.sqlite3"
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    return path.read_bytes()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("not_zip", "not a zip file"),
        ("no_manifest", "no manifest"),
        ("foreign_manifest", "not a FluoroDesk manifest"),
        ("crc", "fails its checksum"),
        ("no_database", "holds no database"),
        ("database_swapped", "does not match the SHA-256"),
        ("corrupt_database", "database integrity"),
        ("future_schema", "newer FluoroDesk"),
        ("attachment_swapped", "attachments/credential/1/"),
        ("attachment_smuggled", "should hold 1 attachment but holds 2"),
        ("unsafe_name", "unsafe file name"),
    ],
)
def test_verification_catches_every_kind_of_damage(clinic, tmp_path, damage, expected):
    good = clinic.backup.backup_to(tmp_path / "good").path
    target = tmp_path / f"{damage}.fdbackup"
    with zipfile.ZipFile(good) as archive:
        attachment = next(n for n in archive.namelist() if n.startswith("attachments/"))
    if damage == "not_zip":
        target.write_bytes(b"hello")
    elif damage == "no_manifest":
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("fluorodesk.sqlite3", b"x")
    elif damage == "foreign_manifest":
        rezip(good, target, manifest={"app": "SomethingElse"})
    elif damage == "crc":
        shutil.copy(good, target)
        data = bytearray(target.read_bytes())
        with zipfile.ZipFile(good) as archive:
            member = archive.getinfo("fluorodesk.sqlite3")
        offset = member.header_offset + 30 + len(member.filename) + len(member.extra) + 50
        data[offset] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "no_database":
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(target, "w") as new:
            for name in old.namelist():
                if name != "fluorodesk.sqlite3":
                    new.writestr(name, old.read(name))
    elif damage == "database_swapped":
        rezip(good, target, replace={"fluorodesk.sqlite3": _tampered_database(good, tmp_path)})
    elif damage == "corrupt_database":
        data = _corrupt_database(good, tmp_path)
        rezip(good, target, replace={"fluorodesk.sqlite3": data}, manifest={"database_sha256": _sha(data)})
    elif damage == "future_schema":
        data = _future_database(good, tmp_path)
        rezip(good, target, replace={"fluorodesk.sqlite3": data}, manifest={"database_sha256": _sha(data)})
    elif damage == "attachment_swapped":
        rezip(good, target, replace={attachment: b"\x89PNG a different card"})
    elif damage == "attachment_smuggled":
        rezip(good, target, replace={"attachments/extra.pdf": b"%PDF"})
    elif damage == "unsafe_name":
        rezip(good, target, replace={"../../outside.txt": b"x"})
    check = verify_backup(target)
    assert not check.ok
    assert expected in "; ".join(check.problems)


def test_newest_good_backup_skips_damaged_newer_files(clinic, tmp_path):
    data_dir = clinic.db.data_dir
    older = clinic.backup.backup_to(data_dir.backups / "older")
    newer = data_dir.backups / "newer.fdbackup"
    newer.write_bytes(b"truncated by a crash")
    import os

    os.utime(older.path, (1_000_000, 1_000_000))
    assert newest_good_backup(data_dir).path == older.path
    older.path.unlink()
    assert newest_good_backup(data_dir) is None


# --------------------------------------------------------------------------- automatic backups and rotation


def test_rotation_keeps_the_newest_n_automatic_backups(clinic):
    data_dir = clinic.db.data_dir
    manual = clinic.backup.backup_to(data_dir.backups / "by-hand")
    start = datetime(2026, 11, 1, 8, 0)
    made = []
    for day in range(6):
        clinic.technicians.create(TechnicianDraft("Day", f"N{day}"))  # something changed each day
        info = clinic.backup.auto_backup(keep=4, now=start + timedelta(days=day))
        made.append(info.path)
    kept = auto_backups(data_dir)
    assert [p.name for p in kept] == [p.name for p in reversed(made[-4:])]
    assert not any(p.exists() for p in made[:2])
    assert manual.path.exists()  # hand-made backups are never rotated away
    assert verify_backup(kept[0], extract_to=data_dir.root / "x").ok
    assert technicians(data_dir.root / "x" / "fluorodesk.sqlite3")[-1] == "N5"


def test_a_backup_copies_the_records_inside_the_data_folder_and_leaves_nothing_there(clinic, monkeypatch):
    """The snapshot is a full copy of the records: never in the system's temporary folder."""
    data_dir = clinic.db.data_dir
    copies = []
    real_copy = backup_module.copy_database

    def copy(source, target):
        copies.append(Path(target))
        return real_copy(source, target)

    monkeypatch.setattr(backup_module, "copy_database", copy)
    write_backup(data_dir, data_dir.backups / "by-hand")
    assert copies and copies[0].parent.parent == data_dir.root
    assert not list(data_dir.root.glob(".backup-snapshot-*"))


def test_a_backup_is_unpacked_next_to_itself_to_be_checked_and_nothing_is_left(clinic, monkeypatch):
    data_dir = clinic.db.data_dir
    info = write_backup(data_dir, data_dir.backups / "by-hand")
    checked = []
    real_check = backup_verify.integrity_problems

    def check(path, **kwargs):
        checked.append(Path(path))
        return real_check(path, **kwargs)

    monkeypatch.setattr(backup_verify, "integrity_problems", check)
    assert verify_backup(info.path).ok
    assert checked[0].parent.parent == info.path.parent
    assert not list(info.path.parent.glob(".fluorodesk-verify-*"))


def test_a_backup_in_a_folder_that_takes_no_files_is_checked_in_the_temporary_folder(clinic, monkeypatch):
    data_dir = clinic.db.data_dir
    info = write_backup(data_dir, data_dir.backups / "on-a-read-only-stick")
    real_temporary = backup_module.tempfile.TemporaryDirectory

    def temporary(*args, dir=None, **kwargs):
        if dir is not None:
            raise PermissionError(13, "Read-only file system")
        return real_temporary(*args, **kwargs)

    monkeypatch.setattr(backup_module.tempfile, "TemporaryDirectory", temporary)
    assert verify_backup(info.path).ok


def test_the_next_backup_removes_what_a_backup_cut_short_left(clinic):
    data_dir = clinic.db.data_dir
    data_dir.backups.mkdir(exist_ok=True)
    old_snapshot = data_dir.root / ".backup-snapshot-killed"
    old_snapshot.mkdir()
    (old_snapshot / "fluorodesk.sqlite3").write_bytes(b"a copy of the records")
    old_partial = data_dir.backups / "auto-20261101-080000.fdbackup.partial"
    old_partial.write_bytes(b"half a zip")
    old_check = data_dir.backups / ".fluorodesk-verify-killed"
    old_check.mkdir()
    (old_check / "fluorodesk.sqlite3").write_bytes(b"an unpacked copy of the records")
    two_hours_ago = datetime.now().timestamp() - 7200
    for path in (old_snapshot, old_partial, old_check):
        os.utime(path, (two_hours_ago, two_hours_ago))
    running_snapshot = data_dir.root / ".backup-snapshot-running"  # another backup, being written now
    running_snapshot.mkdir()
    running_partial = data_dir.backups / "by-hand.fdbackup.partial"
    running_partial.write_bytes(b"being written")
    write_backup(data_dir, data_dir.backups / "next")
    assert not old_snapshot.exists() and not old_partial.exists() and not old_check.exists()
    assert running_snapshot.exists() and running_partial.exists()
    assert verify_backup(data_dir.backups / "next.fdbackup").ok


def test_rotation_follows_the_setting(clinic):
    clinic.settings.update({"app.backups_keep": 2})
    for day in range(4):
        clinic.technicians.create(TechnicianDraft("Day", f"N{day}"))
        clinic.backup.auto_backup(now=datetime(2026, 11, 1 + day, 9, 0))
    assert len(auto_backups(clinic.db.data_dir)) == 2


def test_no_new_automatic_backup_when_nothing_changed(clinic):
    first = clinic.backup.auto_backup(keep=3, now=datetime(2026, 11, 1, 8, 0))
    assert first is not None
    assert clinic.backup.auto_backup(keep=3, now=datetime(2026, 11, 2, 8, 0)) is None
    clinic.technicians.create(TechnicianDraft("New", "Change"))
    assert clinic.backup.auto_backup(keep=3, now=datetime(2026, 11, 3, 8, 0)) is not None
    assert len(auto_backups(clinic.db.data_dir)) == 2


def test_daily_backup_is_due_after_24_hours(clinic):
    assert clinic.backup.auto_backup_due()
    clinic.backup.auto_backup(now=datetime(2026, 11, 1, 8, 0))
    assert not clinic.backup.auto_backup_due(now=datetime(2026, 11, 2, 7, 59))
    assert clinic.backup.auto_backup_due(now=datetime(2026, 11, 2, 8, 0))


def test_a_damaged_database_never_pushes_good_backups_out(clinic):
    data_dir = clinic.db.data_dir
    for day in range(2):
        clinic.technicians.create(TechnicianDraft("Day", f"N{day}"))
        clinic.backup.auto_backup(keep=2, now=datetime(2026, 11, 1 + day, 8, 0))
    good = [p.read_bytes() for p in auto_backups(data_dir)]
    clinic.technicians.create(TechnicianDraft("Changed", "Since"))  # so a new backup would be made
    clinic.db.close()
    corrupt_table(data_dir.database, "technicians")
    db = open_database(data_dir)
    try:
        with pytest.raises(StorageError, match="quick check"):
            Services(db, "t").backup.auto_backup(keep=2, now=datetime(2026, 11, 5, 8, 0))
    finally:
        db.close()
    assert [p.read_bytes() for p in auto_backups(data_dir)] == good
    assert not list(data_dir.backups.glob("*.partial"))


# --------------------------------------------------------------------------- start-up health check


def test_health_check_on_new_sound_and_damaged_files(clinic, tmp_path):
    assert health_check(DataDir(tmp_path / "nothing")).ok
    data_dir = clinic.db.data_dir
    assert health_check(data_dir).ok and health_check(data_dir).exists
    clinic.db.close()
    corrupt_pages(data_dir.database)
    damaged = data_dir.database.read_bytes()
    report = health_check(data_dir)
    assert not report.ok and "damaged" in report.message(data_dir)
    assert data_dir.database.read_bytes() == damaged  # looking never changes the file
    data_dir.database.write_bytes(b"not sqlite at all")
    assert health_check(data_dir).problems == ("the file is not an SQLite database",)


# --------------------------------------------------------------------------- a backup is verified before it counts


def test_a_damaged_database_is_not_backed_up_by_hand(demo_dir, tmp_path, capsys):
    from fluorodesk.cli import main

    corrupt_table(demo_dir.database, "technicians")
    out = tmp_path / "by-hand.fdbackup"
    code = main(["backup", "--data-dir", str(demo_dir.root), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 1 and "failed its quick check" in err and "no backup was made" in err
    assert "Traceback" not in err and not out.exists()
    assert not list(tmp_path.glob("*.partial")) and not list(demo_dir.root.glob(".backup-snapshot-*"))


def test_backup_out_never_replaces_an_existing_file_unless_forced(demo_dir, tmp_path, capsys):
    from fluorodesk.cli import main

    out = tmp_path / "monday.fdbackup"
    assert main(["backup", "--data-dir", str(demo_dir.root), "--out", str(out)]) == 0
    monday = out.read_bytes()
    capsys.readouterr()
    code = main(["backup", "--data-dir", str(demo_dir.root), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 1 and "already exists" in err and "--force" in err
    assert out.read_bytes() == monday
    corrupt_table(demo_dir.database, "technicians")  # even forced, a damaged database replaces nothing
    assert main(["backup", "--data-dir", str(demo_dir.root), "--out", str(out), "--force"]) == 1
    assert out.read_bytes() == monday and verify_backup(out).ok


def test_backup_force_replaces_the_file_with_a_verified_backup(demo_dir, tmp_path):
    from fluorodesk.cli import main

    out = tmp_path / "monday.fdbackup"
    out.write_bytes(b"an old file")
    assert main(["backup", "--data-dir", str(demo_dir.root), "--out", str(out), "--force"]) == 0
    assert verify_backup(out).ok


def test_a_backup_that_does_not_read_back_as_written_replaces_nothing(clinic, tmp_path, monkeypatch):
    """A disk that garbles what it is given: the zip is sound, its database is not what was hashed."""
    good = clinic.backup.backup_to(tmp_path / "good").path
    before = good.read_bytes()
    real_deflate = backup_module._deflate_into

    def garbled(archive, source, name):
        spoiled = source.with_name("spoiled")
        data = bytearray(source.read_bytes())
        data[5000] ^= 0xFF
        spoiled.write_bytes(bytes(data))
        real_deflate(archive, spoiled, name)

    monkeypatch.setattr(backup_module, "_deflate_into", garbled)
    with pytest.raises(StorageError, match="did not read back as it was written"):
        clinic.backup.backup_to(good, replace=True)
    assert good.read_bytes() == before
    assert not list(tmp_path.glob("*.partial"))


def test_a_backup_on_a_full_disk_says_how_much_space_it_needs(clinic, tmp_path, monkeypatch):
    real_deflate = backup_module._deflate_into

    def full(archive, source, name):
        real_deflate(archive, source, name)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_module, "_deflate_into", full)
    with pytest.raises(DiskFullError) as raised:
        clinic.backup.backup_to(tmp_path / "b")
    needed = 2 * clinic.db.path.stat().st_size
    assert "disk is full" in str(raised.value) and "FluoroDesk needs about" in str(raised.value)
    assert "damaged" not in str(raised.value).replace("not damaged", "") and "Restore" not in str(
        raised.value
    )
    assert backup_module._backup_need(clinic.db.data_dir) >= needed
    assert not list(tmp_path.glob("*.partial"))


def test_a_restore_that_would_not_fit_says_how_much_space_it_needs(clinic, tmp_path, monkeypatch):
    data_dir = clinic.db.data_dir
    info = clinic.backup.backup_to(tmp_path / "b")
    clinic.db.close()
    before = data_dir.database.read_bytes()
    monkeypatch.setattr(backup_module, "free_space", lambda _path: 4096)
    with pytest.raises(DiskFullError, match="disk is full") as raised:
        restore_backup(data_dir, info.path, actor="t")
    assert "4 KB free, and FluoroDesk needs about" in str(raised.value)
    assert data_dir.database.read_bytes() == before and not (data_dir.root / "replaced").exists()
