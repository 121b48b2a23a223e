"""Run one slow call (a service method) off the GUI thread and hear about it on the GUI thread.

``BackgroundCall(fn)`` runs ``fn()`` in a ``QThread``; ``finished`` carries a ``CallOutcome`` (the
value, or the exception) in the GUI thread, once, after the thread has ended.  The call must not
touch widgets: it only calls services, which open their own session (SQLite in WAL mode lets it
read while the GUI thread writes).

Threads still running are kept alive here (a ``QThread`` destroyed while running aborts the
process) and waited for when the application quits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

log = logging.getLogger("fluorodesk.ui")

_RUNNING: set[_CallThread] = set()
_QUIT_HOOKED = False


@dataclass(frozen=True)
class CallOutcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _CallThread(QThread):
    done = Signal(object)  # CallOutcome, queued to the GUI thread where this object lives

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.outcome: CallOutcome | None = None

    def run(self) -> None:
        try:
            outcome = CallOutcome(value=self.fn())
        except BaseException as exc:  # handed to the GUI thread, never lost in the thread
            outcome = CallOutcome(error=exc)
        self.outcome = outcome
        self.done.emit(outcome)


def wait_for_all() -> None:
    """Block until every background call has ended (at quit, or before closing the database)."""
    for thread in list(_RUNNING):
        thread.wait()


def _hook_quit() -> None:
    global _QUIT_HOOKED
    app = QCoreApplication.instance()
    if app is not None and not _QUIT_HOOKED:
        app.aboutToQuit.connect(wait_for_all)
        _QUIT_HOOKED = True


class BackgroundCall(QObject):
    finished = Signal(object)  # CallOutcome

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.outcome: CallOutcome | None = None
        self._thread: _CallThread | None = None

    def start(self) -> BackgroundCall:
        _hook_quit()
        thread = _CallThread(self.fn)
        thread.done.connect(self._done)
        self._thread = thread
        _RUNNING.add(thread)
        thread.start()
        return self

    def running(self) -> bool:
        return self._thread is not None and self.outcome is None

    def wait(self) -> CallOutcome | None:
        """Block until the call has ended; its outcome (``finished`` still follows, queued)."""
        thread = self._thread
        if thread is not None:
            thread.wait()
            _RUNNING.discard(thread)
            if self.outcome is None:
                self.outcome = thread.outcome
        return self.outcome

    @Slot(object)
    def _done(self, outcome: CallOutcome) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()
            _RUNNING.discard(thread)
        self.outcome = outcome
        if outcome.error is not None and not isinstance(outcome.error, Exception):
            log.error("background call ended by %r", outcome.error)
        self.finished.emit(outcome)
