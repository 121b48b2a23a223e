"""File → Import… (check the file, preview every row's outcome, then import all or nothing) and Export…."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.registry import Services
from fluorodesk.services.transfer.framework import ERROR, ImportReport, RowOutcome
from fluorodesk.services.transfer.kinds import KINDS
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.fields import ChoiceField
from fluorodesk.ui.widgets.table_panel import TablePanel

SPREADSHEETS = "Spreadsheets (*.csv *.xlsx)"
_TONES = {"new": Tone.OK, "update": Tone.INFO, "unchanged": Tone.MUTED, ERROR: Tone.CRITICAL}

PREVIEW_COLUMNS: list[Column[RowOutcome]] = [
    Column("Row", lambda r: r.row, numeric=True),
    Column(
        "Outcome",
        lambda r: {"new": "New", "update": "Update", "unchanged": "Unchanged", ERROR: "Problem"}[r.outcome],
        tone=lambda r: _TONES[r.outcome],
    ),
    Column("Record", lambda r: r.label),
    Column("Details", lambda r: "; ".join(r.messages), tooltip=lambda r: "\n".join(r.messages)),
]


def _kind_choices() -> list[tuple[str, str]]:
    return [
        (name, f"{name.replace('_', ' ').capitalize()} — {kind.description}") for name, kind in KINDS.items()
    ]


class ImportDialog(QDialog):
    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.report: ImportReport | None = None
        self.setWindowTitle("Import from a spreadsheet")
        self.resize(900, 560)
        self.kind = ChoiceField(_kind_choices(), self)
        self.kind.setObjectName("kind")
        self.path = QLineEdit(self)
        self.path.setObjectName("path")
        self.path.setPlaceholderText("A .csv or .xlsx file")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self.browse)
        self.check_button = QPushButton("Check file", self)
        self.check_button.setObjectName("checkButton")
        self.check_button.clicked.connect(self.check)
        self.columns_hint = QLabel(self)
        self.columns_hint.setWordWrap(True)
        self.columns_hint.setStyleSheet("color: #555555;")
        self.summary = QLabel("Choose what you are importing and the file, then Check file.", self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.preview: TablePanel[RowOutcome] = TablePanel(PREVIEW_COLUMNS, noun="rows", parent=self)
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.path.textChanged.connect(lambda _t: self._invalidate())

        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.check_button)
        form = QFormLayout()
        form.addRow("Records", self.kind)
        form.addRow("File", file_row)
        form.addRow("", self.columns_hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = KINDS[self.kind.value()]
        cols = ", ".join(c.name + ("*" if c.required else "") for c in kind.columns)
        self.columns_hint.setText(f"Columns (* = required): {cols}")
        self._invalidate()

    def _invalidate(self) -> None:
        self.report = None
        self.import_button.setEnabled(False)
        self.preview.set_rows([])

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a spreadsheet", "", SPREADSHEETS)
        if path:
            self.path.setText(path)
            self.check()

    def check(self) -> None:
        """Dry run: every row's outcome, nothing written."""
        self._run(dry_run=True)

    def run_import(self) -> None:
        if self._run(dry_run=False) and self.report is not None and self.report.written:
            self.bus.announce()
            self.import_button.setEnabled(False)

    def _run(self, *, dry_run: bool) -> bool:
        text = self.path.text().strip()
        if not text:
            self.summary.setText("Choose a file first.")
            return False
        try:
            report = self.services.imports.run(self.kind.value(), Path(text), dry_run=dry_run)
        except StorageError as exc:
            show_storage_error(self, exc)
            return False
        except FluoroDeskError as exc:
            self.summary.setText(str(exc))
            return False
        self.report = report
        self.preview.set_rows(sorted(report.rows, key=lambda r: (r.outcome != ERROR, r.row)))
        self.summary.setText("\n".join(report.lines()[:1] + [m for m in report.file_errors[1:]]))
        actionable = report.count("new") + report.count("update")
        ready = dry_run and report.ok and actionable > 0
        self.import_button.setEnabled(ready)
        self.import_button.setText(f"Import {counted(actionable, 'rows')}" if ready else "Import")
        return True


class ExportDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Export to a spreadsheet")
        self.kind = ChoiceField(_kind_choices(), self)
        self.kind.setObjectName("kind")
        self.result_label = QLabel(
            "The file has the same columns as an import, so it can be read back.", self
        )
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        export = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        export.clicked.connect(self.choose_and_export)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("Records", self.kind)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

    def choose_and_export(self) -> None:
        kind = self.kind.value()
        path, _ = QFileDialog.getSaveFileName(self, "Export", str(Path.home() / f"{kind}.xlsx"), SPREADSHEETS)
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        if path.suffix.lower() not in (".csv", ".xlsx"):
            path = path.with_suffix(".xlsx")
        try:
            written, count = self.services.exports.run(self.kind.value(), path)
        except StorageError as exc:
            show_storage_error(self, exc)
            return False
        except FluoroDeskError as exc:
            self.result_label.setText(str(exc))
            return False
        self.result_label.setText(f"Exported {counted(count, 'rows')} to {written}.")
        return True
