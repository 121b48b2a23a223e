"""Sign-in, idle lock, user management, audit trail viewer, sign-off, recovery and restore in the GUI."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel, QMainWindow, QMessageBox

from fluorodesk.db.database import open_database
from fluorodesk.domain.enums import Role
from fluorodesk.instance_lock import InstanceLock
from fluorodesk.paths import DataDir
from fluorodesk.services import auth
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import HealthReport, health_check
from fluorodesk.services.technicians.rows import TechnicianDraft
from fluorodesk.ui import startup
from fluorodesk.ui.dialogs.account_dialogs import ChangePasswordDialog, FirstRunDialog, NewUserDialog
from fluorodesk.ui.dialogs.audit_trail_dialog import AuditTrailDialog
from fluorodesk.ui.dialogs.recovery_dialog import RecoveryDialog
from fluorodesk.ui.dialogs.sign_in_dialog import LoginDialog
from fluorodesk.ui.dialogs.signoff_dialog import SignoffDialog
from fluorodesk.ui.dialogs.users_dialog import UsersDialog
from fluorodesk.ui.idle_lock import Curtain, IdleLock
from fluorodesk.ui.main_window import MainWindow
from fluorodesk.ui.tabs.technicians_tab import TechniciansTab
from tests.conftest import TODAY
from tests.damage import corrupt_table

PW = "director pw 1"
FRONT_PW = "front desk 1"


@pytest.fixture
def clinic(demo_services: Services) -> dict[str, Services]:
    demo_services.auth.create_first_director(UserDraft("hpark", "Dr. Helen Park", password=PW, confirm=PW))
    director = Services(demo_services.db, "hpark", today=TODAY)
    director.auth.create_user(UserDraft("jlee", "Jamie Lee", Role.FRONT_DESK, FRONT_PW, FRONT_PW))
    return {
        "boot": demo_services,
        "director": director,
        "front": Services(demo_services.db, "jlee", today=TODAY),
    }


def error_text(dialog, name):
    return dialog.findChild(type(dialog.general_error), f"{name}Error").text()


# --------------------------------------------------------------------------- sign-in


def test_login_dialog_wrong_then_right_password(qtbot, clinic, dialogs):
    dialog = dialogs.show(LoginDialog(clinic["boot"], hint="demo hint"))
    assert "Riverside" in dialog.findChild(type(dialog.general_error), "intro").text()
    qtbot.keyClicks(dialog.username, "HPark")
    qtbot.keyClicks(dialog.password, "guess guess")
    dialog.save()
    assert dialog.isVisible() and error_text(dialog, "password") == "The user name or password is not right."
    assert dialog.password.text() == "" and dialog.username.text() == "HPark"  # name kept, password not
    qtbot.keyClicks(dialog.password, PW)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert dialog.result_value.username == "hpark"


def test_login_dialog_refuses_a_switched_off_account(qtbot, clinic):
    jlee = next(u for u in clinic["director"].auth.list_users() if u.username == "jlee")
    clinic["director"].auth.update_user(jlee.id, full_name="Jamie Lee", role=Role.FRONT_DESK, active=False)
    dialog = LoginDialog(clinic["boot"])
    qtbot.addWidget(dialog)
    dialog.username.setText("jlee")
    dialog.password.setText(FRONT_PW)
    dialog.save()
    assert "switched off" in dialog.general_error.text() and not dialog.result_value


class FixedClock:
    """The password throttle's clock, moved by hand (no test waits for real seconds)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FixedClock:
    fixed = FixedClock()
    monkeypatch.setattr(auth, "CLOCK", fixed)
    return fixed


def test_login_dialog_says_how_long_to_wait_and_keeps_the_user_name(qtbot, clinic, clock, dialogs):
    dialog = dialogs.show(LoginDialog(clinic["boot"]))
    qtbot.keyClicks(dialog.username, "JLee")
    for _ in range(3):
        qtbot.keyClicks(dialog.password, "guess guess")
        dialog.save()
    assert error_text(dialog, "password") == "The user name or password is not right."
    qtbot.keyClicks(dialog.password, "guess guess")
    dialog.save()
    assert error_text(dialog, "password") == (
        "The user name or password is not right. Too many wrong passwords for jlee: try again in 1 second."
    )
    qtbot.keyClicks(dialog.password, FRONT_PW)  # the right password, too soon
    dialog.save()
    assert dialog.isVisible() and not dialog.result_value
    assert error_text(dialog, "password") == "Too many wrong passwords for jlee: try again in 1 second."
    message = dialog.findChild(QLabel, "passwordError")
    assert message.isVisible() and message.height() >= message.heightForWidth(message.width())  # not cut
    assert dialog.username.text() == "JLee" and dialog.password.text() == ""
    assert clinic["boot"].audit_trail.query(limit=1)[0].action == "sign_in_throttled"
    clock.now += timedelta(seconds=1)
    qtbot.keyClicks(dialog.password, FRONT_PW)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert dialog.result_value.username == "jlee"


def test_change_password_dialog_is_throttled_too(qtbot, clinic, clock, dialogs):
    dialog = dialogs.show(ChangePasswordDialog(clinic["front"]))
    dialog.password.setText("a new password")
    dialog.confirm.setText("a new password")
    for _ in range(4):
        dialog.current.setText("guess guess")
        dialog.save()
    dialog.current.setText(FRONT_PW)  # the right one, too soon
    dialog.save()
    assert dialog.isVisible() and error_text(dialog, "current") == (
        "Too many wrong passwords for jlee: try again in 1 second."
    )
    message = dialog.findChild(QLabel, "currentError")
    assert message.height() >= message.heightForWidth(message.width())  # not cut
    clock.now += timedelta(seconds=1)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert clinic["boot"].auth.login("jlee", "a new password").username == "jlee"


def test_first_run_creates_the_director_and_signs_in(qtbot, services, dialogs):
    dialog = dialogs.show(FirstRunDialog(services))
    dialog.full_name.setText("Dr. Helen Park")
    dialog.username.setText("h park")
    dialog.password.setText("short")
    dialog.confirm.setText("short")
    dialog.save()
    assert dialog.isVisible() and "letters, digits" in error_text(dialog, "username")
    assert "at least 8" in error_text(dialog, "password")
    assert not services.auth.has_accounts()
    dialog.username.setText("hpark")
    dialog.password.setText(PW)
    dialog.confirm.setText(PW)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert dialog.result_value.role is Role.DIRECTOR
    assert services.audit_trail.query(limit=1)[0].action == "sign_in"


# --------------------------------------------------------------------------- idle lock


def test_idle_lock_covers_windows_keeps_open_forms_and_unlocks_with_the_password(qtbot, clinic, dialogs):
    director = clinic["director"]
    window = MainWindow(director)
    qtbot.addWidget(window)
    window.show()
    form = dialogs.show(NewUserDialog(director, window.bus, window))
    qtbot.keyClicks(form.full_name, "Half typed name")
    lock = IdleLock(director, window.bus, window, display_name="Dr. Helen Park", interval_ms=50)
    window.safety.idle_lock = lock
    qtbot.waitUntil(lambda: lock.is_locked, timeout=3000)
    covered = {c.parent() for c in window.findChildren(Curtain) if c.isVisible()}
    assert covered == {window, form}  # both the window and the open form are covered
    assert form.isVisible()  # ...but not closed
    lock.screen.password.setText("not it at all")
    lock.screen.try_unlock()
    assert lock.is_locked and "not the password" in lock.screen.error.text()
    lock.screen.reject()  # Esc does nothing
    assert lock.is_locked
    lock.screen.password.setText(PW)
    with qtbot.waitSignal(lock.unlocked):
        lock.screen.try_unlock()
    assert not lock.is_locked and form.isVisible() and form.full_name.text() == "Half typed name"
    assert not [c for c in form.findChildren(Curtain) if c.isVisible()]
    assert lock.timer.isActive()  # counting again
    lock.stop()


def test_idle_lock_says_how_long_to_wait_after_wrong_passwords(qtbot, clinic, clock):
    director = clinic["director"]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(director, None, window, display_name="Dr. Helen Park", interval_ms=0)
    lock.lock()
    screen = lock.screen
    for _ in range(4):
        screen.password.setText("not it at all")
        screen.try_unlock()
    assert screen.error.text() == (
        "That is not the password of the signed-in user. "
        "Too many wrong passwords for hpark: try again in 1 second."
    )
    texts = [label for label in screen.findChildren(QLabel) if label.wordWrap()]
    assert screen.error in texts and all(t.height() >= t.heightForWidth(t.width()) for t in texts)  # none cut
    screen.password.setText(PW)  # the right password, too soon
    screen.try_unlock()
    assert lock.is_locked and screen.error.isVisible() and screen.password.text() == ""
    assert screen.error.text() == "Too many wrong passwords for hpark: try again in 1 second."
    trail = director.audit_trail.query(limit=5)
    assert [e.action for e in trail] == ["sign_in_throttled"] + ["sign_in_failed"] * 4
    assert all(e.actor == "hpark" and "idle lock" in e.summary for e in trail)
    clock.now += timedelta(seconds=1)
    screen.password.setText(PW)
    with qtbot.waitSignal(lock.unlocked):
        screen.try_unlock()
    assert not lock.is_locked
    lock.stop()


def test_activity_restarts_the_countdown_and_zero_means_never(qtbot, clinic):
    director = clinic["director"]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(director, None, window, interval_ms=10_000)
    qtbot.waitUntil(lambda: lock.timer.remainingTime() < 9_950, timeout=3000)
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_A)  # input arrives at the window, as from the system
    assert lock.timer.remainingTime() > 9_950
    lock.stop()
    director.settings.update({"app.idle_lock_minutes": 0})
    never = IdleLock(director, None, window)
    assert not never.timer.isActive()
    director.settings.update({"app.idle_lock_minutes": 7})
    from_setting = IdleLock(director, None, window)
    assert from_setting.timer.interval() == 7 * 60_000 and from_setting.timer.isActive()
    never.stop()
    from_setting.stop()


def test_typing_or_moving_the_mouse_in_a_dialog_opened_later_restarts_the_countdown(qtbot, clinic):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(clinic["director"], None, window, interval_ms=10_000)
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    for act in (
        lambda: qtbot.keyClick(dialog.windowHandle(), Qt.Key.Key_B),
        lambda: qtbot.mouseMove(dialog.windowHandle(), QPoint(5, 5)),
    ):
        qtbot.waitUntil(lambda: lock.timer.remainingTime() < 9_950, timeout=3000)
        act()
        assert lock.timer.remainingTime() > 9_950
    lock.stop()
    lock.stop()  # twice is harmless


def test_the_countdown_ignores_what_is_not_input(qtbot, clinic):
    """Paints, timers and layouts are not someone at the keyboard."""
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(clinic["director"], None, window, interval_ms=10_000)
    qtbot.waitUntil(lambda: lock.timer.remainingTime() < 9_950, timeout=3000)
    window.resize(500, 400)
    window.repaint()
    QApplication.sendEvent(window.windowHandle(), QEvent(QEvent.Type.UpdateRequest))
    assert lock.timer.remainingTime() < 9_950
    lock.stop()


def test_lock_now_from_the_account_menu(qtbot, clinic):
    window = MainWindow(clinic["director"])
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(clinic["director"], window.bus, window, interval_ms=60_000)
    window.safety.idle_lock = lock
    window.safety.lock_action.trigger()
    assert lock.is_locked
    lock.screen.password.setText(PW)
    lock.screen.try_unlock()
    assert not lock.is_locked
    lock.stop()


# --------------------------------------------------------------------------- menus and roles


def test_director_only_actions_are_greyed_out_for_front_desk(qtbot, clinic):
    front = MainWindow(clinic["front"])
    qtbot.addWidget(front)
    safety = front.safety
    for action in (safety.signoff_action, safety.users_action, safety.restore_action):
        assert not action.isEnabled() and "Only the director" in action.toolTip()
    assert safety.audit_action.isEnabled() and safety.password_action.isEnabled()
    assert "Jamie Lee (front desk)" in safety.who.text()
    director = MainWindow(clinic["director"])
    qtbot.addWidget(director)
    assert all(a.isEnabled() for a in (director.safety.signoff_action, director.safety.users_action))


def test_windows_without_accounts_keep_working_as_before(qtbot, demo_services):
    """Tests and scripts build MainWindow(services) with no accounts: everything stays usable."""
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    assert window.safety.signoff_action.isEnabled() and window.safety.who.text() == ""
    assert not window.safety.lock_action.isEnabled()  # nobody to unlock as


def test_selected_record_shows_who_created_and_changed_it(qtbot, clinic):
    window = MainWindow(clinic["director"])
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(1)
    tab = window.tab(TechniciansTab)
    qtbot.waitUntil(lambda: tab.table.model.rowCount() > 0)
    tab.table.view.selectRow(0)
    # whether the demo's own later touches show as a change depends on how fast it loaded
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.fullmatch(
        f"Created {when} by demo( · last changed {when} by demo)?", window.safety.stamp.text()
    )
    dialog = window.safety.show_record_history()
    qtbot.addWidget(dialog)
    row = tab.table.selected()
    assert dialog.entity_id == row.id and dialog.kind.value() == "technicians"


# --------------------------------------------------------------------------- users


def test_director_adds_a_user_through_the_dialogs(qtbot, clinic, dialogs):
    bus_services = clinic["director"]
    dialog = dialogs.show(UsersDialog(bus_services))
    assert dialog.table.model.rowCount() == 2 and not dialog.edit_button.isEnabled()

    def new_user(form: NewUserDialog):
        assert isinstance(form, NewUserDialog)
        form.full_name.setText("Mei Chen")
        form.username.setText("mchen")
        form.password.setText("temporary 1")
        form.confirm.setText("temporary 2")
        form.save()
        assert form.isVisible() and "not the same" in error_text(form, "confirm")
        form.confirm.setText("temporary 1")
        form.save()

    dialogs.expect(new_user)
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.model.rowCount() == 3)
    assert sorted(u.username for u in dialog.table.visible_rows()) == ["hpark", "jlee", "mchen"]
    dialog.table.view.selectRow(0)
    assert dialog.edit_button.isEnabled() and dialog.reset_button.isEnabled()
    chosen = dialog.table.selected()
    seen = []

    def look(form):
        seen.append((type(form).__name__, form.windowTitle()))
        form.reject()

    dialogs.expect(look, look)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _title in seen] == ["EditUserDialog", "ResetPasswordDialog"]
    assert [title for _kind, title in seen] == [
        f"Edit user {chosen.username}",
        f"Reset the password of {chosen.username}",
    ]


def test_front_desk_cannot_use_the_users_dialog_even_if_opened(qtbot, clinic, dialogs):
    dialog = dialogs.show(UsersDialog(clinic["front"]))

    def sneak(form: NewUserDialog):
        form.full_name.setText("Sneaky Director")
        form.username.setText("sneaky")
        form.role.set_value("director")
        form.password.setText("temporary 1")
        form.confirm.setText("temporary 1")
        form.save()
        assert form.isVisible() and "Only the director" in form.general_error.text()
        form.reject()

    dialogs.expect(sneak)
    dialog.new()
    assert len(clinic["director"].auth.list_users()) == 2


# --------------------------------------------------------------------------- audit trail viewer


def test_audit_trail_filters_and_shows_old_and_new_values(qtbot, clinic):
    director = clinic["director"]
    jlee = next(u for u in director.auth.list_users() if u.username == "jlee")
    director.auth.update_user(jlee.id, full_name="Jamie Lee-Ortiz", role=Role.FRONT_DESK, active=True)
    clinic["front"].technicians.create(TechnicianDraft("Priya", "Nair"))
    dialog = AuditTrailDialog(director)
    qtbot.addWidget(dialog)
    events = len(director.audit_trail.query())
    assert dialog.chain.text().startswith(f"<b>Hash chain verified:</b> all {events} events are unbroken.")
    total = dialog.table.model.rowCount()
    dialog.who.set_value("jlee")
    dialog.reload()
    assert total == events
    assert [(r.actor, r.action, r.entity) for r in dialog.table.visible_rows()] == [
        ("jlee", "create", "technicians")
    ]
    dialog.who.setCurrentIndex(0)
    dialog.text.setText("Lee-Ortiz")
    dialog.reload()
    rows = dialog.table.visible_rows()
    assert len(rows) == 1 and rows[0].action == "update"
    dialog.table.view.selectRow(0)
    values = {
        dialog.changes_model.row_at(i).field: dialog.changes_model.row_at(i)
        for i in range(dialog.changes_model.rowCount())
    }
    assert (values["full_name"].old, values["full_name"].new) == ("Jamie Lee", "Jamie Lee-Ortiz")
    dialog.text.clear()
    dialog.kind.set_value("technicians")
    dialog.since.setText("not a date")
    dialog.reload()
    assert not dialog.error.isHidden() and "is not a date" in dialog.error.text()
    dialog.since.setText("")
    dialog.reload()
    assert dialog.error.isHidden() and {r.entity for r in dialog.table.visible_rows()} == {"technicians"}


def test_audit_trail_viewer_shows_tampering(qtbot, clinic):
    con = sqlite3.connect(clinic["director"].db.path)
    con.execute("UPDATE audit_events SET actor = 'someone else' WHERE id = 3")
    con.commit()
    con.close()
    dialog = AuditTrailDialog(clinic["director"])
    qtbot.addWidget(dialog)
    assert "Tampering detected" in dialog.chain.text() and "event #3" in dialog.chain.text()


# --------------------------------------------------------------------------- sign-off


def test_sign_off_dialog(qtbot, clinic, dialogs):
    director = clinic["director"]
    dialog = dialogs.show(SignoffDialog(director, None))
    assert dialog.period_start.value() == "2026-10-01" and dialog.period_end.value() == "2026-10-31"
    assert "exposure-rate checks from 2026-10-01 to 2026-10-31" in dialog.summary.text()
    dialog.password.setText("wrong password")
    dialog.save()
    assert dialog.isVisible() and error_text(dialog, "password") == "That is not your password."
    assert dialog.password.text() == ""
    dialog.statement.setPlainText("All reviewed.")
    dialog.password.setText(PW)
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert director.signoff.is_locked("exposure", TODAY.replace(month=10, day=15))
    again = SignoffDialog(director, None)
    qtbot.addWidget(again)
    assert (
        "Already signed" in again.summary.text() and again.earlier.model.rowCount() == 3
    )  # two from the demo


# --------------------------------------------------------------------------- recovery and restore


def test_recovery_dialog_restores_the_newest_good_backup_and_keeps_the_damaged_file(qtbot, demo_services):
    data_dir = demo_services.db.data_dir
    demo_services.backup.auto_backup()
    demo_services.db.close()
    corrupt_table(data_dir.database)
    damaged = data_dir.database.read_bytes()
    health = health_check(data_dir)
    assert not health.ok
    dialog = RecoveryDialog(data_dir, health)
    qtbot.addWidget(dialog)
    assert dialog.restore_button.isVisible() or not dialog.restore_button.isHidden()
    assert "Newest good backup" in dialog.offer.text()
    dialog.restore_candidate()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert health_check(data_dir).ok
    assert (dialog.result_value.replaced / "fluorodesk.sqlite3").read_bytes() == damaged


def test_recovery_dialog_without_backups_offers_to_choose_one(qtbot, tmp_path, monkeypatch):
    data_dir = DataDir(tmp_path)
    data_dir.database.write_bytes(b"junk")
    dialog = RecoveryDialog(data_dir, HealthReport(True, ("the file is not an SQLite database",)))
    qtbot.addWidget(dialog)
    assert dialog.restore_button.isHidden() and "No good backup" in dialog.offer.text()
    bad = tmp_path / "bad.fdbackup"
    bad.write_bytes(b"nope")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    dialog.choose()
    assert "cannot be used" in dialog.error.text() and data_dir.database.read_bytes() == b"junk"


def test_restore_menu_verifies_confirms_and_asks_for_a_restart(qtbot, clinic, tmp_path, monkeypatch):
    window = MainWindow(clinic["director"])
    qtbot.addWidget(window)
    good = clinic["director"].backup.backup_to(tmp_path / "good").path
    bad = tmp_path / "bad.fdbackup"
    bad.write_bytes(b"not a backup")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.safety.restore_action.trigger()
    assert len(warnings) == 1 and "Nothing was changed" in warnings[0]
    asked = []
    monkeypatch.setattr("fluorodesk.ui.safety.confirm_destructive", lambda *a, **k: asked.append(k) or False)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    window.safety.restore_action.trigger()
    assert [k["verb"] for k in asked] == ["Restore"] and window.safety.pending_restore is None
    monkeypatch.setattr("fluorodesk.ui.safety.confirm_destructive", lambda *a, **k: True)
    with qtbot.waitSignal(window.safety.restart_requested) as blocker:
        window.safety.restore_action.trigger()
    assert blocker.args == [good]


# --------------------------------------------------------------------------- the start-up sequence


class FakeApp:
    """Stands in for QApplication in run_session: each exec() runs the next scripted step."""

    def __init__(self, *steps):
        self.steps = list(steps)

    def exec(self):
        window = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        return self.steps.pop(0)(window)

    def exit(self, code=0):
        pass


def test_start_up_backs_up_signs_in_and_restores_through_the_menu(qtbot, demo_dir, tmp_path, monkeypatch):
    db = open_database(demo_dir)
    Services(db, "x").auth.create_first_director(
        UserDraft("hpark", "Dr. Helen Park", password=PW, confirm=PW)
    )
    before = Services(db, "x").backup.backup_to(tmp_path / "before")
    Services(db, "hpark").technicians.create(TechnicianDraft("After", "Backup"))
    db.close()

    def sign_in(services, demo=False, look=None):  # the database opens behind it when ``look`` is given
        return services.auth.login("hpark", PW)

    monkeypatch.setattr(startup, "sign_in", sign_in)
    seen = []

    def first(window):
        seen.append(window.safety.who.text())
        window.safety.restart_requested.emit(before.path)
        return 0

    def second(window):
        rows = window.services.technicians.list_rows(include_retired=True)
        seen.append([r.last_name for r in rows])
        window.close()
        return 0

    assert startup.run_session(FakeApp(first, second), demo_dir) == 0
    assert seen[0] == "Signed in: Dr. Helen Park (director)"
    assert "Backup" not in seen[1]  # the restored data, without the later technician
    assert list(demo_dir.backups.glob("auto-*.fdbackup"))  # start-up backup
    assert list((demo_dir.root / "replaced").iterdir())  # the replaced data is kept
    db = open_database(demo_dir)
    events = Services(db, "x").audit_trail.query(limit=5)
    db.close()
    assert any(e.action == "restore" and e.actor == "hpark" for e in events)
    with InstanceLock(demo_dir):  # released at the end
        pass


def test_a_second_window_on_the_same_folder_is_refused(qtbot, demo_dir, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[1:3]))
    with InstanceLock(demo_dir, purpose="FluoroDesk window"):
        assert startup.run_session(FakeApp(), demo_dir) == 1
    assert len(shown) == 1 and shown[0][0] == "FluoroDesk is already open" and "already open" in shown[0][1]


def test_damaged_database_at_start_up_offers_recovery_and_quitting_changes_nothing(
    qtbot, demo_dir, monkeypatch
):
    corrupt_table(demo_dir.database)
    damaged = demo_dir.database.read_bytes()
    monkeypatch.setattr(RecoveryDialog, "exec", lambda self: self.reject() or 0)
    assert startup.run_session(FakeApp(), demo_dir) == 1
    assert demo_dir.database.read_bytes() == damaged


def test_demo_start_creates_sample_accounts(qtbot, tmp_path, migrated_template):
    folder = DataDir(tmp_path / "demo")
    folder.root.mkdir()
    shutil.copy(migrated_template, folder.database)
    db = open_database(folder)
    try:
        services = Services(db, "FluoroDesk", today=TODAY)
        startup.prepare_demo(services)
        assert services.auth.login("hpark", "demo-director").role is Role.DIRECTOR
        front = services.auth.login("jlee", "demo-frontdesk")
        assert front.role is Role.FRONT_DESK and not front.must_change_password
        startup.prepare_demo(services)  # again: nothing added
        assert len(services.auth.list_users()) == 2
    finally:
        db.close()


# --------------------------------------------------------------------------- storage failures in a form


@pytest.mark.parametrize("failure", ["locked", "full"])
def test_a_storage_failure_keeps_the_form_open_with_its_input(qtbot, demo_dir, monkeypatch, failure, dialogs):
    from sqlalchemy import event

    from fluorodesk.db import engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    db = open_database(demo_dir)
    services = Services(db, "tester", today=TODAY)
    dialog = dialogs.show(NewUserDialog(services, None))
    for field, text in (
        ("full_name", "Mei Chen"),
        ("username", "mchen"),
        ("password", "temporary 1"),
        ("confirm", "temporary 1"),
    ):
        getattr(dialog, field).setText(text)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    locker = None
    if failure == "locked":
        locker = sqlite3.connect(demo_dir.database)
        locker.execute("BEGIN EXCLUSIVE")
    else:  # injected at the driver boundary: SQLite's own "disk is full" error on the first INSERT

        def cap(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")

        event.listen(db.engine, "before_cursor_execute", cap)
    dialog.save()
    assert (
        len(shown) == 1 and {"locked": "busy in another program", "full": "disk is full"}[failure] in shown[0]
    )
    assert (
        dialog.isVisible() and dialog.username.text() == "mchen" and dialog.password.text() == "temporary 1"
    )
    assert services.auth.list_users() == []  # nothing half-written
    if locker is not None:
        locker.rollback()
        locker.close()
    else:
        event.remove(db.engine, "before_cursor_execute", cap)
    dialog.save()  # the same input, once the problem is gone
    assert dialog.result() == dialog.DialogCode.Accepted
    assert [u.username for u in services.auth.list_users()] == ["mchen"]
    db.close()
