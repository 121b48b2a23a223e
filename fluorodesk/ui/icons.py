"""The application icon, from the PNG sizes in resources/icons (drawn from fluorodesk.svg)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from fluorodesk.paths import app_icon_png

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """Every available size, so the title bar, task bar and Alt-Tab each get a crisp one."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = app_icon_png(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
