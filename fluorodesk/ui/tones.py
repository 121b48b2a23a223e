"""Status colours.  Colour is never the only signal: every toned cell also says it in words."""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QBrush, QColor


class Tone(Enum):
    CRITICAL = "critical"
    WARNING = "warning"
    OK = "ok"
    MUTED = "muted"
    INFO = "info"


_BACKGROUND = {
    Tone.CRITICAL: QColor("#f8d7da"),
    Tone.WARNING: QColor("#fff3cd"),
    Tone.OK: QColor("#d1e7dd"),
    Tone.INFO: QColor("#dbe9f6"),
    Tone.MUTED: QColor("#eeeeee"),
}
_FOREGROUND = {
    Tone.CRITICAL: QColor("#842029"),
    Tone.WARNING: QColor("#664d03"),
    Tone.OK: QColor("#0f5132"),
    Tone.INFO: QColor("#084298"),
    Tone.MUTED: QColor("#555555"),
}


def background_for(tone: Tone) -> QBrush:
    return QBrush(_BACKGROUND[tone])


def foreground_for(tone: Tone) -> QBrush:
    return QBrush(_FOREGROUND[tone])


def tone_for_severity(severity: str) -> Tone:
    return {"critical": Tone.CRITICAL, "warning": Tone.WARNING, "info": Tone.INFO}.get(severity, Tone.MUTED)
