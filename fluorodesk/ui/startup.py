"""GUI start-up, step by step (called by app.run_gui once the QApplication exists):

1. the data folder must be usable, and no other window may have it open nor a restore be replacing
   its data (``InstanceLock``: while the window holds it, restores from the command line refuse, and
   commands that write work alongside);
2. the database file gets a quick integrity check; a damaged one opens the recovery dialog, which
   offers the newest good backup and never overwrites the damaged file;
3. the database is opened (migrated if needed, with a backup first);
4. an automatic backup is made if anything changed since the newest one (and then daily);
5. sign-in: on the first run, the director account is created;
6. the main window, with the idle lock watching for inactivity.

On a usual start (a database at this version's schema, with a director) the sign-in window comes
first: a quick look at the file with the standard library gives what it shows, and steps 3–4 run
behind it while the user types (``ClinicOpener``); signing in waits for them if they are not done.
This module and the sign-in window load nothing of the database layer, so that window shows about
as fast as a bare Qt window.

File → Restore… ends the session with a backup to restore; the loop here closes the database,
restores, and starts again at step 2 (so everyone signs in again on the restored data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from fluorodesk.domain.enums import Role
from fluorodesk.errors import DatabaseCorruptError, FluoroDeskError, StorageError
from fluorodesk.instance_lock import REPLACING, AlreadyRunningError, InstanceLock
from fluorodesk.paths import DataDir
from fluorodesk.services.startup import (
    ClinicOpener,
    HealthReport,
    SignInLook,
    UnhealthyDatabase,
    prepare_data_folder,
    sign_in_look,
)

if TYPE_CHECKING:  # the database layer loads behind the sign-in window (see the module docstring)
    from fluorodesk.services.auth import UserRow
    from fluorodesk.services.registry import Services

log = logging.getLogger("fluorodesk.startup")

#: Sample accounts for `fluorodesk --demo` (only created in a demo folder without any account).
DEMO_ACCOUNTS = (
    ("hpark", "Dr. Helen Park", Role.DIRECTOR, "demo-director"),
    ("jlee", "Jamie Lee", Role.FRONT_DESK, "demo-frontdesk"),
)
DEMO_HINT = (
    "Sample clinic: sign in as hpark / demo-director (director) or jlee / demo-frontdesk (front desk)."
)
DAILY_CHECK_MS = 60 * 60 * 1000  # look hourly whether a day has passed since the last automatic backup


@dataclass
class Outcome:
    code: int
    restore: Path | None = None
    actor: str = ""


def run_session(app: QApplication, data_dir: DataDir, *, demo: bool = False) -> int:
    try:
        prepare_data_folder(data_dir)
    except FluoroDeskError as exc:
        QMessageBox.critical(None, "FluoroDesk cannot use its data folder", str(exc))
        return 1
    lock = InstanceLock(data_dir, purpose="FluoroDesk window")
    try:
        lock.acquire()
    except AlreadyRunningError as exc:
        replaced = exc.holder is not None and exc.holder.kind == REPLACING
        title = "The clinic's data is being replaced" if replaced else "FluoroDesk is already open"
        QMessageBox.warning(None, title, str(exc))
        return 1
    except FluoroDeskError as exc:
        QMessageBox.critical(None, "FluoroDesk cannot use its data folder", str(exc))
        return 1
    try:
        notice = ""
        while True:
            outcome = one_session(app, data_dir, demo=demo, notice=notice)
            if outcome.restore is None:
                return outcome.code
            notice = restore_after_session(data_dir, outcome)
    finally:
        lock.release()


def restore_after_session(data_dir: DataDir, outcome: Outcome) -> str:
    """The window asked for a restore and has closed the database: restore, say what happened.

    The restore is the window's own (it holds the window's lock), so only commands that are writing
    to the clinic, or another restore, make it refuse."""
    from fluorodesk.services.backup import restore_backup

    assert outcome.restore is not None
    try:
        result = restore_backup(data_dir, outcome.restore, actor=outcome.actor or "FluoroDesk")
    except FluoroDeskError as exc:
        QMessageBox.warning(
            None, "The backup was not restored", f"{exc}\n\nThe current data was left in place."
        )
        return ""
    kept = f" The data it replaced is kept in {result.replaced}." if result.replaced else ""
    return f"Restored {result.check.describe()}.{kept}"


def recover(data_dir: DataDir, health: HealthReport) -> str | None:
    """Show the recovery dialog; the notice for the status bar after a restore, None to quit."""
    from fluorodesk.ui.dialogs.recovery_dialog import RecoveryDialog

    dialog = RecoveryDialog(data_dir, health)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_value is None:
        return None
    result = dialog.result_value
    return f"Restored {result.check.describe()}. The damaged database is kept in {result.replaced}."


def one_session(app: QApplication, data_dir: DataDir, *, demo: bool, notice: str = "") -> Outcome:
    look = None if demo else sign_in_look(data_dir)
    opener = ClinicOpener(data_dir)
    signed_in: SignedIn | None = None
    try:
        if look is not None:  # the usual start: sign in while the database is checked and opened
            signed_in = SignedIn(sign_in(OpeningServices(opener), look=look))
        db = opener.result()
    except UnhealthyDatabase as exc:
        return _recover_and_restart(app, data_dir, demo, exc.report)
    except DatabaseCorruptError as exc:
        return _recover_and_restart(app, data_dir, demo, HealthReport(True, (str(exc),)))
    except FluoroDeskError as exc:
        QMessageBox.critical(None, "FluoroDesk cannot open its data", str(exc))
        return Outcome(1)
    try:
        return _signed_in_session(app, db, demo=demo, notice=notice, signed_in=signed_in)
    finally:
        db.close()


def _recover_and_restart(app: QApplication, data_dir: DataDir, demo: bool, health: HealthReport) -> Outcome:
    """The recovery dialog; after a restore, the session starts again on the restored file."""
    restored = recover(data_dir, health)
    if restored is None:
        return Outcome(1)
    return one_session(app, data_dir, demo=demo, notice=restored)


@dataclass(frozen=True)
class SignedIn:
    """The sign-in's answer when it came before the database was open (None: the user quit)."""

    user: UserRow | None


class OpeningServices:
    """Stands in for ``Services`` at the sign-in while the database opens behind it.

    Any use (the sign-in's password check) waits for the opening; if it failed, the error is raised
    there, and the sign-in window has usually closed already (see ``sign_in``).
    """

    def __init__(self, opener: ClinicOpener) -> None:
        self.opener = opener
        self._services: Services | None = None

    def __getattr__(self, name: str) -> Any:
        if self._services is None:
            from fluorodesk.services.registry import Services

            self._services = Services(self.opener.result(), "FluoroDesk")
        return getattr(self._services, name)


def prepare_demo(services: Services) -> None:
    from fluorodesk.services.auth import UserDraft
    from fluorodesk.services.demo import is_empty
    from fluorodesk.services.registry import Services

    with services.db.read() as session:
        empty = is_empty(session)
    if empty:
        services.demo.load()
    if not services.auth.has_accounts():
        director = Services(services.db, DEMO_ACCOUNTS[0][0])
        for username, full_name, role, password in DEMO_ACCOUNTS:
            draft = UserDraft(username, full_name, role, password, password)
            if role is Role.DIRECTOR:
                services.auth.create_first_director(draft)
            else:
                director.auth.create_user(draft)
                with services.db.write() as session:  # sample accounts: no forced password change
                    from fluorodesk.services.auth import find_user

                    account = find_user(session, username)
                    if account is not None:
                        account.must_change_password = False


def auto_backup(services: Services) -> str:
    """Start-up/daily automatic backup; a sentence for the status bar (warnings as message boxes)."""
    try:
        info = services.backup.auto_backup()
    except StorageError as exc:
        log.warning("automatic backup failed: %s", exc)
        return f"Automatic backup failed: {exc}"
    if info is None:
        return "No automatic backup needed (nothing changed since the last one)."
    return f"Automatic backup saved: {info.path.name}."


def sign_in(services: Any, *, demo: bool = False, look: SignInLook | None = None) -> UserRow | None:
    """The signed-in user, or None when the user quits.

    With a ``look`` (the usual start-up), ``services`` is an ``OpeningServices``: the sign-in window
    shows at once, the database opens behind it, and the window closes by itself if that fails.
    """
    from fluorodesk.ui.dialogs.sign_in_dialog import LoginDialog

    if look is not None:
        dialog: Any = LoginDialog(services, clinic_name=look.clinic_name)
        dialog.show()
        dialog.repaint()  # on screen before the opening thread competes for Python's lock
        services.opener.start()
        watch = QTimer(dialog)
        watch.timeout.connect(lambda: services.opener.failed() and dialog.reject())
        watch.start(50)
    elif services.auth.needs_first_director():
        from fluorodesk.ui.dialogs.account_dialogs import FirstRunDialog

        dialog = FirstRunDialog(services)
    else:
        dialog = LoginDialog(services, hint=DEMO_HINT if demo else "")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    user: UserRow = dialog.result_value
    if user.must_change_password:
        from fluorodesk.services.registry import Services
        from fluorodesk.ui.dialogs.account_dialogs import ChangePasswordDialog

        change = ChangePasswordDialog(Services(services.db, user.username), required=True)
        if change.exec() != QDialog.DialogCode.Accepted:
            return None
    return user


class AutoBackup:
    """The automatic backup, made off the GUI thread so the sign-in and the window do not wait for it.

    SQLite's backup API, zlib and SHA-256 do their work without Python's lock, and the copy is one
    consistent snapshot even while the user writes.  Its outcome is reported when it ends: a warning
    box if it failed, otherwise a note in the status bar (once the window is there).
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.window: Any = None
        self.notice = ""  # a start-up notice (e.g. a restore) outranks the backup note
        self.call: Any = None

    def start(self) -> None:
        from fluorodesk.ui.background import BackgroundCall

        if self.call is not None and self.call.running():
            return
        self.call = BackgroundCall(lambda: auto_backup(self.services)).start()
        self.call.finished.connect(lambda outcome: self._report(outcome))

    def status(self) -> str:
        if self.call is None or self.call.outcome is None:
            return "Making the automatic backup…"
        return self._note(self.call.outcome)

    @staticmethod
    def _note(outcome: Any) -> str:
        if outcome.error is not None:
            log.error("automatic backup failed", exc_info=outcome.error)
            return f"Automatic backup failed: {outcome.error}"
        return str(outcome.value)

    def _report(self, outcome: Any) -> None:
        note = self._note(outcome)
        if note.startswith("Automatic backup failed"):
            QMessageBox.warning(
                self.window,
                "The automatic backup was not made",
                f"{note.removeprefix('Automatic backup failed: ')}\n\nYour records are safe; "
                "FluoroDesk will try again later. Make a backup by hand (File → Back up database…) once "
                "the problem is solved.",
            )
        if self.window is not None and not self.notice:
            self.window.statusBar().showMessage(note, 30000)


def _signed_in_session(
    app: QApplication,
    db: Any,
    *,
    demo: bool,
    notice: str,
    signed_in: SignedIn | None = None,
) -> Outcome:
    from fluorodesk.services.registry import Services

    boot = Services(db, "FluoroDesk")
    if demo:
        prepare_demo(boot)
    backups = AutoBackup(boot)
    backups.start()
    try:
        return _main_window_session(app, db, backups, demo=demo, notice=notice, signed_in=signed_in)
    finally:
        from fluorodesk.ui.background import wait_for_all

        wait_for_all()  # the backup and any background read end before the database is closed


def _main_window_session(
    app: QApplication,
    db: Any,
    backups: AutoBackup,
    *,
    demo: bool,
    notice: str,
    signed_in: SignedIn | None,
) -> Outcome:
    from fluorodesk.services.registry import Services
    from fluorodesk.ui.idle_lock import IdleLock
    from fluorodesk.ui.main_window import MainWindow

    user = signed_in.user if signed_in is not None else sign_in(backups.services, demo=demo)
    if user is None:
        return Outcome(0)
    services = Services(db, user.username)
    window = MainWindow(services)
    backups.window, backups.notice = window, notice
    outcome = Outcome(0, actor=user.username)
    idle = IdleLock(services, window.bus, window, display_name=user.full_name)
    window.safety.idle_lock = idle

    def restart(path: Path) -> None:
        outcome.restore = path
        window.close()
        app.exit(0)

    window.safety.restart_requested.connect(restart)
    daily = QTimer(window)
    daily.setInterval(DAILY_CHECK_MS)

    def daily_backup() -> None:
        try:
            due = services.backup.auto_backup_due()
        except StorageError:
            due = True
        if due:
            backups.notice = ""
            backups.start()

    daily.timeout.connect(daily_backup)
    daily.start()
    window.show()
    window.statusBar().showMessage(notice or backups.status(), 30000)
    outcome.code = int(app.exec())
    daily.stop()
    idle.stop()
    backups.window = None
    window.deleteLater()
    return outcome
