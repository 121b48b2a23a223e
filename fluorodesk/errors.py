"""Errors sorted by who is to blame.

* ``ValidationError``: the user typed something we cannot accept; shown inline, input kept.
* ``StorageError``: the machine is in the way (locked, read-only, full, corrupt); shown calmly
  with what to do, nothing lost.
* anything else is a bug and goes to the crash handler with a log entry.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Mapping


class FluoroDeskError(Exception):
    """Base for errors whose message is written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(FluoroDeskError):
    """Input that breaks a rule.  ``fields`` maps field names to messages for inline display."""

    def __init__(self, message: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        self.fields = dict(fields or {})
        if message is None:
            message = "; ".join(self.fields.values()) or "The input is not valid."
        super().__init__(message)


class NotFoundError(FluoroDeskError):
    pass


class ConflictError(FluoroDeskError):
    """The action collides with existing data (duplicate ID, locked record...)."""


class PermissionDeniedError(FluoroDeskError):
    pass


class StorageError(FluoroDeskError):
    """Environmental failure of the database or data folder."""


class DatabaseLockedError(StorageError):
    pass


class DatabaseCorruptError(StorageError):
    pass


class ReadOnlyStorageError(StorageError):
    pass


class DiskFullError(StorageError):
    pass


class DiskIOError(StorageError):
    """The disk failed a read or write (SQLITE_IOERR, EIO): the device's fault, not the file's."""


class SchemaTooNewError(StorageError):
    pass


#: A disk with less free space than this cannot be trusted to take SQLite's next write (its journal,
#: its shared-memory file): an I/O error there is taken for what it almost always is, a full disk.
NEARLY_FULL_BYTES = 2 << 20

# SQLite's primary result codes (the low byte of the extended codes Python reports).
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 11, 13, 14
_SQLITE_NOTADB = 26


def size_text(n: int) -> str:
    """A size as a person reads it: "512 KB", "3.4 MB", "1.2 GB"."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1 << 20:
        return f"{round(n / 1024)} KB"
    if n < 1 << 30:
        return f"{n / (1 << 20):.1f} MB"
    return f"{n / (1 << 30):.1f} GB"


def free_space(path: object) -> int | None:
    """Free bytes on the disk holding ``path`` (or its nearest existing folder); None if unknown."""
    if path is None:
        return None
    from pathlib import Path

    folder = Path(str(path))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _database_need(path: object) -> int:
    """Room SQLite needs to work on a database: its journal grows with a write, say a tenth of the
    file, and never less than a couple of megabytes."""
    try:
        size = os.stat(str(path)).st_size if path is not None else 0
    except OSError:
        size = 0
    return max(NEARLY_FULL_BYTES, size // 10)


def disk_full_error(
    path: object = None, needed: int | None = None, *, free: int | None = None
) -> DiskFullError:
    """The sentence for a full disk: where, how much is free, how much is needed."""
    free = free_space(path) if free is None else free
    where = f" ({path})" if path else ""
    figures = [f"{size_text(free)} free" if free is not None else ""]
    figures.append(f"FluoroDesk needs about {size_text(needed)}" if needed else "")
    said = ": " + ", and ".join(f for f in figures if f) if any(figures) else ""
    return DiskFullError(
        f"The disk is full{where}{said}. Free some space and try again; nothing was saved, "
        "and the records are not damaged."
    )


def _sqlite_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def storage_error_from(
    exc: BaseException, *, path: object = None, needed: int | None = None
) -> StorageError | None:
    """Translate a sqlite3 / OS error into a user-facing StorageError, or None if it is a bug.

    ``needed``: bytes the failed operation needed on the disk of ``path`` (a backup: the database
    and the attachments), said when the disk turns out to be full.  Only SQLite's own verdict that
    a file's content is wrong (SQLITE_CORRUPT, SQLITE_NOTADB) is called damage: a full disk or a
    failing read is never, and never leads to advice to restore a backup.
    """
    orig = getattr(exc, "orig", exc)  # unwrap SQLAlchemy's DBAPIError
    where = f" ({path})" if path else ""
    if isinstance(orig, OSError):
        if orig.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return disk_full_error(path, needed)
        if orig.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ReadOnlyStorageError(
                f"FluoroDesk may not write to its data folder{where}. "
                "Ask your IT contact to give you write access."
            )
        if orig.errno == errno.EIO:
            return _io_error(path, needed, orig.strerror or str(orig))
        return None
    if not isinstance(orig, sqlite3.Error):
        return None
    text = str(orig).lower()
    code = _sqlite_code(orig)
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(
            "The database is busy in another program. Close other FluoroDesk windows and try again."
        )
    if code == _SQLITE_FULL or "disk is full" in text:
        return disk_full_error(path, needed or _database_need(path))
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN) or "disk i/o" in text or "unable to open" in text:
        need = needed or _database_need(path)
        free = free_space(path)
        if free is not None and free < need:
            return disk_full_error(path, need, free=free)
        if code == _SQLITE_IOERR or "disk i/o" in text:
            return _io_error(path, needed, getattr(orig, "sqlite_errorname", "") or str(orig))
    if code == _SQLITE_READONLY or "readonly" in text or "read-only" in text or "unable to open" in text:
        return ReadOnlyStorageError(
            f"FluoroDesk cannot write to its database{where}. Check that the data folder is writable."
        )
    if (
        code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
        or "malformed" in text
        or "not a database" in text
        or "corrupt" in text
    ):
        return DatabaseCorruptError(
            f"The database file is damaged{where}. Restore the newest backup; the damaged file is kept."
        )
    return None


def _io_error(path: object, needed: int | None, detail: str) -> DiskIOError:
    where = f" {path}" if path else " its files"
    return DiskIOError(
        f"The disk could not read or write{where} ({detail}). This is a fault of the disk or its "
        "connection (a network drive, a USB stick), not a sign that the records are damaged: check "
        "that the disk is connected and has free space, then try again. Nothing was changed."
    )
