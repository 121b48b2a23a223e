"""A unit's calendar of expected exposure checks: one cell per period, a row per month.

Every cell says its state in words as well as colour ("Checked 18", "MISSED", "Not used", "Due"), so
the calendar reads the same on a black-and-white printout or to a colour-blind user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QWidget

from fluorodesk.domain.exposure import PeriodState
from fluorodesk.services.exposure.rows import PeriodRow
from fluorodesk.ui.tones import Tone, background_for, foreground_for

STATE_TONE = {
    PeriodState.CHECKED: Tone.OK,
    PeriodState.MISSED: Tone.CRITICAL,
    PeriodState.EXCUSED: Tone.MUTED,
    PeriodState.DUE: Tone.INFO,
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cell_text(row: PeriodRow) -> str:
    if row.end.month == row.start.month:
        span = f"{row.start.day}–{row.end.day}"
    else:
        span = f"{row.start.day} {MONTHS[row.start.month - 1]}–{row.end.day} {MONTHS[row.end.month - 1]}"
    if row.state is PeriodState.CHECKED:
        status = "Checked " + ", ".join(f"{MONTHS[d.month - 1]} {d.day}" for d in row.checked_on[:2])
        if len(row.checked_on) > 2:
            status += "…"
    elif row.state is PeriodState.MISSED:
        status = "MISSED" + (" (noted)" if row.note else "")
    elif row.state is PeriodState.EXCUSED:
        status = "Not used"
    else:
        status = "Due"
    return f"{span}\n{status}"


class PeriodCell(QLabel):
    clicked = Signal(object)
    double_clicked = Signal(object)

    def __init__(self, row: PeriodRow, parent: QWidget | None = None) -> None:
        super().__init__(cell_text(row), parent)
        self.row = row
        self.setObjectName(f"period-{row.start.isoformat()}")
        self.setProperty("state", row.state.value)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(92, 38)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        tip = f"{row.start} to {row.end}: {row.words}"
        self.setToolTip(
            tip
            + ("\nDouble-click to add or change the note." if row.state is not PeriodState.CHECKED else "")
        )

    def set_selected(self, selected: bool) -> None:
        if bool(self.property("selected")) == selected:
            return
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().mousePressEvent(event)
        self.clicked.emit(self.row)

    def mouseDoubleClickEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().mouseDoubleClickEvent(event)
        self.double_clicked.emit(self.row)  # may rebuild the calendar: nothing of self is used after


def _stylesheet() -> str:
    """One sheet for all cells (a sheet per cell makes a 10-year calendar slow to build)."""
    rules = ["PeriodCell { border: 1px solid #bbbbbb; border-radius: 3px; padding: 2px 4px; }"]
    for state, tone in STATE_TONE.items():
        back, fore = background_for(tone).color().name(), foreground_for(tone).color().name()
        rules.append(f'PeriodCell[state="{state.value}"] {{ background: {back}; color: {fore}; }}')
    rules.append('PeriodCell[selected="true"] { border: 2px solid #084298; }')
    return "\n".join(rules)


class PeriodCalendar(QScrollArea):
    """Rows are months (by the period's first day), newest first; cells are the periods in order."""

    period_selected = Signal(object)  # PeriodRow or None
    period_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("periodCalendar")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.cells: list[PeriodCell] = []
        self.selected: PeriodRow | None = None
        self._holder = QWidget(self)
        self._grid = QGridLayout(self._holder)
        self._grid.setHorizontalSpacing(4)
        self._grid.setVerticalSpacing(4)
        self.setWidget(self._holder)

    def set_periods(self, periods: Sequence[PeriodRow]) -> None:
        keep = self.selected.start if self.selected else None
        holder = QWidget(self)
        holder.setStyleSheet(_stylesheet())
        grid = QGridLayout(holder)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(4)
        self.cells = []
        self.selected = None
        months: dict[tuple[int, int], list[PeriodRow]] = {}
        for row in periods:
            months.setdefault((row.start.year, row.start.month), []).append(row)
        if not months:
            empty = QLabel("No check periods yet: the unit has no in-service date and no checks.", holder)
            empty.setObjectName("calendarEmpty")
            grid.addWidget(empty, 0, 0)
        for r, ((year, month), rows) in enumerate(sorted(months.items(), reverse=True)):
            label = QLabel(f"<b>{MONTHS[month - 1]} {year}</b>", holder)
            label.setMinimumWidth(70)
            grid.addWidget(label, r, 0)
            for c, row in enumerate(rows, start=1):
                cell = PeriodCell(row, holder)
                cell.clicked.connect(self._select)
                cell.double_clicked.connect(self._activate)
                grid.addWidget(cell, r, c)
                self.cells.append(cell)
        grid.setColumnStretch(grid.columnCount(), 1)
        grid.setRowStretch(grid.rowCount(), 1)
        old = self.takeWidget()
        self.setWidget(holder)
        if old is not None:
            old.hide()
            old.deleteLater()  # not now: a cell of it may still be handling the click that led here
        self._holder, self._grid = holder, grid
        if keep is not None:
            match = next((c.row for c in self.cells if c.row.start == keep), None)
            if match is not None:
                self._select(match)

    def cell_for(self, start: date) -> PeriodCell | None:
        return next((c for c in self.cells if c.row.start == start), None)

    def _select(self, row: PeriodRow) -> None:
        self.selected = row
        for cell in self.cells:
            cell.set_selected(cell.row is row)
        self.period_selected.emit(row)

    def _activate(self, row: PeriodRow) -> None:
        self._select(row)
        self.period_activated.emit(row)
