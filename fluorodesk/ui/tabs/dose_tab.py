"""Dose Log: fast entry of a day's cases, the log with cases above a trigger level and their follow-up,
and monthly/quarterly summaries (median fluoroscopy time and dose: the clinic's local reference levels)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dose import TRIGGER_SETTING_KEYS, FollowUpState, PeriodKind, format_fluoro_time
from fluorodesk.domain.text import counted
from fluorodesk.errors import StorageError
from fluorodesk.services.procedures.rows import ALL_GROUP, CASE_LIST_DAYS, CaseRow, GroupBy, SummaryRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.case_entry import CaseEntryPanel
from fluorodesk.ui.widgets.fields import ChoiceField
from fluorodesk.ui.widgets.scrolling import scrolling_layout
from fluorodesk.ui.widgets.table_panel import TablePanel


def _trigger_words(row: CaseRow) -> str:
    if row.voided:
        return ""
    if not row.hits:
        return "Below"
    return "Above: " + ", ".join(h.metric.label.lower() for h in row.hits)


def _follow_up_words(row: CaseRow) -> str:
    if row.voided:
        return f"Voided: {row.void_reason}"
    if row.follow_up is FollowUpState.NOT_NEEDED:
        return ""
    if row.follow_up is FollowUpState.DONE:
        return f"Done: skin check {row.skin_check_on}"
    missing = []
    if row.patient_informed_on is None:
        missing.append("inform patient")
    if row.skin_check_on is None:
        missing.append(f"skin check by {row.skin_check_due}")
    return f"{row.follow_up.label}: " + ", ".join(missing)


def _follow_up_tone(row: CaseRow) -> Tone | None:
    if row.voided:
        return Tone.MUTED
    if row.follow_up is FollowUpState.DONE:
        return Tone.OK
    if row.follow_up is FollowUpState.NOT_NEEDED:
        return None
    return Tone.CRITICAL if row.skin_check_overdue else Tone.WARNING


def _follow_up_tip(row: CaseRow) -> str:
    lines = []
    if row.patient_informed_on:
        lines.append(f"Patient informed {row.patient_informed_on}")
    if row.skin_check_on:
        lines.append(f"Skin check {row.skin_check_on}")
    if row.follow_up_by:
        lines.append(f"Documented by {row.follow_up_by}")
    if row.follow_up_notes:
        lines.append(row.follow_up_notes)
    return "\n".join(lines)


CASE_COLUMNS: list[Column[CaseRow]] = [
    Column("Date", lambda r: r.performed_on),
    Column("Case no.", lambda r: r.case_ref),
    Column("Procedure", lambda r: r.procedure_label, tooltip=lambda r: r.procedure_label),
    Column("Fluoro time", lambda r: r.fluoro_time_text, sort_key=lambda r: r.fluoro_time_s, numeric=True),
    Column("Air kerma (mGy)", lambda r: r.air_kerma_mgy, numeric=True),
    Column("KAP", lambda r: r.kap_text, sort_key=lambda r: r.kap_value, numeric=True),
    Column("Images", lambda r: r.images, numeric=True),
    Column(
        "Trigger",
        _trigger_words,
        tone=lambda r: Tone.CRITICAL if r.flagged and not r.voided else None,
        tooltip=lambda r: r.trigger_words,
    ),
    Column("Follow-up", _follow_up_words, tone=_follow_up_tone, tooltip=_follow_up_tip),
    Column("Unit", lambda r: r.unit),
    Column("Physician", lambda r: r.physician),
    Column("Technician", lambda r: r.technician),
]


def _num(value: float | None) -> str:
    """Dose for reading: 3415, 23.1, 0.945 (never 3.42e+03)."""
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _n(value: float | None, count: int) -> str:
    return "—" if value is None else f"{_num(value)} (n={count})"


SUMMARY_COLUMNS: list[Column[SummaryRow]] = [
    Column("Period", lambda r: r.period.label, sort_key=lambda r: (r.period.year, r.period.number)),
    Column(
        "Group",
        lambda r: r.group,
        sort_key=lambda r: (not r.is_total, r.group.lower()),
        tone=lambda r: Tone.INFO if r.is_total else None,
    ),
    Column("Cases", lambda r: r.stats.cases, numeric=True),
    Column(
        "Median fluoro time",
        lambda r: (
            f"{format_fluoro_time(round(r.stats.median_time_s))} (n={r.stats.time_cases})"
            if r.stats.median_time_s is not None
            else "—"
        ),
        sort_key=lambda r: r.stats.median_time_s,
        numeric=True,
    ),
    Column(
        "Median air kerma (mGy)",
        lambda r: _n(r.stats.median_kerma_mgy, r.stats.kerma_cases),
        sort_key=lambda r: r.stats.median_kerma_mgy,
        numeric=True,
    ),
    Column(
        "Median KAP (Gy·cm²)",
        lambda r: _n(r.stats.median_kap_gycm2, r.stats.kap_cases),
        sort_key=lambda r: r.stats.median_kap_gycm2,
        numeric=True,
        tooltip=lambda r: "KAP converted exactly to Gy·cm² (1 Gy·cm² = 1000 mGy·cm² = 100 µGy·m²)",
    ),
    Column(
        "Highest air kerma (mGy)",
        lambda r: _num(r.stats.max_kerma_mgy) if r.stats.max_kerma_mgy is not None else "",
        sort_key=lambda r: r.stats.max_kerma_mgy,
        numeric=True,
    ),
    Column(
        "Above a trigger",
        lambda r: counted(r.stats.flagged, "cases") if r.stats.flagged else "None",
        sort_key=lambda r: r.stats.flagged,
        tone=lambda r: Tone.WARNING if r.stats.flagged else None,
    ),
]

RANGES = [
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("365", "Last 12 months"),
    ("year", "This year"),
    ("all", "All cases"),
]


class DoseTab(DataTab):
    title = "Dose Log"
    areas = frozenset({areas.DOSE, areas.SETTINGS, areas.TECHNICIANS, areas.EXPOSURE})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.banner = QLabel(self)
        self.banner.setObjectName("triggerBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.levels_button = QPushButton("Trigger levels…", self)
        self.levels_button.setObjectName("triggerLevels")
        self.levels_button.clicked.connect(self.edit_levels)
        self.units_button = QPushButton("Unit displays…", self)
        self.units_button.setObjectName("unitDisplays")
        self.units_button.setToolTip("Which dose quantities each C-arm shows")
        self.units_button.clicked.connect(self.edit_units)

        self.entry = CaseEntryPanel(services, bus, self)
        self.entry.saved.connect(self._case_saved)
        self._cases: list[CaseRow] = []  # the list's rows, in the services' order
        self._added: CaseRow | None = None  # a case just saved here, already in the list
        entry_box = QGroupBox(
            "Enter cases: Enter moves to the next field; Enter in Images saves the row", self
        )
        box_layout = QVBoxLayout(entry_box)
        box_layout.addWidget(self.entry)

        # Cases page
        self.range = ChoiceField(RANGES, self)
        self.range.setObjectName("range")
        self.range.set_value(str(CASE_LIST_DAYS))
        self.range.currentIndexChanged.connect(lambda _i: self.refresh())
        self.flagged_only = QCheckBox("Only cases above a trigger", self)
        self.flagged_only.setObjectName("flaggedOnly")
        self.flagged_only.toggled.connect(lambda _on: self.refresh())
        self.show_voided = QCheckBox("Show voided", self)
        self.show_voided.setObjectName("showVoided")
        self.show_voided.toggled.connect(lambda _on: self.refresh())
        self.follow_up_button = QPushButton("Document follow-up…", self)
        self.follow_up_button.setObjectName("followUp")
        self.follow_up_button.clicked.connect(self.document_follow_up)
        self.correct_button = QPushButton("Correct case…", self)
        self.correct_button.setObjectName("correctCase")
        self.correct_button.setToolTip("Ctrl+E")
        self.correct_button.clicked.connect(self.correct_case)
        self.void_button = QPushButton("Void case…", self)
        self.void_button.setObjectName("voidCase")
        self.void_button.clicked.connect(self.void_case)
        self.table: TablePanel[CaseRow] = TablePanel(CASE_COLUMNS, noun="cases", parent=self)
        self.table.selection_changed.connect(self._update_buttons)
        self.table.activated.connect(self._activated)
        cases_page = QWidget(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:", self))
        bar.addWidget(self.range)
        bar.addWidget(self.flagged_only)
        bar.addWidget(self.show_voided)
        bar.addStretch(1)
        for button in (self.follow_up_button, self.correct_button, self.void_button):
            bar.addWidget(button)
        cases_layout = QVBoxLayout(cases_page)
        cases_layout.addLayout(bar)
        cases_layout.addWidget(self.table, 1)

        # Summaries page
        self.kind = ChoiceField([(PeriodKind.QUARTER, "Quarter"), (PeriodKind.MONTH, "Month")], self)
        self.kind.setObjectName("summaryKind")
        self.group_by = ChoiceField(GroupBy.CHOICES, self)
        self.group_by.setObjectName("summaryGroup")
        self.period = ChoiceField([], self)
        self.period.setObjectName("summaryPeriod")
        self.kind.currentIndexChanged.connect(lambda _i: self._fill_periods())
        self.group_by.currentIndexChanged.connect(lambda _i: self.load_summaries())
        self.period.currentIndexChanged.connect(lambda _i: self.load_summaries())
        self.summary_table: TablePanel[SummaryRow] = TablePanel(SUMMARY_COLUMNS, noun="rows", parent=self)
        self.summary_table.setObjectName("summaryTable")
        summary_page = QWidget(self)
        sbar = QHBoxLayout()
        for label, widget in (("By", self.kind), ("Group", self.group_by), ("Period", self.period)):
            sbar.addWidget(QLabel(label, self))
            sbar.addWidget(widget)
        sbar.addStretch(1)
        note = QLabel(
            "Medians over the cases that recorded each quantity (n). Compare each procedure type with its "
            "own history: these are the clinic's local reference levels.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        summary_layout = QVBoxLayout(summary_page)
        summary_layout.addLayout(sbar)
        summary_layout.addWidget(note)
        summary_layout.addWidget(self.summary_table, 1)

        self.pages = QTabWidget(self)
        self.pages.setObjectName("dosePages")
        self.pages.addTab(cases_page, "Cases")
        self.pages.addTab(summary_page, "Summaries")
        self.pages.currentChanged.connect(lambda _i: self._summaries_if_shown())
        for panel in (self.table, self.summary_table):
            # Size columns from about a screenful of rows: sizing from all of 60,000 cases takes seconds.
            panel.size_from_rows = 30
        self.table.fixed_widths[2] = 280  # the procedure's full name is in its tooltip
        self.summary_table.fixed_widths[1] = 300
        self._summaries_dirty = True
        self._options_dirty = True
        self._periods: dict[str, Any] = {}

        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.levels_button)
        top.addWidget(self.units_button)
        layout = scrolling_layout(self)
        layout.addLayout(top)
        layout.addWidget(entry_box)
        layout.addWidget(self.pages, 1)

        for keys, slot in (
            (QKeySequence.StandardKey.New, self.focus_entry),
            ("Ctrl+E", self.correct_case),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_buttons(None)

    # ---- loading

    def _start(self) -> date | None:
        today = self.services.procedures.today()
        choice = self.range.value()
        if choice == "all":
            return None
        if choice == "year":
            return date(today.year, 1, 1)
        return today - timedelta(days=int(choice))

    def load(self) -> None:
        levels = self.services.procedures.trigger_levels()
        current = self.services.settings.load()
        defaults = all(current.is_default(k) for k in TRIGGER_SETTING_KEYS)
        note = (
            "<span style='color:#664d03'>defaults from SIR/NCRP 168, to review with your physicist</span>"
            if defaults
            else "set by the clinic"
        )
        self.banner.setText(
            f"<b>Trigger levels</b>: {levels.words()} ({note}). A case above one needs follow-up."
        )
        if self._options_dirty:  # a saved case does not change the choices; a new unit or tech does
            self.entry.load_options()
            self._options_dirty = False
        self._cases = self.services.procedures.list_cases(
            start=self._start(),
            include_voided=self.show_voided.isChecked(),
            flagged_only=self.flagged_only.isChecked(),
        )
        self.table.set_rows(self._cases)
        self._update_buttons(self.table.selected())
        self._summaries_dirty = True
        self._summaries_if_shown()

    def _shows(self, row: CaseRow) -> bool:
        """``row`` is one the list's current choices (range, flagged only, voided) would load."""
        start = self._start()
        return (
            (start is None or row.performed_on >= start)
            and row.performed_on <= self.services.procedures.today()
            and (row.flagged or not self.flagged_only.isChecked())
            and (not row.voided or self.show_voided.isChecked())
        )

    def _case_saved(self, row: CaseRow) -> None:
        """A case typed in the entry row goes into the list where a reload would put it (the
        services' order: newest day first, then newest record), instead of reloading the list: a
        day's cases are saved one after the other, and the list may hold a year of them."""
        if self._dirty:
            return  # the list reloads anyway
        if self._shows(row):
            position = bisect_left(
                self._cases,
                (-row.performed_on.toordinal(), -row.id),
                key=lambda c: (-c.performed_on.toordinal(), -c.id),
            )
            self._cases.insert(position, row)
            if not self.table.insert_row(position, row):  # sorted by a column: sorted again
                self.table.set_rows(self._cases)
        self._added = row  # the announcement that follows needs no reload

    def _on_changed(self, changed: frozenset[str]) -> None:
        added, self._added = self._added, None
        if added is not None and changed == {areas.DOSE} and not self._dirty:
            # Only the case just added changed: the list has it; the summaries count it when shown.
            self._summaries_dirty = True
            self._summaries_if_shown()
            self._update_buttons(self.table.selected())
            return
        if changed & {areas.TECHNICIANS, areas.EXPOSURE, areas.SETTINGS}:
            self._options_dirty = True
        super()._on_changed(changed)

    def _summaries_if_shown(self) -> None:
        if self.pages.currentIndex() == 1 and self._summaries_dirty:
            self._fill_periods()

    def _fill_periods(self) -> None:
        try:
            periods = self.services.procedures.periods(self.kind.value())
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        keep = self.period.currentText()
        self.period.blockSignals(True)
        self.period.clear()
        self.period.addItem("Last 12 months", "recent")
        self.period.addItem("All periods", "all")
        self._periods = {p.label: p for p in periods}
        for period in periods:
            self.period.addItem(period.label, period.label)
        index = self.period.findText(keep)
        self.period.setCurrentIndex(max(index, 0))
        self.period.blockSignals(False)
        self.load_summaries()

    def load_summaries(self) -> None:
        choice = self.period.value()
        start = end = None
        if choice == "recent":
            start = self.services.procedures.today() - timedelta(days=365)
        elif choice in self._periods:
            start, end = self._periods[choice].start, self._periods[choice].end
        try:
            rows = self.services.procedures.summaries(
                self.kind.value(), self.group_by.value(), start=start, end=end
            )
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.summary_table.set_rows(rows)
        self._summaries_dirty = False

    # ---- actions

    def _update_buttons(self, row: CaseRow | None) -> None:
        live = row is not None and not row.voided
        self.follow_up_button.setEnabled(live and row.flagged)
        self.correct_button.setEnabled(live)
        self.void_button.setEnabled(live)

    def _activated(self, row: CaseRow | None) -> None:
        if row is None or row.voided:
            return
        if row.flagged:
            self.document_follow_up()
        else:
            self.correct_case()

    def focus_entry(self) -> None:
        self.entry.case_ref.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def document_follow_up(self) -> None:
        from fluorodesk.ui.dialogs.dose_dialogs import FollowUpDialog  # dialogs load when one opens

        row = self.table.selected()
        if row is None or not row.flagged or row.voided:
            return
        runner.run_dialog(FollowUpDialog(self.services, self.bus, row, self))

    def correct_case(self) -> None:
        from fluorodesk.ui.dialogs.dose_dialogs import CaseDialog

        row = self.table.selected()
        if row is None or row.voided:
            return
        try:
            options = self.services.procedures.entry_options()
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        runner.run_dialog(CaseDialog(self.services, self.bus, row, options, self))

    def void_case(self) -> None:
        from fluorodesk.ui.dialogs.dose_dialogs import VoidCaseDialog

        row = self.table.selected()
        if row is None or row.voided:
            return
        runner.run_dialog(VoidCaseDialog(self.services, self.bus, row, self))

    def edit_levels(self) -> None:
        from fluorodesk.ui.dialogs.dose_dialogs import SettingsDialog

        runner.run_dialog(
            SettingsDialog(
                self.services,
                self.bus,
                (*TRIGGER_SETTING_KEYS, "dose.skin_check_days"),
                title="Dose trigger levels",
                intro="<p>A case above any of these levels is flagged and needs a documented follow-up "
                "(patient informed, skin check). The defaults come from SIR/NCRP 168 and are marked "
                "<i>to review</i>: agree your clinic's levels with your medical physicist.</p>",
                parent=self,
            )
        )

    def edit_units(self) -> None:
        from fluorodesk.ui.dialogs.dose_dialogs import UnitDisplayDialog

        runner.run_dialog(UnitDisplayDialog(self.services, self.bus, self))


__all__ = ["DoseTab", "CASE_COLUMNS", "SUMMARY_COLUMNS", "ALL_GROUP"]
