"""Fast case entry: a day's cases go in from the keyboard, one row at a time.

Enter moves to the next field; Enter in the last field saves the row.  Date, unit, physician and
technician stay as they were for the next row; the per-case fields are cleared and the cursor goes
back to the case number.  The procedure is typed as a CPT code or a few words of its name, with
completion.  A row that cannot be saved keeps everything typed, marks the fields at fault and says why.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dose import match_procedure
from fluorodesk.domain.enums import KapUnit
from fluorodesk.errors import FluoroDeskError, StorageError, ValidationError
from fluorodesk.services.procedures.rows import CaseDraft, CaseRow, EntryOptions, UnitChoice
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DOSE, DataBus
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.widgets.fields import ChoiceField, DateField

ERROR_BORDER = "border: 2px solid #b00020;"
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _is_enter(event: QKeyEvent) -> bool:
    return event.key() in _ENTER and not event.modifiers() & Qt.KeyboardModifier.ControlModifier


class EntryEdit(QLineEdit):
    """A line edit that reports Enter instead of passing it on (works with an open completer popup too)."""

    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_enter(event):
            event.accept()
            self.entered.emit()
            return
        super().keyPressEvent(event)


class EntryDate(DateField):
    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_enter(event):
            event.accept()
            self.entered.emit()
            return
        super().keyPressEvent(event)


class EntryChoice(ChoiceField):
    """A combo box: type the first letters to choose, Enter to move on."""

    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_enter(event):
            event.accept()
            self.entered.emit()
            return
        super().keyPressEvent(event)


def completing(parent: QWidget, items: list[str]) -> QCompleter:
    completer = QCompleter(parent)
    completer.setModel(QStringListModel(items, completer))
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setMaxVisibleItems(12)
    return completer


class CaseEntryPanel(QWidget):
    """One row of fields; saved cases are announced on the bus (the log below refreshes itself)."""

    saved = Signal(object)  # the CaseRow

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.options: EntryOptions | None = None
        self._kap_by_unit: dict[int, KapUnit] = {}
        self.setObjectName("caseEntry")

        self.performed_on = EntryDate(self)
        self.unit = EntryChoice([], self)
        self.physician = EntryEdit(self)
        self.technician = EntryChoice([], self, blank="(none: physician alone)")
        self.case_ref = EntryEdit(self)
        self.procedure = EntryEdit(self)
        self.fluoro_time = EntryEdit(self)
        self.air_kerma = EntryEdit(self)
        self.kap_value = EntryEdit(self)
        self.kap_unit = EntryChoice([(u, u.value) for u in KapUnit], self)
        self.images = EntryEdit(self)
        self.save_button = QPushButton("Add case", self)
        self.save_button.setObjectName("addCase")
        self.save_button.setToolTip("Saves the row (or press Enter in the last field)")
        self.save_button.clicked.connect(self.save)

        self.fields: dict[str, QWidget] = {
            "performed_on": self.performed_on,
            "unit_id": self.unit,
            "physician": self.physician,
            "technician_id": self.technician,
            "case_ref": self.case_ref,
            "procedure": self.procedure,
            "fluoro_time": self.fluoro_time,
            "air_kerma_mgy": self.air_kerma,
            "kap_value": self.kap_value,
            "kap_unit": self.kap_unit,
            "images": self.images,
        }
        for name, widget in self.fields.items():
            widget.setObjectName(name)
            widget.entered.connect(lambda w=widget: self.advance(w))  # type: ignore[attr-defined]
        self.case_fields = [
            self.case_ref,
            self.procedure,
            self.fluoro_time,
            self.air_kerma,
            self.kap_value,
            self.images,
        ]

        self.performed_on.setToolTip("Day of the cases; stays for the next row")
        self.physician.setPlaceholderText("Operator of record")
        self.case_ref.setPlaceholderText("Clinic case no.")
        self.case_ref.setToolTip("The clinic's case number. Never the patient's name.")
        self.procedure.setPlaceholderText("CPT code or name")
        self.procedure.setToolTip("Type the CPT code (64483) or a few words of the name, then Enter")
        self.fluoro_time.setPlaceholderText("s or m:ss")
        self.fluoro_time.setToolTip("As the C-arm shows it: 83, 1:23 or 1.4 min")
        self.air_kerma.setPlaceholderText("mGy")
        self.air_kerma.setToolTip("Cumulative air kerma (reference point), mGy")
        self.kap_value.setPlaceholderText("KAP")
        self.kap_value.setToolTip("Kerma-area product, in the unit the C-arm shows")
        self.images.setPlaceholderText("count")
        for widget, width in (
            (self.case_ref, 110),
            (self.fluoro_time, 80),
            (self.air_kerma, 80),
            (self.kap_value, 80),
            (self.images, 60),
        ):
            widget.setMaximumWidth(width)
        self.procedure.setMinimumWidth(260)
        self.physician.setMinimumWidth(160)
        self.procedure_hint = QLabel(self)
        self.procedure_hint.setObjectName("procedureHint")
        self.procedure_hint.setStyleSheet("color: #555555;")
        self.procedure.textChanged.connect(self._show_procedure)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.message = QLabel(self)
        self.message.setObjectName("entryMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        top = [
            ("Date", self.performed_on),
            ("Unit", self.unit),
            ("Physician", self.physician),
            ("Technician", self.technician),
        ]
        for column, (label, widget) in enumerate(top):
            grid.addWidget(QLabel(label, self), 0, column)
            grid.addWidget(widget, 1, column)
        grid.setColumnStretch(len(top), 1)
        self.physician.setMaximumWidth(260)
        bottom = [
            ("Case no.", self.case_ref),
            ("Procedure", self.procedure),
            ("Fluoro time", self.fluoro_time),
            ("Air kerma", self.air_kerma),
            ("KAP", self.kap_value),
            ("KAP unit", self.kap_unit),
            ("Images", self.images),
        ]
        row2 = QHBoxLayout()
        row2.setSpacing(8)
        for label, widget in bottom:
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(QLabel(label, self))
            column.addWidget(widget)
            if widget is self.procedure:
                column.addWidget(self.procedure_hint)
            else:
                column.addStretch(1)
            row2.addLayout(column, 3 if widget is self.procedure else 0)
        button_column = QVBoxLayout()
        button_column.addWidget(QLabel("", self))
        button_column.addWidget(self.save_button)
        button_column.addStretch(1)
        row2.addLayout(button_column)
        row2.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addLayout(row2)
        layout.addWidget(self.message)
        order = list(self.fields.values()) + [self.save_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # ---- options

    def load_options(self) -> None:
        """Fill the choices from the services; keeps what the user already typed."""
        options = self.services.procedures.entry_options()
        self.options = options
        keep_unit = self.unit.value()
        keep_tech = self.technician.value()
        self.unit.blockSignals(True)
        self.unit.clear()
        for unit in options.units:
            self.unit.addItem(
                f"{unit.label} ({_DISPLAY_WORDS[unit.display.shows_air_kerma, unit.display.shows_kap]})",
                unit.id,
            )
        self.unit.blockSignals(False)
        self.technician.clear()
        self.technician.addItem("(none: physician alone)", None)
        for tech in options.technicians:
            self.technician.addItem(tech.name, tech.id)
        self.procedure.setCompleter(completing(self.procedure, [p.label for p in options.procedures]))
        self.physician.setCompleter(completing(self.physician, list(options.physicians)))
        for unit in options.units:
            if unit.last_kap_unit is not None:
                self._kap_by_unit.setdefault(unit.id, unit.last_kap_unit)
        last = options.last
        if keep_unit is None and last is not None:
            keep_unit, keep_tech = last.unit_id, last.technician_id
            if not self.physician.text():
                self.physician.setText(last.physician)
        if not self.performed_on.value():
            self.performed_on.set_date(self.services.procedures.today())
        self.unit.set_value(keep_unit)
        self.technician.set_value(keep_tech)
        self._unit_changed()

    def current_unit(self) -> UnitChoice | None:
        if self.options is None:
            return None
        return next((u for u in self.options.units if u.id == self.unit.value()), None)

    def _unit_changed(self, *_args: Any) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        display = unit.display
        self.air_kerma.setEnabled(display.shows_air_kerma)
        self.kap_value.setEnabled(display.shows_kap)
        self.kap_unit.setEnabled(display.shows_kap)
        self.air_kerma.setPlaceholderText("mGy" if display.shows_air_kerma else "not shown")
        self.kap_value.setPlaceholderText("KAP" if display.shows_kap else "not shown")
        self.images.setPlaceholderText("count" if display.shows_dose else "required")
        if not display.shows_air_kerma:
            self.air_kerma.clear()
        if not display.shows_kap:
            self.kap_value.clear()
        remembered = self._kap_by_unit.get(unit.id)
        if remembered is not None:
            self.kap_unit.set_value(remembered)

    def _show_procedure(self, text: str) -> None:
        if self.options is None or not text.strip():
            self.procedure_hint.setText("")
            return
        try:
            choice = match_procedure(text, self.options.procedures)
        except ValueError as exc:
            self.procedure_hint.setText(str(exc) if len(text.strip()) >= 3 else "")
            return
        self.procedure_hint.setText(choice.label if choice.label != text.strip() else "")

    # ---- keyboard flow

    def _chain(self) -> list[QWidget]:
        return [w for w in self.fields.values() if w.isEnabled()]

    def advance(self, widget: QWidget) -> None:
        """Enter: move to the next field, or save the row from the last one."""
        if isinstance(widget, QLineEdit) and widget.completer() is not None:
            popup = widget.completer().popup()
            if popup.isVisible():
                popup.hide()
            if widget is self.procedure:
                self._complete_procedure()
        chain = self._chain()
        if widget not in chain or widget is chain[-1]:
            self.save()
            return
        following = chain[chain.index(widget) + 1]
        following.setFocus(Qt.FocusReason.TabFocusReason)
        if isinstance(following, QLineEdit):
            following.selectAll()

    def _complete_procedure(self) -> None:
        """A code or words that fit exactly one procedure are shown in full before moving on."""
        if self.options is None:
            return
        try:
            choice = match_procedure(self.procedure.text(), self.options.procedures)
        except ValueError:
            return
        self.procedure.setText(choice.label)

    # ---- saving

    def draft(self) -> CaseDraft:
        return CaseDraft(
            performed_on=self.performed_on.value(),
            procedure=self.procedure.text(),
            unit_id=self.unit.value(),
            physician=self.physician.text(),
            technician_id=self.technician.value(),
            case_ref=self.case_ref.text(),
            fluoro_time=self.fluoro_time.text(),
            air_kerma_mgy=self.air_kerma.text() if self.air_kerma.isEnabled() else "",
            kap_value=self.kap_value.text() if self.kap_value.isEnabled() else "",
            kap_unit=self.kap_unit.value()
            if self.kap_value.isEnabled() and self.kap_value.text().strip()
            else None,
            images=self.images.text(),
        )

    def clear_marks(self) -> None:
        for widget in self.fields.values():
            widget.setStyleSheet("")
            widget.setToolTip(widget.toolTip().split("\n⚠ ")[0])

    def save(self) -> CaseRow | None:
        self.clear_marks()
        try:
            row = self.services.procedures.log_case(self.draft())
        except StorageError as exc:
            show_storage_error(self, exc)
            return None
        except FluoroDeskError as exc:
            self.show_problem(exc)
            return None
        if row.kap_unit is not None:
            self._kap_by_unit[row.unit_id] = row.kap_unit
        text = (
            f"Saved {row.case_ref or 'case #' + str(row.id)}: {row.procedure_label}, {row.fluoro_time_text}"
        )
        if row.flagged:
            text += f". ABOVE TRIGGER: {row.trigger_words}; document the follow-up."
            self.message.setStyleSheet("color: #664d03; background: #fff3cd; padding: 2px;")
        else:
            self.message.setStyleSheet("color: #0f5132;")
        self.message.setText(text)
        for widget in self.case_fields:
            widget.clear()
        physicians = self.physician.completer().model() if self.physician.completer() else None
        if isinstance(physicians, QStringListModel) and row.physician not in physicians.stringList():
            physicians.setStringList(sorted([*physicians.stringList(), row.physician], key=str.lower))
        self.case_ref.setFocus(Qt.FocusReason.OtherFocusReason)
        self.saved.emit(row)
        self.bus.announce(DOSE)
        return row

    def show_problem(self, exc: FluoroDeskError) -> None:
        fields = exc.fields if isinstance(exc, ValidationError) else {}
        lines = []
        first = None
        for name, message in fields.items():
            widget = self.fields.get(name)
            label = _LABELS.get(name, name)
            lines.append(f"{label}: {message}")
            if widget is not None:
                widget.setStyleSheet(ERROR_BORDER)
                widget.setToolTip(f"{widget.toolTip()}\n⚠ {message}")
                first = first or widget
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText("Not saved. " + (" ".join(lines) if lines else str(exc)))
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(first, QLineEdit):
                first.selectAll()

    def set_day(self, day: date) -> None:
        self.performed_on.set_date(day)


_DISPLAY_WORDS = {
    (True, True): "shows air kerma and KAP",
    (True, False): "shows air kerma",
    (False, True): "shows KAP",
    (False, False): "no dose display",
}

_LABELS = {
    "performed_on": "Date",
    "unit_id": "Unit",
    "physician": "Physician",
    "technician_id": "Technician",
    "case_ref": "Case no.",
    "procedure": "Procedure",
    "fluoro_time": "Fluoro time",
    "air_kerma_mgy": "Air kerma",
    "kap_value": "KAP",
    "kap_unit": "KAP unit",
    "images": "Images",
}
