"""The usual start-up: the sign-in window first, the quick check and the database opening behind it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from fluorodesk.db.database import open_database
from fluorodesk.services import startup as startup_services
from fluorodesk.services.auth import UserDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.startup import ClinicOpener, HealthReport, SignInLook, sign_in_look
from fluorodesk.ui import startup
from fluorodesk.ui.dialogs.recovery_dialog import RecoveryDialog
from fluorodesk.ui.dialogs.sign_in_dialog import LoginDialog
from fluorodesk.ui.main_window import MainWindow

PW = "director pw 1"


def with_director(folder, *, active=True):
    db = open_database(folder)
    services = Services(db, "x")
    services.auth.create_first_director(UserDraft("hpark", "Dr. Helen Park", password=PW, confirm=PW))
    if active is False:
        with db.write() as session:
            from fluorodesk.services.auth import find_user

            find_user(session, "hpark").active = False
    db.close()
    return folder


def test_the_look_gives_the_clinic_name_when_a_director_can_sign_in(demo_dir):
    with_director(demo_dir)
    db = open_database(demo_dir)
    expected = Services(db, "x").settings.load()["clinic.name"]
    db.close()
    assert sign_in_look(demo_dir) == SignInLook(expected)


def test_the_look_declines_whatever_is_not_the_usual_start(tmp_path, data_dir, demo_dir):
    from fluorodesk.paths import DataDir

    assert sign_in_look(DataDir(tmp_path / "nothing")) is None  # first run: no file
    assert sign_in_look(data_dir) is None  # no director yet: the first-run window
    with_director(demo_dir, active=False)
    assert sign_in_look(demo_dir) is None  # nobody who may sign in as director
    odd = DataDir(tmp_path / "odd")
    odd.root.mkdir()
    odd.database.write_bytes(b"not a database at all" * 100)
    assert sign_in_look(odd) is None  # unreadable: the careful path reports it


def test_the_look_declines_a_database_that_needs_an_upgrade(demo_dir):
    import sqlite3

    with_director(demo_dir)
    con = sqlite3.connect(demo_dir.database)
    con.execute("UPDATE alembic_version SET version_num = '0007_garments'")
    con.commit()
    con.close()
    assert sign_in_look(demo_dir) is None  # migrations run first, with their backup


def test_the_sign_in_window_loads_nothing_of_the_database_layer(demo_dir):
    """What runs before the sign-in window is on screen must not import SQLAlchemy: the database
    layer loads behind that window (``ClinicOpener``), not before it."""
    with_director(demo_dir)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from PySide6.QtWidgets import QApplication
        import fluorodesk.app, fluorodesk.ui.startup
        from fluorodesk.paths import DataDir
        from fluorodesk.services.startup import sign_in_look
        from fluorodesk.ui.dialogs.sign_in_dialog import LoginDialog
        app = QApplication([])
        look = sign_in_look(DataDir(Path({str(demo_dir.root)!r})))
        dialog = LoginDialog(object(), clinic_name=look.clinic_name)
        dialog.show()
        dialog.repaint()
        print(sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_sign_in_window_shows_the_clinic_name_over_one_line_of_instructions(qtbot):
    from PySide6.QtGui import QTextDocument

    dialog = LoginDialog(object(), clinic_name="Pain & Spine <Center>")
    qtbot.addWidget(dialog)
    intro = dialog.findChild(type(dialog.general_error), "intro")
    shown = QTextDocument()
    shown.setHtml(intro.text())
    assert shown.toPlainText().splitlines() == [
        "Pain & Spine <Center>",
        "Sign in with your FluoroDesk user name and password.",
    ]
    from PySide6.QtWidgets import QFormLayout

    labels = [dialog.form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text() for row in range(2)]
    assert dialog.form.rowCount() == 2 and labels == ["User name", "Password"]


def test_the_demo_sign_in_window_adds_the_sample_accounts(qtbot):
    from PySide6.QtGui import QTextDocument

    dialog = LoginDialog(object(), clinic_name="Demo Clinic", hint=startup.DEMO_HINT)
    qtbot.addWidget(dialog)
    shown = QTextDocument()
    shown.setHtml(dialog.findChild(type(dialog.general_error), "intro").text())
    assert shown.toPlainText().splitlines()[-1] == startup.DEMO_HINT


def test_usual_start_signs_in_while_the_database_opens_then_shows_the_window(qtbot, demo_dir, monkeypatch):
    with_director(demo_dir)
    seen = {}

    def sign_in(services, demo=False, look=None):
        seen["look"] = look
        seen["opening"] = isinstance(services, startup.OpeningServices)
        return services.auth.login("hpark", PW)  # waits for the opening

    monkeypatch.setattr(startup, "sign_in", sign_in)

    class App:
        def exec(self):
            window = next(
                w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
            )
            seen["who"] = window.safety.who.text()
            window.close()
            return 0

    assert startup.run_session(App(), demo_dir) == 0
    assert seen["opening"] and seen["look"] is not None
    assert seen["who"] == "Signed in: Dr. Helen Park (director)"
    assert list(demo_dir.backups.glob("auto-*.fdbackup"))  # the start-up backup still runs


def test_damage_found_behind_the_sign_in_window_closes_it_and_offers_recovery(qtbot, demo_dir, monkeypatch):
    """The real sign-in window is up when the quick check reports damage: it closes by itself."""
    with_director(demo_dir)
    before = demo_dir.database.read_bytes()
    damaged = HealthReport(True, ("database disk image is malformed",))
    monkeypatch.setattr(startup_services, "health_check", lambda folder: damaged)
    offered = []

    def refuse(dialog):
        offered.append(dialog.health.problems if hasattr(dialog, "health") else True)
        return 0

    monkeypatch.setattr(RecoveryDialog, "exec", refuse)
    assert startup.run_session(QApplication.instance(), demo_dir) == 1
    assert offered  # the recovery dialog came up
    assert not any(isinstance(w, LoginDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert demo_dir.database.read_bytes() == before  # nothing opened or written


def test_an_opening_failure_is_reported_after_the_sign_in_window(qtbot, demo_dir, monkeypatch):
    from fluorodesk.errors import StorageError

    with_director(demo_dir)

    def cannot_open(folder):
        raise StorageError("The disk is not answering.")

    monkeypatch.setattr(startup_services, "open_clinic", cannot_open)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[1:3]))
    assert startup.run_session(QApplication.instance(), demo_dir) == 1
    assert shown == [("FluoroDesk cannot open its data", "The disk is not answering.")]


def test_the_opener_re_raises_in_the_caller_and_waits_for_the_quick_check(demo_dir, monkeypatch):
    damaged = HealthReport(True, ("bad page",))
    monkeypatch.setattr(startup_services, "health_check", lambda folder: damaged)
    opener = ClinicOpener(demo_dir).start()
    with pytest.raises(startup_services.UnhealthyDatabase) as raised:
        opener.result()
    assert raised.value.report is damaged and "bad page" in str(raised.value)
    assert opener.failed()


def test_typing_into_the_real_sign_in_window_while_the_database_opens(qtbot, demo_dir):
    """No stubs: the sign-in window shown at start-up takes a wrong then a right password."""
    from PySide6.QtCore import QTimer

    with_director(demo_dir)
    steps = []

    def type_when_shown():
        dialog = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()), None
        )
        if dialog is None:
            QTimer.singleShot(10, type_when_shown)
            return
        steps.append("shown")
        dialog.username.setText("hpark")
        dialog.password.setText("not it at all")
        dialog.save()  # waits for the opening, checks the password, keeps the window open
        steps.append(dialog.isVisible())
        dialog.password.setText(PW)
        dialog.save()

    class App:
        def exec(self):
            window = next(
                w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
            )
            steps.append(window.safety.who.text())
            window.close()
            return 0

    QTimer.singleShot(0, type_when_shown)
    assert startup.run_session(App(), demo_dir) == 0
    assert steps == ["shown", True, "Signed in: Dr. Helen Park (director)"]
