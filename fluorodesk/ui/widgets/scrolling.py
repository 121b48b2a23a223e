"""A tab whose content scrolls when the window is narrower than the content needs (never clipped)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


def scrolling_layout(tab: QWidget) -> QVBoxLayout:
    """The layout to fill for ``tab``'s content; the content sits in a scroll area filling the tab."""
    content = QWidget(tab)
    content.setObjectName("scrollContent")
    scroll = QScrollArea(tab)
    scroll.setObjectName("scrollArea")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(tab)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return QVBoxLayout(content)
