"""The clinic's credential rules: which items every technician needs, warning windows, CE."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QSpinBox, QWidget

from fluorodesk.domain.credentials import PRIMARY_SOURCE_TYPES
from fluorodesk.domain.enums import CredentialType
from fluorodesk.domain.settings import SETTINGS_BY_KEY, ClinicSettings
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import widen_rows
from fluorodesk.ui.dialogs.form_dialog import FormDialog

REQUIRED_KEY = "credentials.required_types"

NUMBERS = (
    # key, short label, suffix
    ("credentials.warning_days", "Warn before expiry", " days"),
    ("credentials.exclusion_check_interval_days", "OIG/SAM check every", " days"),
    ("credentials.ce_credits_per_biennium", "CE credits per biennium", " credits"),
    ("credentials.ce_fluoro_safety_credits", "… in fluoroscopy safety", " credits"),
    ("credentials.ce_digital_radiography_credits", "… in digital radiography", " credits"),
    ("credentials.ce_warning_months", "Warn about CE in the last", " months"),
)


class RequiredItemsDialog(FormDialog):
    areas = (areas.SETTINGS, areas.TECHNICIANS)

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None) -> None:
        super().__init__(bus, parent, title="Required items and credential rules")
        self.setObjectName("requiredItemsDialog")
        self.services = services
        current: ClinicSettings = services.settings.load()
        required = set(current[REQUIRED_KEY])
        boxes = QWidget()
        grid = QGridLayout(boxes)
        grid.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[CredentialType, QCheckBox] = {}
        kinds = [t for t in CredentialType if t is not CredentialType.OTHER]
        for index, kind in enumerate(kinds):
            box = QCheckBox(kind.label)
            box.setObjectName(f"require_{kind.value}")
            box.setChecked(kind.value in required)
            if kind in PRIMARY_SOURCE_TYPES:
                box.setToolTip("Verified at the issuing body (primary source) at hire and each renewal.")
            box.toggled.connect(self._mark_dirty)
            self.checks[kind] = box
            grid.addWidget(box, index % 6, index // 6)
        self.add_row(
            REQUIRED_KEY,
            "Every technician needs",
            boxes,
            hint="A technician can still have an item marked not applicable, with a reason.",
        )
        self.numbers: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for key, label, suffix in NUMBERS:
            definition = SETTINGS_BY_KEY[key]
            spin: QSpinBox | QDoubleSpinBox = QSpinBox() if definition.kind is int else QDoubleSpinBox()
            if isinstance(spin, QDoubleSpinBox):
                spin.setDecimals(1)
                spin.setSingleStep(0.5)
            spin.setRange(int(definition.minimum or 0), int(definition.maximum or 999))
            spin.setSuffix(suffix)
            spin.setValue(current[key])
            spin.setMaximumWidth(140)
            spin.setToolTip(
                definition.label + (f"\nSource: {definition.source}" if definition.source else "")
            )
            self.numbers[key] = spin
            self.add_row(
                key, label, spin, hint=definition.source if key != "credentials.warning_days" else ""
            )
        self.tb_annual = self.add_row(
            "credentials.tb_annual_required",
            "TB test",
            QCheckBox("Every year (clinic policy)"),
            hint=SETTINGS_BY_KEY["credentials.tb_annual_required"].source,
        )
        self.tb_annual.setChecked(bool(current["credentials.tb_annual_required"]))
        self._dirty = False
        widen_rows(self)
        self.resize(620, self.sizeHint().height())

    def changes(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            REQUIRED_KEY: [kind.value for kind, box in self.checks.items() if box.isChecked()],
            "credentials.tb_annual_required": self.tb_annual.isChecked(),
        }
        for key, spin in self.numbers.items():
            values[key] = spin.value()
        return values

    def submit(self) -> ClinicSettings:
        return self.services.settings.update(self.changes())
