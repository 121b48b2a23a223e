"""Defects found on a garment: one line each with its zone, size and what it is, plus the rule's verdict.

Sizes are typed as the inspector measured them: mm² (12), length x width in mm (3 x 4) or a round
hole's diameter (ø4).  Each line shows how the rejection rule judged it ("exceeds 15 mm²"), so the
proposed result is never a mystery.  Keyboard: Alt+D adds a line (focus goes to its size field),
Tab walks zone → size → description → Remove.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.enums import DefectZone
from fluorodesk.services.garment_inspections import DefectDraft
from fluorodesk.ui.dialogs.form_dialog import ERROR_STYLE
from fluorodesk.ui.widgets.fields import ChoiceField

_VERDICT_STYLE = {
    "fail": "color: #842029; font-weight: bold;",
    "pass": "color: #0f5132;",
    "unknown": "color: #664d03;",
}


class DefectLine(QWidget):
    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = ChoiceField(DefectZone.choices(), self)
        self.zone.setToolTip(
            "Critical area: over organs (front chest, pelvis, gonads). Seam/overlap/back: along a seam, "
            "where panels overlap, or on the back. Thyroid: thyroid shield or collar."
        )
        self.area = QLineEdit(self)
        self.area.setPlaceholderText("mm², or 3 x 4 mm, or ø4")
        self.area.setMaximumWidth(170)
        self.description = QLineEdit(self)
        self.description.setPlaceholderText("What and where, e.g. crack, left chest panel")
        self.remove = QPushButton("Remove", self)
        self.remove.setAutoDefault(False)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("verdict")
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.zone)
        line.addWidget(self.area)
        line.addWidget(self.description, 1)
        line.addWidget(self.remove)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addLayout(line)
        column.addWidget(self.verdict)
        column.addWidget(self.error)
        self.zone.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.area.textChanged.connect(lambda _t: self.changed.emit())
        self.description.textChanged.connect(lambda _t: self.changed.emit())
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

    def number(self, n: int) -> None:
        self.zone.setObjectName(f"defect_{n}_zone")
        self.area.setObjectName(f"defect_{n}_area")
        self.description.setObjectName(f"defect_{n}_description")
        self.remove.setObjectName(f"defect_{n}_remove")
        self.remove.setToolTip(f"Remove defect {n}")

    def set_verdict(self, text: str, kind: str) -> None:
        self.verdict.setText(text)
        self.verdict.setStyleSheet(_VERDICT_STYLE.get(kind, ""))

    def draft(self) -> DefectDraft:
        return DefectDraft(self.zone.value(), self.area.text(), self.description.text())


class DefectEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines: list[DefectLine] = []
        self.empty = QLabel("No defects: add one for each hole, crack or thin area found.", self)
        self.empty.setStyleSheet("color: #555555;")
        self.add_button = QPushButton("Add &defect", self)
        self.add_button.setObjectName("addDefect")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip("Alt+D")
        self.add_button.clicked.connect(lambda: self.add_defect(focus=True))
        self._lines_box = QVBoxLayout()
        self._lines_box.setSpacing(6)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addLayout(self._lines_box)
        layout.addLayout(bottom)

    def add_defect(
        self,
        zone: DefectZone | str | None = None,
        area: str = "",
        description: str = "",
        *,
        focus: bool = False,
    ) -> DefectLine:
        line = DefectLine(self)
        if zone is not None:
            line.zone.set_value(DefectZone(zone).value)
        line.area.setText(area)
        line.description.setText(description)
        line.changed.connect(self.changed)
        line.remove_requested.connect(self.remove_defect)
        self.lines.append(line)
        self._lines_box.addWidget(line)
        self._renumber()
        self.changed.emit()
        if focus:
            line.area.setFocus(Qt.FocusReason.OtherFocusReason)
        return line

    def remove_defect(self, line: DefectLine) -> None:
        self.lines.remove(line)
        line.hide()
        line.deleteLater()
        self._renumber()
        self.changed.emit()
        (self.lines[-1].area if self.lines else self.add_button).setFocus(Qt.FocusReason.OtherFocusReason)

    def _renumber(self) -> None:
        for n, line in enumerate(self.lines, start=1):
            line.number(n)
        self.empty.setVisible(not self.lines)

    def drafts(self) -> list[DefectDraft]:
        return [line.draft() for line in self.lines]

    def clear_errors(self) -> None:
        for line in self.lines:
            line.error.hide()

    def show_errors(self, fields: dict[str, str]) -> dict[str, str]:
        """Show ``defect_N_*`` messages under their line; return the messages that belong elsewhere."""
        self.clear_errors()
        rest: dict[str, str] = {}
        first = None
        for name, message in fields.items():
            parts = name.split("_")
            if len(parts) == 3 and parts[0] == "defect" and parts[1].isdigit():
                n = int(parts[1])
                if 1 <= n <= len(self.lines):
                    line = self.lines[n - 1]
                    line.error.setText(message)
                    line.error.show()
                    first = first or (line.area if parts[2] == "area" else line.zone)
                    continue
            rest[name] = message
        if first is not None and not rest:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return rest
