"""The shared push button: found by its name, explained by its tip, and its action takes no "checked"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from fluorodesk.ui.widgets.buttons import push_button


def test_a_click_runs_the_action_once_without_arguments(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    clicks = []
    button = push_button(
        "&Add record…", parent, "addRecord", tip="A new credential", on_click=lambda: clicks.append(1)
    )
    assert parent.findChild(type(button), "addRecord") is button
    assert button.text() == "&Add record…" and button.toolTip() == "A new credential"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert clicks == [1]


def test_without_a_tip_or_an_action_the_button_is_plain(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    button = push_button("Meters…", parent, "meters")
    assert button.toolTip() == ""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # nothing connected: nothing happens
