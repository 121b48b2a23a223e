"""User management (director): who may sign in, with which role; reset a forgotten password."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import StorageError
from fluorodesk.services.auth import UserRow
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.account_dialogs import EditUserDialog, NewUserDialog, ResetPasswordDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.table_panel import TablePanel

COLUMNS: list[Column[UserRow]] = [
    Column("Name", lambda u: u.full_name),
    Column("User name", lambda u: u.username),
    Column("Role", lambda u: u.role.label, tone=lambda u: Tone.INFO if u.is_director else None),
    Column(
        "Account",
        lambda u: (
            ("Active" if u.active else "Switched off")
            + (" · must choose a password" if u.active and u.must_change_password else "")
        ),
        tone=lambda u: Tone.OK if u.active else Tone.MUTED,
    ),
    Column("Last sign-in", lambda u: u.last_login_at or "Never", sort_key=lambda u: u.last_login_at),
    Column(
        "Created",
        lambda u: f"{u.created_at:%Y-%m-%d} by {u.created_by}",
        sort_key=lambda u: u.created_at,
        tooltip=lambda u: f"Last changed {u.updated_at:%Y-%m-%d %H:%M} (UTC) by {u.updated_by}",
    ),
]


class UsersDialog(QDialog):
    def __init__(self, services: Services, bus: DataBus | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle("User accounts")
        self.services = services
        self.bus = bus or DataBus(self)
        self.table: TablePanel[UserRow] = TablePanel(COLUMNS, noun="accounts", parent=self)
        self.table.activated.connect(lambda _row: self.edit())
        self.table.selection_changed.connect(lambda _row: self._update_buttons())
        intro = QLabel(
            "Front desk: enters and edits records. Director: also signs off periods, manages users "
            "and settings, makes audit packets and restores backups. Accounts are switched off, "
            "never deleted, so every record keeps the name of who entered it.",
            self,
        )
        intro.setWordWrap(True)
        self.new_button = QPushButton("&New user…", self)
        self.new_button.setObjectName("newUser")
        self.new_button.clicked.connect(self.new)
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setObjectName("editUser")
        self.edit_button.clicked.connect(self.edit)
        self.reset_button = QPushButton("&Reset password…", self)
        self.reset_button.setObjectName("resetPassword")
        self.reset_button.clicked.connect(self.reset_password)
        QShortcut(QKeySequence.StandardKey.New, self, self.new)
        QShortcut(QKeySequence("Ctrl+E"), self, self.edit)
        row = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.reset_button):
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.resize(860, 420)
        self.bus.changed.connect(lambda _areas: self.reload())
        self.reload()

    def reload(self) -> None:
        try:
            self.table.set_rows(self.services.auth.list_users())
        except StorageError as exc:
            show_storage_error(self, exc)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.table.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.reset_button.setEnabled(chosen)

    def new(self) -> None:
        runner.run_dialog(NewUserDialog(self.services, self.bus, self))

    def edit(self) -> None:
        user = self.table.selected()
        if user is not None:
            runner.run_dialog(EditUserDialog(self.services, self.bus, user, self))

    def reset_password(self) -> None:
        user = self.table.selected()
        if user is not None:
            runner.run_dialog(ResetPasswordDialog(self.services, self.bus, user, self))
