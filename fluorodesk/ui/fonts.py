"""Register the bundled font so text never renders as empty boxes on a bare machine."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from fluorodesk.paths import font_path

log = logging.getLogger("fluorodesk.ui")


def register_fonts(app: QApplication) -> str | None:
    """Load DejaVu Sans from resources/ and make it the application font; returns the family."""
    family = None
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        path = font_path(name)
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load bundled font %s", path)
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        family = family or (families[0] if families else None)
    if family:
        font = QFont(family)
        font.setPointSize(max(app.font().pointSize(), 10))
        app.setFont(font)
    return family
