"""The SQLite engine and its connection settings.

PRAGMAs, chosen on purpose:

* ``foreign_keys=ON``: SQLite ignores foreign keys unless asked, per connection.
* ``journal_mode=WAL``: readers (the packet renderer) never block the writer, and a crash mid-write
  leaves the last committed state intact.
* ``synchronous=FULL``: every commit reaches the disk before we report success; a clinic PC losing
  power must not lose a record the user saw saved.  Commits are rare and small, so the cost is nil.
* ``busy_timeout``: wait for a short lock instead of failing at once.

Transactions are begun by us, not by the sqlite3 module (whose implicit BEGIN is unreliable), so a
write session can ask for ``BEGIN IMMEDIATE`` and take the write lock before reading.

A read-only engine (``read_only=True``, for reading a folder FluoroDesk may not write to) opens the
file through a ``mode=ro`` URI (see ``sqlite_tools.read_only_uri``): SQLite then writes nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 5000


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _on_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path, *, echo: bool = False, read_only: bool = False) -> Engine:
    options: dict[str, Any] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    if read_only:
        from fluorodesk.db.sqlite_tools import read_only_uri

        uri = read_only_uri(path)
        engine = create_engine(
            "sqlite://",
            echo=echo,
            creator=lambda: sqlite3.connect(uri, uri=True, **options),
            poolclass=QueuePool,  # as for a file named in the URL ("sqlite://" alone means memory)
        )
    else:
        engine = create_engine(f"sqlite:///{path}", echo=echo, connect_args=options)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def set_wal(path: Path) -> None:
    """Switch the file to WAL once (the mode is stored in the file and survives reconnects)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()
