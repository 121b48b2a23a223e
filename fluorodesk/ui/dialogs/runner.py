"""The one way a tab, widget or dialog opens a modal dialog of ours, and how a failed action is reported.

Callers write ``runner.run_dialog(dialog)`` (through the module, never ``from ... import run_dialog``)
so that the GUI tests can stand in for the user by replacing this one function.  What a caller does
after the dialog closes (select the saved row, reload) stays with the caller.  Message boxes and file
pickers are Qt's own and are not run through here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.ui.errors import show_storage_error


def run_dialog(dialog: QDialog) -> bool:
    """Show ``dialog`` modally until the user closes it; True when they saved (accepted) it."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def report_error(parent: QWidget | None, exc: FluoroDeskError) -> None:
    """An action outside a form failed: storage problems calmly, anything else in one sentence."""
    if isinstance(exc, StorageError):
        show_storage_error(parent, exc)
    else:
        QMessageBox.warning(parent, "Not done", str(exc))
