"""Full disk, read-only folder, locked database, damaged file: a clear message and nothing lost.

Two kinds of test, named for what they are:

* *real*: a tiny tmpfs that really fills up, a read-only bind mount.  They need root and the right
  to mount (true in this project's CI container); elsewhere they skip with the reason.
* *simulated*: SQLite's own ``max_page_count`` limit (the same SQLITE_FULL error a full disk gives),
  a read-only SQLite connection, another connection holding the write lock, and an ENOSPC raised
  by a monkeypatched file write.  They run everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event

from fluorodesk.cli import main
from fluorodesk.db import engine as engine_module
from fluorodesk.db.database import Database, open_database
from fluorodesk.db.sqlite_tools import integrity_problems
from fluorodesk.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DiskFullError,
    ReadOnlyStorageError,
)
from fluorodesk.paths import DataDir
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import TechnicianDraft
from tests.conftest import TODAY
from tests.damage import corrupt_table


def names(db: Database) -> list[str]:
    return [r.last_name for r in Services(db, "t").technicians.list_rows(include_retired=True)]


@contextlib.contextmanager
def mounted(*args: str) -> Iterator[None]:
    target = args[-1]
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(
            f"cannot mount here ({result.stderr.strip() or 'not permitted'}); the simulated test covers it"
        )
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", target], capture_output=True)


needs_root = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounting needs root")


# --------------------------------------------------------------------------- full disk


@needs_root
def test_real_full_disk_refuses_the_write_and_loses_nothing(tmp_path, migrated_template):
    disk = tmp_path / "small-disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)):
        data_dir = DataDir(disk / "clinic")
        data_dir.root.mkdir()
        shutil.copy(migrated_template, data_dir.database)
        db = open_database(data_dir)
        services = Services(db, "t", today=TODAY)
        services.technicians.create(TechnicianDraft("Saved", "Before"))
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb", buffering=0) as handle:
            while True:
                handle.write(b"\0" * 65536)
        with pytest.raises(DiskFullError, match="disk is full"):
            for n in range(200):  # the first write that needs a new page hits the wall
                services.technicians.create(TechnicianDraft("Big", f"N{n}", notes="x" * 4000))
        with pytest.raises(DiskFullError):
            services.backup.backup_to(disk / "backup")
        assert not list(disk.glob("*.partial"))
        filler.unlink()
        services.technicians.create(TechnicianDraft("Saved", "After"))  # space freed: works again
        assert {"Before", "After"} <= set(names(db))
        db.close()
        assert integrity_problems(data_dir.database) == []


def test_simulated_full_disk_through_sqlites_page_limit(services):
    """SQLite's max_page_count gives the very SQLITE_FULL error a full disk gives."""
    services.technicians.create(TechnicianDraft("Saved", "Before"))
    raw = services.db.engine.raw_connection()
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()

    @event.listens_for(services.db.engine, "connect")
    def cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    services.db.engine.dispose()  # new connections get the cap
    before = names(services.db)
    with pytest.raises(DiskFullError, match="disk is full"):
        for n in range(100):
            services.technicians.create(TechnicianDraft("Big", f"N{n}", notes="x" * 4000))
    assert set(before) <= set(names(services.db))  # every earlier record is still there
    event.remove(services.db.engine, "connect", cap)
    services.db.engine.dispose()
    services.technicians.create(TechnicianDraft("Saved", "After"))
    assert integrity_problems(services.db.path) == []


def test_simulated_full_disk_while_attaching_a_file(services, tmp_path, monkeypatch):
    source = tmp_path / "card.pdf"
    source.write_bytes(b"%PDF-1.4 card")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("fluorodesk.services.attachments.shutil.copyfile", full)
    with pytest.raises(DiskFullError):
        services.attachments.add("credential", 1, source)
    assert services.attachments.list_for("credential", 1) == []
    assert not list(services.db.data_dir.root.rglob("*.partial"))


# --------------------------------------------------------------------------- read-only


@needs_root
def test_real_read_only_folder_is_refused_at_start(tmp_path, demo_dir, capsys):
    """A read-only bind mount: even root cannot write there (chmod would not stop root)."""
    before = demo_dir.database.read_bytes()
    with mounted("--bind", str(demo_dir.root), str(demo_dir.root)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(demo_dir.root)], check=True)
        with pytest.raises(ReadOnlyStorageError, match="may not write to its data folder"):
            open_database(demo_dir)
        code = main(["demo", "--force", "--data-dir", str(demo_dir.root)])
        _, err = capsys.readouterr()
        assert code == 1 and "may not write" in err and "Traceback" not in err
    assert demo_dir.database.read_bytes() == before


def test_simulated_read_only_folder(demo_dir, monkeypatch):
    monkeypatch.setattr("fluorodesk.db.folder.os.access", lambda *_a, **_k: False)
    with pytest.raises(ReadOnlyStorageError, match="write access"):
        open_database(demo_dir)


#: Commands that only read: they work where FluoroDesk may not write ({out} is a writable folder).
READING = [
    ("status", "--as-of", "2026-11-26"),
    ("check",),
    ("export", "technicians", "--out", "{out}/technicians.csv"),
    ("packet", "--out", "{out}/packet.pdf", "--as-of", "2026-11-26", "--sections", "technicians,garments"),
    ("labels", "--out", "{out}/labels.pdf"),
    ("users", "list"),
    ("backup", "--out", "{out}/elsewhere.fdbackup"),
]
#: Commands that write: each refuses there with one sentence.
WRITING = [
    ("import", "technicians", "{out}/technicians.csv"),
    ("import", "technicians", "{out}/technicians.csv", "--dry-run"),
    ("demo",),
    ("demo", "--force"),
    ("restore", "{out}/elsewhere.fdbackup"),
    ("backup",),  # into the data folder's backups/
    ("users", "add", "hpark", "--role", "director", "--full-name", "Helen Park"),
]


def files_in(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def reading_and_writing(capsys, monkeypatch, data_dir: DataDir, out) -> None:
    """Every reading command works on ``data_dir`` and every writing one refuses in one sentence."""
    from fluorodesk.services.backup import verify_backup

    root = str(data_dir.root)
    for command in READING:
        code = main([part.format(out=out) for part in command] + ["--data-dir", root])
        stdout, err = capsys.readouterr()
        assert err == "" and code in (0, 1) and stdout, (command, err)
    assert "Tech" not in (out / "technicians.csv").read_text(encoding="utf-8")[:30]  # a real export
    assert (out / "packet.pdf").read_bytes().startswith(b"%PDF")
    assert verify_backup(out / "elsewhere.fdbackup").ok
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a new password\n"))
    for command in WRITING:
        code = main([part.format(out=out) for part in command] + ["--data-dir", root])
        stdout, err = capsys.readouterr()
        assert code == 1 and stdout == "" and "Traceback" not in err, (command, stdout, err)
        assert err == (
            f"fluorodesk: FluoroDesk may not write to its data folder {root}, so nothing can be changed "
            "there; ask your IT contact for write access.\n"
        ), command


@needs_root
def test_real_read_only_folder_reads_and_refuses_writes(tmp_path, demo_dir, capsys, monkeypatch):
    """A read-only bind mount, with changes still in the WAL of a writer that has the file open: the
    reading commands see them, the writing ones refuse, and not a byte changes."""
    writer = sqlite3.connect(demo_dir.database)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE technicians SET last_name = 'Walker' WHERE id = (SELECT min(id) FROM technicians)")
    writer.commit()
    out = tmp_path / "out"
    out.mkdir()
    try:
        before = files_in(demo_dir.root)
        assert "fluorodesk.sqlite3-wal" in before
        with mounted("--bind", str(demo_dir.root), str(demo_dir.root)):
            subprocess.run(["mount", "-o", "remount,bind,ro", str(demo_dir.root)], check=True)
            reading_and_writing(capsys, monkeypatch, demo_dir, out)
            after = files_in(demo_dir.root)
        # The -shm file is the WAL's shared-memory index, not data: the readers in this process share
        # the writer's mapping of it (SQLite does within one process) and leave read marks there.
        assert after.pop("fluorodesk.sqlite3-shm") and before.pop("fluorodesk.sqlite3-shm")
        assert after == before
        assert "Walker" in (out / "technicians.csv").read_text(encoding="utf-8")  # the WAL was read
    finally:
        writer.close()


def no_write_access(monkeypatch) -> None:
    """Every folder answers "not writable" to ``os.access``, as on a read-only share."""
    real = os.access
    monkeypatch.setattr("os.access", lambda path, mode, **kw: not mode & os.W_OK and real(path, mode, **kw))


def test_simulated_read_only_folder_reads_and_refuses_writes(tmp_path, demo_dir, capsys, monkeypatch):
    """The folder answers "not writable" (as a read-only share does): reading opens the file through
    a read-only connection, and nothing at all is written to the folder."""
    no_write_access(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    before = files_in(demo_dir.root)
    reading_and_writing(capsys, monkeypatch, demo_dir, out)
    assert files_in(demo_dir.root) == before  # not even a -shm file or a log


def test_read_only_folder_with_an_older_schema_says_so(demo_dir, capsys, monkeypatch):
    con = sqlite3.connect(demo_dir.database)
    con.execute("UPDATE alembic_version SET version_num = '0012_drop_data_generation'")
    con.commit()
    con.close()
    no_write_access(monkeypatch)
    before = files_in(demo_dir.root)
    code = main(["status", "--data-dir", str(demo_dir.root)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == (
        f"fluorodesk: The database {demo_dir.database} was written by an older FluoroDesk and its folder "
        "is read-only, so it cannot be brought up to date to be read; open it once where FluoroDesk may "
        "write to it.\n"
    )
    assert files_in(demo_dir.root) == before


def test_simulated_read_only_database_refuses_writes_and_keeps_reading(demo_dir):
    """The connection SQLite opens when the file became read-only: writes fail, reads go on."""
    path = demo_dir.database
    ro = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
    )
    event.listen(ro, "connect", engine_module._on_connect)
    event.listen(ro, "begin", engine_module._on_begin)
    db = Database(demo_dir, ro)
    before = names(db)
    with pytest.raises(ReadOnlyStorageError, match="cannot write to its database"):
        Services(db, "t").technicians.create(TechnicianDraft("Never", "Written"))
    assert names(db) == before
    db.close()


# --------------------------------------------------------------------------- locked


def test_locked_database_says_so_and_the_same_action_works_once_released(demo_dir, monkeypatch):
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    db = open_database(demo_dir)
    services = Services(db, "t", today=TODAY)
    locker = sqlite3.connect(demo_dir.database)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLockedError, match="busy in another program"):
            services.technicians.create(TechnicianDraft("Waiting", "Patiently"))
    finally:
        locker.rollback()
        locker.close()
    services.technicians.create(TechnicianDraft("Waiting", "Patiently"))
    assert "Patiently" in names(db)
    db.close()


# --------------------------------------------------------------------------- damaged


def test_damaged_database_is_reported_by_check_and_never_changed(demo_dir, capsys):
    corrupt_table(demo_dir.database, "credentials")
    damaged = demo_dir.database.read_bytes()
    code = main(["check", "--data-dir", str(demo_dir.root)])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err and "internal error" not in err
    assert out.startswith("Database: ") and "problem" in out.splitlines()[0]
    assert demo_dir.database.read_bytes() == damaged


def test_a_file_that_is_not_a_database_is_refused_untouched(data_dir):
    data_dir.database.write_bytes(b"\x00" * 100 + b"not sqlite")
    with pytest.raises(DatabaseCorruptError, match="was not changed"):
        open_database(data_dir)
    assert data_dir.database.read_bytes() == b"\x00" * 100 + b"not sqlite"


def test_tampered_audit_event_is_detected(demo_dir, capsys):
    con = sqlite3.connect(demo_dir.database)
    con.execute(
        "UPDATE audit_events SET summary = 'nothing to see' WHERE id = (SELECT max(id) FROM audit_events)"
    )
    con.commit()
    con.close()
    code = main(["check", "--data-dir", str(demo_dir.root)])
    out, _ = capsys.readouterr()
    assert code == 1 and "TAMPERED" in out and "content was changed" in out


# --------------------------------------------------------------------------- a full disk is a full disk


def _says_full_not_damaged(text: str, *, need_known: bool = True) -> None:
    assert "disk is full" in text and ("needs about" in text or not need_known), text
    assert "damaged" not in text.replace("not damaged", "") and "restore" not in text.lower(), text


@needs_root
def test_real_full_disk_is_called_a_full_disk_by_every_command(tmp_path, demo_dir, capsys):
    """The attack: a full disk made every command say the database was damaged (SQLite's
    SQLITE_IOERR_SHMSIZE: no room for the shared-memory file the WAL needs)."""
    from fluorodesk.services.startup import health_check

    disk = tmp_path / "small-disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)):
        clinic = DataDir(disk / "clinic")
        shutil.copytree(demo_dir.root, clinic.root)
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb", buffering=0) as handle:
            while True:
                handle.write(b"\0" * 65536)
        for command in (
            ["status"],
            ["check"],
            ["backup"],
            ["export", "technicians", "--out", str(tmp_path / "t.csv")],
        ):
            code = main([*command, "--data-dir", str(clinic.root)])
            _, err = capsys.readouterr()
            assert code == 1, command
            _says_full_not_damaged(err)
        with pytest.raises(DiskFullError) as raised:
            health_check(clinic)  # the window's start-up: no recovery dialog for a full disk
        _says_full_not_damaged(str(raised.value))
        filler.unlink()
        assert main(["check", "--data-dir", str(clinic.root)]) == 0
        assert health_check(clinic).ok


def _sqlite_error(message: str, code: int, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    error.sqlite_errorname = name
    return error


def test_simulated_disk_errors_at_start_up_are_never_called_damage(demo_dir, monkeypatch):
    from fluorodesk import errors
    from fluorodesk.errors import DiskIOError
    from fluorodesk.services import startup

    def failing(*_args, **_kwargs):
        raise _sqlite_error("disk I/O error", 4874, "SQLITE_IOERR_SHMSIZE")

    monkeypatch.setattr(startup, "integrity_problems", failing)
    monkeypatch.setattr(errors, "free_space", lambda _path: 0)
    with pytest.raises(DiskFullError) as raised:
        startup.health_check(demo_dir)
    _says_full_not_damaged(str(raised.value))
    monkeypatch.setattr(errors, "free_space", lambda _path: 50 << 30)  # room enough: a failing disk
    with pytest.raises(DiskIOError, match="not a sign that the records are damaged") as raised:
        startup.health_check(demo_dir)
    assert "restore" not in str(raised.value).lower()


@pytest.mark.parametrize(
    ("error", "free", "kind"),
    [
        (_sqlite_error("database or disk is full", 13, "SQLITE_FULL"), 50 << 30, DiskFullError),
        (_sqlite_error("disk I/O error", 4874, "SQLITE_IOERR_SHMSIZE"), 0, DiskFullError),
        (_sqlite_error("disk I/O error", 266, "SQLITE_IOERR_READ"), 50 << 30, "DiskIOError"),
        (OSError(errno.ENOSPC, "No space left on device"), 0, DiskFullError),
        (OSError(errno.EIO, "Input/output error"), 50 << 30, "DiskIOError"),
        (
            _sqlite_error("database disk image is malformed", 11, "SQLITE_CORRUPT"),
            50 << 30,
            DatabaseCorruptError,
        ),
        (_sqlite_error("file is not a database", 26, "SQLITE_NOTADB"), 50 << 30, DatabaseCorruptError),
    ],
)
def test_storage_errors_are_classified_by_what_really_happened(error, free, kind, tmp_path, monkeypatch):
    from fluorodesk import errors

    monkeypatch.setattr(errors, "free_space", lambda _path: free)
    mapped = errors.storage_error_from(error, path=tmp_path / "fluorodesk.sqlite3")
    expected = getattr(errors, kind) if isinstance(kind, str) else kind
    assert type(mapped) is expected, mapped
    if expected is DiskFullError:  # an OS error comes without a figure: the caller's to give
        _says_full_not_damaged(str(mapped), need_known=isinstance(error, sqlite3.Error))
    elif expected is not DatabaseCorruptError:
        assert "restore" not in str(mapped).lower()
