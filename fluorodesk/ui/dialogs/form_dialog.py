"""Base for every edit dialog: inline validation messages, input kept on error, dirty-close guard.

Subclasses build their fields with ``add_row`` and implement ``submit()``, which calls a service
and returns its result.  A ``ValidationError`` from the service shows each field's message under
that field (the dialog stays open with everything typed); a ``ConflictError`` or ``NotFoundError``
shows at the top; a ``StorageError`` gets a calm message box.  On success the dialog closes and the
data bus announces what changed, so tabs refresh themselves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import FluoroDeskError, StorageError, ValidationError
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.widgets.confirm import ask_save_discard_cancel

ERROR_STYLE = "color: #b00020;"


class FormDialog(QDialog):
    #: bus areas announced after a successful submit
    areas: tuple[str, ...] = ()

    def __init__(self, bus: DataBus | None, parent: QWidget | None = None, *, title: str) -> None:
        super().__init__(parent)
        self.bus = bus
        self.result_value: Any = None
        self._dirty = False
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self.setWindowTitle(title)
        self.setModal(True)

        self.general_error = QLabel(self)
        self.general_error.setObjectName("generalError")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        standard = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(standard.Save | standard.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    # ---- building

    def add_below_form(self, widget: QWidget, stretch: int = 0) -> None:
        """A widget between the form and the buttons; one given a stretch takes the spare height
        (the dialog's own spacer then stops competing for it)."""
        layout = self.layout()
        spacer = layout.indexOf(self.buttons) - 1
        layout.insertWidget(spacer, widget, stretch)
        if stretch:
            layout.setStretch(spacer + 1, 0)

    def add_row(
        self, name: str, label: str, widget: QWidget, *, required: bool = False, hint: str = ""
    ) -> QWidget:
        """Add a labelled field with its (hidden) inline error label; ``name`` matches the service's field."""
        widget.setObjectName(name)
        if isinstance(widget, QPlainTextEdit):
            widget.setTabChangesFocus(True)  # Tab moves to the next field, as everywhere else in a form
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            hint_label = QLabel(hint, holder)
            hint_label.setStyleSheet("color: #555555;")
            hint_label.setWordWrap(True)
            column.addWidget(hint_label)
        error = QLabel(holder)
        error.setObjectName(f"{name}Error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self.form.addRow(f"{label}{' *' if required else ''}", holder)
        self._errors[name] = error
        self._fields[name] = widget
        self._watch(widget)
        return widget

    def field(self, name: str) -> QWidget:
        return self._fields[name]

    def _watch(self, widget: QWidget) -> None:
        mark = self._mark_dirty
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(mark)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(mark)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(mark)
        elif isinstance(widget, QAbstractButton | QCheckBox):
            widget.toggled.connect(mark)
        elif isinstance(widget, QSpinBox | QDoubleSpinBox):
            widget.valueChanged.connect(mark)

    def _mark_dirty(self, *_args: Any) -> None:
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    # ---- errors

    def clear_errors(self) -> None:
        self.general_error.hide()
        for label in self._errors.values():
            label.hide()

    def show_errors(self, exc: FluoroDeskError) -> None:
        self.clear_errors()
        fields = exc.fields if isinstance(exc, ValidationError) else {}
        unplaced = []
        for name, message in fields.items():
            label = self._errors.get(name)
            if label is None:
                unplaced.append(message)
            else:
                label.setText(message)
                label.show()
        if not fields or unplaced:
            self.general_error.setText("\n".join(unplaced) or str(exc))
            self.general_error.show()
        first = next((self._fields[n] for n in fields if n in self._fields), None)
        if first is not None:
            first.setFocus()

    # ---- saving

    def submit(self) -> Any:
        """Call the service with the form's values; return its result (subclasses)."""
        raise NotImplementedError

    def try_submit(self) -> bool:
        """Call ``submit()``: on success announce the change and return True; on failure show why."""
        try:
            self.result_value = self.submit()
        except StorageError as exc:
            show_storage_error(self, exc)
            return False
        except FluoroDeskError as exc:
            self.show_errors(exc)
            return False
        self.clear_errors()
        self._dirty = False
        if self.bus is not None and self.areas:
            self.bus.announce(*self.areas)
        return True

    def save(self) -> None:
        if self.try_submit():
            self.accept()

    def reject(self) -> None:
        if self._dirty:
            answer = ask_save_discard_cancel(self)
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()
