"""Agencies: the editor (name, main contact, other contacts) and the list reachable from Contracts."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.agencies import AgencyDetail, AgencyDraft, AgencyRow, ContactDraft
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.table_panel import TablePanel


@dataclass
class _ContactLine:
    id: int | None
    name: QLineEdit
    role: QLineEdit
    phone: QLineEdit
    email: QLineEdit
    remove: QPushButton
    error: QLabel

    def widgets(self) -> list[QWidget]:
        return [self.name, self.role, self.phone, self.email, self.remove, self.error]


class AgencyDialog(FormDialog):
    areas = (areas.CONTRACTS, areas.TECHNICIANS)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        agency_id: int | None = None,
    ) -> None:
        self.services = services
        self.agency_id = agency_id
        self.detail: AgencyDetail | None = services.agencies.get(agency_id) if agency_id is not None else None
        super().__init__(
            bus, parent, title=f"Agency: {self.detail.row.name}" if self.detail else "New agency"
        )
        self.setObjectName("agencyDialog")
        self.name = self.add_row("name", "Agency name", QLineEdit(), required=True)
        self.contact_name = self.add_row("contact_name", "Main contact", QLineEdit())
        self.phone = self.add_row("phone", "Phone", QLineEdit())
        self.email = self.add_row("email", "E-mail", QLineEdit())
        self.address = self.add_row("address", "Address", QPlainTextEdit())
        self.address.setMaximumHeight(56)
        self.notes = self.add_row("notes", "Notes", QPlainTextEdit())
        self.notes.setMaximumHeight(56)

        self._contacts_box = QWidget(self)
        self._contacts_grid = QGridLayout(self._contacts_box)
        self._contacts_grid.setContentsMargins(0, 0, 0, 0)
        for column, stretch in enumerate((3, 2, 2, 3, 0)):
            self._contacts_grid.setColumnStretch(column, stretch)
        for column, text in enumerate(("Name", "Role", "Phone", "E-mail")):
            self._contacts_grid.addWidget(QLabel(f"<b>{text}</b>", self._contacts_box), 0, column)
        self.contact_lines: list[_ContactLine] = []
        add = QPushButton("Add contact", self)
        add.setObjectName("addContact")
        add.clicked.connect(lambda: self.add_contact_line(focus=True))
        holder = QWidget(self)
        column_layout = QVBoxLayout(holder)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self._contacts_box)
        column_layout.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        self.form.addRow("Other contacts", holder)

        self.supplied = QLabel(self)
        self.supplied.setObjectName("supplied")
        self.supplied.setWordWrap(True)
        self.supplied.setTextFormat(Qt.TextFormat.RichText)
        self.form.addRow("Technicians supplied", _boxed(self.supplied))

        if self.detail is not None:
            row = self.detail.row
            self.name.setText(row.name)
            self.contact_name.setText(row.contact_name)
            self.phone.setText(row.phone)
            self.email.setText(row.email)
            self.address.setPlainText(row.address)
            self.notes.setPlainText(row.notes)
            for contact in self.detail.contacts:
                self.add_contact_line(contact.id, contact.name, contact.role, contact.phone, contact.email)
            self.supplied.setText(_supplied_html(self.detail, separator="<br>"))
        else:
            self.supplied.setText(
                "<span style='color:#555555'>Assign technicians to the agency on their record "
                "(Technicians tab). Its contract then covers them.</span>"
            )
        self._dirty = False
        self.resize(860, 600)

    # ---- contacts

    def add_contact_line(
        self,
        contact_id: int | None = None,
        name: str = "",
        role: str = "",
        phone: str = "",
        email: str = "",
        *,
        focus: bool = False,
    ) -> _ContactLine:
        edits = []
        for text, placeholder in ((name, "Name"), (role, "e.g. Billing"), (phone, ""), (email, "")):
            edit = QLineEdit(text, self._contacts_box)
            edit.setPlaceholderText(placeholder)
            edit.textEdited.connect(self._mark_dirty)
            edits.append(edit)
        remove = QPushButton("Remove", self._contacts_box)
        error = QLabel(self._contacts_box)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        line = _ContactLine(contact_id, *edits, remove, error)
        remove.clicked.connect(lambda: self.remove_contact_line(line))
        self.contact_lines.append(line)
        self._relayout_contacts()
        if focus:
            line.name.setFocus()
            self._mark_dirty()
        return line

    def remove_contact_line(self, line: _ContactLine) -> None:
        self.contact_lines.remove(line)
        for widget in line.widgets():
            widget.deleteLater()
        self._mark_dirty()
        self._relayout_contacts()

    def _relayout_contacts(self) -> None:
        for name in [n for n in self._errors if n.startswith("contacts.")]:
            self._errors.pop(name)
            self._fields.pop(name, None)
        for index, line in enumerate(self.contact_lines):
            grid_row = 1 + index * 2
            for column, widget in enumerate((line.name, line.role, line.phone, line.email, line.remove)):
                self._contacts_grid.addWidget(widget, grid_row, column)
            self._contacts_grid.addWidget(line.error, grid_row + 1, 0, 1, 5)
            line.name.setObjectName(f"contact{index}Name")
            line.role.setObjectName(f"contact{index}Role")
            line.phone.setObjectName(f"contact{index}Phone")
            line.email.setObjectName(f"contact{index}Email")
            line.error.setObjectName(f"contacts.{index}Error")
            self._errors[f"contacts.{index}"] = line.error
            self._fields[f"contacts.{index}"] = line.name

    # ---- saving

    def draft(self) -> AgencyDraft:
        return AgencyDraft(
            name=self.name.text(),
            contact_name=self.contact_name.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.toPlainText(),
            notes=self.notes.toPlainText(),
            contacts=tuple(
                ContactDraft(
                    line.name.text(), line.role.text(), line.phone.text(), line.email.text(), line.id
                )
                for line in self.contact_lines
            ),
        )

    def submit(self) -> AgencyDetail:
        if self.agency_id is None:
            return self.services.agencies.create(self.draft())
        return self.services.agencies.update(self.agency_id, self.draft())


def _boxed(label: QLabel) -> QWidget:
    """A word-wrapped label gets its full height inside a box (a bare one in a form row is cut off)."""
    holder = QWidget(label.parentWidget())
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(label)
    return holder


def _supplied_html(detail: AgencyDetail, *, separator: str = ", ") -> str:
    if not detail.technicians:
        return "<span style='color:#555555'>None yet. Assign technicians to it on the Technicians tab.</span>"
    names = [
        escape(t.name)
        + (f" <span style='color:#555555'>(retired {t.retired_on})</span>" if t.retired_on else "")
        for t in detail.technicians
    ]
    return separator.join(names)


AGENCY_COLUMNS: list[Column[AgencyRow]] = [
    Column("Agency", lambda r: r.name),
    Column(
        "Contract",
        lambda r: r.contract_status,
        tone=lambda r: Tone.OK if r.contract_in_force else (Tone.CRITICAL if r.technicians else Tone.MUTED),
    ),
    Column(
        "Technicians",
        lambda r: len(r.technicians),
        numeric=True,
        tooltip=lambda r: "\n".join(r.technicians) or "None",
    ),
    Column(
        "Status",
        lambda r: "Active" if r.active else "Deactivated",
        tone=lambda r: None if r.active else Tone.MUTED,
    ),
    Column("Main contact", lambda r: r.contact_name),
    Column("Phone", lambda r: r.phone),
    Column("E-mail", lambda r: r.email),
]


class AgenciesDialog(QDialog):
    """The staffing agencies: who they are, who they supply, where their contract stands."""

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agenciesDialog")
        self.setWindowTitle("Agencies")
        self.services = services
        self.bus = bus
        self.table: TablePanel[AgencyRow] = TablePanel(AGENCY_COLUMNS, noun="agencies", parent=self)
        self.table.selection_changed.connect(self.show_detail)
        self.table.activated.connect(lambda _row: self.edit_selected())
        self.detail = QLabel(self)
        self.detail.setObjectName("agencyDetail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setMinimumWidth(260)

        self.new_button = QPushButton("New agency…", self)
        self.new_button.setObjectName("newAgency")
        self.new_button.clicked.connect(self.new_agency)
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editAgency")
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button = QPushButton("Deactivate…", self)
        self.active_button.setObjectName("toggleAgency")
        self.active_button.clicked.connect(self.toggle_active)
        self.show_inactive = QCheckBox("Show deactivated agencies", self)
        self.show_inactive.setObjectName("showInactive")
        self.show_inactive.toggled.connect(lambda _on: self.reload(resize=True))
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_agency)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.edit_selected)

        top = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.active_button):
            top.addWidget(button)
        top.addStretch(1)
        top.addWidget(self.show_inactive)
        note = QLabel(
            "An agency's contract covers the technicians it supplies; a freelance technician signs "
            "their own contract. Agencies are deactivated, never deleted.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(note)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)
        self.resize(1060, 520)
        self.reload()

    def reload(self, select_id: int | None = None, *, resize: bool = False) -> None:
        selected = self.table.selected()
        wanted = select_id if select_id is not None else (selected.id if selected else None)
        try:
            rows = self.services.agencies.list_rows(include_inactive=self.show_inactive.isChecked())
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.table.set_rows(rows)
        if resize:
            self.table.fit_columns()
        for index, row in enumerate(self.table.visible_rows()):
            if row.id == wanted:
                self.table.view.selectRow(index)
                break
        else:
            self.show_detail(None)

    def show_detail(self, row: AgencyRow | None) -> None:
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText("Deactivate…" if row is None or row.active else "Reactivate")
        if row is None:
            self.detail.setText("Select an agency to see its contacts, technicians and contracts.")
            return
        try:
            detail = self.services.agencies.get(row.id)
        except FluoroDeskError as exc:
            self.detail.setText(escape(str(exc)))
            return
        parts = [f"<h3>{escape(row.name)}</h3>"]
        if not row.active:
            parts.append("<p><b>Deactivated</b></p>")
        contact = " · ".join(escape(x) for x in (row.contact_name, row.phone, row.email) if x)
        if contact:
            parts.append(f"<p>{contact}</p>")
        if row.address:
            parts.append(f"<p>{escape(row.address).replace(chr(10), '<br>')}</p>")
        if detail.contacts:
            parts.append("<p><b>Contacts</b><br>")
            parts.append(
                "<br>".join(
                    escape(" · ".join(x for x in (c.name, c.role, c.phone, c.email) if x))
                    for c in detail.contacts
                )
            )
            parts.append("</p>")
        parts.append(f"<p><b>Technicians supplied</b><br>{_supplied_html(detail)}</p>")
        if detail.contracts:
            parts.append("<p><b>Contracts</b><br>")
            parts.append(
                "<br>".join(
                    f"{escape(c.title or 'Contract')}: "
                    + (
                        escape(c.status)
                        if c.current
                        else f"<span style='color:#555555'>{escape(c.status)}</span>"
                    )
                    for c in detail.contracts
                )
            )
            parts.append("</p>")
        else:
            parts.append("<p><b>Contracts</b><br><span style='color:#842029'>No contract on file.</span></p>")
        if row.notes:
            parts.append(f"<p><i>{escape(row.notes)}</i></p>")
        self.detail.setText("".join(parts))

    def new_agency(self) -> None:
        dialog = AgencyDialog(self.services, self.bus, self)
        if runner.run_dialog(dialog):
            self.reload(select_id=dialog.result_value.row.id)

    def edit_selected(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        try:
            dialog = AgencyDialog(self.services, self.bus, self, agency_id=row.id)
        except FluoroDeskError as exc:
            runner.report_error(self, exc)
            self.reload()
            return
        if runner.run_dialog(dialog):
            self.reload(select_id=row.id)

    def toggle_active(self) -> None:
        row = self.table.selected()
        if row is None:
            return
        try:
            if row.active:
                covered = (
                    f" {counted(len(row.technicians), 'technicians')} still "
                    f"{'lists' if len(row.technicians) == 1 else 'list'} it as their agency; "
                    "its contracts stay on file and unchanged."
                    if row.technicians
                    else " Its contracts stay on file and unchanged."
                )
                if not confirm_destructive(
                    self,
                    title="Deactivate agency",
                    verb="Deactivate",
                    text=f"Deactivate {row.name}? It will no longer be offered for new contracts.{covered}",
                ):
                    return
                self.services.agencies.deactivate(row.id)
            else:
                self.services.agencies.reactivate(row.id)
        except FluoroDeskError as exc:
            runner.report_error(self, exc)
        if self.bus is not None:
            self.bus.announce(areas.CONTRACTS, areas.TECHNICIANS)
        self.reload(select_id=row.id)
