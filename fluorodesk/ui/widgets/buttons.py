"""The push button every tab and panel makes: a text, an object name (tests and shortcuts find it by
name), an optional tooltip and an optional action on click."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget


def push_button(
    text: str, parent: QWidget, name: str, *, tip: str = "", on_click: Callable[[], object] | None = None
) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    if tip:
        button.setToolTip(tip)
    if on_click is not None:
        button.clicked.connect(lambda _checked=False: on_click())  # the slot takes no "checked"
    return button
