"""Why a check period has no check: a note; "not used" excuses the period from the missed list."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from fluorodesk.domain.exposure import PeriodState
from fluorodesk.services.exposure.rows import PeriodRow
from fluorodesk.services.registry import Services
from fluorodesk.services.units import UnitRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog


class PeriodNoteDialog(FormDialog):
    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        unit: UnitRow,
        period: PeriodRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"Note on {unit.code}'s check period")
        self.services = services
        self.unit = unit
        self.period = period
        about = QLabel(
            f"<b>{unit.label}</b>, {period.start} to {period.end}: {period.state.label.lower()}.<br>"
            "If the check was done but never entered, enter it instead: New check, with its date.",
            self,
        )
        about.setWordWrap(True)
        self.form.addRow(about)
        self.reason = self.add_row("reason", "Why there is no check", QLineEdit(), required=True)
        self.not_used = self.add_row(
            "unit_not_used",
            "",
            QCheckBox("Unit not used in this period (no check was needed)"),
        )
        if period.note:
            self.reason.setText(period.note)
        self.not_used.setChecked(period.state is PeriodState.EXCUSED)
        self._dirty = False
        self.setMinimumWidth(580)

    def submit(self) -> PeriodRow:
        return self.services.exposure.note_period(
            self.unit.id, self.period.start, self.reason.text(), unit_not_used=self.not_used.isChecked()
        )
