"""Form fields that hand the services exactly what the user typed (the services validate).

``DateField`` is a line edit, not a QDateEdit: a date may be blank ("not known yet"), and both
2026-03-31 and 03/31/2026 are accepted, as in imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget


class DateField(QLineEdit):
    def __init__(self, parent: QWidget | None = None, *, value: date | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("YYYY-MM-DD")
        self.setToolTip("A date such as 2026-03-31 or 03/31/2026; leave blank if not known")
        self.setMaximumWidth(140)
        self.set_date(value)

    def set_date(self, value: date | None) -> None:
        self.setText(value.isoformat() if value else "")

    def value(self) -> str:
        return self.text().strip()


class ChoiceField(QComboBox):
    """A combo box over (value, label) pairs; ``value()`` returns the stored value."""

    def __init__(
        self, choices: Sequence[tuple[Any, str]], parent: QWidget | None = None, *, blank: str | None = None
    ) -> None:
        super().__init__(parent)
        if blank is not None:
            self.addItem(blank, None)
        for value, label in choices:
            self.addItem(label, value)

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        index = self.findData(value)
        self.setCurrentIndex(max(index, 0))
