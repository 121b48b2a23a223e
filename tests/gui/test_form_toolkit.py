"""The shared dialog toolkit: inline errors keep the input, dirty dialogs ask before closing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox

from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


class NameDialog(FormDialog):
    areas = ("technicians",)

    def __init__(self, bus, outcome):
        super().__init__(bus, title="Name")
        self.outcome = outcome
        self.name = self.add_row("name", "Name", QLineEdit(), required=True)
        self.when = self.add_row("when", "When", DateField())
        self.kind = self.add_row("kind", "Kind", ChoiceField([("a", "Apple"), ("b", "Banana")]))

    def submit(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_validation_error_shows_inline_and_keeps_input(qtbot, dialogs):
    dialog = dialogs.show(
        NameDialog(DataBus(), ValidationError(fields={"name": "Name is required.", "other": "Elsewhere."}))
    )
    qtbot.keyClicks(dialog.when, "2026-13-45")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.findChild(type(dialog.general_error), "nameError").text() == "Name is required."
    assert not dialog.findChild(type(dialog.general_error), "nameError").isHidden()
    assert "Elsewhere." in dialog.general_error.text()  # a field the form does not show
    assert dialog.when.value() == "2026-13-45"


def test_conflict_shows_at_the_top(qtbot, dialogs):
    dialog = dialogs.show(NameDialog(DataBus(), ConflictError("Another technician already has ARRT ID 5.")))
    dialog.save()
    assert dialog.general_error.text() == "Another technician already has ARRT ID 5."


def test_success_closes_and_announces(qtbot, dialogs):
    bus = DataBus()
    dialog = dialogs.show(NameDialog(bus, 42))
    with qtbot.waitSignal(bus.changed) as blocker:
        dialog.save()
    assert blocker.args == [frozenset({"technicians"})]
    assert dialog.result_value == 42 and not dialog.isVisible()


@pytest.mark.parametrize(
    ("answer", "stays_open"),
    [(QMessageBox.StandardButton.Cancel, True), (QMessageBox.StandardButton.Discard, False)],
)
def test_dirty_dialog_asks_before_closing(qtbot, monkeypatch, answer, stays_open, dialogs):
    dialog = dialogs.show(NameDialog(DataBus(), 1))
    qtbot.keyClicks(dialog.name, "Ana")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(1) or answer)
    dialog.reject()
    assert asked == [1] and dialog.isVisible() is stays_open


def test_clean_dialog_closes_without_asking(qtbot, monkeypatch, dialogs):
    dialog = dialogs.show(NameDialog(DataBus(), 1))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("should not ask"))
    dialog.reject()
    assert not dialog.isVisible()


def test_choice_field_round_trip(qtbot):
    field = ChoiceField([("a", "Apple"), ("b", "Banana")], blank="(none)")
    qtbot.addWidget(field)
    assert field.value() is None
    field.set_value("b")
    assert field.value() == "b" and field.currentText() == "Banana"


def test_attachments_panel_adds_lists_and_removes(qtbot, services, tmp_path, monkeypatch):
    scan = tmp_path / "card.png"
    scan.write_bytes(b"\x89PNG data")
    panel = AttachmentsPanel(services.attachments, "credential", None)
    qtbot.addWidget(panel)
    assert not panel.add_button.isEnabled()  # unsaved record: nothing to attach to yet
    panel.set_owner(5)
    assert panel.add_file(str(scan))
    assert panel.list.count() == 1 and "card.png" in panel.list.item(0).text()
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    bad = tmp_path / "notes.docx"
    bad.write_text("x")
    assert not panel.add_file(str(bad))
    assert len(warned) == 1 and "PDF, PNG or JPEG" in warned[0]
    panel.list.setCurrentRow(0)
    monkeypatch.setattr("fluorodesk.ui.widgets.attachments_panel.confirm_destructive", lambda *a, **k: True)
    panel.remove_selected()
    assert panel.list.count() == 0


def test_tab_in_a_notes_box_moves_to_the_next_field(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPlainTextEdit

    dialog = NameDialog(DataBus(), 42)
    notes = dialog.add_row("notes", "Notes", QPlainTextEdit())
    after = dialog.add_row("after", "After", QLineEdit())
    qtbot.addWidget(dialog)
    dialog.show()
    notes.setFocus()
    qtbot.waitUntil(notes.hasFocus)
    qtbot.keyClicks(notes, "seen")
    qtbot.keyClick(notes, Qt.Key.Key_Tab)
    qtbot.waitUntil(after.hasFocus)
    assert notes.toPlainText() == "seen"  # no tab character typed into the notes
