"""Aprons: the protective-garment inventory, each garment's inspections, and inspection day.

Keyboard: Ctrl+N new garment, Ctrl+E (or Enter / double-click) edit, Ctrl+I record an inspection,
Ctrl+D inspection day, Ctrl+P print labels.  Status changes (quarantine, lost, found, remove,
disposal) are in the "Status" menu button; regulated records are voided or amended, never deleted.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.enums import GarmentStatus, InspectionResult
from fluorodesk.domain.garments import StatusAction
from fluorodesk.domain.text import counted
from fluorodesk.errors import StorageError
from fluorodesk.services.garment_inspections import InspectionRow
from fluorodesk.services.garments.rows import GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.garment_dialogs import (
    DispositionDialog,
    GarmentDialog,
    InspectionImagesDialog,
    StatusDialog,
    VoidInspectionDialog,
)
from fluorodesk.ui.dialogs.inspection_day import InspectionDayDialog
from fluorodesk.ui.dialogs.inspection_dialog import InspectionDialog, InspectionMemory
from fluorodesk.ui.dialogs.labels_dialog import LabelsDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column, RowRole
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.garment_detail import GarmentDetail
from fluorodesk.ui.widgets.table_panel import TablePanel


def _due_tone(row: GarmentRow) -> Tone | None:
    if row.awaiting_reinspection:
        return Tone.CRITICAL
    if row.status is not GarmentStatus.IN_SERVICE:
        return Tone.WARNING if row.status in (GarmentStatus.QUARANTINED, GarmentStatus.LOST) else Tone.MUTED
    days = row.days_until_due
    if days is None or row.last_inspected_on is None or days < 0:
        return Tone.CRITICAL
    return Tone.WARNING if row.due_soon else Tone.OK


def _status_tone(row: GarmentRow) -> Tone:
    return {
        GarmentStatus.IN_SERVICE: Tone.OK,
        GarmentStatus.QUARANTINED: Tone.WARNING,
        GarmentStatus.LOST: Tone.WARNING,
    }.get(row.status, Tone.MUTED)


COLUMNS: list[Column[GarmentRow]] = [
    Column("Garment ID", lambda r: r.code),
    Column("Type", lambda r: r.type.label),
    Column("Status", lambda r: r.status.label, tone=_status_tone),
    Column(
        "Inspection",
        lambda r: r.standing,
        sort_key=lambda r: r.next_due,
        tone=_due_tone,
        tooltip=lambda r: r.standing,
    ),
    Column("Next due", lambda r: r.next_due),
    Column(
        "Last inspected", lambda r: r.last_inspected_on or "Never", sort_key=lambda r: r.last_inspected_on
    ),
    Column(
        "Last result",
        lambda r: r.last_result.label if r.last_result else "",
        tone=lambda r: Tone.CRITICAL if r.last_result is InspectionResult.FAIL else None,
    ),
    Column("Owner", lambda r: r.owner_words),
    Column("Location", lambda r: r.location),
    Column("Make / model", lambda r: r.make_model),
]


class ApronsTab(DataTab):
    title = "Aprons"
    areas = frozenset({areas.GARMENTS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.memory = InspectionMemory()  # inspector, methods, kVp: remembered for the session
        self.table: TablePanel[GarmentRow] = TablePanel(COLUMNS, noun="garments", parent=self)
        self.detail = GarmentDetail(self)

        self.new_button = push_button(
            "&New garment…", self, "newGarment", tip="Ctrl+N", on_click=self.new_garment
        )
        self.edit_button = push_button(
            "&Edit…", self, "editGarment", tip="Ctrl+E, Enter or double-click", on_click=self.edit_garment
        )
        self.status_button = QToolButton(self)
        self.status_button.setObjectName("statusButton")
        self.status_button.setText("&Status")
        self.status_button.setToolTip("Quarantine, report lost, mark found, remove, record disposal")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_menu = QMenu(self.status_button)
        self.status_actions: dict[StatusAction, QAction] = {}
        for action in StatusAction:
            act = self.status_menu.addAction(action.label)
            act.setObjectName(f"status_{action.value}")
            act.triggered.connect(lambda _checked=False, a=action: self.change_status(a))
            self.status_actions[action] = act
        self.status_button.setMenu(self.status_menu)
        self.day_button = push_button(
            "Inspection &day…",
            self,
            "inspectionDay",
            tip="Ctrl+D: scan, Enter, next",
            on_click=self.inspection_day,
        )
        self.labels_button = push_button(
            "Print &labels…", self, "printLabels", tip="Ctrl+P: QR-coded labels", on_click=self.print_labels
        )
        self.show_disposed = QCheckBox("Show disposed", self)
        self.show_disposed.setObjectName("showDisposed")
        self.show_disposed.toggled.connect(lambda _on: self.refresh())
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")

        toolbar = QHBoxLayout()
        for widget in (
            self.new_button,
            self.edit_button,
            self.status_button,
            self.day_button,
            self.labels_button,
        ):
            toolbar.addWidget(widget)
        toolbar.addWidget(self.notice, 1)
        toolbar.addWidget(self.show_disposed)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([720, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)

        self.table.selection_changed.connect(self.show_detail)
        self.table.activated.connect(lambda _row: self.edit_garment())
        self.detail.record_button.clicked.connect(self.record_inspection)
        self.detail.disposition_button.clicked.connect(self.set_disposition)
        self.detail.amend_button.clicked.connect(self.amend_inspection)
        self.detail.void_button.clicked.connect(self.void_inspection)
        self.detail.images_button.clicked.connect(self.show_images)
        self.detail.inspections.activated.connect(lambda _row: self.show_images())
        for keys, slot in (
            ("Ctrl+N", self.new_garment),
            ("Ctrl+E", self.edit_garment),
            ("Ctrl+I", self.record_inspection),
            ("Ctrl+D", self.inspection_day),
            ("Ctrl+P", self.print_labels),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_actions()

    # ---- loading

    def load(self) -> None:
        selected = self.table.selected()
        rows = self.services.garments.list_rows(include_disposed=self.show_disposed.isChecked())
        self.table.set_rows(rows)
        if selected is not None:
            self.select_garment(selected.id)
        else:
            self.show_detail(self.table.selected())

    def select_garment(self, garment_id: int) -> bool:
        for r in range(self.table.proxy.rowCount()):
            row = self.table.proxy.data(self.table.proxy.index(r, 0), RowRole)
            if row.id == garment_id:
                self.table.view.selectRow(r)
                self.show_detail(row)
                return True
        self.show_detail(None)
        return False

    def show_detail(self, row: GarmentRow | None) -> None:
        try:
            if row is None:
                self.detail.show_garment(None, [], [])
            else:
                self.detail.show_garment(
                    row,
                    self.services.garment_inspections.list_for_garment(row.id),
                    self.services.garments.history(row.id),
                )
        except StorageError as exc:
            show_storage_error(self, exc)
        self._update_actions()

    def _update_actions(self) -> None:
        row = self.table.selected()
        self.edit_button.setEnabled(row is not None)
        self.status_button.setEnabled(row is not None and bool(row.actions))
        for action, act in self.status_actions.items():
            act.setVisible(row is not None and action in row.actions)

    # ---- actions

    def _after(self, garment_id: int, message: str) -> None:
        self.refresh()
        self.select_garment(garment_id)
        self.notice.setText(message)

    def new_garment(self) -> None:
        dialog = GarmentDialog(self.services, self.bus, self)
        if runner.run_dialog(dialog):
            row: GarmentRow = dialog.result_value
            self._after(row.id, f"Added {row.code}. Its acceptance inspection is due on receipt.")

    def edit_garment(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        dialog = GarmentDialog(self.services, self.bus, self, garment=row)
        if runner.run_dialog(dialog):
            self._after(row.id, f"Saved {dialog.result_value.code}.")

    def change_status(self, action: StatusAction) -> None:
        row = self.table.selected()
        if row is None or action not in row.actions:
            return
        dialog = StatusDialog(self.services, self.bus, row, action, self)
        if runner.run_dialog(dialog):
            after: GarmentRow = dialog.result_value
            self._after(row.id, f"{after.code}: {after.status.label.lower()}. {after.standing}.")

    def record_inspection(self) -> None:
        row = self.table.selected()
        if row is None or not row.can_be_inspected:
            if row is not None:
                self.notice.setText(row.inspection_refusal or "")
            return
        dialog = InspectionDialog(self.services, self.bus, row, self, memory=self.memory)
        if runner.run_dialog(dialog):
            saved = dialog.result_value
            self._after(row.id, f"{saved.garment_code}: {saved.result.label.lower()} recorded.")

    def _selected_inspection(self) -> InspectionRow | None:
        return self.detail.selected_inspection()

    def amend_inspection(self) -> None:
        row, inspection = self.table.selected(), self._selected_inspection()
        if row is None or inspection is None or inspection.voided:
            return
        dialog = InspectionDialog(self.services, self.bus, row, self, memory=self.memory, amend=inspection)
        if runner.run_dialog(dialog):
            self._after(row.id, f"Inspection #{inspection.id} amended by #{dialog.result_value.id}.")

    def void_inspection(self) -> None:
        row, inspection = self.table.selected(), self._selected_inspection()
        if row is None or inspection is None or inspection.voided:
            return
        if runner.run_dialog(VoidInspectionDialog(self.services, self.bus, inspection, self)):
            self._after(row.id, f"Inspection #{inspection.id} voided; it stays on file, marked void.")

    def set_disposition(self) -> None:
        row, inspection = self.table.selected(), self._selected_inspection()
        if row is None or inspection is None:
            return
        dialog = DispositionDialog(self.services, self.bus, inspection, self)
        if runner.run_dialog(dialog):
            self._after(row.id, f"{row.code}: disposition {dialog.result_value.disposition.label.lower()}.")

    def show_images(self) -> None:
        inspection = self._selected_inspection()
        if inspection is None:
            return
        runner.run_dialog(InspectionImagesDialog(self.services, inspection, self))
        self.bus.announce(areas.GARMENTS)  # image counts

    def inspection_day(self) -> None:
        runner.run_dialog(InspectionDayDialog(self.services, self.bus, self, memory=self.memory))
        self.refresh()

    def print_labels(self) -> None:
        dialog = LabelsDialog(self.services, self, selected=self.table.selected())
        if runner.run_dialog(dialog) and dialog.sheet is not None:
            sheet = dialog.sheet
            self.notice.setText(
                f"Saved {counted(sheet.labels, 'labels')} on {counted(sheet.pages, 'pages')}: {sheet.path}"
            )
