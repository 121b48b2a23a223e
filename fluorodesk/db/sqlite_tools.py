"""Small helpers on raw SQLite files: consistent copies, header and integrity checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


def looks_like_sqlite(path: Path) -> bool:
    """True for an empty file or one that starts with the SQLite header."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    return head == SQLITE_HEADER or head == b""


def copy_database(source: Path, destination: Path) -> None:
    """Consistent copy through SQLite's online backup API (safe while the app is writing)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
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
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pragma = "quick_check" if quick else "integrity_check"
        rows = [r[0] for r in con.execute(f"PRAGMA {pragma}")]
        problems = [] if rows == ["ok"] else [f"integrity: {r}" for r in rows]
        for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
        return problems
    finally:
        con.close()
