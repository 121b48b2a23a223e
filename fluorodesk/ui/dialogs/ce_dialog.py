"""Log or correct a continuing-education activity, with its certificate."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.services.ce import CATEGORIES, CeDraft
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import CeActivityRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import editable_combo, widen_rows
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.fields import DateField
from fluorodesk.ui.widgets.pending_files import PendingFilesPanel


class CeDialog(FormDialog):
    areas = (areas.TECHNICIANS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        technician_id: int,
        technician_name: str = "",
        activity: CeActivityRow | None = None,
    ) -> None:
        title = "Correct CE activity" if activity else "Log CE activity"
        super().__init__(bus, parent, title=title + (f" — {technician_name}" if technician_name else ""))
        self.setObjectName("ceDialog")
        self.services = services
        self.technician_id = technician_id
        self.activity = activity
        self.completed_on = self.add_row("completed_on", "Completed on", DateField(), required=True)
        self.title = self.add_row("title", "Course or activity", QLineEdit(), required=True)
        self.provider = self.add_row("provider", "Provider", QLineEdit())
        credits = QDoubleSpinBox()
        credits.setDecimals(2)
        credits.setRange(0.0, 99.0)
        credits.setSingleStep(0.25)
        credits.setValue(1.0)
        credits.setMaximumWidth(110)
        self.credits = self.add_row("credits", "Credits", credits, required=True)
        category = editable_combo(CATEGORIES)
        category.setEditText("A")
        category.editTextChanged.connect(self._mark_dirty)
        self.category = self.add_row(
            "category", "Category", category, hint="ARRT accepts Category A and A+ activities."
        )
        self.fluoro_safety = self.add_row(
            "fluoro_safety", "Counts as", QCheckBox("Radiation safety in clinical fluoroscopy")
        )
        self.digital_radiography = self.add_row("digital_radiography", "", QCheckBox("Digital radiography"))
        notes = QPlainTextEdit()
        notes.setTabChangesFocus(True)
        notes.setFixedHeight(48)
        self.notes = self.add_row("notes", "Notes", notes)
        if activity is None:
            self.files = PendingFilesPanel(self, caption="Add certificate…")
            self.files.changed.connect(self._mark_dirty)
            self.add_row("files", "Certificate", self.files, hint="Keep CE proof 4 years (California).")
        else:
            self.files = AttachmentsPanel(
                services.attachments, "ce_activity", activity.id, self, purpose="certificate"
            )
            self.files.setObjectName("certificates")
            self.form.addRow("Certificate", self.files)
            note = QLabel("Files are copied in as soon as you attach them.")
            note.setStyleSheet("color: #555555;")
            self.form.addRow("", note)
            self._fill(activity)
        self.completed_on.setFocus()
        widen_rows(self)
        self.resize(520, self.sizeHint().height())

    def _fill(self, activity: CeActivityRow) -> None:
        self.completed_on.set_date(activity.completed_on)
        self.title.setText(activity.title)
        self.provider.setText(activity.provider)
        self.credits.setValue(activity.credits)
        self.category.setEditText(activity.category)
        self.fluoro_safety.setChecked(activity.fluoro_safety)
        self.digital_radiography.setChecked(activity.digital_radiography)
        self.notes.setPlainText(activity.notes)
        self._dirty = False

    def draft(self) -> CeDraft:
        return CeDraft(
            technician_id=self.technician_id,
            completed_on=self.completed_on.value(),
            title=self.title.text(),
            credits=self.credits.value(),
            provider=self.provider.text(),
            category=self.category.currentText(),
            fluoro_safety=self.fluoro_safety.isChecked(),
            digital_radiography=self.digital_radiography.isChecked(),
            notes=self.notes.toPlainText(),
        )

    def submit(self) -> CeActivityRow:
        if self.activity is not None:
            return self.services.ce.update(self.activity.id, self.draft())
        assert isinstance(self.files, PendingFilesPanel)
        return self.services.ce.add(self.draft(), self.files.files())
