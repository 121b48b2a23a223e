"""File → Make audit packet…: choose the period, the as-of date and the sections, then the packet is
made in a background thread (progress bar, Cancel) and opened in the system's PDF viewer.

The window never freezes: gathering and layout run in a ``QThread``; the worker polls a cancel flag
after every few flowables, and the file only appears under its name when it is complete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dates import add_months
from fluorodesk.errors import FluoroDeskError, StorageError, ValidationError
from fluorodesk.reports.packet import PacketRequest, PacketResult, Progress, check_target, make_packet
from fluorodesk.reports.packet_data import resolve
from fluorodesk.reports.progress import PacketCancelled
from fluorodesk.reports.sections import SECTIONS
from fluorodesk.services.registry import Services
from fluorodesk.ui.widgets.fields import ChoiceField, DateField

log = logging.getLogger("fluorodesk.ui")
ERROR_STYLE = "color: #b00020;"


@dataclass(frozen=True)
class PacketOutcome:
    result: PacketResult | None = None
    error: BaseException | None = None
    cancelled: bool = False


class _PacketThread(QThread):
    """Runs the packet job; its signals are queued to the GUI thread, where the thread object lives."""

    progressed = Signal(int, str)
    done = Signal(object)  # PacketOutcome

    def __init__(self, job: Callable[[Progress], PacketResult], cancel: threading.Event) -> None:
        super().__init__()
        self.job = job
        self.cancel = cancel

    def run(self) -> None:
        progress = Progress(lambda f, text: self.progressed.emit(int(f * 100), text), self.cancel.is_set)
        try:
            result = self.job(progress)
        except PacketCancelled:
            self.done.emit(PacketOutcome(cancelled=True))
        except BaseException as exc:  # reported to the user by the dialog, never lost in the thread
            if not isinstance(exc, FluoroDeskError):
                log.exception("the audit packet could not be made")
            self.done.emit(PacketOutcome(error=exc))
        else:
            self.done.emit(PacketOutcome(result=result))


class PacketWorker(QObject):
    """Makes one packet off the GUI thread.  Lives in the GUI thread: ``progress`` and ``finished``
    arrive there (``finished`` exactly once, after the background thread has ended)."""

    progress = Signal(int, str)  # percent, what is happening
    finished = Signal(object)  # PacketOutcome

    def __init__(
        self, services: Services, request: PacketRequest, target: Path, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.request = request
        self.target = target
        self._cancel = threading.Event()
        self._thread: _PacketThread | None = None

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def start(self) -> None:
        thread = _PacketThread(
            lambda progress: make_packet(self.services, self.request, self.target, progress), self._cancel
        )
        thread.progressed.connect(self.progress)
        thread.done.connect(self._done)
        self._thread = thread
        thread.start()

    @Slot(object)
    def _done(self, outcome: PacketOutcome) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        self.finished.emit(outcome)


def open_in_viewer(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class PacketDialog(QDialog):
    run_finished = Signal(object)  # PacketOutcome, after the dialog has handled it
    packet_made = Signal(object)  # PacketResult

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        opener: Callable[[Path], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.opener = opener or open_in_viewer
        self.worker: PacketWorker | None = None
        self._close_when_done = False
        self.setObjectName("packetDialog")
        self.setWindowTitle("Make audit packet")
        self.setModal(True)
        settings = services.settings.load()
        today = services.compliance.today()

        self._errors: dict[str, QLabel] = {}
        self._inputs: list[QWidget] = []
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.period_from = DateField(value=add_months(today, -12) + timedelta(days=1))
        self.period_to = DateField(value=today)
        period = QWidget(self)
        row = QHBoxLayout(period)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.period_from)
        row.addWidget(QLabel("to"))
        row.addWidget(self.period_to)
        row.addStretch(1)
        self.period_from.setObjectName("period_from")
        self.period_to.setObjectName("period_to")
        self._add(
            form,
            "Period",
            period,
            ("period_from", "period_to"),
            "Logs list the entries dated in this period.",
        )
        self.as_of = DateField(value=today)
        self.as_of.setObjectName("as_of")
        self._add(
            form,
            "Status as of",
            self.as_of,
            ("as_of",),
            "Credentials, contracts, garments and findings as they stood on this date.",
        )
        self.prepared_by = QLineEdit(str(settings["clinic.director"]).strip() or services.actor)
        self.prepared_by.setObjectName("prepared_by")
        self._add(form, "Prepared by", self.prepared_by, ("prepared_by",))
        self.page_size = ChoiceField([("letter", "Letter"), ("a4", "A4")])
        self.page_size.setObjectName("page_size")
        self.page_size.set_value(str(settings["packet.page_size"]).strip().lower())
        self._add(form, "Paper", self.page_size, ("page_size",))
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        folder = Path(documents) if documents and Path(documents).is_dir() else Path.home()
        self.out = QLineEdit(str(folder / f"Audit packet {today.isoformat()}.pdf"))
        self.out.setObjectName("out")
        self.out.setMinimumWidth(380)
        self.choose = QPushButton("Choose…")
        self.choose.setObjectName("chooseFile")
        self.choose.clicked.connect(self.choose_file)
        out_row = QWidget(self)
        line = QHBoxLayout(out_row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.out, 1)
        line.addWidget(self.choose)
        self._add(form, "Save as", out_row, ("out",))

        self.section_boxes: dict[str, QCheckBox] = {}
        group = QGroupBox("Sections", self)
        grid = QGridLayout(group)
        for index, spec in enumerate(SECTIONS):
            box = QCheckBox(spec.title, group)
            box.setObjectName(f"section_{spec.key}")
            box.setChecked(True)
            box.setToolTip(spec.description)
            grid.addWidget(box, index // 2, index % 2)
            self.section_boxes[spec.key] = box
            self._inputs.append(box)
        self.sections_error = self._error_label("sections")
        grid.addWidget(self.sections_error, (len(SECTIONS) + 1) // 2, 0, 1, 2)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.make_button = QPushButton("Make packet")
        self.make_button.setObjectName("makeButton")
        self.make_button.setDefault(True)
        self.make_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.make_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # ---- building

    def _error_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(f"{name}Error")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self._errors[name] = label
        return label

    def _add(
        self, form: QFormLayout, label: str, widget: QWidget, names: tuple[str, ...], hint: str = ""
    ) -> None:
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            note = QLabel(hint, holder)
            note.setStyleSheet("color: #555555;")
            note.setWordWrap(True)
            column.addWidget(note)
        for name in names:
            column.addWidget(self._error_label(name))
        form.addRow(label, holder)
        self._inputs.append(widget)

    # ---- input

    def request(self) -> PacketRequest:
        return PacketRequest(
            as_of=self.as_of.value(),
            period_from=self.period_from.value(),
            period_to=self.period_to.value(),
            sections=tuple(key for key, box in self.section_boxes.items() if box.isChecked()),
            prepared_by=self.prepared_by.text(),
            page_size=self.page_size.value(),
        )

    def target(self) -> str:
        text = self.out.text().strip()
        if text and not text.lower().endswith(".pdf"):
            text += ".pdf"
            self.out.setText(text)
        return text

    def choose_file(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save the audit packet as", self.out.text(), "PDF files (*.pdf)"
        )
        if chosen:
            self.out.setText(chosen)
            self.target()

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.hide()
        self.status.setStyleSheet("")
        self.status.clear()

    def show_errors(self, exc: ValidationError) -> None:
        unplaced = []
        for name, message in exc.fields.items():
            label = self._errors.get(name)
            if label is None:
                unplaced.append(message)
            else:
                label.setText(message)
                label.show()
        if unplaced or not exc.fields:
            self.show_problem(" ".join(unplaced) or str(exc))

    def show_problem(self, text: str) -> None:
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(text)

    # ---- running

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self) -> PacketWorker | None:
        """Check the input on the spot, then make the packet in a background thread."""
        if self.running:
            return self.worker
        self.clear_errors()
        request = self.request()
        try:
            errors: dict[str, str] = {}
            try:
                resolve(request, self.services.compliance.today())
            except ValidationError as exc:
                errors.update(exc.fields)
            try:
                target = check_target(self.target())
            except ValidationError as exc:
                errors.update(exc.fields)
            if errors:
                raise ValidationError(fields=errors)
        except ValidationError as exc:
            self.show_errors(exc)
            return None
        self.worker = PacketWorker(self.services, request, target, self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self._set_running(True)
        self.worker.start()
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")

    def _set_running(self, running: bool) -> None:
        for widget in self._inputs:
            widget.setEnabled(not running)
        self.choose.setEnabled(not running)
        self.make_button.setEnabled(not running)
        self.close_button.setText("Cancel" if running else "Close")
        self.progress.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.status.setText("Starting…")

    @Slot(int, str)
    def _on_progress(self, percent: int, text: str) -> None:
        if self.worker is None:
            return
        self.progress.setValue(percent)
        if not self.worker.cancel_requested:
            self.status.setText(text)

    @Slot(object)
    def _on_finished(self, outcome: PacketOutcome) -> None:
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None
        self._set_running(False)
        if outcome.result is not None:
            result = outcome.result
            self.status.setText(f"Saved {result.path} ({result.pages} pages).")
            try:
                self.opener(result.path)
            except Exception:  # a missing viewer must not hide that the file was made
                log.exception("could not open %s", result.path)
            self.packet_made.emit(result)
            self.run_finished.emit(outcome)
            self.accept()
            return
        if outcome.cancelled:
            self.status.setText("Cancelled. No file was written.")
        elif isinstance(outcome.error, ValidationError):
            self.show_errors(outcome.error)
        elif isinstance(outcome.error, StorageError | FluoroDeskError):
            self.show_problem(str(outcome.error))
        else:
            self.show_problem(
                "The packet could not be made because of a problem inside FluoroDesk "
                f"({type(outcome.error).__name__}). Your records are safe; the details are in the log."
            )
        self.run_finished.emit(outcome)
        if self._close_when_done:
            super().reject()

    def reject(self) -> None:
        """Close, or while a packet is being made: cancel it (the dialog closes when it has stopped)."""
        if self.running:
            self._close_when_done = True
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.running:
            self._close_when_done = True
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
