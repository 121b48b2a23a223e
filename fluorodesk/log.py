"""Logging to a rotating file in the data folder (never to the user's face)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured: Path | None = None


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path | None:
    """Log to ``log_dir/fluorodesk.log``; silently skip when the folder is not writable."""
    global _configured
    path = log_dir / "fluorodesk.log"
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
