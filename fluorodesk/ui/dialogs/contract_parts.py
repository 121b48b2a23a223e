"""Pieces of the contract dialog: the clause checklist, the procedures picker, the documents section."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.enums import ClauseStatus
from fluorodesk.services.attachments import AttachmentService
from fluorodesk.services.contracts.drafts import ClauseEntry
from fluorodesk.services.contracts.rows import ClauseCheckRow, ProcedureTypeRow
from fluorodesk.ui.dialogs.form_dialog import ERROR_STYLE
from fluorodesk.ui.widgets.attachments_panel import FILE_FILTER, AttachmentsPanel

HINT_STYLE = "color: #555555;"
_STATUS_WORDS = {
    ClauseStatus.PRESENT: "Present",
    ClauseStatus.MISSING: "Missing",
    ClauseStatus.NOT_APPLICABLE: "Not applicable",
}


@dataclass
class _ClauseLine:
    row: ClauseCheckRow
    buttons: dict[ClauseStatus, QRadioButton]
    group: QButtonGroup
    note: QLineEdit
    error: QLabel

    def status(self) -> ClauseStatus:
        return next((s for s, b in self.buttons.items() if b.isChecked()), ClauseStatus.MISSING)


class ClauseChecklist(QWidget):
    """One line per clause: Present / Missing / Not applicable, and a note (a reason, a section number)."""

    changed = Signal()
    rebuilt = Signal()  # the lines were replaced (another party kind, or a contract loaded)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("clauseSummary")
        self.summary.setWordWrap(True)
        self._inner = QWidget()
        self._grid = QGridLayout(self._inner)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setHorizontalSpacing(14)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(0, 3)
        self._grid.setColumnStretch(4, 2)
        scroll = QScrollArea(self)
        scroll.setObjectName("clauseScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setWidget(self._inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        self.lines: dict[int, _ClauseLine] = {}

    # ---- content

    def set_rows(self, rows: Sequence[ClauseCheckRow]) -> None:
        """Show these clauses; a clause already on screen keeps what the user chose for it."""
        kept = {cid: (line.status(), line.note.text()) for cid, line in self.lines.items()}
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        for line in self.lines.values():
            line.group.deleteLater()
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        self.lines = {}
        headers = ["Clause", "Present", "Missing", "Not applicable", "Note (say why when not applicable)"]
        for column, text in enumerate(headers):
            label = QLabel(f"<b>{text}</b>", self._inner)
            self._grid.addWidget(label, 0, column)
        for index, row in enumerate(rows):
            grid_row = 1 + index * 2
            title = QLabel(self._inner)
            title.setTextFormat(Qt.TextFormat.RichText)
            title.setWordWrap(True)
            flags = []
            if not row.required:
                flags.append("optional")
            if not row.active:
                flags.append("retired clause")
            if not row.builtin:
                flags.append("clinic's own")
            extra = f" <span style='color:#555555'>({', '.join(flags)})</span>" if flags else ""
            description = (
                f"<br><span style='color:#555555; font-size:small'>{_escape(row.description)}</span>"
                if row.description
                else ""
            )
            title.setText(f"{_escape(row.title)}{extra}{description}")
            title.setToolTip(row.description)
            title.setMinimumWidth(260)
            self._grid.addWidget(title, grid_row, 0)
            group = QButtonGroup(self._inner)
            buttons = {}
            for column, status in enumerate(_STATUS_WORDS, start=1):
                button = QRadioButton(self._inner)
                button.setObjectName(f"clause_{row.key}_{status.value}")
                button.setToolTip(f"{row.title}: {_STATUS_WORDS[status].lower()}")
                button.setAccessibleName(f"{row.title}: {_STATUS_WORDS[status]}")
                group.addButton(button)
                buttons[status] = button
                self._grid.addWidget(button, grid_row, column, Qt.AlignmentFlag.AlignCenter)
            note = QLineEdit(self._inner)
            note.setObjectName(f"clause_{row.key}_note")
            note.setPlaceholderText("e.g. §4.2, or why it does not apply")
            self._grid.addWidget(note, grid_row, 4)
            error = QLabel(self._inner)
            error.setObjectName(f"clause_{row.key}_error")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            self._grid.addWidget(error, grid_row + 1, 0, 1, 5)
            status, text = kept.get(row.clause_id, (row.status, row.note))
            buttons[status].setChecked(True)
            note.setText(text)
            for button in buttons.values():
                button.toggled.connect(self._on_change)
            note.textEdited.connect(self._on_change)
            self.lines[row.clause_id] = _ClauseLine(row, buttons, group, note, error)
        self._grid.setRowStretch(1 + len(rows) * 2, 1)
        self._update_summary()
        self.rebuilt.emit()

    def _on_change(self, *_args: Any) -> None:
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        counts = {s: 0 for s in ClauseStatus}
        missing_required = 0
        for line in self.lines.values():
            status = line.status()
            counts[status] += 1
            if status is ClauseStatus.MISSING and line.row.required and line.row.active:
                missing_required += 1
        verdict = (
            "<span style='color:#0f5132'><b>Complete:</b> every required clause is present or "
            "not applicable.</span>"
            if not missing_required
            else f"<span style='color:#842029'><b>{missing_required} required clause"
            f"{'s' if missing_required != 1 else ''} missing.</b></span>"
        )
        self.summary.setText(
            f"{verdict} {counts[ClauseStatus.PRESENT]} present, {counts[ClauseStatus.MISSING]} missing, "
            f"{counts[ClauseStatus.NOT_APPLICABLE]} not applicable. Check each against the signed document."
        )

    # ---- reading and setting

    def entries(self) -> tuple[ClauseEntry, ...]:
        return tuple(
            ClauseEntry(cid, line.status(), line.note.text().strip()) for cid, line in self.lines.items()
        )

    def missing_required(self) -> int:
        return sum(
            1
            for line in self.lines.values()
            if line.status() is ClauseStatus.MISSING and line.row.required and line.row.active
        )

    def line(self, key: str) -> _ClauseLine:
        return next(line for line in self.lines.values() if line.row.key == key)

    def set_status(self, key: str, status: ClauseStatus, note: str | None = None) -> None:
        line = self.line(key)
        line.buttons[status].setChecked(True)
        if note is not None:
            line.note.setText(note)
            self._on_change()


class ProcedurePicker(QWidget):
    """Tick the fluoroscopy-guided procedures a contract covers (CPT code and name), with a filter."""

    changed = Signal()

    def __init__(self, procedures: Iterable[ProcedureTypeRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("procedureFilter")
        self.filter.setPlaceholderText("Filter by CPT code or name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.count = QLabel(self)
        self.count.setObjectName("procedureCount")
        self.list = QListWidget(self)
        self.list.setObjectName("procedureList")
        for procedure in procedures:
            item = QListWidgetItem(f"{procedure.cpt_code}  {procedure.name}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, procedure.id)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._on_item_changed)
        tick_all = QPushButton("Tick all shown", self)
        tick_all.setObjectName("tickAllProcedures")
        tick_all.clicked.connect(lambda: self._set_shown(Qt.CheckState.Checked))
        clear = QPushButton("Untick all shown", self)
        clear.setObjectName("clearProcedures")
        clear.clicked.connect(lambda: self._set_shown(Qt.CheckState.Unchecked))
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(tick_all)
        top.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count)
        self._update_count()

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def set_selected(self, ids: Iterable[int]) -> None:
        wanted = set(ids)
        self.list.blockSignals(True)
        for item in self._items():
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)
        self._update_count()

    def selected_ids(self) -> tuple[int, ...]:
        return tuple(
            item.data(Qt.ItemDataRole.UserRole)
            for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        )

    def _set_shown(self, state: Qt.CheckState) -> None:
        for item in self._items():
            if not item.isHidden():
                item.setCheckState(state)

    def _apply_filter(self, text: str) -> None:
        words = text.lower().split()
        for item in self._items():
            item.setHidden(not all(w in item.text().lower() for w in words))

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self._update_count()
        self.changed.emit()

    def _update_count(self) -> None:
        n = len(self.selected_ids())
        self.count.setText(f"{n} procedure{'s' if n != 1 else ''} ticked")


class _PurposeView:
    """An AttachmentService seen through one purpose (the signed contract, or amendments)."""

    def __init__(self, service: AttachmentService, purpose: str) -> None:
        self._service = service
        self._purpose = purpose

    def list_for(self, owner_type: str, owner_id: int) -> list[Any]:
        return [r for r in self._service.list_for(owner_type, owner_id) if r.purpose == self._purpose]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)


class DocumentSection(QWidget):
    """Documents of one kind for a contract: attached right away once the contract exists; for a new
    contract the chosen files wait in a list and are attached when it is saved."""

    changed = Signal()

    def __init__(
        self,
        service: AttachmentService,
        contract_id: int | None,
        purpose: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.purpose = purpose
        self.pending: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.panel: AttachmentsPanel | None = None
        self.pending_list: QListWidget | None = None
        if contract_id is not None:
            self.panel = AttachmentsPanel(
                _PurposeView(service, purpose),  # type: ignore[arg-type]
                "contract",
                contract_id,
                self,
                purpose=purpose,
            )
            self.panel.list.setObjectName(f"{purpose}Attachments")
            layout.addWidget(self.panel)
            return
        self.pending_list = QListWidget(self)
        self.pending_list.setObjectName(f"{purpose}Pending")
        self.pending_list.setMaximumHeight(90)
        add = QPushButton("Attach file…", self)
        add.setObjectName(f"{purpose}Add")
        add.clicked.connect(self.choose)
        remove = QPushButton("Remove", self)
        remove.clicked.connect(self._remove_selected)
        hint = QLabel("Files are copied into FluoroDesk when you save the contract.", self)
        hint.setStyleSheet(HINT_STYLE)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout.addWidget(self.pending_list)
        layout.addLayout(buttons)
        layout.addWidget(hint)

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach documents", "", FILE_FILTER)
        for path in paths:
            self.add_pending(path)

    def add_pending(self, path: str) -> None:
        if self.pending_list is None or path in self.pending:
            return
        self.pending.append(path)
        self.pending_list.addItem(path)
        self.changed.emit()

    def _remove_selected(self) -> None:
        if self.pending_list is None:
            return
        row = self.pending_list.currentRow()
        if row >= 0:
            self.pending.pop(row)
            self.pending_list.takeItem(row)
            self.changed.emit()

    def count(self) -> int:
        if self.panel is not None:
            return self.panel.list.count()
        return len(self.pending)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
