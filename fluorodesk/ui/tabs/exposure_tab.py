"""Exposure Logs: each fluoroscopy unit with its checks log, calendar of expected checks, trend chart,
corrective actions, physicist surveys and baselines; meters and their calibrations one click away.

Everything here only shows what the services return and opens dialogs that call them.  It is one
module of about 900 lines because it is one tab of six pages whose code is each short and shares the
selected unit and its history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import ExposureVerdict, Severity, SurveyResult
from fluorodesk.domain.exposure import CalibrationState, CorrectiveState, DueState, PeriodState
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.exposure.rows import CorrectiveActionRow, ExposureCheckRow, PeriodRow, UnitHistory
from fluorodesk.services.registry import Services
from fluorodesk.services.surveys import SurveyRow
from fluorodesk.services.units import BaselineRow, UnitRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone, foreground_for
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.chart_view import ChartView
from fluorodesk.ui.widgets.period_calendar import PeriodCalendar
from fluorodesk.ui.widgets.table_panel import TablePanel

_VERDICT_TONE = {
    ExposureVerdict.PASS: Tone.OK,
    ExposureVerdict.OUTSIDE_TOLERANCE: Tone.WARNING,
    ExposureVerdict.OVER_LIMIT: Tone.CRITICAL,
}
_CORRECTIVE_TONE = {
    CorrectiveState.NEEDED: Tone.CRITICAL,
    CorrectiveState.IN_PROGRESS: Tone.WARNING,
    CorrectiveState.CLOSED: Tone.OK,
}
_SEVERITY_TONE = {Severity.CRITICAL: Tone.CRITICAL, Severity.WARNING: Tone.WARNING, Severity.INFO: Tone.INFO}
_DUE_TONE = {
    DueState.CURRENT: Tone.OK,
    DueState.DUE_SOON: Tone.WARNING,
    DueState.DUE: Tone.WARNING,
    DueState.OVERDUE: Tone.CRITICAL,
    DueState.NONE: Tone.CRITICAL,
}


# --------------------------------------------------------------------------- the checks log


def local_time(moment: datetime) -> datetime:
    """A stored (naive UTC) timestamp on the user's clock."""
    return moment.replace(tzinfo=UTC).astimezone()


def _result(row: ExposureCheckRow) -> str:
    return f"Voided: {row.void_reason}" if row.voided else row.verdict.label


def _limit(row: ExposureCheckRow) -> str:
    return f"{row.limit:g} {row.rate_unit.value}" if row.limit is not None else "None in this mode"


def _baseline(row: ExposureCheckRow) -> str:
    if row.baseline_rate is None:
        return "No baseline"
    if row.deviation_pct is None:
        return f"{row.baseline_rate:g} {row.baseline_unit.value if row.baseline_unit else ''} (not compared)"
    return f"{row.baseline_rate:g} ({row.deviation_pct:+.0f}%, ±{row.tolerance_pct:g}%)"


def _meter(row: ExposureCheckRow) -> str:
    if row.meter_calibration is None:
        return "None recorded"
    if row.meter_calibration is CalibrationState.VALID:
        return row.meter
    return f"{row.meter}: {row.meter_calibration.label.lower()}"


def _meter_tone(row: ExposureCheckRow) -> Tone | None:
    if row.meter_calibration is CalibrationState.VALID:
        return None
    return Tone.WARNING


def _entered(row: ExposureCheckRow) -> str:
    if row.entry_delay_days == 0:
        return "Same day"
    late = ", late entry" if row.late_entry else ""
    return f"{row.entered_on} ({row.entry_delay_days} d after{late})"


def _row_tone(row: ExposureCheckRow, tone: Tone | None) -> Tone | None:
    return Tone.MUTED if row.voided else tone


COLUMNS: list[Column[ExposureCheckRow]] = [
    Column("Date", lambda r: r.checked_on),
    Column("Performed by", lambda r: r.performed_by),
    Column("Mode", lambda r: r.mode.label + (f", {r.magnification}" if r.magnification else "")),
    Column("kVp", lambda r: r.kvp, numeric=True),
    Column("mA", lambda r: r.ma, numeric=True),
    Column("Rate", lambda r: r.rate_words, sort_key=lambda r: (r.rate_unit.value, r.rate), numeric=True),
    Column(
        "Result",
        _result,
        tone=lambda r: _row_tone(r, _VERDICT_TONE[r.verdict]),
        tooltip=lambda r: r.void_reason if r.voided else r.detail,
    ),
    Column(
        "Corrective action",
        lambda r: "" if r.voided else r.corrective_words,
        tone=lambda r: None if r.voided else _CORRECTIVE_TONE.get(r.corrective),
    ),
    Column(
        "Meter",
        _meter,
        tone=lambda r: _row_tone(r, _meter_tone(r)),
        tooltip=lambda r: f"{r.meter}: {r.meter_calibration_words}",
    ),
    Column(
        "Entered",
        _entered,
        sort_key=lambda r: r.entered_at,
        tone=lambda r: _row_tone(r, Tone.WARNING if r.late_entry else None),
        tooltip=lambda r: (
            f"Checked {r.checked_on}; entered {local_time(r.entered_at):%Y-%m-%d %H:%M}"
            + (f"; corrects check #{r.amends_id}" if r.amends_id else "")
        ),
    ),
    Column("Limit", _limit, sort_key=lambda r: r.limit),
    Column("Baseline", _baseline, tooltip=lambda r: r.detail),
    Column("Phantom", lambda r: r.phantom),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]


_MIN_WIDTHS = {"Result": 130, "Corrective action": 220, "Meter": 170, "Entered": 150}

# --------------------------------------------------------------------------- other tables


def _unit_tone(row: UnitRow) -> Tone:
    if row.retired:
        return Tone.MUTED
    return _SEVERITY_TONE.get(row.worst, Tone.OK) if row.worst else Tone.OK


UNIT_COLUMNS: list[Column[UnitRow]] = [
    Column("Unit", lambda r: r.label),
    Column("Status", lambda r: r.status_words, tone=_unit_tone, tooltip=lambda r: "\n".join(r.attention)),
    Column("Last check", lambda r: r.last_check_on),
]

ACTION_COLUMNS: list[Column[CorrectiveActionRow]] = [
    Column("Reading", lambda r: f"{r.check_on}: {r.check_rate}", sort_key=lambda r: r.check_on),
    Column("Result", lambda r: r.check_verdict.label, tone=lambda r: _VERDICT_TONE[r.check_verdict]),
    Column(
        "Status",
        lambda r: r.words,
        tone=lambda r: Tone.OK if r.closed_on and r.words.startswith("Closed") else Tone.WARNING,
        tooltip=lambda r: r.words,
    ),
    Column("What was done", lambda r: r.action, tooltip=lambda r: r.action),
    Column("Ticket", lambda r: r.service_ticket),
    Column("By", lambda r: r.performed_by),
    Column("On", lambda r: r.performed_on),
    Column("Re-check", lambda r: f"{r.recheck_on}: {r.recheck_rate}" if r.recheck_on else "None yet"),
]

_SURVEY_TONE = {
    SurveyResult.PASS: Tone.OK,
    SurveyResult.CONDITIONAL: Tone.WARNING,
    SurveyResult.FAIL: Tone.CRITICAL,
}

SURVEY_COLUMNS: list[Column[SurveyRow]] = [
    Column("Date", lambda r: r.surveyed_on),
    Column("Physicist", lambda r: r.physicist),
    Column("Result", lambda r: r.result.label, tone=lambda r: _SURVEY_TONE[r.result]),
    Column("Recommendations", lambda r: r.recommendations or "None", tooltip=lambda r: r.recommendations),
    Column(
        "Closure",
        lambda r: r.recommendations_words,
        tone=lambda r: Tone.WARNING if r.recommendations_words.startswith("Open") else None,
        tooltip=lambda r: r.recommendations_closure,
    ),
    Column(
        "Report",
        lambda r: (
            f"{r.attachments} file{'s' if r.attachments != 1 else ''}" if r.attachments else "Not attached"
        ),
        tone=lambda r: None if r.attachments else Tone.WARNING,
    ),
]

BASELINE_COLUMNS: list[Column[BaselineRow]] = [
    Column("From", lambda r: r.effective_on or "Unit record", sort_key=lambda r: r.effective_on or date.min),
    Column("Mode", lambda r: r.mode.label),
    Column("Rate", lambda r: f"{r.rate:g} {r.rate_unit.value}", numeric=True),
    Column("kVp", lambda r: r.kvp, numeric=True),
    Column("mA", lambda r: r.ma, numeric=True),
    Column(
        "Tolerance",
        lambda r: f"±{r.tolerance_effective:g}%" + (" (clinic setting)" if r.tolerance_pct is None else ""),
    ),
    Column("Set by", lambda r: r.set_by),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]


def _colour(tone: Tone) -> str:
    return foreground_for(tone).color().name()


class ExposureTab(DataTab):
    title = "Exposure Logs"
    areas = frozenset({areas.EXPOSURE, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.unit: UnitRow | None = None
        self.history: UnitHistory | None = None
        self._reloading = False

        # ---- left: the units
        self.units: TablePanel[UnitRow] = TablePanel(UNIT_COLUMNS, noun="units", parent=self)
        self.units.setObjectName("units")
        self.show_retired = QCheckBox("Show retired units", self)
        self.show_retired.setObjectName("showRetired")
        self.new_unit_button = push_button("New unit…", self, "newUnit")
        self.meters_button = push_button(
            "Meters…", self, "meters", tip="Meters and their calibration certificates"
        )
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.units, 1)
        left_layout.addWidget(self.show_retired)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.new_unit_button)
        left_buttons.addWidget(self.meters_button)
        left_buttons.addStretch(1)
        left_layout.addLayout(left_buttons)

        # ---- right: the selected unit
        self.header = QLabel(self)
        self.header.setObjectName("unitHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.edit_unit_button = push_button("Edit unit…", self, "editUnit")
        self.baseline_button = push_button(
            "New baseline…", self, "newBaseline", tip="Record the physicist's new baseline"
        )
        self.retire_button = push_button("Retire unit…", self, "retireUnit")
        unit_buttons = QVBoxLayout()
        for button in (self.edit_unit_button, self.baseline_button, self.retire_button):
            unit_buttons.addWidget(button)
        unit_buttons.addStretch(1)
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        header_row.addLayout(unit_buttons)

        self.pages = QTabWidget(self)
        self.pages.setObjectName("unitPages")
        self.pages.addTab(self._checks_page(), "Checks log")
        self.pages.addTab(self._calendar_page(), "Calendar")
        self.pages.addTab(self._trend_page(), "Trend chart")
        self.pages.addTab(self._actions_page(), "Corrective actions")
        self.pages.addTab(self._surveys_page(), "Physicist surveys")
        self.pages.addTab(self._baselines_page(), "Baselines")

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(header_row)
        right_layout.addWidget(self.pages, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([390, 1010])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        # ---- wiring
        self._pages_shown: set[int] = set()
        self.pages.currentChanged.connect(self._show_page)
        self.units.selection_changed.connect(self._unit_selected)
        self.units.activated.connect(lambda _row: self.edit_unit())
        self.show_retired.toggled.connect(lambda _on: self.refresh())
        self.new_unit_button.clicked.connect(self.new_unit)
        self.meters_button.clicked.connect(self.open_meters)
        self.edit_unit_button.clicked.connect(self.edit_unit)
        self.baseline_button.clicked.connect(self.new_baseline)
        self.retire_button.clicked.connect(self.retire_or_return)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence.StandardKey.New, self, self.new_check, context=context)
        QShortcut(QKeySequence("Ctrl+E"), self, self.edit_current, context=context)
        self.show_unit(None)

    # ---- pages

    def _checks_page(self) -> QWidget:
        page = QWidget(self)
        self.table: TablePanel[ExposureCheckRow] = TablePanel(COLUMNS, noun="checks", parent=page)
        # Sized from the first unit's rows: room for every status another unit may show.
        headers = [c.header for c in COLUMNS]
        self.table.min_widths = {headers.index(h): width for h, width in _MIN_WIDTHS.items()}
        self.new_check_button = push_button("New check…", page, "newCheck", tip="Ctrl+N")
        self.amend_button = push_button(
            "Correct…", page, "amendCheck", tip="Correct the selected check (Ctrl+E)"
        )
        self.void_button = push_button(
            "Void…", page, "voidCheck", tip="Void the selected check (it stays on file)"
        )
        self.action_button = push_button("Corrective action…", page, "correctiveAction")
        self.show_voided = QCheckBox("Show voided checks", page)
        self.show_voided.setObjectName("showVoided")
        row = QHBoxLayout()
        for button in (self.new_check_button, self.amend_button, self.void_button, self.action_button):
            row.addWidget(button)
        row.addStretch(1)
        self.check_detail = QLabel(page)
        self.check_detail.setObjectName("checkDetail")
        self.check_detail.setWordWrap(True)
        self.check_detail.setTextFormat(Qt.TextFormat.RichText)
        self.check_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.check_detail)
        layout.addWidget(self.show_voided)
        self.new_check_button.clicked.connect(self.new_check)
        self.amend_button.clicked.connect(self.amend_check)
        self.void_button.clicked.connect(self.void_check)
        self.action_button.clicked.connect(self.corrective_action_for_check)
        self.table.activated.connect(lambda _row: self.amend_check())
        self.table.selection_changed.connect(lambda _row: self._update_check_buttons())
        self.show_voided.toggled.connect(lambda _on: self._show_checks())
        return page

    def _calendar_page(self) -> QWidget:
        page = QWidget(self)
        self.calendar_range = QComboBox(page)
        self.calendar_range.setObjectName("calendarRange")
        self.note_button = push_button(
            "Note on period…", page, "notePeriod", tip="Say why the selected period has no check"
        )
        self.missed_summary = QLabel(page)
        self.missed_summary.setObjectName("missedSummary")
        self.missed_summary.setWordWrap(True)
        self.missed_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.calendar = PeriodCalendar(page)
        legend = QLabel(
            "Each cell is one check period. <b>Checked</b>: the days a check was done · "
            "<b>MISSED</b>: no check · <b>Not used</b>: a note says the unit was not used · "
            "<b>Due</b>: the period in progress. "
            "Double-click a period to note why it has no check.",
            page,
        )
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #555555;")
        row = QHBoxLayout()
        row.addWidget(QLabel("Show:", page))
        row.addWidget(self.calendar_range)
        row.addStretch(1)
        row.addWidget(self.note_button)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.missed_summary)
        layout.addWidget(self.calendar, 1)
        layout.addWidget(legend)
        self.calendar_range.currentIndexChanged.connect(lambda _i: self._show_calendar())
        self.calendar.period_activated.connect(lambda _p: self.note_period())
        self.calendar.period_selected.connect(lambda _p: self._update_note_button())
        self.note_button.clicked.connect(self.note_period)
        return page

    def _trend_page(self) -> QWidget:
        page = QWidget(self)
        self.series_combo = QComboBox(page)
        self.series_combo.setObjectName("trendSeries")
        self.series_combo.setToolTip(
            "Readings in different modes or units are charted separately, never mixed"
        )
        self.trend_range = QComboBox(page)
        self.trend_range.setObjectName("trendRange")
        self.chart = ChartView(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Readings:", page))
        row.addWidget(self.series_combo)
        row.addWidget(QLabel("Period:", page))
        row.addWidget(self.trend_range)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.chart, 1)
        self.series_combo.currentIndexChanged.connect(lambda _i: self._show_trend())
        self.trend_range.currentIndexChanged.connect(lambda _i: self._show_trend())
        return page

    def _actions_page(self) -> QWidget:
        page = QWidget(self)
        self.actions: TablePanel[CorrectiveActionRow] = TablePanel(
            ACTION_COLUMNS, noun="corrective actions", parent=page
        )
        self.actions.setObjectName("correctiveActions")
        self.new_action_button = push_button("Record corrective action…", page, "newAction")
        self.edit_action_button = push_button(
            "Edit or close…", page, "editAction", tip="Add the re-check that closes it (Ctrl+E)"
        )
        row = QHBoxLayout()
        row.addWidget(self.new_action_button)
        row.addWidget(self.edit_action_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.actions, 1)
        self.new_action_button.clicked.connect(self.new_corrective_action)
        self.edit_action_button.clicked.connect(self.edit_corrective_action)
        self.actions.activated.connect(lambda _row: self.edit_corrective_action())
        return page

    def _surveys_page(self) -> QWidget:
        page = QWidget(self)
        self.survey_status = QLabel(page)
        self.survey_status.setObjectName("surveyStatus")
        self.survey_status.setWordWrap(True)
        self.surveys: TablePanel[SurveyRow] = TablePanel(SURVEY_COLUMNS, noun="surveys", parent=page)
        self.surveys.setObjectName("surveys")
        self.new_survey_button = push_button("New survey…", page, "newSurvey")
        self.open_survey_button = push_button(
            "Open survey…", page, "openSurvey", tip="Edit, close recommendations, attach the report"
        )
        row = QHBoxLayout()
        row.addWidget(self.survey_status, 1)
        row.addWidget(self.new_survey_button)
        row.addWidget(self.open_survey_button)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.surveys, 1)
        self.new_survey_button.clicked.connect(self.new_survey)
        self.open_survey_button.clicked.connect(self.open_survey)
        self.surveys.activated.connect(lambda _row: self.open_survey())
        return page

    def _baselines_page(self) -> QWidget:
        page = QWidget(self)
        self.baselines: TablePanel[BaselineRow] = TablePanel(BASELINE_COLUMNS, noun="baselines", parent=page)
        self.baselines.setObjectName("baselines")
        explain = QLabel(
            "Each reading is compared with the baseline in effect on its date, for its mode. "
            "A new baseline (after service) applies from its date on; older readings keep theirs.",
            page,
        )
        explain.setWordWrap(True)
        self.new_baseline_button = push_button("New baseline…", page, "newBaselineRow")
        self.correct_baseline_button = push_button(
            "Correct…", page, "correctBaseline", tip="Fix a typo in a recorded baseline"
        )
        row = QHBoxLayout()
        row.addWidget(explain, 1)
        row.addWidget(self.new_baseline_button)
        row.addWidget(self.correct_baseline_button)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.baselines, 1)
        self.new_baseline_button.clicked.connect(self.new_baseline)
        self.correct_baseline_button.clicked.connect(self.correct_baseline)
        self.baselines.activated.connect(lambda _row: self.correct_baseline())
        return page

    # ---- loading

    def load(self) -> None:
        keep = self.unit.id if self.unit else None
        rows = self.services.units.list_units(include_retired=self.show_retired.isChecked())
        self._reloading = True
        try:
            self.units.set_rows(rows)
            visible = self.units.visible_rows()
            index = next((i for i, r in enumerate(visible) if r.id == keep), 0)
            if visible:
                self.units.view.selectRow(index)
        finally:
            self._reloading = False
        self.show_unit(self.units.selected())

    def _unit_selected(self, row: UnitRow | None) -> None:
        if self._reloading:
            return
        try:
            self.show_unit(row)
        except StorageError as exc:
            show_storage_error(self, exc)

    def show_unit(self, unit: UnitRow | None) -> None:
        """Show ``unit``: its header and the page in view now; other pages fill when opened."""
        self.unit = unit
        self._pages_shown: set[int] = set()
        has_unit = unit is not None
        for button in (
            self.edit_unit_button,
            self.baseline_button,
            self.retire_button,
            self.new_survey_button,
            self.new_baseline_button,
        ):
            button.setEnabled(has_unit)
        if unit is None:
            self.history = None
            self.header.setText(
                "<h3>No fluoroscopy unit selected</h3><p>Add each C-arm with <b>New unit…</b>; its weekly "
                "checks, calendar and trend appear here.</p>"
            )
            for table in (self.table, self.actions, self.surveys, self.baselines):
                table.set_rows([])
            self.calendar.set_periods([])
            self.missed_summary.setText("")
            self.survey_status.setText("")
            self.chart.set_series(None)
            self.series_combo.clear()
            self._update_check_buttons()
            return
        self.history = self.services.exposure.history(unit.id)
        self.header.setText(self._header_html(unit))
        self.retire_button.setText("Return to service…" if unit.retired else "Retire unit…")
        self._fill_ranges()
        self._fill_series()
        self._show_page(self.pages.currentIndex())

    def _show_page(self, index: int) -> None:
        if self.unit is None or self.history is None or index in self._pages_shown:
            return
        self._pages_shown.add(index)
        try:
            if index == 0:
                self._show_checks()
            elif index == 1:
                self._show_calendar()
            elif index == 2:
                self._show_trend()
            elif index == 3:
                self.actions.set_rows(list(self.history.corrective_actions))
                self.new_action_button.setEnabled(bool(self._open_readings()))
                self.edit_action_button.setEnabled(bool(self.history.corrective_actions))
            elif index == 4:
                self.surveys.set_rows(self.services.surveys.list_surveys(unit_id=self.unit.id))
                self.open_survey_button.setEnabled(self.surveys.model.rowCount() > 0)
                due = self.unit.survey
                self.survey_status.setText(f"<b>Annual survey:</b> {escape(due.words)}")
                self.survey_status.setStyleSheet(f"color: {_colour(_DUE_TONE[due.state])};")
            elif index == 5:
                self.baselines.set_rows(self.services.units.baselines(self.unit.id))
                rows = self.baselines.model.rows()
                self.correct_baseline_button.setEnabled(any(b.id is not None for b in rows))
        except StorageError as exc:
            self._pages_shown.discard(index)
            show_storage_error(self, exc)

    def _header_html(self, unit: UnitRow) -> str:
        made = " ".join(p for p in (unit.manufacturer, unit.model) if p)
        facts = [made, f"serial {unit.serial}" if unit.serial else "", unit.room]
        if unit.in_service_on:
            facts.append(f"in service since {unit.in_service_on}")
        if unit.retired_on:
            facts.append(f"<b>retired {unit.retired_on}</b>: {escape(unit.retired_reason)}")
        registration = "No state registration on file"
        if unit.registration_number or unit.registration_expires_on:
            registration = f"Registration {escape(unit.registration_number) or '(no number)'}"
            if unit.registration_expires_on:
                registration += f", expires {unit.registration_expires_on}"
        controls = [
            f"made {unit.manufactured_on}" if unit.manufactured_on else "manufacture date not recorded",
            "AERC" if unit.has_aerc else "no AERC (manual)",
            escape(unit.hlc_words),
        ]
        baseline = f"Baseline: {escape(unit.baseline.words)}" if unit.baseline else "No baseline recorded"
        lines = [
            f"<h3 style='margin:0'>{escape(unit.label)}</h3>",
            "<div>" + " · ".join(escape(f) if "<b>" not in f else f for f in facts if f) + "</div>",
            f"<div>{registration} · {' · '.join(controls)}</div>",
            f"<div>{baseline} · Survey: {escape(unit.survey.words)}</div>",
        ]
        if unit.attention:
            tone = _SEVERITY_TONE.get(unit.worst or Severity.WARNING, Tone.WARNING)
            items = "".join(f"<li>{escape(a)}</li>" for a in unit.attention)
            lines.append(
                f"<div style='color:{_colour(tone)}'><b>Needs attention:</b>"
                f"<ul style='margin:0'>{items}</ul></div>"
            )
        elif not unit.retired:
            lines.append(f"<div style='color:{_colour(Tone.OK)}'><b>All current.</b></div>")
        return "".join(lines)

    def _show_checks(self) -> None:
        rows = list(self.history.checks) if self.history else []
        if not self.show_voided.isChecked():
            rows = [r for r in rows if not r.voided]
        self.table.set_rows(rows)
        self._update_check_buttons()

    def _update_check_buttons(self) -> None:
        row = self.table.selected()
        self.check_detail.setText(self._check_detail_html(row))
        in_service = self.unit is not None and not self.unit.retired
        self.new_check_button.setEnabled(in_service)
        editable = row is not None and not row.voided
        self.amend_button.setEnabled(editable)
        self.void_button.setEnabled(editable)
        self.action_button.setEnabled(editable and row.corrective is not CorrectiveState.NOT_NEEDED)

    @staticmethod
    def _check_detail_html(row: ExposureCheckRow | None) -> str:
        if row is None:
            return "<span style='color:#555555'>Select a check to see its meter, entry date and notes.</span>"

        def toned(text: str, tone: Tone | None) -> str:
            return f"<span style='color:{_colour(tone)}'>{text}</span>" if tone else text

        meter_tone = None if row.meter_calibration is CalibrationState.VALID else Tone.WARNING
        meter = toned(
            f"{escape(row.meter or 'none recorded')}: {escape(row.meter_calibration_words)}", meter_tone
        )
        entered = f"{local_time(row.entered_at):%Y-%m-%d %H:%M}"
        if row.entry_delay_days:
            entered += (
                f", {row.entry_delay_days} day{'s' if row.entry_delay_days != 1 else ''} after the check"
            )
        entered = toned(
            entered + (" (late entry)" if row.late_entry else ""), Tone.WARNING if row.late_entry else None
        )
        parts = [
            f"<b>{row.checked_on}</b>, {escape(row.performed_by)}: {escape(row.rate_words)}, "
            + toned(escape(row.detail), _VERDICT_TONE[row.verdict]),
            f"<b>Meter</b> {meter}",
            f"<b>Entered</b> {entered}",
        ]
        if row.phantom:
            parts.append(f"<b>Set-up</b> {escape(row.phantom)}")
        if row.amends_id:
            parts.append(f"Corrects check #{row.amends_id}")
        if row.voided:
            parts.append(toned(f"<b>Voided</b>: {escape(row.void_reason)}", Tone.MUTED))
        if row.notes:
            parts.append(f"<b>Notes</b> {escape(row.notes)}")
        return " · ".join(parts)

    # ---- calendar

    def _fill_ranges(self) -> None:
        years = sorted({p.start.year for p in self.history.calendar}, reverse=True) if self.history else []
        for combo, extra in (
            (self.calendar_range, ()),
            (self.trend_range, (("Last 24 months", ("months", 24)),)),
        ):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("Last 12 months", ("months", 12))
            for label, data in extra:
                combo.addItem(label, data)
            for year in years:
                combo.addItem(str(year), ("year", year))
            combo.addItem("Since in service", ("all", None))
            index = combo.findData(keep) if keep is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _range(self, combo: QComboBox) -> tuple[date, date]:
        today = self.services.exposure.today()
        kind, value = combo.currentData() or ("months", 12)
        if kind == "year":
            return date(value, 1, 1), min(date(value, 12, 31), today)
        if kind == "all":
            first = (
                self.history.first_day if self.history and self.history.first_day else add_months(today, -12)
            )
            return min(first, today), today
        return add_months(today, -value), today

    def _show_calendar(self) -> None:
        if self.history is None:
            return
        start, end = self._range(self.calendar_range)
        shown = [p for p in self.history.calendar if p.end >= start and p.start <= end]
        self.calendar.set_periods(shown)
        missed = self.history.missed
        if not self.history.calendar:
            text = "No check periods yet."
        elif not missed:
            ok = _colour(Tone.OK)
            text = f"<b style='color:{ok}'>No missed check periods</b> since {self.history.first_day}."
        else:
            items = "; ".join(
                f"{p.start:%b %d} – {p.end:%b %d, %Y}" + (f" ({escape(p.note)})" if p.note else "")
                for p in missed
            )
            count = len(missed)
            text = (
                f"<b style='color:{_colour(Tone.CRITICAL)}'>"
                f"{count} missed check period{'s' if count != 1 else ''}</b> "
                f"since {self.history.first_day}: {items}."
            )
        self.missed_summary.setText(text)
        self._update_note_button()

    def _update_note_button(self) -> None:
        period = self.calendar.selected
        self.note_button.setEnabled(period is not None and period.state is not PeriodState.CHECKED)

    # ---- trend

    def _fill_series(self) -> None:
        keep = self.series_combo.currentData()
        self.series_combo.blockSignals(True)
        self.series_combo.clear()
        for key in self.history.series if self.history else ():
            self.series_combo.addItem(key.label, (key.mode, key.rate_unit))
        index = self.series_combo.findData(keep) if keep is not None else 0
        self.series_combo.setCurrentIndex(max(index, 0))
        if self.series_combo.count() == 0:
            self.series_combo.addItem("No readings yet", None)
        self.series_combo.setEnabled(self.series_combo.count() > 1)
        self.series_combo.blockSignals(False)

    def _show_trend(self) -> None:
        if self.unit is None:
            return
        start, end = self._range(self.trend_range)
        mode, rate_unit = self.series_combo.currentData() or (None, None)
        try:
            series = self.services.exposure.trend(
                self.unit.id, mode=mode, rate_unit=rate_unit, start=start, end=end
            )
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.chart.set_series(series)

    # ---- dialogs

    def edit_current(self) -> None:
        page = self.pages.currentIndex()
        if self.units.view.hasFocus():
            self.edit_unit()
        elif page == 0:
            self.amend_check()
        elif page == 1:
            self.note_period()
        elif page == 3:
            self.edit_corrective_action()
        elif page == 4:
            self.open_survey()
        elif page == 5:
            self.correct_baseline()

    def new_unit(self) -> None:
        from fluorodesk.ui.dialogs.unit_dialog import UnitDialog

        dialog = UnitDialog(self.services, self.bus, self)
        if runner.run_dialog(dialog) and dialog.result_value is not None:
            self._select_unit(dialog.result_value.id)

    def _select_unit(self, unit_id: int) -> None:
        for index, row in enumerate(self.units.visible_rows()):
            if row.id == unit_id:
                self.units.view.selectRow(index)
                return

    def edit_unit(self) -> None:
        from fluorodesk.ui.dialogs.unit_dialog import UnitDialog

        if self.unit is not None:
            runner.run_dialog(UnitDialog(self.services, self.bus, self, unit=self.unit))

    def retire_or_return(self) -> None:
        from fluorodesk.ui.dialogs.unit_dialog import RetireUnitDialog

        if self.unit is None:
            return
        if not self.unit.retired:
            runner.run_dialog(RetireUnitDialog(self.services, self.bus, self.unit, self))
            return
        from fluorodesk.ui.widgets.confirm import confirm_destructive

        if confirm_destructive(
            self,
            title="Return unit to service",
            verb=f"Return {self.unit.code} to service",
            text=f"{self.unit.label} was retired on {self.unit.retired_on}. Return it to service? "
            "Weekly checks are expected again, including for the weeks since then.",
        ):
            self._call(lambda: self.services.units.return_to_service(self.unit.id))

    def _call(self, action: Any) -> None:
        try:
            action()
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        except FluoroDeskError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Not done", str(exc))
            return
        self.bus.announce(areas.EXPOSURE)

    def new_baseline(self) -> None:
        from fluorodesk.ui.dialogs.unit_dialog import BaselineDialog

        if self.unit is not None:
            runner.run_dialog(BaselineDialog(self.services, self.bus, self.unit, self))

    def correct_baseline(self) -> None:
        from fluorodesk.ui.dialogs.unit_dialog import BaselineDialog

        row = self.baselines.selected()
        if self.unit is not None and row is not None and row.id is not None:
            runner.run_dialog(BaselineDialog(self.services, self.bus, self.unit, self, baseline=row))

    def new_check(self) -> None:
        from fluorodesk.ui.dialogs.check_dialog import CheckDialog

        if self.unit is None or self.unit.retired:
            return
        runner.run_dialog(CheckDialog(self.services, self.bus, self, unit_id=self.unit.id))

    def amend_check(self) -> None:
        from fluorodesk.ui.dialogs.check_dialog import CheckDialog

        row = self.table.selected()
        if row is not None and not row.voided:
            runner.run_dialog(CheckDialog(self.services, self.bus, self, check=row))

    def void_check(self) -> None:
        from fluorodesk.ui.dialogs.check_dialog import VoidCheckDialog

        row = self.table.selected()
        if row is not None and not row.voided:
            runner.run_dialog(VoidCheckDialog(self.services, self.bus, row, self))

    def _open_readings(self) -> list[ExposureCheckRow]:
        if self.history is None:
            return []
        return [
            r
            for r in self.history.checks
            if not r.voided and r.corrective in (CorrectiveState.NEEDED, CorrectiveState.IN_PROGRESS)
        ]

    def corrective_action_for_check(self) -> None:
        from fluorodesk.ui.dialogs.corrective_action_dialog import CorrectiveActionDialog

        row = self.table.selected()
        if row is None or row.corrective is CorrectiveState.NOT_NEEDED or self.history is None:
            return
        existing = [a for a in self.history.corrective_actions if a.check_id == row.id]
        if existing:
            runner.run_dialog(CorrectiveActionDialog(self.services, self.bus, self, action=existing[0]))
        else:
            runner.run_dialog(
                CorrectiveActionDialog(
                    self.services, self.bus, self, readings=self._open_readings(), check_id=row.id
                )
            )

    def new_corrective_action(self) -> None:
        from fluorodesk.ui.dialogs.corrective_action_dialog import CorrectiveActionDialog

        readings = self._open_readings()
        if readings:
            runner.run_dialog(CorrectiveActionDialog(self.services, self.bus, self, readings=readings))

    def edit_corrective_action(self) -> None:
        from fluorodesk.ui.dialogs.corrective_action_dialog import CorrectiveActionDialog

        row = self.actions.selected()
        if row is not None:
            runner.run_dialog(CorrectiveActionDialog(self.services, self.bus, self, action=row))

    def new_survey(self) -> None:
        from fluorodesk.ui.dialogs.survey_dialog import SurveyDialog

        if self.unit is not None:
            runner.run_dialog(SurveyDialog(self.services, self.bus, self.unit, self))

    def open_survey(self) -> None:
        from fluorodesk.ui.dialogs.survey_dialog import SurveyDialog

        row = self.surveys.selected()
        if self.unit is not None and row is not None:
            runner.run_dialog(SurveyDialog(self.services, self.bus, self.unit, self, survey=row))

    def note_period(self) -> None:
        from fluorodesk.ui.dialogs.period_note_dialog import PeriodNoteDialog

        period: PeriodRow | None = self.calendar.selected
        if self.unit is not None and period is not None and period.state is not PeriodState.CHECKED:
            runner.run_dialog(PeriodNoteDialog(self.services, self.bus, self.unit, period, self))

    def open_meters(self) -> None:
        from fluorodesk.ui.dialogs.meter_dialogs import MetersDialog

        runner.run_dialog(MetersDialog(self.services, self.bus, self))
