"""Backups: one zip file holding a consistent copy of the database and every attachment.

The database is copied through SQLite's online backup API, so a backup taken while the app is
writing is still consistent.  The zip is written under a temporary name and renamed at the end:
a crash or a full disk never leaves a half-written file under the name the user chose.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fluorodesk import __version__
from fluorodesk.db.migrate import current_revision
from fluorodesk.db.sqlite_tools import copy_database
from fluorodesk.errors import StorageError, storage_error_from
from fluorodesk.paths import DATABASE_NAME
from fluorodesk.services.base import Service

BACKUP_SUFFIX = ".fdbackup"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    attachments: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class BackupService(Service):
    def backup_to(self, destination: Path) -> BackupInfo:
        data_dir = self.db.data_dir
        destination = Path(destination)
        if destination.suffix != BACKUP_SUFFIX:
            destination = destination.with_name(destination.name + BACKUP_SUFFIX)
        partial = destination.with_name(destination.name + ".partial")
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="fluorodesk-backup-") as tmp:
                snapshot = Path(tmp) / DATABASE_NAME
                copy_database(self.db.path, snapshot)
                attachments = (
                    sorted(p for p in data_dir.attachments.rglob("*") if p.is_file())
                    if (data_dir.attachments.is_dir())
                    else []
                )
                manifest = {
                    "app": "FluoroDesk",
                    "app_version": __version__,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "schema_revision": current_revision(snapshot),
                    "database_sha256": _sha256(snapshot),
                    "attachments": len(attachments),
                }
                with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr("manifest.json", json.dumps(manifest, indent=2))
                    archive.write(snapshot, DATABASE_NAME)
                    for file in attachments:
                        archive.write(
                            file, "attachments/" + file.relative_to(data_dir.attachments).as_posix()
                        )
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            partial.replace(destination)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise storage_error_from(exc, path=destination) or StorageError(
                f"The backup could not be written to {destination}: {exc.strerror or exc}."
            ) from exc
        return BackupInfo(destination, destination.stat().st_size, len(attachments))
