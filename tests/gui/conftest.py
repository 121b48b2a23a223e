"""No test may ever block on a modal dialog: message boxes and file pickers are answered here.

Questions answer "Discard" (so a dirty dialog closed at teardown goes away), file pickers answer
"cancelled", and any warning or error box a test did not expect fails that test.  A test that
expects a dialog patches the same method itself, which takes precedence.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox


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
