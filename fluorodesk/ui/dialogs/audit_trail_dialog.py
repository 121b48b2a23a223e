"""The audit trail viewer: every change, filtered by who, when, record type and text; old → new values."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.errors import StorageError, ValidationError
from fluorodesk.services.audit_trail import AuditRow, Change, entity_label
from fluorodesk.services.registry import Services
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column, RowTableModel
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.fields import ChoiceField, DateField
from fluorodesk.ui.widgets.table_panel import TablePanel

_ACTION_TONE = {
    "sign_in_failed": Tone.WARNING,
    "sign_in_throttled": Tone.WARNING,
    "void": Tone.WARNING,
    "detach": Tone.WARNING,
    "restore": Tone.WARNING,
    "sign_off": Tone.INFO,
}

COLUMNS: list[Column[AuditRow]] = [
    Column("When", lambda r: r.local_time, sort_key=lambda r: r.id),
    Column("Who", lambda r: r.actor),
    Column("What", lambda r: r.what, tone=lambda r: _ACTION_TONE.get(r.action)),
    Column("Record", lambda r: r.record, sort_key=lambda r: (r.entity, r.entity_id or 0)),
    Column("Fields", lambda r: len(r.changes) or "", numeric=True),
    Column("Summary", lambda r: r.summary, tooltip=lambda r: r.summary),
]

CHANGE_COLUMNS: list[Column[Change]] = [
    Column("Field", lambda c: c.field.replace("_", " ")),
    Column("Old value", lambda c: Change.show(c.old), tooltip=lambda c: Change.show(c.old)),
    Column("New value", lambda c: Change.show(c.new), tooltip=lambda c: Change.show(c.new)),
]


class AuditTrailDialog(QDialog):
    """Non-modal window; ``entity``/``entity_id`` open it on one record's history."""

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        entity: str | None = None,
        entity_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditTrailDialog")
        self.setWindowTitle("Audit trail")
        self.services = services
        self.entity_id = entity_id

        self.chain = QLabel(self)
        self.chain.setObjectName("chainStatus")
        self.chain.setWordWrap(True)
        self.who = ChoiceField([], self, blank="Everyone")
        self.who.setObjectName("who")
        self.since = DateField(self)
        self.since.setObjectName("since")
        self.until = DateField(self)
        self.until.setObjectName("until")
        self.kind = ChoiceField([], self, blank="All records")
        self.kind.setObjectName("recordType")
        self.text = QLineEdit(self)
        self.text.setObjectName("text")
        self.text.setPlaceholderText("Words in the summary or the values…")
        self.text.setClearButtonEnabled(True)
        self.error = QLabel(self)
        self.error.setObjectName("filterError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.scope = QLabel(self)
        self.scope.setObjectName("scope")
        self.show_all = QPushButton("Show every record", self)
        self.show_all.setObjectName("showAll")
        self.show_all.clicked.connect(self._clear_record)

        self.table: TablePanel[AuditRow] = TablePanel(COLUMNS, noun="events", parent=self)
        self.table.search.hide()  # the filters above do the searching, in the database
        self.table.selection_changed.connect(self.show_changes)
        self.detail_title = QLabel("Select an event to see its old and new values.", self)
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setWordWrap(True)
        self.changes_model: RowTableModel[Change] = RowTableModel(CHANGE_COLUMNS, self)
        self.changes = QTableView(self)
        self.changes.setObjectName("changes")
        self.changes.setModel(self.changes_model)
        self.changes.verticalHeader().setVisible(False)
        self.changes.setAlternatingRowColors(True)
        self.changes.setWordWrap(True)
        header = self.changes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        filters = QHBoxLayout()
        for label, widget in (
            ("Who", self.who),
            ("From", self.since),
            ("To", self.until),
            ("Record type", self.kind),
        ):
            filters.addWidget(QLabel(label, self))
            filters.addWidget(widget)
        filters.addWidget(QLabel("Text", self))
        filters.addWidget(self.text, 1)
        scope_row = QHBoxLayout()
        scope_row.addWidget(self.scope, 1)
        scope_row.addWidget(self.show_all)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.detail_title)
        lower_layout.addWidget(self.changes, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chain)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addLayout(scope_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(1100, 680)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.reload)
        self._fill_choices(entity)
        for signal in (
            self.who.currentIndexChanged,
            self.kind.currentIndexChanged,
            self.since.textChanged,
            self.until.textChanged,
            self.text.textChanged,
        ):
            signal.connect(lambda *_a: self._debounce.start())
        self.reload()
        self.check_chain()

    def _fill_choices(self, entity: str | None) -> None:
        try:
            actors = self.services.audit_trail.actors()
            entities = self.services.audit_trail.entities()
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        for actor in actors:
            self.who.addItem(actor, actor)
        if entity and entity not in entities:
            entities.append(entity)  # a record with no event yet (e.g. loaded as sample data)
        for name in sorted(entities, key=entity_label):
            self.kind.addItem(entity_label(name), name)
        if entity:
            self.kind.set_value(entity)

    def _clear_record(self) -> None:
        self.entity_id = None
        self.kind.setCurrentIndex(0)
        self.reload()

    def reload(self) -> None:
        self._debounce.stop()
        try:
            rows = self.services.audit_trail.query(
                actor=self.who.value(),
                since=self.since.value(),
                until=self.until.value(),
                entity=self.kind.value(),
                entity_id=self.entity_id,
                text=self.text.text(),
            )
        except ValidationError as exc:
            self.error.setText(" ".join(exc.fields.values()) or str(exc))
            self.error.show()
            return
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.error.hide()
        self.table.set_rows(rows)
        if self.entity_id is not None:
            label = entity_label(self.kind.value() or "")
            self.scope.setText(f"History of {label} #{self.entity_id}: every change, newest first.")
            self.show_all.show()
        else:
            self.scope.setText("Every change, newest first. Times are this computer's local time.")
            self.show_all.hide()
        if rows:
            self.table.view.selectRow(0)
        else:
            self.show_changes(None)

    def check_chain(self) -> None:
        try:
            problems = self.services.audit_trail.chain_problems()
            total = self.services.audit_trail.count()
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        if problems:
            self.chain.setText(
                "<b style='color:#842029'>Tampering detected:</b> "
                + "; ".join(problems)
                + ". Run <code>fluorodesk check</code> and keep a copy of this database for investigation."
            )
            self.chain.setStyleSheet("background:#f8d7da; padding:6px;")
        else:
            self.chain.setText(
                f"<b>Hash chain verified:</b> all {total:,} events are unbroken. Each event is chained to "
                "the one before it, so a change or removal made outside FluoroDesk would show here."
            )
            self.chain.setStyleSheet("background:#d1e7dd; padding:6px;")

    def show_changes(self, row: AuditRow | None) -> None:
        if row is None:
            self.detail_title.setText("Select an event to see its old and new values.")
            self.changes_model.set_rows([])
            return
        when = f"{row.local_time:%Y-%m-%d %H:%M:%S}"
        what = f"{row.what} · {row.record} · by {row.actor} · {when}"
        if not row.changes:
            what += " — no field values recorded for this event."
        self.detail_title.setText(what)
        self.changes_model.set_rows(list(row.changes))
        self.changes.resizeRowsToContents()
