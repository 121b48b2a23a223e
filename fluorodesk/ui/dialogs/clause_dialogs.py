"""The clause checklist's definitions: the built-in clauses and the clinic's own."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.contracts.drafts import ClauseDraft
from fluorodesk.services.contracts.rows import APPLIES_TO, ClauseDefinitionRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.fields import ChoiceField
from fluorodesk.ui.widgets.table_panel import TablePanel


class ClauseDialog(FormDialog):
    areas = (areas.CONTRACTS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        clause: ClauseDefinitionRow | None = None,
    ) -> None:
        super().__init__(bus, parent, title="Edit clause" if clause else "New clause")
        self.setObjectName("clauseDialog")
        self.services = services
        self.clause = clause
        self.title_edit = self.add_row("title", "Clause", QLineEdit(), required=True)
        self.title_edit.setPlaceholderText("e.g. Parking and badge access")
        self.description = self.add_row(
            "description",
            "What to look for",
            QPlainTextEdit(),
            hint="Shown under the clause on every contract.",
        )
        self.description.setMaximumHeight(80)
        self.applies_to = self.add_row("applies_to", "Applies to", ChoiceField(list(APPLIES_TO.items())))
        self.required = self.add_row(
            "required",
            "",
            QCheckBox("Required: contracts without it are flagged on the Overview"),
        )
        self.required.setChecked(True)
        hint = QLabel(
            "Contracts already on file show a new required clause as missing until you review them.", self
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555555;")
        self.form.addRow(hint)
        if clause is not None:
            self.title_edit.setText(clause.title)
            self.description.setPlainText(clause.description)
            self.applies_to.set_value(clause.applies_to)
            self.required.setChecked(clause.required)
        self._dirty = False
        self.resize(560, 340)

    def submit(self) -> ClauseDefinitionRow:
        draft = ClauseDraft(
            self.title_edit.text(),
            self.description.toPlainText(),
            self.applies_to.value(),
            self.required.isChecked(),
        )
        if self.clause is None:
            return self.services.contracts.create_clause(draft)
        return self.services.contracts.update_clause(self.clause.id, draft)


CLAUSE_COLUMNS: list[Column[ClauseDefinitionRow]] = [
    Column("Clause", lambda r: r.title, tooltip=lambda r: r.description),
    Column("Applies to", lambda r: r.applies_label),
    Column("Required", lambda r: "Required" if r.required else "Optional"),
    Column("Source", lambda r: "Built in" if r.builtin else "Clinic's own"),
    Column(
        "Status",
        lambda r: "In use" if r.active else "Retired",
        tone=lambda r: Tone.OK if r.active else Tone.MUTED,
    ),
    Column("What to look for", lambda r: r.description, tooltip=lambda r: r.description),
]


class ClausesDialog(QDialog):
    """Every clause contracts are checked against; the clinic adds, edits and retires its own."""

    def __init__(self, services: Services, bus: DataBus | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clausesDialog")
        self.setWindowTitle("Contract clauses")
        self.services = services
        self.bus = bus
        self.table: TablePanel[ClauseDefinitionRow] = TablePanel(CLAUSE_COLUMNS, noun="clauses", parent=self)
        self.table.selection_changed.connect(self._on_selection)
        self.table.activated.connect(lambda _row: self.edit_selected())
        self.new_button = QPushButton("New clause…", self)
        self.new_button.setObjectName("newClause")
        self.new_button.clicked.connect(self.new_clause)
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editClause")
        self.edit_button.clicked.connect(self.edit_selected)
        self.retire_button = QPushButton("Retire…", self)
        self.retire_button.setObjectName("retireClause")
        self.retire_button.clicked.connect(self.toggle_selected)
        self.show_retired = QCheckBox("Show retired clauses", self)
        self.show_retired.setObjectName("showRetired")
        self.show_retired.toggled.connect(lambda _on: self.reload())
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_clause)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.edit_selected)
        top = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.retire_button):
            top.addWidget(button)
        top.addStretch(1)
        top.addWidget(self.show_retired)
        note = QLabel(
            "Built-in clauses come from what regulators and accreditors expect a contract to spell out; "
            "they cannot be changed. Add the clinic's own below; retiring one keeps it on the contracts "
            "that recorded it.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.resize(980, 520)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        try:
            rows = self.services.contracts.clause_definitions(include_retired=self.show_retired.isChecked())
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.table.set_rows(rows)
        for index, row in enumerate(self.table.visible_rows()):
            if row.id == select_id:
                self.table.view.selectRow(index)
                return
        self._on_selection(None)

    def _on_selection(self, row: ClauseDefinitionRow | None) -> None:
        editable = row is not None and not row.builtin
        self.edit_button.setEnabled(editable)
        self.retire_button.setEnabled(editable)
        self.retire_button.setText("Restore" if row is not None and not row.active else "Retire…")
        tip = "Built-in clauses cannot be changed" if row is not None and row.builtin else ""
        self.edit_button.setToolTip(tip)
        self.retire_button.setToolTip(tip)

    def _announce(self) -> None:
        if self.bus is not None:
            self.bus.announce(areas.CONTRACTS)

    def new_clause(self) -> None:
        dialog = ClauseDialog(self.services, self.bus, self)
        if runner.run_dialog(dialog):
            self.reload(select_id=dialog.result_value.id)

    def edit_selected(self) -> None:
        row = self.table.selected()
        if row is None or row.builtin:
            return
        dialog = ClauseDialog(self.services, self.bus, self, clause=row)
        if runner.run_dialog(dialog):
            self.reload(select_id=row.id)

    def toggle_selected(self) -> None:
        row = self.table.selected()
        if row is None or row.builtin:
            return
        if row.active and not confirm_destructive(
            self,
            title="Retire clause",
            verb="Retire",
            text=f"Retire “{row.title}”? New contracts will no longer be checked for it; contracts that "
            "recorded it keep it.",
        ):
            return
        try:
            self.services.contracts.set_clause_active(row.id, not row.active)
        except FluoroDeskError as exc:
            runner.report_error(self, exc)
        self._announce()
        self.reload(select_id=row.id)
