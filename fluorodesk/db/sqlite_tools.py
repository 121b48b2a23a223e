"""Small helpers on raw SQLite files: consistent copies, header and integrity checks."""

from __future__ import annotations

import sqlite3
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


def integrity_problems(path: Path, *, quick: bool = False) -> list[str]:
    """Messages from PRAGMA integrity_check / foreign_key_check; empty when the file is sound."""
    con = connect_read_only(path)
    try:
        pragma = "quick_check" if quick else "integrity_check"
        rows = [r[0] for r in con.execute(f"PRAGMA {pragma}")]
        problems = [] if rows == ["ok"] else [f"integrity: {r}" for r in rows]
        for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
        return problems
    finally:
        con.close()
