"""Confirmation of destructive actions: the verb on the button, Cancel as the default."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_destructive(parent: QWidget | None, *, title: str, text: str, verb: str) -> bool:
    """E.g. confirm_destructive(self, title="Retire technician", text="Retire Jane Doe?", verb="Retire")."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    action = box.addButton(verb, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is action


def ask_save_discard_cancel(parent: QWidget | None) -> QMessageBox.StandardButton:
    """For a dialog with unsaved changes being closed."""
    return QMessageBox.question(
        parent,
        "Unsaved changes",
        "You have changes that are not saved yet.",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
