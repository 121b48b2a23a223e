"""No test may ever block on a modal dialog.

Our own dialogs: every tab, widget and dialog opens them through ``runner.run_dialog``, which the
``dialogs`` fixture replaces for every test.  A test says what the user does in each dialog it expects
(``dialogs.expect(step)``); a dialog opened with no step queued, a step that leaves its dialog open and
a step never used each fail the test.

Qt's boxes and pickers: questions answer "Discard" (so a dirty dialog closed at teardown goes away),
file pickers answer "cancelled", and any warning or error box a test did not expect fails that test.
A test that expects one patches the same method itself, which takes precedence.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from fluorodesk.ui.dialogs import runner

Step = Callable[[Any], object]


class Dialogs:
    """Plays the user at each dialog the application runs, one queued step per dialog, in order."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request
        self.steps: deque[Step] = deque()
        self.problems: list[str] = []

    def expect(self, *steps: Step) -> None:
        """Queue what the user does in each of the next dialogs: a step gets the dialog, shown, and ends
        it as a user would (Save, Cancel); the application then carries on as after ``exec()``."""
        self.steps.extend(steps)

    @property
    def qtbot(self):  # asked for when used: a test without Qt is not made a GUI test by this fixture
        return self.request.getfixturevalue("qtbot")

    def show(self, dialog: QDialog) -> QDialog:
        """A dialog the test builds itself, shown on screen (closed at the end of the test)."""
        self.qtbot.addWidget(dialog)
        dialog.show()
        self.qtbot.waitExposed(dialog)
        return dialog

    def run(self, dialog: QDialog) -> bool:
        """Stands in for ``runner.run_dialog``: True when the step left the dialog accepted."""
        name = type(dialog).__name__
        if not self.steps:
            self.problems.append(f"{name} opened, but the test expected no dialog")
            raise AssertionError(self.problems[-1])
        step = self.steps.popleft()
        dialog.setResult(0)  # as exec() does
        dialog.show()
        self.qtbot.waitExposed(dialog)
        try:
            step(dialog)
        finally:
            left_open = dialog.isVisible()
            if left_open:  # a modal dialog left on screen would take the keys of every later test
                dialog.hide()
        if left_open:
            self.problems.append(f"the step for {name} left it open (end it with Save or Cancel)")
            raise AssertionError(self.problems[-1])
        # QDialog's own result(): a dialog may have a field called ``result`` (CredentialDialog does)
        return QDialog.result(dialog) == QDialog.DialogCode.Accepted

    def check_finished(self) -> None:
        unused = [getattr(step, "__name__", repr(step)) for step in self.steps]
        if unused:
            self.problems.append(f"expected dialogs that never opened; steps left: {unused}")
        assert not self.problems, "; ".join(self.problems)


@pytest.fixture(autouse=True)
def dialogs(request, monkeypatch) -> Iterator[Dialogs]:
    script = Dialogs(request)
    monkeypatch.setattr(runner, "run_dialog", script.run)
    yield script
    script.check_finished()


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch):
    unexpected: list[str] = []

    def boxed(kind):
        def show(*args, **kwargs):
            text = args[2] if len(args) > 2 else kwargs.get("text", "")
            unexpected.append(f"{kind}: {text}")
            return QMessageBox.StandardButton.Ok

        return show

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, boxed(kind))
    monkeypatch.setattr(QMessageBox, "about", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: unexpected.append(f"box: {self.text()}") or 0)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([], ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    yield unexpected
    assert not unexpected, f"unexpected modal dialogs: {unexpected}"
