"""Ways to damage a clinic's files on purpose, shared by the data-safety tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so byte-level damage hits committed data."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def corrupt_pages(path: Path, pages: range = range(2, 6)) -> None:
    """Overwrite the cell area of some b-tree pages: the header stays valid, quick_check fails."""
    checkpoint(path)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big") or 65536
    for page in pages:
        start = (page - 1) * page_size
        if start + page_size > len(data):
            break
        data[start + 8 : start + page_size - 100] = b"\xa5" * (page_size - 108)
    path.write_bytes(bytes(data))


def root_page(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
    finally:
        con.close()


def corrupt_table(path: Path, table: str = "technicians") -> None:
    """Damage one table's root page only, so the file still opens but quick_check fails."""
    checkpoint(path)
    page = root_page(path, table)
    corrupt_pages(path, range(page, page + 1))
