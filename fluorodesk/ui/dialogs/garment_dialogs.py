"""Garment dialogs: add/edit a garment, change its status, void an inspection, record a disposition,
and look at an inspection's images."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.enums import Disposition, GarmentType
from fluorodesk.domain.garments import StatusAction
from fluorodesk.services.garment_inspections import OWNER_TYPE, InspectionRow
from fluorodesk.services.garments.rows import GarmentDraft, GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import add_intro, verb_button
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


class GarmentDialog(FormDialog):
    """Add a garment to the inventory, or correct its details (status has its own actions)."""

    areas = (areas.GARMENTS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        garment: GarmentRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"Edit garment {garment.code}" if garment else "New garment")
        self.setObjectName("garmentDialog")
        self.services = services
        self.garment = garment
        self.setMinimumWidth(520)
        self.code = self.add_row(
            "code",
            "Garment ID",
            QLineEdit(),
            required=True,
            hint="The label on the garment; its QR label holds this ID.",
        )
        self.type = self.add_row("type", "Type", ChoiceField(GarmentType.choices()), required=True)
        self.manufacturer = self.add_row("manufacturer", "Manufacturer", QLineEdit())
        self.model = self.add_row("model", "Model", QLineEdit())
        self.serial = self.add_row("serial", "Serial number", QLineEdit())
        self.size_field = self.add_row("size", "Size", QLineEdit())
        self.size_field.setMaximumWidth(120)
        self.lead_front_mm = self.add_row("lead_front_mm", "Lead equivalence, front (mm Pb)", QLineEdit())
        self.lead_back_mm = self.add_row("lead_back_mm", "Lead equivalence, back (mm Pb)", QLineEdit())
        for field in (self.lead_front_mm, self.lead_back_mm):
            field.setPlaceholderText("e.g. 0.5")
            field.setMaximumWidth(120)
        self.lead_free = self.add_row("lead_free", "", QCheckBox("&Lead-free or lightweight composite"))
        owners = [(o.id, f"{o.name}'s own") for o in services.garments.owner_choices()]
        self.owner = self.add_row("owner_technician_id", "Owner", ChoiceField(owners, blank="Clinic-owned"))
        self.location = self.add_row("location", "Location", QLineEdit())
        self.location.setPlaceholderText("e.g. OR 1, lead rack in the hallway")
        self.received_on = self.add_row(
            "received_on", "Received", DateField(), hint="The acceptance inspection is due on this day."
        )
        self.notes = self.add_row("notes", "Notes", QPlainTextEdit())
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(56)
        if garment is not None:
            self.code.setText(garment.code)
            self.type.set_value(garment.type.value)
            self.manufacturer.setText(garment.manufacturer)
            self.model.setText(garment.model)
            self.serial.setText(garment.serial)
            self.size_field.setText(garment.size)
            self.lead_front_mm.setText(
                f"{garment.lead_front_mm:g}" if garment.lead_front_mm is not None else ""
            )
            self.lead_back_mm.setText(f"{garment.lead_back_mm:g}" if garment.lead_back_mm is not None else "")
            self.lead_free.setChecked(garment.lead_free)
            self.owner.set_value(garment.owner_technician_id)
            self.location.setText(garment.location)
            self.received_on.set_date(garment.received_on)
            self.notes.setPlainText(garment.notes)
        else:
            self.received_on.set_date(services.garments.today())
        self._dirty = False

    def submit(self) -> GarmentRow:
        draft = GarmentDraft(
            code=self.code.text(),
            type=self.type.value(),
            manufacturer=self.manufacturer.text(),
            model=self.model.text(),
            serial=self.serial.text(),
            size=self.size_field.text(),
            lead_front_mm=self.lead_front_mm.text(),
            lead_back_mm=self.lead_back_mm.text(),
            lead_free=self.lead_free.isChecked(),
            location=self.location.text(),
            owner_technician_id=self.owner.value(),
            received_on=self.received_on.value(),
            notes=self.notes.toPlainText(),
        )
        if self.garment is None:
            return self.services.garments.create(draft)
        return self.services.garments.update(self.garment.id, draft)


_EXPLAIN = {
    StatusAction.QUARANTINE: "Hold it out of use until it is inspected. "
    "A passing inspection returns it to service.",
    StatusAction.RETURN_TO_SERVICE: "Put it back into use. Its last inspection must have passed.",
    StatusAction.REPORT_LOST: "Nobody can find it. If it turns up, mark it found: "
    "it must then be re-inspected before anyone wears it.",
    StatusAction.FOUND: "It turned up. It is held in quarantine until it passes a re-inspection "
    "(use Inspection day or Record inspection).",
    StatusAction.REMOVE: "Take it out of use for good (worn out, failed, written off). Record its disposal "
    "once it is gone.",
    StatusAction.DISPOSE: "It has left the clinic. Lead is hazardous waste: say how it was disposed of "
    "(e.g. returned to the vendor for recycling).",
}


class StatusDialog(FormDialog):
    areas = (areas.GARMENTS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        garment: GarmentRow,
        action: StatusAction,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"{action.label}: {garment.code}")
        self.setObjectName("statusDialog")
        self.services = services
        self.garment = garment
        self.action = action
        self.setMinimumWidth(480)
        add_intro(
            self,
            f"<b>{escape(garment.code)}</b> · {escape(garment.type.label)} · now "
            f"<b>{escape(garment.status.label.lower())}</b><p>{escape(_EXPLAIN[action])}</p>",
            at=0,
        )
        label = {StatusAction.FOUND: "Found on", StatusAction.DISPOSE: "Disposed on"}.get(action, "Date")
        self.on = self.add_row("on", label, DateField(value=services.garments.today()), required=True)
        if action is StatusAction.DISPOSE:
            self.disposal_method = self.add_row("disposal_method", "How", QLineEdit(), required=True)
            self.disposal_method.setPlaceholderText("e.g. returned to the vendor for lead recycling")
        needs_reason = action in (
            StatusAction.QUARANTINE,
            StatusAction.REMOVE,
            StatusAction.RETURN_TO_SERVICE,
        )
        self.reason = self.add_row(
            "reason",
            "Where found" if action is StatusAction.FOUND else ("Reason" if needs_reason else "Note"),
            QLineEdit(),
            required=needs_reason,
        )
        verb_button(self, action.verb, cancel_default=False)
        self._dirty = False

    def submit(self) -> GarmentRow:
        return self.services.garments.change_status(
            self.garment.id,
            self.action,
            on=self.on.value(),
            reason=self.reason.text(),
            disposal_method=self.disposal_method.text() if self.action is StatusAction.DISPOSE else "",
        )


def _inspection_summary(row: InspectionRow) -> str:
    defects = f" · defects: {escape(row.defects_words)}" if row.defects else ""
    return (
        f"<b>{escape(row.garment_code)}</b> inspected {row.inspected_on} by {escape(row.inspector)}: "
        f"<b>{escape(row.result.label)}</b> ({escape(row.methods_words)}){defects}"
    )


class VoidInspectionDialog(FormDialog):
    areas = (areas.GARMENTS,)

    def __init__(
        self, services: Services, bus: DataBus | None, row: InspectionRow, parent: QWidget | None = None
    ):
        super().__init__(bus, parent, title=f"Void inspection of {row.garment_code}")
        self.setObjectName("voidDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.row = row
        add_intro(
            self,
            _inspection_summary(row) + "<p>Voiding keeps the record on file, marked void with your reason; "
            "it no longer counts. To correct it instead, use <i>Amend</i>.</p>",
            at=0,
        )
        self.reason = self.add_row("reason", "Why is it wrong", QLineEdit(), required=True)
        self.reason.setPlaceholderText("e.g. entered for the wrong garment")
        verb_button(self, "Void inspection", cancel_default=False)
        self._dirty = False

    def submit(self) -> InspectionRow:
        return self.services.garment_inspections.void(self.row.id, reason=self.reason.text())


class DispositionDialog(FormDialog):
    areas = (areas.GARMENTS,)

    def __init__(
        self, services: Services, bus: DataBus | None, row: InspectionRow, parent: QWidget | None = None
    ):
        super().__init__(bus, parent, title=f"Disposition of {row.garment_code}")
        self.setObjectName("dispositionDialog")
        self.setMinimumWidth(460)  # room for the summary and the placeholder
        self.services = services
        self.row = row
        add_intro(
            self,
            _inspection_summary(row) + "<p>Repair keeps it in quarantine until it passes a re-inspection; "
            "remove and discard take it out of service (record the disposal once it is gone).</p>",
            at=0,
        )
        choices = [(d.value, d.label) for d in Disposition if d is not Disposition.RETURN_TO_SERVICE]
        self.disposition = self.add_row("disposition", "Disposition", ChoiceField(choices), required=True)
        self.notes = self.add_row("notes", "Note", QLineEdit())
        verb_button(self, "Record disposition", cancel_default=False)
        self._dirty = False

    def submit(self) -> InspectionRow:
        return self.services.garment_inspections.set_disposition(
            self.row.id, self.disposition.value(), notes=self.notes.text()
        )


class InspectionImagesDialog(QDialog):
    """Photos and radiographs of one inspection (copied into the data folder, hashed)."""

    def __init__(self, services: Services, row: InspectionRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imagesDialog")
        self.setWindowTitle(f"Images: {row.garment_code}, {row.inspected_on}")
        self.setMinimumWidth(520)
        intro = QLabel(_inspection_summary(row), self)
        intro.setWordWrap(True)
        self.panel = AttachmentsPanel(services.attachments, OWNER_TYPE, row.id, self, purpose="image")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.panel)
        layout.addWidget(buttons)
