"""What issue 9 adds to the main window, kept out of main_window.py (which calls ``install_safety``).

* File → Restore… (director): verify the chosen backup, confirm, then ask the start-up code to
  close the database, restore and reopen (``restart_requested``).
* Review → Audit trail…, Record history (Ctrl+H), Sign off a period… (director).
* Account → Change my password…, Manage users… (director), Lock now (Ctrl+L).
* The status bar shows who is signed in, and who created and last changed the selected record.
  A tab tells which table its rows come from with a ``record_table`` class attribute (or rows that
  carry ``entity``/``entity_id``, like the Overview's findings); the built-in tabs are mapped below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox

from fluorodesk.domain.permissions import Permission
from fluorodesk.errors import StorageError
from fluorodesk.services.backup import verify_backup
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.widgets.confirm import confirm_destructive

#: Which table a built-in tab's rows come from (new tabs set ``record_table`` instead).
TAB_TABLES = {
    "TechniciansTab": "technicians",
    "ContractsTab": "contracts",
    "ApronsTab": "garments",
    "ExposureTab": "exposure_checks",
    "DoseTab": "procedure_records",
    "DosimetryTab": "dosimetry_readings",
}


def record_of(tab: Any, row: Any) -> tuple[str | None, int | None]:
    """(table, id) of a row shown in ``tab``, or (None, None)."""
    if row is None:
        return None, None
    entity = getattr(row, "entity", None) or getattr(tab, "record_table", None)
    entity = entity or TAB_TABLES.get(type(tab).__name__)
    entity_id = getattr(row, "entity_id", None)
    if entity_id is None:
        entity_id = getattr(row, "id", None)
    return (entity, entity_id) if entity and isinstance(entity_id, int) else (None, None)


class SafetyActions(QObject):
    #: the start-up code closes the database, restores this file and reopens (see ui/startup.py)
    restart_requested = Signal(object)  # Path of a verified backup

    def __init__(self, window: QMainWindow, services: Services, bus: DataBus) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.bus = bus
        self.pending_restore: Path | None = None
        self.idle_lock: Any = None  # set by the start-up code when the idle lock runs
        self._open: list[Any] = []
        self.user = self._current_user()
        self._build_actions()
        self._build_status()
        self._connect_tabs()
        self.refresh_permissions()

    # ---- who is here

    def _current_user(self) -> Any:
        try:
            return self.services.auth.current()
        except StorageError:
            return None

    def can(self, permission: Permission) -> bool:
        try:
            return self.services.auth.can(permission)
        except StorageError:
            return False

    # ---- menus

    def _action(self, text: str, name: str, slot: Any, shortcut: str | QKeySequence | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_actions(self) -> None:
        bar = self.window.menuBar()
        file_menu = next((a.menu() for a in bar.actions() if a.menu() and "File" in a.text()), None)
        self.restore_action = self._action("&Restore from backup…", "restoreAction", self.restore)
        if isinstance(file_menu, QMenu):
            backup = getattr(self.window, "backup_action", None)
            actions = file_menu.actions()
            after = actions.index(backup) + 1 if backup in actions else 0
            before = actions[after] if after < len(actions) else None
            file_menu.insertAction(before, self.restore_action)

        help_action = next((a for a in bar.actions() if a.menu() and "Help" in a.text()), None)
        review = QMenu("&Review", bar)
        review.setObjectName("reviewMenu")
        self.audit_action = self._action("&Audit trail…", "auditTrailAction", self.show_audit_trail)
        self.history_action = self._action(
            "Record &history", "recordHistoryAction", self.show_record_history, "Ctrl+H"
        )
        self.signoff_action = self._action("&Sign off a period…", "signoffAction", self.sign_off)
        for action in (self.audit_action, self.history_action, self.signoff_action):
            review.addAction(action)
        account = QMenu("&Account", bar)
        account.setObjectName("accountMenu")
        self.password_action = self._action(
            "&Change my password…", "changePasswordAction", self.change_password
        )
        self.users_action = self._action("&Manage users…", "manageUsersAction", self.manage_users)
        self.lock_action = self._action("&Lock now", "lockAction", self.lock_now, "Ctrl+L")
        for action in (self.password_action, self.users_action, self.lock_action):
            account.addAction(action)
        for menu in (review, account):
            if help_action is not None:
                bar.insertMenu(help_action, menu)
            else:
                bar.addMenu(menu)
        self.review_menu, self.account_menu = review, account

    def refresh_permissions(self) -> None:
        director_only = {
            self.signoff_action: Permission.SIGN_OFF,
            self.users_action: Permission.MANAGE_USERS,
            self.restore_action: Permission.RESTORE_BACKUP,
        }
        for action, permission in director_only.items():
            allowed = self.can(permission)
            action.setEnabled(allowed)
            action.setToolTip("" if allowed else f"Only the director can {permission.phrase}.")
        packet = getattr(self.window, "packet_action", None)
        if packet is not None and packet.isEnabled() and not self.can(Permission.MAKE_PACKETS):
            packet.setEnabled(False)
            packet.setToolTip(f"Only the director can {Permission.MAKE_PACKETS.phrase}.")
        has_account = self.user is not None
        self.password_action.setEnabled(has_account)
        self.lock_action.setEnabled(has_account)
        self.review_menu.menuAction().setVisible(True)

    # ---- status bar

    def _build_status(self) -> None:
        self.stamp = QLabel(self.window)
        self.stamp.setObjectName("recordStamp")
        self.who = QLabel(self.window)
        self.who.setObjectName("signedIn")
        self.who.setStyleSheet("padding-left: 12px; border-left: 1px solid #b0b0b0;")
        if self.user is not None:
            self.who.setText(f"Signed in: {self.user.full_name} ({self.user.role.label.lower()})")
        bar = self.window.statusBar()
        bar.addPermanentWidget(self.stamp)
        bar.addPermanentWidget(self.who)

    def _connect_tabs(self) -> None:
        tabs = getattr(self.window, "tabs", None)
        if tabs is None:
            return
        for i in range(tabs.count()):
            self._connect_tab(tabs.widget(i))
        built = getattr(self.window, "tab_built", None)  # tabs built later (main_window.LazyTab)
        if built is not None:
            built.connect(self._connect_tab)
        tabs.currentChanged.connect(lambda _i: self.show_stamp(None, None))

    def _connect_tab(self, tab: Any) -> None:
        table = getattr(tab, "table", None)
        if table is not None and hasattr(table, "selection_changed"):
            table.selection_changed.connect(lambda row, tab=tab: self.show_stamp(tab, row))

    def selected_record(self) -> tuple[str | None, int | None]:
        tabs = getattr(self.window, "tabs", None)
        tab = tabs.currentWidget() if tabs is not None else None
        table = getattr(tab, "table", None)
        row = table.selected() if table is not None else None
        return record_of(tab, row)

    def show_stamp(self, tab: Any, row: Any) -> None:
        entity, entity_id = record_of(tab, row)
        if entity is None:
            self.stamp.setText("")
            return
        try:
            stamp = self.services.audit_trail.stamp(entity, entity_id)
        except StorageError:
            stamp = None
        self.stamp.setText(stamp.words if stamp else "")

    # ---- actions

    def _keep(self, dialog: Any) -> Any:
        self._open.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self._open.remove(d) if d in self._open else None)
        return dialog

    def show_audit_trail(self, entity: str | None = None, entity_id: int | None = None) -> Any:
        from fluorodesk.ui.dialogs.audit_trail_dialog import AuditTrailDialog

        dialog = self._keep(AuditTrailDialog(self.services, self.window, entity=entity, entity_id=entity_id))
        dialog.show()
        return dialog

    def show_record_history(self) -> Any:
        entity, entity_id = self.selected_record()
        if entity is None:
            self.window.statusBar().showMessage("Select a record first, then choose Record history.", 5000)
            return None
        return self.show_audit_trail(entity, entity_id)

    def sign_off(self) -> None:
        from fluorodesk.ui.dialogs.signoff_dialog import SignoffDialog

        runner.run_dialog(SignoffDialog(self.services, self.bus, self.window))

    def manage_users(self) -> None:
        from fluorodesk.ui.dialogs.users_dialog import UsersDialog

        runner.run_dialog(UsersDialog(self.services, self.bus, self.window))

    def change_password(self) -> None:
        from fluorodesk.ui.dialogs.account_dialogs import ChangePasswordDialog

        if runner.run_dialog(ChangePasswordDialog(self.services, self.window)):
            self.window.statusBar().showMessage("Your password was changed.", 8000)

    def lock_now(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock()

    def restore(self) -> None:
        """Choose and verify a backup, confirm, then hand over to the start-up code."""
        backups = self.services.db.data_dir.backups
        start = str(backups if backups.is_dir() else Path.home())
        name, _filter = QFileDialog.getOpenFileName(
            self.window, "Restore from backup", start, "FluoroDesk backups (*.fdbackup)"
        )
        if not name:
            return
        try:
            check = verify_backup(Path(name))
        except StorageError as exc:
            show_storage_error(self.window, exc)
            return
        if not check.ok:
            QMessageBox.warning(
                self.window,
                "This backup cannot be restored",
                f"{Path(name).name} cannot be restored: {'; '.join(check.problems[:3])}."
                "\n\nNothing was changed.",
            )
            return
        replaced = self.services.db.data_dir.root / "replaced"
        if not confirm_destructive(
            self.window,
            title="Restore from backup",
            text=(
                f"Replace the clinic's records with the backup {check.describe()}?\n\n"
                "Anything entered after that backup was made will no longer show. The current data "
                f"is not deleted: it is moved to {replaced}. FluoroDesk then reopens and you sign in again."
            ),
            verb="Restore",
        ):
            return
        self.pending_restore = check.path
        self.restart_requested.emit(check.path)


def install_safety(window: QMainWindow) -> SafetyActions:
    """Called once by MainWindow.__init__."""
    return SafetyActions(window, window.services, window.bus)  # type: ignore[attr-defined]
