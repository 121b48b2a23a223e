"""Fluoroscopy units: add or edit one (with its first baseline), retire it, record a new baseline."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.enums import ExposureMode, RateUnit
from fluorodesk.services.registry import Services
from fluorodesk.services.units import BaselineDraft, BaselineRow, UnitDraft, UnitRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import verb_button
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(f"<b>{title}</b>", parent)
    label.setContentsMargins(0, 8, 0, 0)
    return label


class UnitDialog(FormDialog):
    """New unit (``unit`` None; with an optional first baseline) or edit of ``unit``."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        unit: UnitRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"Edit unit {unit.code}" if unit else "New fluoroscopy unit")
        self.services = services
        self.unit = unit
        self.code = self.add_row(
            "code", "Unit ID", QLineEdit(), required=True, hint="The label on the unit, e.g. CA-4."
        )
        self.name = self.add_row("name", "Name", QLineEdit(), required=True)
        self.manufacturer = self.add_row("manufacturer", "Manufacturer", QLineEdit())
        self.model = self.add_row("model", "Model", QLineEdit())
        self.serial = self.add_row("serial", "Serial number", QLineEdit())
        self.room = self.add_row("room", "Room", QLineEdit())
        self.registration_number = self.add_row("registration_number", "State registration no.", QLineEdit())
        self.registration_expires_on = self.add_row(
            "registration_expires_on", "Registration expires", DateField()
        )
        self.manufactured_on = self.add_row(
            "manufactured_on",
            "Manufactured on",
            DateField(),
            hint="Sets the HLC limit: none for units made before 1995-05-19.",
        )
        self.has_aerc = self.add_row(
            "has_aerc", "Controls", QCheckBox("Automatic exposure rate control (AERC)")
        )
        self.has_hlc = self.add_row("has_hlc", "", QCheckBox("High-level control (HLC)"))
        self.in_service_on = self.add_row(
            "in_service_on",
            "In service since",
            DateField(),
            hint="Weekly checks are expected from this week on.",
        )
        self.notes = self.add_row("notes", "Notes", QPlainTextEdit())
        self.notes.setFixedHeight(50)
        self.notes.setTabChangesFocus(True)
        self.has_aerc.setChecked(True)
        self.baseline_fields: dict[str, QWidget] = {}
        if unit is None:
            self.form.addRow(_section("Physicist's baseline (optional; you can add it later)", self))
            rows = (
                ("baseline_rate", "Baseline rate", QLineEdit()),
                ("baseline_rate_unit", "Rate unit", ChoiceField(RateUnit.choices())),
                ("baseline_kvp", "kVp", QLineEdit()),
                ("baseline_ma", "mA", QLineEdit()),
                ("baseline_tolerance_pct", "Tolerance ±%", QLineEdit()),
                ("baseline_set_by", "Set by", QLineEdit()),
                ("baseline_effective_on", "Applies from", DateField()),
            )
            for name, label, widget in rows:
                hint = ""
                if name == "baseline_tolerance_pct":
                    tolerance = services.settings.load()["exposure.tolerance_pct"]
                    hint = f"Blank: the clinic's {tolerance:g}%."
                elif name == "baseline_effective_on":
                    hint = "Blank: the in-service date."
                self.baseline_fields[name] = self.add_row(name, label, widget, hint=hint)
        else:
            self._fill(unit)
        self._dirty = False
        self.setMinimumWidth(520)
        self.code.setFocus()

    def _fill(self, unit: UnitRow) -> None:
        self.code.setText(unit.code)
        self.name.setText(unit.name)
        self.manufacturer.setText(unit.manufacturer)
        self.model.setText(unit.model)
        self.serial.setText(unit.serial)
        self.room.setText(unit.room)
        self.registration_number.setText(unit.registration_number)
        self.registration_expires_on.set_date(unit.registration_expires_on)
        self.manufactured_on.set_date(unit.manufactured_on)
        self.has_aerc.setChecked(unit.has_aerc)
        self.has_hlc.setChecked(unit.has_hlc)
        self.in_service_on.set_date(unit.in_service_on)
        self.notes.setPlainText(unit.notes)

    def draft(self) -> UnitDraft:
        return UnitDraft(
            code=self.code.text(),
            name=self.name.text(),
            manufacturer=self.manufacturer.text(),
            model=self.model.text(),
            serial=self.serial.text(),
            room=self.room.text(),
            registration_number=self.registration_number.text(),
            registration_expires_on=self.registration_expires_on.value(),
            manufactured_on=self.manufactured_on.value(),
            has_aerc=self.has_aerc.isChecked(),
            has_hlc=self.has_hlc.isChecked(),
            in_service_on=self.in_service_on.value(),
            notes=self.notes.toPlainText(),
        )

    def baseline_draft(self) -> BaselineDraft | None:
        f = self.baseline_fields
        typed = [f[n].text().strip() for n in f if isinstance(f[n], QLineEdit)]
        if not any(typed):
            return None
        return BaselineDraft(
            unit_id=None,
            effective_on=f["baseline_effective_on"].value(),
            rate=f["baseline_rate"].text(),
            rate_unit=f["baseline_rate_unit"].value(),
            mode=ExposureMode.NORMAL,
            kvp=f["baseline_kvp"].text(),
            ma=f["baseline_ma"].text(),
            tolerance_pct=f["baseline_tolerance_pct"].text(),
            set_by=f["baseline_set_by"].text(),
        )

    def submit(self) -> UnitRow:
        if self.unit is None:
            return self.services.units.create(self.draft(), baseline=self.baseline_draft())
        return self.services.units.update(self.unit.id, self.draft())


class RetireUnitDialog(FormDialog):
    """Take a unit out of service: no checks are expected from that day on; its records stay."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self, services: Services, bus: DataBus | None, unit: UnitRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(bus, parent, title=f"Retire unit {unit.code}")
        self.services = services
        self.unit = unit
        text = QLabel(
            f"<b>{unit.label}</b> leaves service. Its checks, surveys and corrective actions stay on file; "
            "no checks are expected from the date below, and it leaves the list of units in service.",
            self,
        )
        text.setWordWrap(True)
        self.form.addRow(text)
        self.retired_on = self.add_row(
            "retired_on",
            "Out of service from",
            DateField(value=services.units.today()),
            required=True,
            hint="The first day it is no longer used.",
        )
        self.reason = self.add_row("reason", "Reason", QLineEdit(), required=True)
        verb_button(self, f"Retire unit {unit.code}")
        self.setMinimumWidth(460)

    def submit(self) -> UnitRow:
        return self.services.units.retire(self.unit.id, self.retired_on.value(), self.reason.text())


class BaselineDialog(FormDialog):
    """Record a new baseline for a unit (from a date on), or correct a recorded one."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        unit: UnitRow,
        parent: QWidget | None = None,
        *,
        baseline: BaselineRow | None = None,
    ) -> None:
        title = f"New baseline for {unit.code}" if baseline is None else f"Correct baseline of {unit.code}"
        super().__init__(bus, parent, title=title)
        self.services = services
        self.unit = unit
        self.baseline = baseline
        explanation = QLabel(
            "Readings from this date on are compared with the new baseline; older readings keep the baseline "
            "that applied to them."
            if baseline is None
            else "A correction re-judges the readings this baseline covers.",
            self,
        )
        explanation.setWordWrap(True)
        self.form.addRow(explanation)
        modes = [c for c in ExposureMode.choices() if unit.has_hlc or c[0] != ExposureMode.HIGH_LEVEL.value]
        self.effective_on = self.add_row(
            "effective_on", "Applies from", DateField(value=services.units.today()), required=True
        )
        self.mode = self.add_row("mode", "Mode", ChoiceField(modes), required=True)
        self.rate = self.add_row("rate", "Baseline rate", QLineEdit(), required=True)
        self.rate_unit = self.add_row(
            "rate_unit", "Rate unit", ChoiceField(RateUnit.choices()), required=True
        )
        self.kvp = self.add_row("kvp", "kVp", QLineEdit())
        self.ma = self.add_row("ma", "mA", QLineEdit())
        tolerance = services.settings.load()["exposure.tolerance_pct"]
        self.tolerance = self.add_row(
            "tolerance_pct", "Tolerance ±%", QLineEdit(), hint=f"Blank: the clinic's {tolerance:g}%."
        )
        self.set_by = self.add_row(
            "set_by", "Set by", QLineEdit(), required=True, hint="Usually the physicist."
        )
        self.notes = self.add_row("notes", "Notes", QLineEdit())
        if baseline is not None:
            self.effective_on.set_date(baseline.effective_on)
            self.mode.set_value(baseline.mode.value)
            self.rate.setText(_number(baseline.rate))
            self.rate_unit.set_value(baseline.rate_unit.value)
            self.kvp.setText(_number(baseline.kvp))
            self.ma.setText(_number(baseline.ma))
            self.tolerance.setText(_number(baseline.tolerance_pct))
            self.set_by.setText(baseline.set_by)
            self.notes.setText(baseline.notes)
        elif unit.baseline is not None:
            self.rate_unit.set_value(unit.baseline.rate_unit.value)
        self._dirty = False
        self.setMinimumWidth(480)
        self.rate.setFocus()

    def draft(self) -> BaselineDraft:
        return BaselineDraft(
            unit_id=self.unit.id,
            effective_on=self.effective_on.value(),
            rate=self.rate.text(),
            rate_unit=self.rate_unit.value(),
            mode=self.mode.value(),
            kvp=self.kvp.text(),
            ma=self.ma.text(),
            tolerance_pct=self.tolerance.text(),
            set_by=self.set_by.text(),
            notes=self.notes.text(),
        )

    def submit(self) -> BaselineRow:
        if self.baseline is None or self.baseline.id is None:
            return self.services.units.add_baseline(self.draft())
        return self.services.units.update_baseline(self.baseline.id, self.draft())
