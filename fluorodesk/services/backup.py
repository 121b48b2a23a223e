"""Backups: one zip file holding a consistent copy of the database and every attachment.

The database is copied through SQLite's online backup API, so a backup taken while the app is
writing is still consistent.  The zip is written under a temporary name and renamed at the end:
a crash or a full disk never leaves a half-written file under the name the user chose.

Automatic backups (``auto-YYYYMMDD-HHMMSS.fdbackup`` in the data folder's ``backups/``) are made at
start-up and then daily while the app runs, when anything changed since the newest one; the
newest ``app.backups_keep`` are kept, older automatic ones are deleted.  Backups made by hand,
before a migration or before a restore are never rotated away.  A database that fails SQLite's
quick check is never backed up automatically, so a damaged file cannot push good backups out.

Restoring (``restore_backup``) verifies the file first (zip structure and CRCs, manifest, SHA-256
of the database and of every attachment, ``PRAGMA integrity_check``, a schema revision this version
knows), then moves the current database and attachments aside into ``replaced/`` (never deleting
or overwriting them) and puts the backup's copies in their place, refusing while anyone else uses
the clinic (``instance_lock.replacing``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from fluorodesk import __version__
from fluorodesk.db.migrate import current_revision
from fluorodesk.db.sqlite_tools import copy_database, integrity_problems, looks_like_sqlite
from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError, StorageError, storage_error_from
from fluorodesk.paths import DATABASE_NAME, DataDir
from fluorodesk.services.base import Service

BACKUP_SUFFIX = ".fdbackup"
AUTO_PREFIX = "auto-"
MANIFEST = "manifest.json"
DAILY = timedelta(hours=24)
#: Bytes read, compressed and hashed per call: large, so a backup made in a background thread hands
#: Python's lock back and forth a few dozen times, not thousands (zipfile's own copy uses 8 KiB).
CHUNK = 4 << 20
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
class BackupCheck:
    """What ``verify_backup`` found in a backup file."""

    path: Path
    problems: tuple[str, ...]
    created_at: datetime | None = None  # UTC, from the manifest
    app_version: str = ""
    schema_revision: str | None = None
    attachments: int = 0
    database_bytes: int = 0
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def created_local(self) -> datetime | None:
        if self.created_at is None:
            return None
        return self.created_at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)

    def describe(self) -> str:
        when = f"{self.created_local:%Y-%m-%d %H:%M}" if self.created_local else "an unknown time"
        return (
            f"{self.path.name}, made {when} by FluoroDesk {self.app_version or '?'}, "
            f"{counted(self.attachments, 'attachments')}"
        )


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    replaced: Path | None  # where the previous database and attachments were moved
    check: BackupCheck


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def write_backup(data_dir: DataDir, destination: Path, *, require_sound: bool = False) -> BackupInfo:
    """Write a backup of ``data_dir`` to ``destination`` (``.fdbackup`` added when missing)."""
    destination = Path(destination)
    if destination.suffix != BACKUP_SUFFIX:
        destination = destination.with_name(destination.name + BACKUP_SUFFIX)
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(data_dir.root, destination.parent)
        # The snapshot is a full copy of the records: it stays in the data folder, which is protected
        # like the database, and not in the system's temporary folder, where a backup cut short (power
        # cut, Task Manager) would leave it.
        with _snapshot_folder(data_dir, destination.parent) as tmp:
            snapshot = Path(tmp) / DATABASE_NAME
            copy_database(data_dir.database, snapshot)
            try:
                problems = integrity_problems(snapshot, quick=True)
            except sqlite3.DatabaseError as exc:  # damaged enough that the check itself fails
                problems = [f"integrity: {exc}"]
            problems = [p for p in problems if p.startswith("integrity")]  # not foreign-key findings
            if problems and require_sound:
                raise StorageError(
                    "The database failed its quick check, so no automatic backup was made "
                    "(the existing backups are kept). Run `fluorodesk check` for details."
                )
            attachments = (
                sorted(p for p in data_dir.attachments.rglob("*") if p.is_file())
                if data_dir.attachments.is_dir()
                else []
            )
            files = {
                "attachments/" + f.relative_to(data_dir.attachments).as_posix(): sha256_file(f)
                for f in attachments
            }
            manifest = {
                "app": "FluoroDesk",
                "app_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema_revision": _revision_or_none(snapshot),
                "database_sha256": sha256_file(snapshot),
                "database_bytes": snapshot.stat().st_size,
                "quick_check": "ok" if not problems else problems[:20],
                "audit_head": _audit_head(snapshot),
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
        partial.replace(destination)
        _fsync_dir(destination.parent)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise storage_error_from(exc, path=destination) or StorageError(
            f"The backup could not be written to {destination}: {getattr(exc, 'strerror', None) or exc}."
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    return BackupInfo(destination, destination.stat().st_size, len(attachments))


def _snapshot_folder(data_dir: DataDir, beside: Path) -> tempfile.TemporaryDirectory[str]:
    """Where the database is copied to be backed up: the data folder, or next to the backup when the
    data folder is read-only (a backup of a folder FluoroDesk may only read)."""
    try:
        return tempfile.TemporaryDirectory(prefix=SNAPSHOT_PREFIX, dir=data_dir.root)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=SNAPSHOT_PREFIX, dir=beside)


VERIFY_PREFIX = ".fluorodesk-verify-"


def _scratch_folder(near: Path) -> tempfile.TemporaryDirectory[str]:
    """Where a backup's database is unpacked to be checked: next to the backup (that copy of the
    records is then no more exposed than the backup itself, and not left in the system's temporary
    folder if the check is cut short), or the system's temporary folder if that one is read-only."""
    try:
        return tempfile.TemporaryDirectory(prefix=VERIFY_PREFIX, dir=near)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=VERIFY_PREFIX.lstrip("."))


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
    for path in all_backups(data_dir, extra):
        check = verify_backup(path)
        if check.ok:
            return check
    return None


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read(MANIFEST))
            return data if isinstance(data, dict) else {}
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return {}


# --------------------------------------------------------------------------- verifying


def _safe_member(name: str) -> bool:
    pure = PurePosixPath(name)
    return not (pure.is_absolute() or ".." in pure.parts or "\\" in name or ":" in name)


def _parse_time(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _hash_member(archive: zipfile.ZipFile, name: str, out_path: Path | None) -> str:
    """SHA-256 of one archive member, copied to ``out_path`` on the way when one is given."""
    digest = hashlib.sha256()
    out = None
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out = out_path.open("wb")
    try:
        with archive.open(name) as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return digest.hexdigest()


def verify_backup(path: Path, *, extract_to: Path | None = None) -> BackupCheck:
    """Check a backup file thoroughly; with ``extract_to``, leave the verified contents there.

    Never raises for a bad file: every problem is a sentence in ``problems``.
    """
    from fluorodesk.db.migrate import known_revisions

    path = Path(path)

    def bad(*problems: str, **known: Any) -> BackupCheck:
        return BackupCheck(path, tuple(problems), **known)

    try:
        if not path.is_file():
            return bad("the file does not exist")
        if not zipfile.is_zipfile(path):
            return bad("it is not a FluoroDesk backup (not a zip file)")
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if not _safe_member(n)]
            if unsafe:
                return bad(f"it contains an unsafe file name ({unsafe[0]})")
            if MANIFEST not in names:
                return bad("it has no manifest (not a FluoroDesk backup)")
            try:
                manifest = json.loads(archive.read(MANIFEST))
            except (ValueError, UnicodeDecodeError):
                return bad("its manifest cannot be read")
            if not isinstance(manifest, dict) or manifest.get("app") != "FluoroDesk":
                return bad("its manifest is not a FluoroDesk manifest")
            known = {
                "created_at": _parse_time(manifest.get("created_at")),
                "app_version": str(manifest.get("app_version", "")),
                "schema_revision": manifest.get("schema_revision"),
                "attachments": int(manifest.get("attachments") or 0),
                "database_bytes": int(manifest.get("database_bytes") or 0),
                "manifest": manifest,
            }
            try:
                broken = archive.testzip()  # reads every member and checks its CRC
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                return bad(f"the file is damaged (a member fails its checksum: {exc})", **known)
            if broken is not None:
                return bad(f"the file is damaged ({broken} fails its checksum)", **known)
            if DATABASE_NAME not in names:
                return bad("it holds no database", **known)
            attachment_names = [n for n in names if n.startswith("attachments/") and not n.endswith("/")]
            problems: list[str] = []
            if len(attachment_names) != known["attachments"]:
                problems.append(
                    f"it should hold {counted(known['attachments'], 'attachments')} "
                    f"but holds {len(attachment_names)}"
                )
            with _scratch_folder(path.parent) as tmp:
                target = Path(extract_to) if extract_to is not None else Path(tmp)
                target.mkdir(parents=True, exist_ok=True)
                database = target / DATABASE_NAME
                with archive.open(DATABASE_NAME) as src, database.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                if sha256_file(database) != manifest.get("database_sha256"):
                    problems.append("its database does not match the SHA-256 in its manifest")
                elif not looks_like_sqlite(database):
                    problems.append("its database is not an SQLite file")
                else:
                    try:
                        problems.extend(f"database {p}" for p in integrity_problems(database)[:5])
                        revision = current_revision(database)
                    except sqlite3.Error as exc:
                        problems.append(f"its database cannot be read ({exc})")
                        revision = None
                    known["schema_revision"] = revision
                    if not problems and revision is None:
                        problems.append("its database has no FluoroDesk schema")
                    elif revision is not None and revision not in known_revisions():
                        problems.append(
                            f"it was made by a newer FluoroDesk (schema {revision}); install that version"
                        )
                files = manifest.get("files") if isinstance(manifest.get("files"), dict) else None
                for name in attachment_names:
                    expected = files.get(name) if files is not None else None
                    if files is not None and expected is None:
                        problems.append(f"{name} is not listed in its manifest")
                        continue
                    if expected is None and extract_to is None:
                        continue  # an older backup without per-file hashes: the zip CRC was checked
                    actual = _hash_member(archive, name, target / name if extract_to is not None else None)
                    if expected is not None and actual != expected:
                        problems.append(f"{name} does not match the SHA-256 in its manifest")
            return bad(*problems, **known)
    except (zipfile.BadZipFile, zlib.error) as exc:
        return bad(f"the file is damaged ({exc})")
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        mapped = storage_error_from(exc, path=path) if isinstance(exc, OSError) else None
        if mapped is not None and extract_to is not None:
            raise mapped from exc  # cannot unpack where we must (disk full, read-only): not the file's fault
        return bad(f"the file cannot be read ({exc})")


# --------------------------------------------------------------------------- restoring


def _move_aside(data_dir: DataDir, stamp: str) -> tuple[Path | None, list[tuple[Path, Path]]]:
    """Move the live database files and attachments into replaced/<stamp>/; return what moved."""
    candidates = [
        data_dir.database,
        data_dir.database.with_name(DATABASE_NAME + "-wal"),
        data_dir.database.with_name(DATABASE_NAME + "-shm"),
        data_dir.database.with_name(DATABASE_NAME + "-journal"),
        data_dir.attachments,
    ]
    present = [p for p in candidates if p.exists()]
    if not present:
        return None, []
    aside = data_dir.root / REPLACED_DIR / f"before-restore-{stamp}"
    aside.mkdir(parents=True, exist_ok=False)
    moved: list[tuple[Path, Path]] = []
    try:
        for item in present:
            target = aside / item.name
            os.replace(item, target)
            moved.append((item, target))
    except OSError:
        _move_back(moved)
        raise
    return aside, moved


def _move_back(moved: list[tuple[Path, Path]]) -> None:
    for original, target in reversed(moved):
        with contextlib.suppress(OSError):
            if original.is_dir() and not any(original.iterdir()):
                original.rmdir()
            os.replace(target, original)


def restore_backup(data_dir: DataDir, source: Path, *, actor: str) -> RestoreResult:
    """Replace the clinic's data with a verified backup; the current data is moved aside, not lost.

    The caller has closed its own database connections.  ClinicBusyError (nothing changed) while a
    window other than the caller's, or a command that writes, is using the clinic.
    """
    from fluorodesk.instance_lock import replacing

    with replacing(data_dir, f"restore of {Path(source).name}", doing="restore a backup"):
        return _restore(data_dir, source, actor=actor)


def _restore(data_dir: DataDir, source: Path, *, actor: str) -> RestoreResult:
    from fluorodesk.db.engine import set_wal

    source = Path(source)
    stamp = _stamp()
    staging = data_dir.root / f".restore-{stamp}"
    try:
        data_dir.root.mkdir(parents=True, exist_ok=True)
        check = verify_backup(source, extract_to=staging)
        if not check.ok:
            raise BackupRejectedError(
                f"{source.name} cannot be restored: {check.problems[0]}. Nothing was changed."
            )
        aside, moved = _move_aside(data_dir, stamp)
        try:
            os.replace(staging / DATABASE_NAME, data_dir.database)
            staged_attachments = staging / "attachments"
            if staged_attachments.is_dir():
                os.replace(staged_attachments, data_dir.attachments)
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
        set_wal(data_dir.database)
    except OSError as exc:
        raise storage_error_from(exc, path=data_dir.root) or StorageError(
            f"The backup could not be restored into {data_dir.root}: {exc.strerror or exc}. "
            "The current data was left in place."
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _record_restore(data_dir, source, check, aside, actor)
    return RestoreResult(source, aside, check)


def _record_restore(
    data_dir: DataDir, source: Path, check: BackupCheck, aside: Path | None, actor: str
) -> None:
    """Write the restore into the restored database's audit trail (migrating it first if older)."""
    from fluorodesk.db.database import open_database
    from fluorodesk.services import audit

    db = open_database(data_dir, create=False)
    try:
        with db.write() as session:
            kept = f"; the replaced data is in {aside.relative_to(data_dir.root)}" if aside else ""
            audit.record(
                session,
                actor=actor,
                action="restore",
                entity="clinic",
                entity_id=None,
                summary=f"Restored the backup {check.describe()}{kept}",
            )
    finally:
        db.close()


# --------------------------------------------------------------------------- the service


class BackupService(Service):
    def backup_to(self, destination: Path) -> BackupInfo:
        return write_backup(self.db.data_dir, destination)

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
        info = write_backup(self.db.data_dir, target, require_sound=True)
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
