"""Opening a clinic's database: folder checks, migrations with a backup first, sessions.

Every failure a user can meet here (missing or read-only folder, a file that is not a database, a
schema from a newer version) becomes a ``StorageError`` with one clear sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fluorodesk.db import generation, migrate
from fluorodesk.db.engine import make_engine
from fluorodesk.db.folder import prepare_folder
from fluorodesk.db.shared_memo import SharedMemo
from fluorodesk.db.sqlite_tools import looks_like_sqlite
from fluorodesk.errors import (
    DatabaseCorruptError,
    StorageError,
    storage_error_from,
)
from fluorodesk.paths import DataDir

#: ``session.info`` key set on sessions from ``Database.read()``: one consistent snapshot that nothing
#: writes through, so services may reuse what they worked out within it (``services.base.read_memo``).
READ_ONLY = "fluorodesk.read_only"

#: ``session.info`` keys: the data generations a read session's snapshot shows ({table: counter},
#: ``db/generation.py``; absent when not known), and the memo shared by read sessions
#: (``db.shared_memo``).
DATA_GENERATION = "fluorodesk.data_generation"
SHARED_MEMO = "fluorodesk.shared_memo"


class Database:
    """An open clinic database.  Services take one of these; nothing else opens sessions."""

    def __init__(self, data_dir: DataDir, engine: Engine) -> None:
        self.data_dir = data_dir
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
        self.shared_memo = SharedMemo()

    @property
    def path(self) -> Path:
        return self.data_dir.database

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction for one user action: committed whole, or rolled back whole."""
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
        try:
            with self._read() as session, session.begin():
                session.info[READ_ONLY] = True
                self._stamp_version(session)
                yield session
        except (DBAPIError, sqlite3.Error, OSError) as exc:
            mapped = storage_error_from(exc, path=self.path)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        self.shared_memo.clear()
        self.engine.dispose()

    def _stamp_version(self, session: Session) -> None:
        """Record which state of each table the session's snapshot shows (``db/generation.py``).

        The counters are read inside the snapshot (the read also starts it), so the numbers and the
        data the session reads always agree.
        """
        try:
            counters = dict(session.connection().exec_driver_sql(generation.READ_SQL).all())
        except DBAPIError:
            return  # no counters (a database mid-upgrade): nothing is shared, nothing breaks
        if counters:
            session.info[DATA_GENERATION] = counters
            session.info[SHARED_MEMO] = self.shared_memo


def open_database(data_dir: DataDir, *, create: bool = True, upgrade: bool = True) -> Database:
    """Open (and if needed create and migrate) the database in ``data_dir``.

    ``create=False`` refuses a folder without a database instead of making an empty one, which is
    what read-only commands such as ``fluorodesk status`` want.
    """
    prepare_folder(data_dir, create=create)
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
    try:
        if upgrade and migrate.needs_upgrade(path):
            migrate.upgrade(path, data_dir.backups)
    except sqlite3.DatabaseError as exc:
        raise storage_error_from(exc, path=path) or DatabaseCorruptError(
            f"The database {path} cannot be read ({exc}). "
            "Restore the newest backup; the file was not changed."
        ) from exc
    return Database(data_dir, make_engine(path))
