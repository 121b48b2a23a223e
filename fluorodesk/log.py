"""Logging to a rotating file in the data folder (never to the user's face), and the audit chain's
anchors kept there.

An anchor is one log line with the audit chain's head (the newest event's number and hash) of one
database, written at every start and every backup.  The log lives outside the database, so
``fluorodesk check`` can tell from it when events were deleted from the end of the chain, or the
chain recomputed after an edit (services/audit.py compares).  Only the standard library here:
this runs before the window shows.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_configured: Path | None = None
LOG_NAME = "fluorodesk.log"
anchor_log = logging.getLogger("fluorodesk.anchor")


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path | None:
    """Log to ``log_dir/fluorodesk.log``; silently skip when the folder is not writable."""
    global _configured
    path = log_dir / LOG_NAME
    if _configured == path:
        return path
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("fluorodesk")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    _configured = path
    return path


# --------------------------------------------------------------------------- audit chain anchors


@dataclass(frozen=True)
class AuditHead:
    """The newest audit event: its number and its hash (which covers every event before it)."""

    event: int
    hash: str


@dataclass(frozen=True)
class LoggedHead:
    event: int
    hash: str
    made_at: datetime  # UTC
    why: str  # "start", "backup auto-20261201-090000.fdbackup"


# The database path comes last: it may hold any character.
_ANCHOR = re.compile(
    r"audit chain head: event (\d+) hash ([0-9a-f]{64}) at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z "
    r"\((.*)\) database (.+)$"
)


def read_audit_head(database: Path) -> AuditHead | None:
    """The head of ``database``'s audit chain, read-only (None: no events, or no readable trail)."""
    try:
        con = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        row = con.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    if not row or not isinstance(row[1], str):
        return None
    return AuditHead(int(row[0]), row[1])


def _name(database: Path) -> str:
    try:
        return str(Path(database).resolve())
    except OSError:
        return str(database)


def log_audit_head(database: Path, head: AuditHead | None, why: str) -> None:
    """Write ``head`` of ``database`` into the log (nothing when there is no head or no log)."""
    if head is None:
        return
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    anchor_log.info(
        "audit chain head: event %d hash %s at %sZ (%s) database %s",
        head.event,
        head.hash,
        now,
        why.replace("\n", " "),
        _name(database),
    )


def logged_audit_heads(log_dir: Path, database: Path) -> list[LoggedHead]:
    """Every anchor of ``database`` in the log files (oldest first); lines about another database
    (a benchmark's, a copy's) are left out, and so are the anchors of a folder since moved."""
    wanted = _name(database)
    files = [p for p in Path(log_dir).glob(LOG_NAME + "*") if _rotation(p.name) is not None]
    found: list[LoggedHead] = []
    for file in sorted(files, key=lambda p: _rotation(p.name) or 0, reverse=True):
        try:
            with file.open(encoding="utf-8", errors="replace") as handle:
                lines = [line for line in handle if "audit chain head: " in line]
        except OSError:
            continue
        for line in lines:
            match = _ANCHOR.search(line.rstrip("\r\n"))
            if match is None or match.group(5) != wanted:
                continue
            try:
                made_at = datetime.fromisoformat(match.group(3))
            except ValueError:
                continue
            found.append(LoggedHead(int(match.group(1)), match.group(2), made_at, match.group(4)))
    return found


def _rotation(name: str) -> int | None:
    """fluorodesk.log → 0, fluorodesk.log.3 → 3 (the higher, the older); None: not a log file."""
    if name == LOG_NAME:
        return 0
    suffix = name[len(LOG_NAME) :]
    return int(suffix[1:]) if suffix[:1] == "." and suffix[1:].isdigit() else None
