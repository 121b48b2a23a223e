"""The GUI half of `fluorodesk selfcheck`: start Qt offscreen, build the real main window, paint it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from fluorodesk.services.registry import Services

log = logging.getLogger("fluorodesk.ui")
# The offscreen platform cannot honour size hints; it says so on every window.  Not a problem.
HARMLESS = ("does not support propagateSizeHints",)


@contextmanager
def qt_messages_to_log() -> Iterator[None]:
    """Qt's own warnings go to the log file instead of the terminal while the check runs."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:  # type: ignore[no-untyped-def]
        if not any(text in message for text in HARMLESS):
            log.warning("Qt: %s", message)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def build_main_window_offscreen(services: Services) -> str:
    """Build, show and paint the main window without a screen; returns a one-line summary.

    Raises RuntimeError when something a user would see is missing (font, icon, tabs, pixels).
    """
    with qt_messages_to_log():
        return _build(services)


def _build(services: Services) -> str:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # Only this process is affected: the check must never pop up a window on the clinic's screen.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["fluorodesk-selfcheck"])
    from fluorodesk.ui.fonts import register_fonts
    from fluorodesk.ui.icons import app_icon
    from fluorodesk.ui.main_window import MainWindow

    family = register_fonts(app)  # type: ignore[arg-type]
    if not family:
        raise RuntimeError("the bundled font could not be loaded")
    icon = app_icon()
    if icon.isNull():
        raise RuntimeError("the application icon could not be loaded")
    QApplication.setWindowIcon(icon)
    window = MainWindow(services)
    try:
        window.show()
        app.processEvents()
        tabs = window.tabs.count()
        if tabs < 1:
            raise RuntimeError("the main window has no tabs")
        for index in range(tabs):  # paint every tab, as a user clicking through would
            window.tabs.setCurrentIndex(index)
            app.processEvents()
            picture = window.grab()
            if picture.isNull() or picture.width() < 100:
                raise RuntimeError(f"the “{window.tabs.tabText(index)}” tab could not be drawn")
        platform = QApplication.platformName()
        return (
            f"{tabs} tabs drawn ({platform} platform, font {family}, icon {len(icon.availableSizes())} sizes)"
        )
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
