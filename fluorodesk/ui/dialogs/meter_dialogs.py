"""Exposure meters and their calibration certificates: the list, a meter, a calibration."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.exposure import CalibrationState
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.meters import (
    ATTACHMENT_OWNER,
    CalibrationDraft,
    CalibrationRow,
    MeterDraft,
    MeterRow,
)
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.attach_after_save import SaveThenAttachDialog
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.fields import DateField
from fluorodesk.ui.widgets.table_panel import TablePanel


def meter_tone(row: MeterRow) -> Tone:
    if row.retired_on is not None:
        return Tone.MUTED
    return {CalibrationState.VALID: Tone.OK, CalibrationState.LAPSED: Tone.CRITICAL}.get(
        row.state, Tone.WARNING
    )


METER_COLUMNS: list[Column[MeterRow]] = [
    Column("Meter", lambda r: r.name),
    Column("Model", lambda r: " ".join(p for p in (r.manufacturer, r.model) if p)),
    Column("Serial", lambda r: r.serial),
    Column("Calibration", lambda r: r.words, tone=meter_tone, tooltip=lambda r: r.words),
    Column("Checks made", lambda r: r.checks, numeric=True),
]

CALIBRATION_COLUMNS: list[Column[CalibrationRow]] = [
    Column("Calibrated", lambda r: r.calibrated_on),
    Column("Due", lambda r: r.due_on),
    Column("Laboratory", lambda r: r.laboratory),
    Column("Certificate no.", lambda r: r.certificate_number),
    Column(
        "Certificate file",
        lambda r: (
            f"{r.attachments} file{'s' if r.attachments != 1 else ''}" if r.attachments else "Not attached"
        ),
        tone=lambda r: None if r.attachments else Tone.WARNING,
    ),
]


class MeterDialog(FormDialog):
    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        meter: MeterRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title="New meter" if meter is None else f"Edit meter {meter.name}")
        self.services = services
        self.meter = meter
        self.name = self.add_row(
            "name", "Name", QLineEdit(), required=True, hint="As people call it, e.g. RaySafe X2 #1."
        )
        self.manufacturer = self.add_row("manufacturer", "Manufacturer", QLineEdit())
        self.model = self.add_row("model", "Model", QLineEdit())
        self.serial = self.add_row("serial", "Serial number", QLineEdit())
        if meter is not None:
            self.name.setText(meter.name)
            self.manufacturer.setText(meter.manufacturer)
            self.model.setText(meter.model)
            self.serial.setText(meter.serial)
        self._dirty = False
        self.setMinimumWidth(420)

    def submit(self) -> MeterRow:
        draft = MeterDraft(self.name.text(), self.manufacturer.text(), self.model.text(), self.serial.text())
        if self.meter is None:
            return self.services.meters.create_meter(draft)
        return self.services.meters.update_meter(self.meter.id, draft)


class CalibrationDialog(SaveThenAttachDialog):
    areas = (areas.EXPOSURE,)
    document = "the calibration certificate"

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        meter: MeterRow,
        parent: QWidget | None = None,
        *,
        calibration: CalibrationRow | None = None,
    ) -> None:
        super().__init__(
            bus,
            parent,
            title=f"Calibration of {meter.name}",
            attachments=services.attachments,
            owner_type=ATTACHMENT_OWNER,
            record_id=calibration.id if calibration else None,
            purpose="certificate",
        )
        self.services = services
        self.meter = meter
        months = services.settings.load()["exposure.meter_calibration_months"]
        self.calibrated_on = self.add_row("calibrated_on", "Calibrated on", DateField(), required=True)
        self.due_on = self.add_row(
            "due_on", "Due again", DateField(), hint=f"As on the certificate. Blank: {months} months later."
        )
        self.laboratory = self.add_row("laboratory", "Laboratory", QLineEdit())
        self.certificate = self.add_row("certificate_number", "Certificate no.", QLineEdit())
        self.add_attachments_row("Certificate")
        if calibration is not None:
            self.calibrated_on.set_date(calibration.calibrated_on)
            self.due_on.set_date(calibration.due_on)
            self.laboratory.setText(calibration.laboratory)
            self.certificate.setText(calibration.certificate_number)
        self._dirty = False
        self.setMinimumWidth(500)

    def submit(self) -> CalibrationRow:
        draft = CalibrationDraft(
            self.meter.id,
            self.calibrated_on.value(),
            self.due_on.value(),
            self.laboratory.text(),
            self.certificate.text(),
        )
        if self.record_id is None:
            return self.services.meters.add_calibration(draft)
        return self.services.meters.update_calibration(self.record_id, draft)


class MetersDialog(QDialog):
    """The clinic's meters with their calibration status, and each meter's certificates."""

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.setWindowTitle("Meters and calibrations")
        self.setObjectName("metersDialog")
        self.meters: TablePanel[MeterRow] = TablePanel(METER_COLUMNS, noun="meters", parent=self)
        self.meters.setObjectName("meters")
        self.calibrations: TablePanel[CalibrationRow] = TablePanel(
            CALIBRATION_COLUMNS, noun="calibrations", parent=self
        )
        self.calibrations.setObjectName("calibrations")
        self.show_retired = QCheckBox("Show retired meters", self)
        self.show_retired.setObjectName("showRetiredMeters")
        self.show_retired.toggled.connect(lambda _on: self.reload())

        self.new_meter = QPushButton("New meter…", self)
        self.edit_meter = QPushButton("Edit meter…", self)
        self.retire_meter = QPushButton("Retire meter…", self)
        self.add_calibration = QPushButton("Add calibration…", self)
        self.edit_calibration = QPushButton("Open calibration…", self)
        for button, name in (
            (self.new_meter, "newMeter"),
            (self.edit_meter, "editMeter"),
            (self.retire_meter, "retireMeter"),
            (self.add_calibration, "addCalibration"),
            (self.edit_calibration, "editCalibration"),
        ):
            button.setObjectName(name)
        self.new_meter.clicked.connect(self.create_meter)
        self.edit_meter.clicked.connect(self.open_meter)
        self.retire_meter.clicked.connect(self.retire_selected)
        self.add_calibration.clicked.connect(self.create_calibration)
        self.edit_calibration.clicked.connect(self.open_calibration)
        self.meters.selection_changed.connect(lambda _row: self.show_calibrations())
        self.meters.activated.connect(lambda _row: self.open_meter())
        self.calibrations.activated.connect(lambda _row: self.open_calibration())
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.create_meter)

        top = QHBoxLayout()
        for button in (self.new_meter, self.edit_meter, self.retire_meter):
            top.addWidget(button)
        top.addStretch(1)
        top.addWidget(self.show_retired)
        middle = QHBoxLayout()
        self.calibration_title = QLabel(self)
        self.calibration_title.setObjectName("calibrationTitle")
        middle.addWidget(self.calibration_title, 1)
        middle.addWidget(self.add_calibration)
        middle.addWidget(self.edit_calibration)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.meters, 3)
        layout.addLayout(middle)
        layout.addWidget(self.calibrations, 2)
        layout.addWidget(close)
        self.resize(980, 540)
        self.reload()

    def reload(self) -> None:
        keep = self.meters.selected()
        try:
            rows = self.services.meters.list_meters(include_retired=self.show_retired.isChecked())
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.meters.set_rows(rows)
        index = next((i for i, r in enumerate(self.meters.visible_rows()) if keep and r.id == keep.id), 0)
        if rows:
            self.meters.view.selectRow(index)
        self.show_calibrations()

    def show_calibrations(self) -> None:
        meter = self.meters.selected()
        for button in (self.edit_meter, self.retire_meter, self.add_calibration):
            button.setEnabled(meter is not None)
        if meter is None:
            self.calibrations.set_rows([])
            self.calibration_title.setText("Select a meter to see its calibration certificates.")
            return
        self.calibration_title.setText(f"<b>Calibrations of {meter.name}</b>")
        try:
            self.calibrations.set_rows(self.services.meters.calibrations(meter.id))
        except FluoroDeskError as exc:
            show_storage_error(self, exc)
        if self.calibrations.model.rowCount():
            self.calibrations.view.selectRow(0)

    def _changed(self) -> None:
        self.reload()

    def create_meter(self) -> None:
        if runner.run_dialog(MeterDialog(self.services, self.bus, self)):
            self._changed()

    def open_meter(self) -> None:
        meter = self.meters.selected()
        if meter is not None and runner.run_dialog(MeterDialog(self.services, self.bus, self, meter=meter)):
            self._changed()

    def retire_selected(self) -> None:
        meter = self.meters.selected()
        if meter is None:
            return
        if not confirm_destructive(
            self,
            title="Retire meter",
            verb=f"Retire {meter.name}",
            text=f"Retire {meter.name} from today? It is no longer offered for new checks; "
            "its calibrations and the checks made with it stay on file.",
        ):
            return
        try:
            self.services.meters.retire_meter(meter.id)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        except FluoroDeskError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Meter not retired", str(exc))
            return
        self.bus.announce(areas.EXPOSURE)
        self._changed()

    def create_calibration(self) -> None:
        meter = self.meters.selected()
        if meter is None:
            return
        runner.run_dialog(CalibrationDialog(self.services, self.bus, meter, self))
        self._changed()

    def open_calibration(self) -> None:
        meter, calibration = self.meters.selected(), self.calibrations.selected()
        if meter is None or calibration is None:
            return
        runner.run_dialog(CalibrationDialog(self.services, self.bus, meter, self, calibration=calibration))
        self._changed()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # Enter opens rows (table activation), never closes the dialog
        super().keyPressEvent(event)
