"""Idle lock: after ``app.idle_lock_minutes`` without keyboard or mouse, cover every window and ask
for the signed-in user's password again.

Open dialogs are not closed: each visible window gets an opaque curtain laid over its contents, and
the lock screen sits on top, application-modal.  Unlocking removes the curtains, so a half-filled
form is exactly as it was left.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import FluoroDeskError, StorageError, ValidationError
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.sign_in_dialog import password_field

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class Curtain(QWidget):
    """An opaque cover over one window's contents while the app is locked."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockCurtain")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockCurtain { background: #3a4a5c; }")
        label = QLabel("FluoroDesk is locked", self)
        label.setStyleSheet("color: white; font-size: 16pt;")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
        return False


class LockScreen(QDialog):
    """Asks the signed-in user's password; cannot be closed any other way (except Quit)."""

    unlocked = Signal()

    def __init__(self, services: Services, display_name: str, parent: QWidget | None = None) -> None:
        super().__init__(
            parent, Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )
        self.setObjectName("lockScreen")
        self.setWindowTitle("FluoroDesk is locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.services = services
        heading = QLabel("<h3>FluoroDesk is locked</h3>", self)
        text = QLabel(
            f"It was locked after a while without use. Signed in as <b>{display_name}</b>: type your "
            "password to carry on where you left off. Open forms keep what was typed in them.",
            self,
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.password: QLineEdit = password_field(self)
        self.password.setObjectName("password")
        self.error = QLabel(self)
        self.error.setObjectName("passwordError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.unlock_button = self.buttons.addButton("Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.setDefault(True)
        self.quit_button = self.buttons.addButton(
            "Quit FluoroDesk…", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.quit_button.setObjectName("quitLocked")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.quit_app)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(QLabel("Password", self))
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def try_unlock(self) -> None:
        try:
            self.services.auth.unlock(self.password.text())
        except FluoroDeskError as exc:  # a wrong password, the throttle's wait, a storage problem
            self.password.clear()
            fields = exc.fields if isinstance(exc, ValidationError) else {}
            self.error.setText(fields.get("password", str(exc)))
            self.error.show()
            self.adjustSize()  # grow to the message's wrapped lines (the throttle's can take two)
            self.password.setFocus()
            return
        self.password.clear()
        self.error.hide()
        self.hide()
        self.unlocked.emit()

    def quit_app(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Quit FluoroDesk",
            "Quit FluoroDesk now? Saved records are safe; "
            "anything typed into a form that was not saved is lost.",
            parent=self,
        )
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        if box.clickedButton() is quit_button:
            QApplication.closeAllWindows()
            QApplication.exit(0)

    def reject(self) -> None:  # Esc does not unlock
        return

    def closeEvent(self, event: Any) -> None:
        event.ignore()


class IdleLock(QObject):
    """Watches every window for input; locks after the idle time (0 minutes = never)."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        services: Services,
        bus: DataBus | None = None,
        parent: QObject | None = None,
        *,
        display_name: str = "",
        interval_ms: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.display_name = display_name or services.actor
        self._fixed_interval = interval_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # restarts on every key: keep it exact
        self.timer.timeout.connect(self.lock)
        self.curtains: list[Curtain] = []
        self.screen: LockScreen | None = None
        if bus is not None:
            bus.changed.connect(self._on_changed)
        self.apply_setting()
        # Input reaches a window's QWindow before its widgets, so watching the windows (each one as
        # it gets the focus: the main window, a dialog, the lock screen) sees every key press and
        # mouse move. Watching the whole application instead meant a Python call for each of its
        # events (paints, timers, layouts: ~9,000 while the main window opens its tabs), and the
        # first events to each kind of object built that class's enums (~25 ms at the first paint).
        app = QApplication.instance()
        self._watching = app is not None
        if app is not None:
            app.focusWindowChanged.connect(self._watch)
            for window in QGuiApplication.topLevelWindows():
                self._watch(window)

    @property
    def is_locked(self) -> bool:
        return self.screen is not None and self.screen.isVisible()

    def interval_ms(self) -> int:
        if self._fixed_interval is not None:
            return self._fixed_interval
        try:
            minutes = int(self.services.settings.load()["app.idle_lock_minutes"])
        except StorageError:
            minutes = 15
        return max(0, minutes) * 60_000

    def apply_setting(self) -> None:
        interval = self.interval_ms()
        if interval <= 0:
            self.timer.stop()
            return
        self.timer.setInterval(interval)
        if not self.is_locked:
            self.timer.start()

    def _on_changed(self, changed: frozenset[str]) -> None:
        if areas.SETTINGS in changed:
            self.apply_setting()

    def _watch(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)  # installed once: a second call only moves it to the front

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() in _ACTIVITY
            and not self.is_locked
            and self.timer.interval() > 0
            and self.timer.isActive()
        ):
            self.timer.start()  # restart the countdown
        return False

    def lock(self) -> None:
        if self.is_locked:
            return
        self.timer.stop()
        self.screen = self.screen or LockScreen(self.services, self.display_name)
        self.screen.unlocked.connect(self.unlock, Qt.ConnectionType.UniqueConnection)
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and window is not self.screen and not isinstance(window, QMessageBox):
                self.curtains.append(Curtain(window))
        self.screen.show()
        if QGuiApplication.platformName() != "offscreen":  # (the test platform cannot raise windows)
            self.screen.raise_()
            self.screen.activateWindow()
        self.screen.password.setFocus()
        self.locked.emit()

    def unlock(self) -> None:
        for curtain in self.curtains:
            curtain.hide()
            curtain.deleteLater()
        self.curtains.clear()
        if self.screen is not None:
            self.screen.hide()
        if self.timer.interval() > 0 and self.interval_ms() > 0:
            self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None and self._watching:
            self._watching = False
            app.focusWindowChanged.disconnect(self._watch)
            for window in QGuiApplication.topLevelWindows():
                window.removeEventFilter(self)
