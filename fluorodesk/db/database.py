"""Opening a clinic's database: folder checks, migrations with a backup first, sessions.

Every failure a user can meet here (missing or read-only folder, a file that is not a database, a
schema from a newer version) becomes a ``StorageError`` with one clear sentence.

What only reads (``open_for_reading``: status, check, export, packet, a backup) also works in a folder
FluoroDesk may not write to: it then reads through a read-only connection, migrates nothing, and a
``write()`` is refused with a sentence before SQLite is asked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fluorodesk.db import migrate
from fluorodesk.db.engine import make_engine
from fluorodesk.db.folder import prepare_folder, writable
from fluorodesk.db.sqlite_tools import looks_like_sqlite
from fluorodesk.errors import (
    DatabaseCorruptError,
    ReadOnlyStorageError,
    SchemaTooNewError,
    StorageError,
    storage_error_from,
)
from fluorodesk.paths import DataDir


class Database:
    """An open clinic database.  Services take one of these; nothing else opens sessions."""

    def __init__(self, data_dir: DataDir, engine: Engine, *, read_only: bool = False) -> None:
        self.data_dir = data_dir
        self.engine = engine
        self.read_only = read_only
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)

    @property
    def path(self) -> Path:
        return self.data_dir.database

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction for one user action: committed whole, or rolled back whole."""
        if self.read_only:
            raise ReadOnlyStorageError(
                f"FluoroDesk may not write to its data folder {self.data_dir.root}, so nothing can be "
                "changed there; ask your IT contact for write access."
            )
        try:
            with self._write() as session, session.begin():
                yield session
        except (DBAPIError, sqlite3.Error, OSError) as exc:
            mapped = storage_error_from(exc, path=self.path)
            if mapped is None:
                raise
            raise mapped from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One consistent snapshot to read from (nothing is committed through it)."""
        try:
            with self._read() as session, session.begin():
                yield session
        except (DBAPIError, sqlite3.Error, OSError) as exc:
            mapped = storage_error_from(exc, path=self.path)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        self.engine.dispose()


def open_database(data_dir: DataDir, *, create: bool = True, upgrade: bool = True) -> Database:
    """Open (and if needed create and migrate) the database in ``data_dir``.

    ``create=False`` refuses a folder without a database instead of making an empty one, which is
    what read-only commands such as ``fluorodesk status`` want.
    """
    prepare_folder(data_dir, create=create)
    path = _database_file(data_dir, create=create)
    try:
        if upgrade and migrate.needs_upgrade(path):
            migrate.upgrade(path, data_dir.backups)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(exc, path) from exc
    return Database(data_dir, make_engine(path))


def open_for_reading(data_dir: DataDir) -> Database:
    """Open the database of ``data_dir`` for a command that only reads.

    Where the folder may be written to, this is ``open_database(create=False)`` (a schema that is
    behind is brought up to date, as always).  Where it may not, the file is read through a
    read-only connection and nothing is migrated: a schema that is behind is refused with a sentence.
    """
    prepare_folder(data_dir, create=False, write=False)
    if writable(data_dir.root):
        return open_database(data_dir, create=False)
    path = _database_file(data_dir, create=False)
    try:
        revision = migrate.current_revision(path)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(exc, path) from exc
    if revision is None:
        raise StorageError(f"The database {path} holds no FluoroDesk records yet: there is nothing to read.")
    if revision != migrate.HEAD_REVISION:
        if revision not in migrate.known_revisions():
            raise SchemaTooNewError(
                f"This database ({path}) was written by a newer FluoroDesk (schema {revision}); "
                "install the newer version to read it."
            )
        raise StorageError(
            f"The database {path} was written by an older FluoroDesk and its folder is read-only, so "
            "it cannot be brought up to date to be read; open it once where FluoroDesk may write to it."
        )
    return Database(data_dir, make_engine(path, read_only=True), read_only=True)


def _database_file(data_dir: DataDir, *, create: bool) -> Path:
    """The database file, after refusing a missing one (unless ``create``) or one that is no SQLite file."""
    path = data_dir.database
    if not path.exists() and not create:
        raise StorageError(
            f"There is no FluoroDesk database in {data_dir.root}. "
            "Start the app there first, or run `fluorodesk demo` to try it with sample data."
        )
    if path.exists() and not looks_like_sqlite(path):
        raise DatabaseCorruptError(
            f"{path} is not a FluoroDesk database (the file is damaged or of another kind). "
            "Restore the newest backup; the file was not changed."
        )
    return path


def _unreadable(exc: sqlite3.DatabaseError, path: Path) -> StorageError:
    return storage_error_from(exc, path=path) or DatabaseCorruptError(
        f"The database {path} cannot be read ({exc}). Restore the newest backup; the file was not changed."
    )
