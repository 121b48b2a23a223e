"""How errors reach the user: storage problems calmly, bugs through a crash dialog with details."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("fluorodesk.ui")


def show_storage_error(parent: QWidget | None, exc: BaseException) -> None:
    """An environmental problem (locked, read-only, full, damaged): say what to do; keep running."""
    log.warning("storage problem: %s", exc)
    QMessageBox.warning(parent, "FluoroDesk cannot reach its data", str(exc))


def show_crash_dialog(details: str) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "FluoroDesk ran into a problem",
        "Something went wrong inside FluoroDesk. Your saved records are safe.\n\n"
        "Please send the details to your FluoroDesk contact.",
    )
    box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is copy:
        QApplication.clipboard().setText(details)


def install_excepthook() -> None:
    """Bugs are logged with their traceback and shown in a dialog, never silently swallowed."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unhandled exception\n%s", details)
        if QApplication.instance() is not None:
            show_crash_dialog(details)
        else:
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook
