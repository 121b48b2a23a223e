"""Opening a clinic's database: folder checks, migrations with a backup first, sessions.

Every failure a user can meet here (missing or read-only folder, a file that is not a database, a
schema from a newer version) becomes a ``StorageError`` with one clear sentence.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fluorodesk.db import migrate
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

#: ``session.info`` key: the data version a read session's snapshot shows (absent when not known), and
#: the memo shared by read sessions that show the same version (``db.shared_memo``).
DATA_VERSION = "fluorodesk.data_version"
SHARED_MEMO = "fluorodesk.shared_memo"


class Database:
    """An open clinic database.  Services take one of these; nothing else opens sessions."""

    def __init__(self, data_dir: DataDir, engine: Engine) -> None:
        self.data_dir = data_dir
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
        self.shared_memo = SharedMemo()
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()

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
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self.shared_memo.clear()
        self.engine.dispose()

    # ---- which state of the data a read session shows

    def data_version(self) -> int | None:
        """A number that changes whenever anyone commits to the database (None if it cannot be read).

        SQLite's ``PRAGMA data_version`` changes when *another* connection commits, so it is read on a
        connection of its own that never writes: every commit, by this process or another, is another
        connection's.
        """
        with self._watch_lock:
            try:
                if self._watch is None:
                    self._watch = sqlite3.connect(
                        f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
                    )
                    self.shared_memo.clear()  # a new connection counts versions afresh
                # fetchall steps the statement to its end, so the connection keeps no read open
                return int(self._watch.execute("PRAGMA data_version").fetchall()[0][0])
            except sqlite3.Error:
                return None

    def _stamp_version(self, session: Session) -> None:
        """Record the data version the session's snapshot shows, when it is certain.

        The snapshot starts with the session's first read.  If the version is the same just before and
        just after that read, no commit happened in between, so the snapshot shows exactly that version.
        """
        before = self.data_version()
        if before is None:
            return
        session.connection().exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").close()
        if self.data_version() == before:
            session.info[DATA_VERSION] = before
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
