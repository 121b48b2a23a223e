"""The sign-in window and the small pieces every account form shares.

This module loads nothing of the database layer (SQLAlchemy): at start-up the sign-in window is
shown while the database opens in the background (see ui/startup.py).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QWidget

from fluorodesk.ui.dialogs.dialog_tools import rich_label
from fluorodesk.ui.dialogs.form_dialog import FormDialog

if TYPE_CHECKING:
    from fluorodesk.errors import FluoroDeskError
    from fluorodesk.services.auth import UserRow
    from fluorodesk.services.registry import Services


def password_field(parent: QWidget | None = None) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(256)
    return field


def intro_label(parent: QWidget, html: str, name: str = "intro") -> QLabel:
    """The rich-text explanation at the top of an account form, wide enough to read at a glance."""
    label = rich_label(parent, html, name)
    label.setMinimumWidth(380)
    return label


class QuietDialog(FormDialog):
    """A form whose Cancel never asks about unsaved changes (nothing here is worth keeping)."""

    def _mark_dirty(self, *_args: Any) -> None:
        return

    def show_errors(self, exc: FluoroDeskError) -> None:
        super().show_errors(exc)
        self.adjustSize()  # grow to the message's wrapped lines (the throttle's can take two or three)

    def set_buttons(self, accept: str, reject: str) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(accept)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("acceptButton")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("rejectButton")


class LoginDialog(QuietDialog):
    """Sign in at start-up.  ``result_value`` is the signed-in UserRow."""

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        hint: str = "",
        clinic_name: str | None = None,
    ) -> None:
        super().__init__(None, parent, title="Sign in to FluoroDesk")
        self.setObjectName("loginDialog")
        self.services = services
        # At start-up the name comes from a quick look at the file (the database may still be opening).
        clinic = clinic_name if clinic_name is not None else services.settings.load()["clinic.name"]
        text = f"<h3>{escape(clinic)}</h3><p>Sign in with your FluoroDesk user name and password.</p>"
        if hint:
            text += f"<p style='color:#084298'>{escape(hint)}</p>"
        self.layout().insertWidget(0, intro_label(self, text))
        self.username = self.add_row("username", "User name", QLineEdit(self))
        self.password = self.add_row("password", "Password", password_field(self))
        # Its message can quote the typed user name ("Too many wrong passwords for …"): shown as typed.
        self.findChild(QLabel, "passwordError").setTextFormat(Qt.TextFormat.PlainText)
        self.set_buttons("Sign in", "Quit")
        self.username.setFocus()

    def submit(self) -> UserRow:  # waits for the database if it is still opening
        try:
            return self.services.auth.login(self.username.text(), self.password.text())
        finally:
            self.password.clear()  # never left in the field after an attempt
