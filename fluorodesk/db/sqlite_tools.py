"""Small helpers on raw SQLite files: consistent copies, header and integrity checks, and a safe way
to read a file FluoroDesk did not write (a backup's database)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
JOURNALS = ("-wal", "-journal")


def read_only_uri(path: Path) -> str:
    """A URI that opens ``path`` for reading and writes nothing, not even beside it.

    ``mode=ro``; and ``immutable=1`` too when its folder is read-only and no WAL or journal lies
    beside it: SQLite cannot otherwise open a WAL-mode file where it may not make the ``-shm`` file,
    and with no WAL or journal the file alone is the whole database (a FluoroDesk writing to it would
    have its WAL there).  A WAL beside it may hold committed changes: it is read, never ignored.
    """
    from fluorodesk.db.folder import writable

    path = Path(path).absolute()
    uri = f"{path.as_uri()}?mode=ro"
    journals = (path.with_name(path.name + suffix) for suffix in JOURNALS)
    if not writable(path.parent) and not any(j.exists() for j in journals):
        uri += "&immutable=1"
    return uri


def connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(read_only_uri(path), uri=True)


#: How often (in SQLite virtual-machine steps) a query on an untrusted file looks at its clock.
_STEPS_BETWEEN_CLOCK_LOOKS = 10_000


def looks_like_sqlite(path: Path) -> bool:
    """True for an empty file or one that starts with the SQLite header."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    return head == SQLITE_HEADER or head == b""


def copy_database(source: Path, destination: Path) -> None:
    """Consistent copy through SQLite's online backup API (safe while the app is writing)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    src = connect_read_only(source)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(destination)


def untrusted_uri(path: Path) -> str:
    """URI for a file nobody else writes: read-only, and ``immutable`` so SQLite makes no -wal or
    -shm files beside it and takes no locks."""
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def untrusted_time_limit(path: Path) -> float:
    """Seconds any one query on an untrusted file may take: generous for a clinic's file (a 15 MB
    database is checked in well under a second), finite for a file built to never finish."""
    return 30.0 + path.stat().st_size / 5e6


def limit_time(con: sqlite3.Connection, seconds: float) -> None:
    """Every statement run on ``con`` from now on stops ``seconds`` from now (sqlite3.OperationalError
    "interrupted")."""
    deadline = time.monotonic() + seconds
    con.set_progress_handler(lambda: time.monotonic() > deadline, _STEPS_BETWEEN_CLOCK_LOOKS)


@contextmanager
def open_untrusted(path: Path, *, seconds: float | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to a database file that may have been built to do harm.

    Nothing it contains can run: the connection is read-only (no write, so no trigger ever fires),
    ``trusted_schema`` is off (no function called from the file's views, triggers or defaults with
    side effects), and every query gives up after ``seconds`` (default: ``untrusted_time_limit``).
    The caller still must not query the file's views until its schema was compared with ours.
    """
    con = sqlite3.connect(untrusted_uri(path), uri=True)
    try:
        con.execute("PRAGMA trusted_schema=OFF")
        con.execute("PRAGMA query_only=ON")
        limit_time(con, untrusted_time_limit(path) if seconds is None else seconds)
        yield con
    finally:
        con.close()


def integrity_problems(path: Path, *, quick: bool = False, untrusted: bool = False) -> list[str]:
    """Messages from PRAGMA integrity_check / foreign_key_check; empty when the file is sound.

    ``untrusted``: the file is not ours (a backup's database), read it through ``open_untrusted``.
    """
    if untrusted:
        with open_untrusted(path) as con:
            return _integrity_problems(con, quick=quick)
    con = connect_read_only(path)
    try:
        return _integrity_problems(con, quick=quick)
    finally:
        con.close()


def _integrity_problems(con: sqlite3.Connection, *, quick: bool) -> list[str]:
    pragma = "quick_check" if quick else "integrity_check"
    rows = [r[0] for r in con.execute(f"PRAGMA {pragma}")]
    problems = [] if rows == ["ok"] else [f"integrity: {r}" for r in rows]
    for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
    return problems
