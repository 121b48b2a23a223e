"""Entering an exposure-rate check fast from the keyboard, correcting one, voiding one.

Defaults come from the services: today, the last performer, and the unit's usual mode, meter,
phantom and rate unit.  The verdict, the meter's calibration on the check date and a late-entry
note are shown live as the reading is typed; the services decide all of them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit
from fluorodesk.domain.exposure import CalibrationState
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.exposure.rows import CheckDraft, ExposureCheckRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import verb_button
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.tones import Tone, background_for, foreground_for
from fluorodesk.ui.widgets.fields import ChoiceField, DateField

VERDICT_TONE = {
    ExposureVerdict.PASS: Tone.OK,
    ExposureVerdict.OUTSIDE_TOLERANCE: Tone.WARNING,
    ExposureVerdict.OVER_LIMIT: Tone.CRITICAL,
}


def tone_style(tone: Tone | None) -> str:
    if tone is None:
        return "color: #555555; padding: 3px;"
    return (
        f"background: {background_for(tone).color().name()}; color: {foreground_for(tone).color().name()};"
        "padding: 3px; border-radius: 3px;"
    )


def number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class CheckDialog(FormDialog):
    """New check (``check`` None) or a correction of ``check`` (an amendment with a reason)."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        unit_id: int | None = None,
        check: ExposureCheckRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title="Correct exposure check" if check else "New exposure check")
        self.services = services
        self.check = check
        self.saved: list[ExposureCheckRow] = []
        self._loading = True
        units = services.units.list_units()
        if check is not None and check.unit_id not in {u.id for u in units}:
            units = services.units.list_units(include_retired=True)
        self.unit = self.add_row(
            "unit_id",
            "Unit",
            ChoiceField([(u.id, u.label) for u in units], blank="(choose the unit)"),
            required=True,
        )
        self.checked_on = self.add_row(
            "checked_on", "Date of the check", DateField(value=services.exposure.today()), required=True
        )
        self.performed_by = QComboBox()
        self.performed_by.setEditable(True)
        self.performed_by.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.performed_by.setMinimumContentsLength(28)
        for name, tech_id in services.exposure.performers():
            self.performed_by.addItem(name, tech_id)
        self.performed_by.setCurrentIndex(-1)
        self.add_row("performed_by", "Performed by", self.performed_by, required=True)
        self.performed_by.editTextChanged.connect(self._mark_dirty)
        meters = services.meters.list_meters(include_retired=check is not None)
        self.meter = self.add_row(
            "meter_id",
            "Meter used",
            ChoiceField([(m.id, m.name) for m in meters], blank="(choose the meter)"),
            required=True,
        )
        self.meter_status = QLabel(self)
        self.meter_status.setObjectName("meterStatus")
        self.meter_status.setWordWrap(True)
        self.form.addRow(self.meter_status)
        self.mode = self.add_row("mode", "Mode", ChoiceField(ExposureMode.choices()), required=True)
        self.magnification = self.add_row("magnification", "Magnification / field size", QLineEdit())
        self.phantom = self.add_row("phantom", "Phantom / set-up", QLineEdit())
        self.kvp = self.add_row("kvp", "kVp", QLineEdit())
        self.ma = self.add_row("ma", "mA", QLineEdit())
        self.rate = self.add_row(
            "rate",
            "Measured rate",
            QLineEdit(),
            required=True,
            hint="As the meter showed it; stored, never converted.",
        )
        self.rate_unit = self.add_row(
            "rate_unit",
            "Rate unit (as read)",
            ChoiceField(RateUnit.choices()),
            required=True,
        )
        self.rate_unit.setToolTip("Stored in the unit the meter showed; never converted.")
        self.notes = self.add_row("notes", "Notes", QLineEdit())
        self.reason: QLineEdit | None = None
        if check is not None:
            self.reason = self.add_row(
                "reason",
                "Why it is corrected",
                QLineEdit(),
                required=True,
                hint="The original stays on file, voided, and points to this correction.",
            )
        self.preview = QLabel(self)
        self.preview.setObjectName("verdictPreview")
        self.preview.setWordWrap(True)
        self.entry = QLabel(self)
        self.entry.setObjectName("entryNote")
        self.entry.setWordWrap(True)
        self.form.addRow(self.preview)
        self.form.addRow(self.entry)
        for field in (self.kvp, self.ma, self.rate):
            field.setPlaceholderText(
                "e.g. 78" if field is self.kvp else ("e.g. 2.1" if field is self.ma else "e.g. 38.5")
            )
            field.setMaximumWidth(140)

        self.save_next: QPushButton | None = None
        if check is None and len(units) > 1:
            self.save_next = self.buttons.addButton(
                "Save && next unit", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.save_next.setObjectName("saveNext")
            self.save_next.setToolTip(
                "Save this check and start the next unit's with the same date and performer"
            )
            self.save_next.clicked.connect(self.save_and_next)

        for widget in (self.checked_on, self.rate, self.kvp):
            widget.textChanged.connect(self.update_preview)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        for combo in (self.meter, self.mode, self.rate_unit):
            combo.currentIndexChanged.connect(self.update_preview)

        if check is not None:
            self._fill(check)
        elif unit_id is not None:
            self.unit.set_value(unit_id)
            self._apply_defaults(unit_id)
        self._loading = False
        self._dirty = False
        self.update_preview()
        self.setMinimumWidth(600)
        first_empty = self.kvp if (check is None and unit_id is not None) else self.unit
        if check is not None:
            first_empty = self.rate
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- filling

    def _fill(self, check: ExposureCheckRow) -> None:
        self.unit.set_value(check.unit_id)
        self.checked_on.set_date(check.checked_on)
        self.performed_by.setEditText(check.performed_by)
        self.meter.set_value(check.meter_id)
        self.mode.set_value(check.mode.value)
        self.magnification.setText(check.magnification)
        self.phantom.setText(check.phantom)
        self.kvp.setText(number_text(check.kvp))
        self.ma.setText(number_text(check.ma))
        self.rate.setText(number_text(check.rate))
        self.rate_unit.set_value(check.rate_unit.value)
        self.notes.setText(check.notes)

    def _apply_defaults(self, unit_id: int) -> None:
        try:
            defaults = self.services.exposure.check_defaults(unit_id)
        except FluoroDeskError:
            return
        if not self.performed_by.currentText().strip():
            self.performed_by.setEditText(defaults.performed_by)
        if defaults.meter_id is not None:
            self.meter.set_value(defaults.meter_id)
        self.mode.set_value(defaults.mode.value)
        self.rate_unit.set_value(defaults.rate_unit.value)
        self.phantom.setText(defaults.phantom)
        self.magnification.setText(defaults.magnification)

    def _unit_changed(self, *_args: Any) -> None:
        unit_id = self.unit.value()
        if not self._loading and self.check is None and unit_id is not None:
            self._apply_defaults(unit_id)
        self.update_preview()

    # ---- the draft and its live judgement

    def technician_id(self) -> int | None:
        text = self.performed_by.currentText().strip()
        index = self.performed_by.findText(text, Qt.MatchFlag.MatchFixedString)
        return self.performed_by.itemData(index) if index >= 0 else None

    def draft(self) -> CheckDraft:
        return CheckDraft(
            unit_id=self.unit.value(),
            checked_on=self.checked_on.value(),
            performed_by=self.performed_by.currentText(),
            meter_id=self.meter.value(),
            mode=self.mode.value(),
            rate=self.rate.text(),
            rate_unit=self.rate_unit.value(),
            kvp=self.kvp.text(),
            ma=self.ma.text(),
            phantom=self.phantom.text(),
            magnification=self.magnification.text(),
            notes=self.notes.text(),
            technician_id=self.technician_id(),
        )

    def update_preview(self, *_args: Any) -> None:
        if self._loading:
            return
        try:
            preview = self.services.exposure.preview(self.draft())
        except StorageError:
            return
        self.preview.setText("Result: " + (preview.words or "type the reading to compare it with the limit."))
        self.preview.setStyleSheet(tone_style(VERDICT_TONE.get(preview.verdict) if preview.verdict else None))
        if preview.meter_state is None:
            self.meter_status.setText("")
            self.meter_status.setStyleSheet("")
        else:
            warn = preview.meter_state is not CalibrationState.VALID
            self.meter_status.setText(("⚠ " if warn else "") + preview.meter_words)
            self.meter_status.setStyleSheet(tone_style(Tone.WARNING if warn else None))
        self.entry.setText(preview.entry_words)
        self.entry.setVisible(bool(preview.entry_words))
        self.entry.setStyleSheet(tone_style(Tone.WARNING) if preview.late_entry else "color: #555555;")

    # ---- saving

    def submit(self) -> ExposureCheckRow:
        if self.check is None:
            row = self.services.exposure.record_check(self.draft())
        else:
            assert self.reason is not None
            row = self.services.exposure.amend_check(self.check.id, self.draft(), self.reason.text())
        self.saved.append(row)
        return row

    def save_and_next(self) -> None:
        if not self.try_submit():
            return
        index = self.unit.currentIndex() + 1
        if index >= self.unit.count():
            self._dirty = False
            self.accept()
            return
        for field in (self.kvp, self.ma, self.rate, self.notes):
            field.clear()
        self.unit.setCurrentIndex(index)
        self._dirty = False
        self.kvp.setFocus(Qt.FocusReason.OtherFocusReason)


class VoidCheckDialog(FormDialog):
    """Void a wrong check: it stays on file, marked void with the reason."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self, services: Services, bus: DataBus | None, check: ExposureCheckRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(bus, parent, title="Void exposure check")
        self.services = services
        self.check = check
        summary = QLabel(
            f"<b>{escape(check.unit)}</b>, {check.checked_on}: {escape(check.rate_words)} "
            f"({check.mode.label.lower()}), by {escape(check.performed_by)}.<br>"
            "The check stays in the log, marked void with your reason; "
            "it no longer counts for the calendar or the findings.",
            self,
        )
        summary.setObjectName("summary")
        summary.setWordWrap(True)
        self.form.addRow(summary)
        if check.recheck_for:
            warning = QLabel(
                "⚠ This check is the re-check that closes a corrective action. Voiding it re-opens that "
                "reading's finding until another passing re-check is recorded.",
                self,
            )
            warning.setObjectName("recheckWarning")
            warning.setWordWrap(True)
            warning.setStyleSheet(tone_style(Tone.WARNING))
            self.form.addRow(warning)
        self.reason = self.add_row("reason", "Reason", QLineEdit(), required=True)
        verb_button(self, "Void check")
        self.setMinimumWidth(460)

    def submit(self) -> ExposureCheckRow:
        return self.services.exposure.void_check(self.check.id, self.reason.text())
