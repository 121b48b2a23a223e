"""A backup's manifest (``manifest.json``): what it must hold, and a sentence for what is wrong.

The manifest is read from a file anyone could have edited, so every field is checked for its type
and range before anything uses it (``"attachments": "many"`` is refused, not crashed on).  Fields
this version does not know are ignored: a newer FluoroDesk may add some.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

MANIFEST = "manifest.json"  # its name in the zip
APP = "FluoroDesk"
#: Fields every FluoroDesk backup has had since the first version.
REQUIRED = ("app", "app_version", "created_at", "schema_revision", "database_sha256", "attachments")
MAX_ATTACHMENTS = 10_000_000
MAX_DATABASE_BYTES = 1 << 45  # 32 TiB: far beyond SQLite on a clinic PC, but a bound
MAX_AUDIT_EVENTS = 2**63 - 1  # an event number (an SQLite integer)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REVISION = re.compile(r"[0-9A-Za-z_]{1,64}")


class ManifestError(ValueError):
    """The manifest is missing or malformed; ``str()`` is a phrase for "cannot be restored: …"."""


def safe_member(name: str) -> bool:
    """A name inside the zip that stays inside the folder it is unpacked to, on every system."""
    pure = PurePosixPath(name)
    return not (pure.is_absolute() or ".." in pure.parts or "\\" in name or ":" in name)


def _count(limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "should be a whole number"
        if not 0 <= value <= limit:
            return f"should be between 0 and {limit:,}"
        return None

    return check


def _text(limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "should be text"
        return f"is longer than {limit} characters" if len(value) > limit else None

    return check


def _sha256(value: Any, *, empty_allowed: bool = False) -> str | None:
    if isinstance(value, str) and (_SHA256.fullmatch(value) or (empty_allowed and value == "")):
        return None
    return "should be a SHA-256 (64 hexadecimal digits)"


def _created_at(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return "should be a date and time"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "should be a date and time"
    return None


def _revision(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and _REVISION.fullmatch(value)):
        return None
    return "should be a schema revision"


def _quick_check(value: Any) -> str | None:
    if value == "ok":
        return None
    if isinstance(value, list) and len(value) <= 20 and all(isinstance(p, str) for p in value):
        return None
    return "should be “ok” or a list of problems"


def _files(value: Any) -> str | None:
    if not isinstance(value, dict) or len(value) > MAX_ATTACHMENTS:
        return "should list the attachments with their SHA-256"
    for name, digest in value.items():
        if not (name.startswith("attachments/") and safe_member(name)) or _sha256(digest):
            return "should list the attachments with their SHA-256"
    return None


FIELDS: dict[str, Callable[[Any], str | None]] = {
    "app_version": _text(40),
    "created_at": _created_at,
    "schema_revision": _revision,
    "database_sha256": _sha256,
    "database_bytes": _count(MAX_DATABASE_BYTES),
    "quick_check": _quick_check,
    "audit_head": lambda value: _sha256(value, empty_allowed=True),
    "audit_event": _count(MAX_AUDIT_EVENTS),  # the anchor's event number (services/audit.py)
    "attachments": _count(MAX_ATTACHMENTS),
    "files": _files,
}


def parse_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest's fields, every one checked; ManifestError says what is wrong."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ManifestError("its manifest cannot be read") from None
    if not isinstance(data, dict) or data.get("app") != APP:
        raise ManifestError("its manifest is not a FluoroDesk manifest")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise ManifestError(f"its manifest is incomplete (no “{missing[0]}”)")
    for name, check in FIELDS.items():
        why = check(data[name]) if name in data else None
        if why:
            raise ManifestError(f"its manifest is malformed: “{name}” {why} ({_shown(data[name])})")
    if "files" in data and len(data["files"]) != data["attachments"]:
        raise ManifestError("its manifest is malformed: “files” and “attachments” disagree")
    return data


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
