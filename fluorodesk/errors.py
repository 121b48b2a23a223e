"""Errors sorted by who is to blame.

* ``ValidationError``: the user typed something we cannot accept; shown inline, input kept.
* ``StorageError``: the machine is in the way (locked, read-only, full, corrupt); shown calmly
  with what to do, nothing lost.
* anything else is a bug and goes to the crash handler with a log entry.
"""

from __future__ import annotations

import errno
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


class SchemaTooNewError(StorageError):
    pass


def storage_error_from(exc: BaseException, *, path: object = None) -> StorageError | None:
    """Translate a sqlite3 / OS error into a user-facing StorageError, or None if it is a bug."""
    orig = getattr(exc, "orig", exc)  # unwrap SQLAlchemy's DBAPIError
    where = f" ({path})" if path else ""
    if isinstance(orig, OSError):
        if orig.errno == errno.ENOSPC:
            return DiskFullError(
                f"The disk is full{where}. Free some space and try again; nothing was saved."
            )
        if orig.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ReadOnlyStorageError(
                f"FluoroDesk may not write to its data folder{where}. "
                "Ask your IT contact to give you write access."
            )
        return None
    if not isinstance(orig, sqlite3.Error):
        return None
    text = str(orig).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(
            "The database is busy in another program. Close other FluoroDesk windows and try again."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return ReadOnlyStorageError(
            f"FluoroDesk cannot write to its database{where}. Check that the data folder is writable."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFullError(f"The disk is full{where}. Free some space and try again; nothing was saved.")
    if "malformed" in text or "not a database" in text or "disk i/o" in text or "corrupt" in text:
        return DatabaseCorruptError(
            f"The database file is damaged{where}. Restore the newest backup; the damaged file is kept."
        )
    return None
