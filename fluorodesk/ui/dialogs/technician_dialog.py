"""Add or edit a technician: name, contact, how they work here, ARRT ID (checked as you type)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.enums import EmploymentType
from fluorodesk.errors import StorageError
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import TechnicianDraft, TechnicianRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import widen_rows
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField

MONTHS = [(n, date(2000, n, 1).strftime("%B")) for n in range(1, 13)]


class TechnicianDialog(FormDialog):
    areas = (areas.TECHNICIANS, areas.CONTRACTS)  # contracts cover technicians through their agency

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        row: TechnicianRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"Edit {row.name}" if row else "New technician")
        self.setObjectName("technicianDialog")
        self.services = services
        self.row = row
        self.first_name = self.add_row("first_name", "First name", QLineEdit(), required=True)
        self.last_name = self.add_row("last_name", "Last name", QLineEdit(), required=True)
        self.employment_type = self.add_row(
            "employment_type", "Works as", ChoiceField(EmploymentType.choices()), required=True
        )
        agencies = [
            (a.id, a.name + ("" if a.active else " (inactive)")) for a in services.technicians.list_agencies()
        ]
        self.agency_id = self.add_row(
            "agency_id",
            "Agency",
            ChoiceField(agencies, blank="(none)"),
            hint="" if agencies else "No agencies yet: add them on the Contracts tab.",
        )
        self.arrt_id = self.add_row(
            "arrt_id", "ARRT ID", QLineEdit(), hint="The number on the ARRT online verification page."
        )
        self.birth_month = self.add_row(
            "birth_month",
            "Birth month",
            ChoiceField(MONTHS, blank="(not known)"),
            hint="ARRT registration runs to the end of this month.",
        )
        self.ce_biennium_start = self.add_row(
            "ce_biennium_start",
            "CE biennium started",
            DateField(),
            hint="1st of the birth month in the year the current 2-year CE period began "
            "(shown in the technician's ARRT account).",
        )
        self.start_date = self.add_row("start_date", "Started here", DateField())
        self.email = self.add_row("email", "E-mail", QLineEdit())
        self.phone = self.add_row("phone", "Phone", QLineEdit())
        notes = QPlainTextEdit()
        notes.setTabChangesFocus(True)
        notes.setFixedHeight(60)
        self.notes = self.add_row("notes", "Notes", notes)
        self.arrt_id.textChanged.connect(self.check_arrt_id)
        self.employment_type.currentIndexChanged.connect(self._employment_changed)
        if row is not None:
            self._fill(row)
        self._employment_changed()
        self.first_name.setFocus()
        widen_rows(self)
        self.resize(520, self.sizeHint().height())

    def _fill(self, row: TechnicianRow) -> None:
        self.first_name.setText(row.first_name)
        self.last_name.setText(row.last_name)
        self.employment_type.set_value(row.employment_type.value)
        self.agency_id.set_value(row.agency_id)
        self.arrt_id.setText(row.arrt_id)
        self.birth_month.set_value(row.birth_month)
        self.ce_biennium_start.set_date(row.ce_biennium_start)
        self.start_date.set_date(row.start_date)
        self.email.setText(row.email)
        self.phone.setText(row.phone)
        self.notes.setPlainText(row.notes)
        self._dirty = False

    def _employment_changed(self, *_args: object) -> None:
        is_agency = self.employment_type.value() == EmploymentType.AGENCY.value
        self.agency_id.setEnabled(is_agency)
        if not is_agency:
            self.agency_id.set_value(None)

    def check_arrt_id(self, *_args: object) -> None:
        """Say at once when another technician already has this ARRT ID."""
        label = self._errors["arrt_id"]
        try:
            owner = self.services.technicians.arrt_id_owner(
                self.arrt_id.text(), exclude_id=self.row.id if self.row else None
            )
        except StorageError:
            owner = None  # the save will report it properly
        if owner:
            label.setText(f"{owner} already has ARRT ID {self.arrt_id.text().strip()}.")
            label.show()
        elif "already has ARRT ID" in label.text():
            label.setText("")
            label.hide()

    def draft(self) -> TechnicianDraft:
        return TechnicianDraft(
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            employment_type=self.employment_type.value(),
            email=self.email.text(),
            phone=self.phone.text(),
            agency_id=self.agency_id.value(),
            arrt_id=self.arrt_id.text(),
            birth_month=self.birth_month.value(),
            start_date=self.start_date.value(),
            notes=self.notes.toPlainText(),
            ce_biennium_start=self.ce_biennium_start.value(),
        )

    def submit(self) -> TechnicianRow:
        if self.row is None:
            return self.services.technicians.create(self.draft())
        return self.services.technicians.update(self.row.id, self.draft())
