"""How the contract screens open child dialogs and report failed actions.

Every caller goes through ``runner.open_dialog(...)`` (the module attribute), so a test can replace
that one function to drive a dialog itself instead of blocking on ``exec()``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.ui.errors import show_storage_error


def open_dialog(dialog: QDialog) -> int:
    """Run a child dialog modally; returns QDialog.DialogCode."""
    return dialog.exec()


def accepted(dialog: QDialog) -> bool:
    result = open_dialog(dialog)
    return int(getattr(result, "value", result)) == QDialog.DialogCode.Accepted.value


def report_error(parent: QWidget | None, exc: FluoroDeskError) -> None:
    """An action outside a form failed: storage problems calmly, anything else in one sentence."""
    if isinstance(exc, StorageError):
        show_storage_error(parent, exc)
    else:
        QMessageBox.warning(parent, "Not done", str(exc))
