"""Backups: one zip file holding a consistent copy of the database and every attachment.

The database is copied through SQLite's online backup API, so a backup taken while the app is
writing is still consistent.  A database that fails SQLite's quick check is never backed up (a copy
of a damaged file could not be restored, and automatic ones would push good backups out).  The zip
is written under a temporary name, read back and checked against what was written, and only then
renamed: a crash, a full disk or a failing disk never leaves a bad file under the name the user
chose, and an existing file is replaced only when asked (``replace=True``, ``backup --force``).

Automatic backups (``auto-YYYYMMDD-HHMMSS.fdbackup`` in the data folder's ``backups/``) are made at
start-up and then daily while the app runs, when anything changed since the newest one; the
newest ``app.backups_keep`` are kept, older automatic ones are deleted.  Backups made by hand,
before a migration or before a restore are never rotated away.

A backup file is trusted in nothing: ``backup_verify.verify_backup`` checks it whole.
``restore_backup`` then copies its rows into a freshly migrated database (``db.transplant``)
rather than adopting the file, upgrades that if the backup is older and records the restore in its
audit trail, all in a staging folder; only then does it move the current database and attachments
aside into ``replaced/`` (never deleting or overwriting them) and put the new ones in their place.
It refuses while anyone else uses the clinic (``instance_lock.replacing``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fluorodesk import __version__
from fluorodesk.db.migrate import current_revision
from fluorodesk.db.sqlite_tools import copy_database, integrity_problems
from fluorodesk.errors import (
    ConflictError,
    DatabaseCorruptError,
    FluoroDeskError,
    StorageError,
    disk_full_error,
    free_space,
    storage_error_from,
)
from fluorodesk.log import log_audit_head, read_audit_head
from fluorodesk.paths import DATABASE_NAME, DataDir
from fluorodesk.services.backup_manifest import MANIFEST, ManifestError, parse_manifest
from fluorodesk.services.backup_verify import (
    CHUNK,
    VERIFY_PREFIX,
    BackupCheck,
    hash_member,
    sha256_file,
    verify_backup,
)
from fluorodesk.services.base import Service

if TYPE_CHECKING:
    from fluorodesk.db.database import Database
    from fluorodesk.db.transplant import ReferenceDatabases

BACKUP_SUFFIX = ".fdbackup"
AUTO_PREFIX = "auto-"
DAILY = timedelta(hours=24)
#: Folder (inside the data folder) where a restore puts the database it replaced.
REPLACED_DIR = "replaced"
SNAPSHOT_PREFIX = ".backup-snapshot-"  # in the data folder while a backup is written
LEFTOVER_AGE = timedelta(hours=1)  # far longer than any backup takes


class BackupRejectedError(FluoroDeskError):
    """The file is not a sound FluoroDesk backup; nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    attachments: int


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    replaced: Path | None  # where the previous database and attachments were moved
    check: BackupCheck


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now()).strftime("%Y%m%d-%H%M%S")


def _audit_head(database: Path) -> str:
    """Hash of the newest audit event: every change writes one, so equal heads mean no change."""
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else ""
    except sqlite3.Error:
        return ""
    finally:
        con.close()


def _revision_or_none(database: Path) -> str | None:
    try:
        return current_revision(database)
    except sqlite3.Error:
        return None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- writing


def write_backup(data_dir: DataDir, destination: Path, *, replace: bool = False) -> BackupInfo:
    """Write a backup of ``data_dir`` to ``destination`` (``.fdbackup`` added when missing).

    Refused, with nothing written: when ``destination`` exists and ``replace`` is false
    (ConflictError), when the database fails its quick check (DatabaseCorruptError), when the disk
    is full or the written file does not read back as written (StorageError).
    """
    destination = Path(destination)
    if destination.suffix != BACKUP_SUFFIX:
        destination = destination.with_name(destination.name + BACKUP_SUFFIX)
    _refuse_existing(destination, replace)
    partial = destination.with_name(destination.name + ".partial")
    needed = _backup_need(data_dir)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(data_dir.root, destination.parent)
        # The snapshot is a full copy of the records: it stays in the data folder, which is protected
        # like the database, and not in the system's temporary folder, where a backup cut short (power
        # cut, Task Manager) would leave it.
        with _snapshot_folder(data_dir, destination.parent) as tmp:
            snapshot = Path(tmp) / DATABASE_NAME
            copy_database(data_dir.database, snapshot)
            _refuse_damaged(snapshot)
            attachments = (
                sorted(p for p in data_dir.attachments.rglob("*") if p.is_file())
                if data_dir.attachments.is_dir()
                else []
            )
            files = {
                "attachments/" + f.relative_to(data_dir.attachments).as_posix(): sha256_file(f)
                for f in attachments
            }
            head = read_audit_head(snapshot)  # an anchor of the audit chain (services/audit.py)
            log_audit_head(data_dir.database, head, f"backup {destination.name}")
            manifest = {
                "app": "FluoroDesk",
                "app_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema_revision": _revision_or_none(snapshot),
                "database_sha256": sha256_file(snapshot),
                "database_bytes": snapshot.stat().st_size,
                "quick_check": "ok",
                "audit_head": _audit_head(snapshot),
                "audit_event": head.event if head else 0,
                "attachments": len(attachments),
                "files": files,
            }
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
                _deflate_into(archive, snapshot, DATABASE_NAME)
                for file in attachments:
                    # Scans and photos are compressed already: store them, do not deflate again.
                    archive.write(
                        file,
                        "attachments/" + file.relative_to(data_dir.attachments).as_posix(),
                        compress_type=zipfile.ZIP_STORED,
                    )
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        _check_written(partial, manifest)
        _refuse_existing(destination, replace)  # made meanwhile (another window, another command)?
        partial.replace(destination)
        _fsync_dir(destination.parent)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise storage_error_from(exc, path=destination.parent, needed=needed) or StorageError(
            f"The backup could not be written to {destination}: {getattr(exc, 'strerror', None) or exc}."
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    return BackupInfo(destination, destination.stat().st_size, len(attachments))


def _refuse_existing(destination: Path, replace: bool) -> None:
    if not replace and destination.exists():
        raise ConflictError(
            f"{destination} already exists and was left as it is. Choose another file name, "
            "or replace it on purpose (`fluorodesk backup --force`)."
        )


def _snapshot_folder(data_dir: DataDir, beside: Path) -> tempfile.TemporaryDirectory[str]:
    """Where the database is copied to be backed up: the data folder, or next to the backup when the
    data folder is read-only (a backup of a folder FluoroDesk may only read)."""
    try:
        return tempfile.TemporaryDirectory(prefix=SNAPSHOT_PREFIX, dir=data_dir.root)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=SNAPSHOT_PREFIX, dir=beside)


def _refuse_damaged(snapshot: Path) -> None:
    """No backup of a damaged database: it could not be restored, and it would count as the newest."""
    try:
        problems = integrity_problems(snapshot, quick=True)
    except sqlite3.DatabaseError as exc:  # damaged enough that the check itself fails
        if not isinstance(storage_error_from(exc), DatabaseCorruptError):
            raise  # the disk, not the file: said as what it is by write_backup
        problems = [f"integrity: {exc}"]
    damage = [p.removeprefix("integrity: ") for p in problems if p.startswith("integrity")]
    if damage:  # foreign-key findings are not damage: `check` reports them, the backup keeps them
        raise DatabaseCorruptError(
            f"The database failed its quick check ({damage[0].splitlines()[0][:160]}), so no backup "
            "was made: a copy of a damaged file could not be restored. The existing backups are "
            "kept. Run `fluorodesk check` for details."
        )


def _check_written(partial: Path, manifest: dict[str, Any]) -> None:
    """Read the written zip back: every member whole (its CRC) and equal to what was hashed."""
    expected = {DATABASE_NAME: manifest["database_sha256"], **manifest["files"]}
    try:
        with zipfile.ZipFile(partial) as archive:
            if parse_manifest(archive.read(MANIFEST)) != manifest:
                raise ValueError("its manifest")
            if sorted(archive.namelist()) != sorted([MANIFEST, *expected]):
                raise ValueError("its list of files")
            for name, digest in expected.items():
                if hash_member(archive, name, None) != digest:
                    raise ValueError(name)
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise StorageError(
            f"The backup did not read back as it was written ({exc}), so it was deleted and nothing "
            f"was replaced. The disk holding {partial.parent} may be failing; try another place."
        ) from exc


def _backup_need(data_dir: DataDir) -> int:
    """Bytes a backup needs at most: the snapshot and the zip (the database and the attachments)."""
    total = 0
    with contextlib.suppress(OSError):
        total += 2 * data_dir.database.stat().st_size
        if data_dir.attachments.is_dir():
            total += sum(p.stat().st_size for p in data_dir.attachments.rglob("*") if p.is_file())
    return total


def _remove_leftovers(data_folder: Path, backup_folder: Path) -> None:
    """What backups and checks cut short left behind: snapshots in the data folder, ``.partial`` files
    and unpacked databases next to the backups. Only those an hour old: a backup being written or
    checked now (another window's, the command line's) is younger."""
    cutoff = datetime.now().timestamp() - LEFTOVER_AGE.total_seconds()
    leftovers = [
        *data_folder.glob(f"{SNAPSHOT_PREFIX}*"),
        *backup_folder.glob(f"*{BACKUP_SUFFIX}.partial"),
        *backup_folder.glob(f"{VERIFY_PREFIX}*"),
    ]
    for leftover in leftovers:
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime >= cutoff:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()


def _deflate_into(archive: zipfile.ZipFile, source: Path, name: str) -> None:
    """``archive.write(source, name)`` (same entry: name, time, mode, deflated), in large chunks."""
    info = zipfile.ZipInfo.from_file(source, name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with source.open("rb") as src, archive.open(info, "w") as dest:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            dest.write(chunk)


# --------------------------------------------------------------------------- finding backups


def auto_backups(data_dir: DataDir) -> list[Path]:
    """Automatic backups, newest first (their names sort by time)."""
    folder = data_dir.backups
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{AUTO_PREFIX}*{BACKUP_SUFFIX}"), key=lambda p: p.name, reverse=True)


def all_backups(data_dir: DataDir, extra: Iterable[Path] = ()) -> list[Path]:
    """Every ``.fdbackup`` in the backups folder (and ``extra`` files), newest first by file time."""
    found = set(extra)
    if data_dir.backups.is_dir():
        found.update(p for p in data_dir.backups.glob(f"*{BACKUP_SUFFIX}") if p.is_file())

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(found, key=lambda p: (mtime(p), p.name), reverse=True)


def newest_good_backup(data_dir: DataDir, extra: Iterable[Path] = ()) -> BackupCheck | None:
    """The newest backup that passes ``verify_backup`` (None when there is none)."""
    from fluorodesk.db.transplant import ReferenceDatabases

    with tempfile.TemporaryDirectory(prefix="fluorodesk-schemas-") as tmp:
        references = ReferenceDatabases(Path(tmp))  # one per revision, for every backup looked at
        for path in all_backups(data_dir, extra):
            check = verify_backup(path, references=references)
            if check.ok:
                return check
    return None


def read_manifest(path: Path) -> dict[str, Any]:
    """The backup's manifest, every field checked; {} when it has none that can be used."""
    try:
        with zipfile.ZipFile(path) as archive:
            return parse_manifest(archive.read(MANIFEST))
    except (OSError, zipfile.BadZipFile, KeyError, ManifestError):
        return {}


# --------------------------------------------------------------------------- restoring


def _live_items(data_dir: DataDir) -> list[Path]:
    """The database's files and the attachments folder, those that exist."""
    candidates = [
        data_dir.database,
        data_dir.database.with_name(DATABASE_NAME + "-wal"),
        data_dir.database.with_name(DATABASE_NAME + "-shm"),
        data_dir.database.with_name(DATABASE_NAME + "-journal"),
        data_dir.attachments,
    ]
    return [p for p in candidates if p.exists()]


def _move_aside(items: list[Path], aside: Path) -> list[tuple[Path, Path]]:
    """Move ``items`` into the folder ``aside``; return what moved (all of it, or nothing)."""
    aside.mkdir(parents=True, exist_ok=False)
    moved: list[tuple[Path, Path]] = []
    try:
        for item in items:
            target = aside / item.name
            os.replace(item, target)
            moved.append((item, target))
    except OSError:
        _move_back(moved)
        raise
    return moved


def _move_back(moved: list[tuple[Path, Path]]) -> None:
    for original, target in reversed(moved):
        with contextlib.suppress(OSError):
            if original.is_dir() and not any(original.iterdir()):
                original.rmdir()
            os.replace(target, original)


def _restore_need(source: Path) -> int:
    """Bytes a restore unpacks into the data folder: the backup's database twice (as it came, and
    the rebuilt one) and its attachments."""
    try:
        with zipfile.ZipFile(source) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile):
        return 0  # verify_backup says what is wrong with it
    return sum(sizes.values()) + sizes.get(DATABASE_NAME, 0)


def restore_backup(data_dir: DataDir, source: Path, *, actor: str) -> RestoreResult:
    """Replace the clinic's data with a verified backup; the current data is moved aside, not lost.

    The backup's rows are copied into a database made by the migrations (see the module docstring),
    upgraded and given the restore's audit event, all in a staging folder; the live data is
    touched only once that is done.  The caller has closed its own database connections.
    ClinicBusyError (nothing changed) while a window other than the caller's, or a command that
    writes, is using the clinic.
    """
    from fluorodesk.instance_lock import replacing

    with replacing(data_dir, f"restore of {Path(source).name}", doing="restore a backup"):
        return _restore(data_dir, source, actor=actor)


def _restore(data_dir: DataDir, source: Path, *, actor: str) -> RestoreResult:
    from fluorodesk.db.database import Database
    from fluorodesk.db.engine import make_engine, set_wal
    from fluorodesk.db.transplant import ReferenceDatabases

    source = Path(source)
    stamp = _stamp()
    staging = DataDir(data_dir.root / f".restore-{stamp}")
    needed = _restore_need(source)
    try:
        data_dir.root.mkdir(parents=True, exist_ok=True)
        free = free_space(data_dir.root)
        if free is not None and free < needed:
            raise disk_full_error(data_dir.root, needed, free=free)
        unpacked = staging.root / "backup"
        references = ReferenceDatabases(staging.root / "reference")
        check = verify_backup(source, extract_to=unpacked, references=references)
        if not check.ok:
            raise BackupRejectedError(
                f"{source.name} cannot be restored: {check.problems[0]}. Nothing was changed."
            )
        _rebuild(unpacked / DATABASE_NAME, staging.database, check, references, data_dir.backups)
        set_wal(staging.database)
        live = _live_items(data_dir)
        aside = data_dir.root / REPLACED_DIR / f"before-restore-{stamp}" if live else None
        db = Database(staging, make_engine(staging.database))
        try:
            _record_restore(db, check, aside and aside.relative_to(data_dir.root), actor)
        finally:
            db.close()
        moved = _move_aside(live, aside) if aside is not None else []
        try:
            os.replace(staging.database, data_dir.database)
            if (unpacked / "attachments").is_dir():
                os.replace(unpacked / "attachments", data_dir.attachments)
            else:
                data_dir.attachments.mkdir(exist_ok=True)
            _fsync_dir(data_dir.root)
        except OSError:
            for leftover in (data_dir.database, data_dir.attachments):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                elif leftover.exists():
                    leftover.unlink()
            _move_back(moved)
            raise
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise storage_error_from(exc, path=data_dir.root, needed=needed) or StorageError(
            f"The backup could not be restored into {data_dir.root}: {reason}. "
            "The current data was left in place."
        ) from exc
    finally:
        shutil.rmtree(staging.root, ignore_errors=True)
    return RestoreResult(source, aside, check)


def _rebuild(
    untrusted: Path, fresh: Path, check: BackupCheck, references: ReferenceDatabases, backups: Path
) -> None:
    """The backup's rows in a new database at ``fresh``, made by the migrations and upgraded to
    this version's schema; BackupRejectedError when the rows do not fit."""
    from fluorodesk.db.migrate import HEAD_REVISION, upgrade
    from fluorodesk.db.transplant import RowsRefused, copy_rows

    def refused(reason: object) -> BackupRejectedError:
        return BackupRejectedError(f"{check.path.name} cannot be restored: {reason}. Nothing was changed.")

    revision = check.schema_revision
    if revision is None:  # verify_backup refuses such a file; said again rather than assumed
        raise refused("its database has no FluoroDesk schema")
    references.fresh_copy(revision, fresh)
    try:
        copy_rows(untrusted, fresh, references.shape(revision))
    except RowsRefused as exc:
        raise refused(exc) from exc
    except sqlite3.OperationalError as exc:
        if storage_error_from(exc) is not None:
            raise  # the disk, said as what it is by restore_backup
        raise refused(f"its rows cannot be copied ({exc})") from exc
    if revision != HEAD_REVISION:
        upgrade(fresh, backups)  # keeps a copy from before the upgrade in backups/, as at start-up


def _record_restore(db: Database, check: BackupCheck, aside: Path | None, actor: str) -> None:
    """Write the restore into the restored database's own audit trail."""
    from fluorodesk.services import audit

    with db.write() as session:
        kept = f"; the replaced data is in {aside}" if aside else ""
        audit.record(
            session,
            actor=actor,
            action="restore",
            entity="clinic",
            entity_id=None,
            summary=f"Restored the backup {check.describe()}{kept}",
        )


# --------------------------------------------------------------------------- the service


class BackupService(Service):
    def backup_to(self, destination: Path, *, replace: bool = False) -> BackupInfo:
        return write_backup(self.db.data_dir, destination, replace=replace)

    def verify(self, path: Path) -> BackupCheck:
        return verify_backup(path)

    def newest_auto_backup(self) -> Path | None:
        found = auto_backups(self.db.data_dir)
        return found[0] if found else None

    def unchanged_since_newest(self) -> bool:
        """True when nothing was recorded since the newest automatic backup."""
        newest = self.newest_auto_backup()
        if newest is None:
            return False
        manifest = read_manifest(newest)
        head = manifest.get("audit_head")
        return bool(head) and head == _audit_head(self.db.path)

    def auto_backup_due(self, now: datetime | None = None, interval: timedelta = DAILY) -> bool:
        """Daily check: the newest automatic backup is older than ``interval`` (or there is none)."""
        newest = self.newest_auto_backup()
        if newest is None:
            return True
        try:
            made = datetime.strptime(newest.name[len(AUTO_PREFIX) : len(AUTO_PREFIX) + 15], "%Y%m%d-%H%M%S")
        except ValueError:
            return True
        return (now or datetime.now()) - made >= interval

    def auto_backup(self, *, keep: int | None = None, now: datetime | None = None) -> BackupInfo | None:
        """Make an automatic backup unless nothing changed since the newest; then keep the newest N.

        Returns None when skipped.  Raises StorageError when it cannot be written or the database
        fails its quick check (nothing is rotated away then).
        """
        if self.unchanged_since_newest():
            return None
        folder = self.db.data_dir.backups
        name = f"{AUTO_PREFIX}{_stamp(now)}"
        target = folder / f"{name}{BACKUP_SUFFIX}"
        n = 2
        while target.exists():
            target = folder / f"{name}-{n}{BACKUP_SUFFIX}"
            n += 1
        info = write_backup(self.db.data_dir, target)
        self.rotate(keep)
        return info

    def rotate(self, keep: int | None = None) -> list[Path]:
        """Delete automatic backups beyond the newest ``keep`` (the setting app.backups_keep)."""
        if keep is None:
            from fluorodesk.services.settings import load_settings

            with self.db.read() as session:
                keep = int(load_settings(session)["app.backups_keep"])
        keep = max(1, int(keep))
        removed = []
        for old in auto_backups(self.db.data_dir)[keep:]:
            try:
                old.unlink()
                removed.append(old)
            except OSError:
                continue  # a file we cannot delete stays; the next rotation tries again
        return removed
