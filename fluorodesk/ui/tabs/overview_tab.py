"""Overview: everything that needs attention, most urgent first.

It is the tab shown at start-up, so it never delays the window: when shown with stale rows it
says "Checking records…", lets the window paint, then computes the findings in a background
thread (a second or so at ten years of records) while the window stays usable.  The newest
request wins: a change or another date while a check runs makes its answer stale, and a new check
follows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from fluorodesk.domain.enums import Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.errors import StorageError
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.background import BackgroundCall, CallOutcome
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import tone_for_severity
from fluorodesk.ui.widgets.table_panel import TablePanel

COLUMNS: list[Column[Finding]] = [
    Column(
        "Severity",
        lambda f: f.severity.label,
        sort_key=lambda f: f.severity.rank,
        tone=lambda f: tone_for_severity(f.severity.value),
    ),
    Column("Area", lambda f: f.area.label),
    Column("Subject", lambda f: f.subject),
    Column("Problem", lambda f: f.message, tooltip=lambda f: f.message),
    Column("Due", lambda f: f.due),
    Column("What to do", lambda f: f.action, tooltip=lambda f: f.action),
]


class OverviewTab(DataTab):
    title = "Overview"
    areas = areas.ALL
    findings_shown = Signal()  # a check's findings are on screen

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self._load_after_paint = False
        self._request = 0  # bumped by every refresh and change: only the newest answer is shown
        self._in_flight: int | None = None  # the request a check is working on (or failed on)
        self.check: BackgroundCall | None = None  # the newest background check
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.as_of = QDateEdit(self)
        self.as_of.setObjectName("asOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        today = services.technicians.today()
        self.as_of.setDate(QDate(today.year, today.month, today.day))
        self.as_of.setToolTip("Show what needed attention on another date")
        self.as_of.dateChanged.connect(lambda _d: self.refresh())
        self.table: TablePanel[Finding] = TablePanel(COLUMNS, noun="findings", parent=self)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("As of:", self))
        top.addWidget(self.as_of)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    CHECKING = "Checking records…"

    def showEvent(self, event: Any) -> None:
        QWidget.showEvent(self, event)  # not DataTab's: the load waits for the first paint
        if self._needs_check():
            self.summary.setText(self.CHECKING)
            self._load_after_paint = True

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if self._load_after_paint:
            self._load_after_paint = False
            QTimer.singleShot(0, self.ensure_loaded)

    def _needs_check(self) -> bool:
        """Stale, and no check is working on (or has failed on) the newest request."""
        return self._dirty and self._in_flight != self._request

    def ensure_loaded(self) -> None:
        if self._needs_check():
            self.refresh()

    def refresh(self) -> None:  # replaces DataTab's load-then-done: the answer comes later
        """Check the records for the chosen date in the background (see the module docstring)."""
        self._request += 1
        request, as_of = self._request, self.as_of.date().toPython()
        self.summary.setText(self.CHECKING)
        if self.table.model.rowCount() == 0:
            self.table.count_label.setText("")  # not "0 findings" before anything was checked
        self._in_flight = request
        self.check = BackgroundCall(lambda: self.services.compliance.findings(as_of), self)
        self.check.finished.connect(lambda outcome: self._landed(request, outcome))
        self.check.start()

    def _on_changed(self, changed: frozenset[str]) -> None:
        if changed & self.areas:
            self._request += 1  # a check already running no longer counts
        super()._on_changed(changed)

    def _landed(self, request: int, outcome: CallOutcome) -> None:
        if request != self._request:
            return  # stale: a newer request is running or waits for the tab to be shown
        if outcome.error is not None:  # not retried by itself: a change or another date tries again
            if isinstance(outcome.error, StorageError):
                self.summary.setText("The records could not be checked.")
                show_storage_error(self, outcome.error)
                return
            raise outcome.error  # a defect: the crash dialog, as anywhere else
        self._in_flight = None
        self.show_findings(outcome.value)
        self.findings_shown.emit()
        self._dirty = False

    def show_findings(self, findings: list[Finding]) -> None:
        self.table.set_rows(findings)
        counts = Counter(f.severity for f in findings)
        if not findings:
            self.summary.setText("Nothing needs attention. Everything is on file and current.")
        else:
            self.summary.setText(
                f"<b>{counts[Severity.CRITICAL]} critical</b>, {counts[Severity.WARNING]} warnings, "
                f"{counts[Severity.INFO]} to plan ahead"
            )
