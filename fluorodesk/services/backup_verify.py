"""Checking a backup file, which is trusted in nothing.

``verify_backup`` checks the zip (structure, CRCs, safe names), every manifest field
(``backup_manifest``), the SHA-256 of the database and of every attachment, and that the database's
schema is exactly what the migrations make for its revision (``db.schema_shape``: no extra trigger
or view, no missing table or column) before SQLite's integrity check reads the rest of it.  Every
problem is a sentence; the recovery dialog, the restore and the window's restore all ask here.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fluorodesk.db.sqlite_tools import integrity_problems, looks_like_sqlite, open_untrusted
from fluorodesk.domain.text import counted
from fluorodesk.errors import StorageError, storage_error_from
from fluorodesk.paths import DATABASE_NAME
from fluorodesk.services.backup_manifest import MANIFEST, ManifestError, parse_manifest, safe_member

if TYPE_CHECKING:
    from fluorodesk.db.transplant import ReferenceDatabases

#: Bytes read, compressed and hashed per call: large, so a backup made in a background thread hands
#: Python's lock back and forth a few dozen times, not thousands (zipfile's own copy uses 8 KiB).
CHUNK = 4 << 20


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


VERIFY_PREFIX = ".fluorodesk-verify-"


def _scratch_folder(near: Path) -> tempfile.TemporaryDirectory[str]:
    """Where a backup's database is unpacked to be checked: next to the backup (that copy of the
    records is then no more exposed than the backup itself, and not left in the system's temporary
    folder if the check is cut short), or the system's temporary folder if that one is read-only."""
    try:
        return tempfile.TemporaryDirectory(prefix=VERIFY_PREFIX, dir=near)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=VERIFY_PREFIX.lstrip("."))


def hash_member(archive: zipfile.ZipFile, name: str, out_path: Path | None) -> str:
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


def verify_backup(
    path: Path, *, extract_to: Path | None = None, references: ReferenceDatabases | None = None
) -> BackupCheck:
    """Check a backup file thoroughly; with ``extract_to``, leave the verified contents there.

    ``references``: where the databases migrated to a backup's revision are made (by default in a
    scratch folder for this call).  Never raises for a bad file: every problem is a sentence in
    ``problems``.  Raises StorageError when the contents cannot be unpacked to ``extract_to``
    (a full disk, a read-only folder): not the file's fault.
    """
    path = Path(path)
    try:
        return _verify(path, extract_to, references)
    except StorageError as exc:  # no room or no right to make the scratch databases
        if extract_to is not None:
            raise
        return BackupCheck(path, (f"it could not be checked here: {exc}",))
    except (zipfile.BadZipFile, zlib.error) as exc:
        return BackupCheck(path, (f"the file is damaged ({exc})",))
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        mapped = storage_error_from(exc, path=path) if isinstance(exc, OSError) else None
        if mapped is not None and extract_to is not None:
            raise mapped from exc  # cannot unpack where we must (disk full, read-only): not the file's fault
        if mapped is not None:
            return BackupCheck(path, (f"it could not be checked here: {mapped}",))
        return BackupCheck(path, (f"the file cannot be read ({exc})",))


def _verify(path: Path, extract_to: Path | None, references: ReferenceDatabases | None) -> BackupCheck:
    def bad(*problems: str, **known: Any) -> BackupCheck:
        return BackupCheck(path, tuple(problems), **known)

    if not path.is_file():
        return bad("the file does not exist")
    if not zipfile.is_zipfile(path):
        return bad("it is not a FluoroDesk backup (not a zip file)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        unsafe = [n for n in names if not safe_member(n)]
        if unsafe:
            return bad(f"it contains an unsafe file name ({unsafe[0]})")
        if MANIFEST not in names:
            return bad("it has no manifest (not a FluoroDesk backup)")
        try:
            manifest = parse_manifest(archive.read(MANIFEST))
        except ManifestError as exc:
            return bad(str(exc))
        known: dict[str, Any] = {
            "created_at": _parse_time(manifest["created_at"]),
            "app_version": manifest["app_version"],
            "schema_revision": manifest["schema_revision"],
            "attachments": manifest["attachments"],
            "database_bytes": manifest.get("database_bytes", 0),
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
            if references is None:
                from fluorodesk.db.transplant import ReferenceDatabases

                references = ReferenceDatabases(Path(tmp) / "reference")
            found, known["schema_revision"] = _database_problems(database, manifest, references)
            problems += found
            files = manifest.get("files")
            for name in attachment_names:
                expected = files.get(name) if files is not None else None
                if files is not None and expected is None:
                    problems.append(f"{name} is not listed in its manifest")
                    continue
                if expected is None and extract_to is None:
                    continue  # an older backup without per-file hashes: the zip CRC was checked
                actual = hash_member(archive, name, target / name if extract_to is not None else None)
                if expected is not None and actual != expected:
                    problems.append(f"{name} does not match the SHA-256 in its manifest")
        return bad(*problems, **known)


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)  # the manifest's check made sure it parses
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _database_problems(
    database: Path, manifest: dict[str, Any], references: ReferenceDatabases
) -> tuple[list[str], str | None]:
    """What is wrong with a backup's unpacked database (and its schema revision, when it has one).

    The schema is compared with the migrations' before anything else reads the file, so a view
    or a trigger planted in it is reported without ever being run.
    """
    from fluorodesk.db.migrate import known_revisions
    from fluorodesk.db.schema_shape import read_shape, shape_differences

    if sha256_file(database) != manifest["database_sha256"]:
        return ["its database does not match the SHA-256 in its manifest"], None
    if "database_bytes" in manifest and database.stat().st_size != manifest["database_bytes"]:
        return ["its database is not the size its manifest says"], None
    if not looks_like_sqlite(database) or database.stat().st_size == 0:
        return ["its database is not an SQLite file"], None
    try:
        with open_untrusted(database) as con:
            revision = _stamped_revision(con)
            if revision is None:
                return ["its database has no FluoroDesk schema"], None
            if revision not in known_revisions():
                return [
                    f"it was made by a newer FluoroDesk (schema {revision}); install that version"
                ], revision
            differences = shape_differences(references.shape(revision), read_shape(con))
    except sqlite3.DatabaseError as exc:  # damaged: the integrity check says where, if it can
        return _damage(database, exc), None
    if differences:
        listed = "; ".join(differences[:3]) + (
            f"; and {counted(len(differences) - 3, 'other differences')}" if len(differences) > 3 else ""
        )
        return [
            f"its database's schema is not the one FluoroDesk makes for schema {revision}: {listed}"
        ], revision
    try:
        return [f"database {p}" for p in integrity_problems(database, untrusted=True)[:5]], revision
    except sqlite3.DatabaseError as exc:
        return _damage(database, exc), revision


def _stamped_revision(con: sqlite3.Connection) -> str | None:
    """The revision in a backup's ``alembic_version`` table (None: none, or not a table of text)."""
    table = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not table:
        return None
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row and isinstance(row[0], str) else None


def _damage(database: Path, exc: sqlite3.DatabaseError) -> list[str]:
    if "interrupt" in str(exc):
        return ["its database takes far too long to read (a FluoroDesk database never does)"]
    try:
        found = integrity_problems(database, untrusted=True)
    except sqlite3.DatabaseError:
        found = []
    return [f"database {p}" for p in found[:5]] or [f"its database cannot be read ({exc})"]
