"""Dosimetry: each badge holder's quarter and year against the ALARA levels and annual limits, badges
and wear periods, readings ("M" and "unused" shown as such), investigations, declared pregnancies and
the quarterly review sign-off."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import BadgeState, DoseEntry, DoseQuantity, InvestigationLevel, fmt_msv
from fluorodesk.domain.enums import DoseReadingKind
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.text import counted
from fluorodesk.errors import FluoroDeskError, StorageError
from fluorodesk.services.dosimetry.rows import (
    BadgeRow,
    InvestigationRow,
    PregnancyRow,
    ReadingRow,
    ReviewRow,
    TotalsRow,
)
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.dose_dialogs import SettingsDialog
from fluorodesk.ui.dialogs.dosimetry_dialogs import (
    BadgeDialog,
    EndPregnancyDialog,
    InvestigationDialog,
    PregnancyDialog,
    QuarterField,
    ReadingDialog,
    ReturnBadgeDialog,
    ReviewDialog,
    VoidReadingDialog,
)
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.fields import ChoiceField
from fluorodesk.ui.widgets.scrolling import scrolling_layout
from fluorodesk.ui.widgets.table_panel import TablePanel

Q = DoseQuantity
#: Rows that size a table's columns: about a screenful, the rows seen when its page opens.  Each row
#: sized costs some 0.6 ms.
SIZE_FROM_ROWS = 30
#: The sub-pages, in their tab order.  Only the totals load with the tab; each other page loads when
#: it is first opened (ten years of readings are 6,000 rows nobody may look at in a session).
TOTALS, BADGES, READINGS, INVESTIGATIONS, PREGNANCIES, REVIEWS = range(6)
LIMIT_KEYS = (
    "dosimetry.annual_deep_msv",
    "dosimetry.annual_lens_msv",
    "dosimetry.annual_shallow_msv",
    "dosimetry.pregnancy_msv",
    "dosimetry.alara1_quarter_deep_msv",
    "dosimetry.alara2_quarter_deep_msv",
    "dosimetry.alara1_quarter_lens_msv",
    "dosimetry.alara2_quarter_lens_msv",
    "dosimetry.alara1_quarter_shallow_msv",
    "dosimetry.alara2_quarter_shallow_msv",
    "dosimetry.badge_return_days",
    "dosimetry.review_due_days",
)

# --------------------------------------------------------------------------- totals


_LEVEL_TONE = {InvestigationLevel.ALARA2: Tone.CRITICAL, InvestigationLevel.ALARA1: Tone.WARNING}


def _quarter_tone(row: TotalsRow, quantity: DoseQuantity) -> Tone | None:
    level = row.levels.quarter_level(quantity, row.quarter_here.get(quantity))
    return _LEVEL_TONE.get(level) if level else None


def _year_tone(row: TotalsRow, quantity: DoseQuantity) -> Tone | None:
    return Tone.CRITICAL if row.levels.over_annual(quantity, row.year_all.get(quantity)) else None


def _status_tone(row: TotalsRow) -> Tone:
    if row.reached is None:
        return Tone.OK
    if row.investigation is not None:
        return Tone.INFO if row.investigation.closed_on else Tone.WARNING
    return Tone.WARNING if row.reached.level is InvestigationLevel.ALARA1 else Tone.CRITICAL


def _dose_key(totals_attr: str, quantity: DoseQuantity):  # type: ignore[no-untyped-def]
    def key(row: TotalsRow) -> Decimal | None:
        totals = getattr(row, totals_attr)
        return totals.get(quantity) if totals.has(quantity) else None

    return key


def _quarter_column(header: str, quantity: DoseQuantity) -> Column[TotalsRow]:
    return Column(
        header,
        lambda r: r.cell(r.quarter_here, quantity),
        sort_key=_dose_key("quarter_here", quantity),
        tone=lambda r: _quarter_tone(r, quantity),
        tooltip=lambda r: (
            f"{quantity.label}, this clinic, {r.quarter.label}. ALARA level I "
            f"{fmt_msv(r.levels.alara1[quantity])} mSv, level II {fmt_msv(r.levels.alara2[quantity])} mSv."
        ),
        numeric=True,
    )


def _year_column(header: str, quantity: DoseQuantity) -> Column[TotalsRow]:
    return Column(
        header,
        lambda r: r.cell(r.year_all, quantity),
        sort_key=_dose_key("year_all", quantity),
        tone=lambda r: _year_tone(r, quantity),
        tooltip=lambda r: (
            f"{quantity.label}, {r.quarter.year} to the end of {r.quarter.label}, all "
            f"facilities. Annual limit {fmt_msv(r.levels.annual[quantity])} mSv."
        ),
        numeric=True,
    )


TOTALS_COLUMNS: list[Column[TotalsRow]] = [
    Column("Technician", lambda r: r.technician + (" (left)" if r.retired_on else "")),
    Column("Status", lambda r: r.short_status, tone=_status_tone, tooltip=lambda r: r.status_words),
    _quarter_column("Deep QTD", Q.DEEP),
    _quarter_column("Lens QTD", Q.LENS),
    _quarter_column("Skin QTD", Q.SHALLOW),
    _quarter_column("Ring QTD", Q.EXTREMITY),
    _year_column("Deep YTD", Q.DEEP),
    _year_column("Lens YTD", Q.LENS),
    _year_column("Skin YTD", Q.SHALLOW),
    _year_column("Ring YTD", Q.EXTREMITY),
    Column(
        "Declared pregnancy",
        lambda r: r.pregnancy.status_words if r.pregnancy else "",
        tone=lambda r: (Tone.CRITICAL if r.pregnancy.over else Tone.INFO) if r.pregnancy else None,
        tooltip=lambda r: (
            f"Counted from {r.pregnancy.window_start}; {r.pregnancy.dose.basis}" if r.pregnancy else ""
        ),
    ),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]

# --------------------------------------------------------------------------- badges

_BADGE_TONE = {
    BadgeState.LATE: Tone.CRITICAL,
    BadgeState.DUE_BACK: Tone.WARNING,
    BadgeState.WEARING: Tone.INFO,
    BadgeState.RETURNED: Tone.OK,
    BadgeState.NOT_STARTED: Tone.MUTED,
}


def _report_words(row: BadgeRow) -> str:
    if row.has_reading:
        return "Reading on file"
    if row.state is BadgeState.RETURNED:
        return "Awaiting the report"
    return ""


BADGE_COLUMNS: list[Column[BadgeRow]] = [
    Column("Technician", lambda r: r.technician),
    Column("Badge", lambda r: r.badge_code),
    Column("Worn at", lambda r: r.position.label),
    Column("From", lambda r: r.assigned_on),
    Column("To", lambda r: r.period_end),
    Column(
        "Status",
        lambda r: r.status_words,
        sort_key=lambda r: r.state.value,
        tone=lambda r: _BADGE_TONE[r.state],
    ),
    Column("Report", _report_words, tone=lambda r: Tone.OK if r.has_reading else None),
    Column("Vendor", lambda r: r.vendor),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]

BADGE_FILTERS = [("open", "Out, late or awaiting a report"), ("all", "All badges")]

# --------------------------------------------------------------------------- readings


def _entry_tone(entry: DoseEntry) -> Tone | None:
    if entry.unused:
        return Tone.MUTED
    if entry.minimal:
        return Tone.INFO
    return None


def _entry_column(header: str, name: str) -> Column[ReadingRow]:
    return Column(
        header,
        lambda r: r.deep.words if name == "deep" else (r.lens.words if name == "lens" else r.shallow.words),
        sort_key=lambda r: getattr(r, name).value,
        tone=lambda r: _entry_tone(getattr(r, name)),
        tooltip=lambda r: (
            "M: below the vendor's reporting minimum (not a zero)" if getattr(r, name).minimal else ""
        ),
        numeric=True,
    )


READING_COLUMNS: list[Column[ReadingRow]] = [
    Column("Technician", lambda r: r.technician),
    Column("Period from", lambda r: r.period_start),
    Column("Period to", lambda r: r.period_end),
    Column("Source", lambda r: r.source),
    _entry_column("Deep (mSv)", "deep"),
    _entry_column("Lens (mSv)", "lens"),
    _entry_column("Shallow (mSv)", "shallow"),
    Column(
        "Reading",
        lambda r: f"Voided: {r.void_reason}" if r.voided_at else r.kind_words,
        tone=lambda r: (
            Tone.MUTED
            if r.voided_at or r.kind is DoseReadingKind.UNUSED
            else (Tone.INFO if r.kind is DoseReadingKind.MINIMAL else None)
        ),
    ),
    Column("Received", lambda r: r.received_on),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]

# ------------------------------------------------------------- investigations, pregnancies, reviews

INVESTIGATION_COLUMNS: list[Column[InvestigationRow]] = [
    Column("Technician", lambda r: r.technician),
    Column("Quarter", lambda r: r.quarter.label, sort_key=lambda r: (r.quarter.year, r.quarter.number)),
    Column("Level", lambda r: r.level.label),
    Column("Quantity", lambda r: r.quantity.label),
    Column("Dose (mSv)", lambda r: r.dose_msv, numeric=True),
    Column("Opened", lambda r: r.opened_on),
    Column("Investigator", lambda r: r.investigator),
    Column("Status", lambda r: r.status_words, tone=lambda r: Tone.OK if r.closed_on else Tone.WARNING),
    Column("Findings", lambda r: r.findings, tooltip=lambda r: f"{r.findings}\n\nActions: {r.actions}"),
]

PREGNANCY_COLUMNS: list[Column[PregnancyRow]] = [
    Column("Technician", lambda r: r.technician),
    Column("Declared", lambda r: r.declared_on),
    Column("Due", lambda r: r.estimated_due_on),
    Column(
        "Dose to the embryo/fetus",
        lambda r: r.status_words,
        sort_key=lambda r: r.dose.dose,
        tone=lambda r: Tone.CRITICAL if r.over else (Tone.OK if r.active else Tone.MUTED),
    ),
    Column("Counted from", lambda r: r.window_start),
    Column("Measured by", lambda r: r.dose.basis),
    Column("Ended", lambda r: f"{r.ended_on}: {r.end_reason}" if r.ended_on else ""),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]

_REVIEW_TONE = {"signed": Tone.OK, "overdue": Tone.CRITICAL, "due": Tone.WARNING}

REVIEW_COLUMNS: list[Column[ReviewRow]] = [
    Column("Quarter", lambda r: r.quarter.label, sort_key=lambda r: (r.quarter.year, r.quarter.number)),
    Column("Due by", lambda r: r.due_on),
    Column("Status", lambda r: r.status_words, tone=lambda r: _REVIEW_TONE[r.state]),
    Column("Reviewer", lambda r: r.reviewer),
    Column("As", lambda r: r.reviewer_role.label if r.reviewer_role else ""),
    Column("Notes", lambda r: r.notes, tooltip=lambda r: r.notes),
]


def _first_quarters(quarters: list[str], shown: int = 3) -> str:
    """The newest few quarters, then how many more: years of unsigned reviews stay one line."""
    if len(quarters) <= shown + 1:
        return ", ".join(quarters)
    rest = len(quarters) - shown
    return f"{', '.join(quarters[:shown])} and {rest} earlier quarters (see Quarterly reviews)"


class DosimetryTab(DataTab):
    title = "Dosimetry"
    areas = frozenset({areas.DOSIMETRY, areas.SETTINGS, areas.TECHNICIANS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.quarter = QuarterField([], self)
        self.quarter.setObjectName("quarter")
        self.quarter.currentIndexChanged.connect(lambda _i: self._quarter_changed())
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.limits_button = push_button("Limits && levels…", self, "limitsButton", on_click=self.edit_limits)

        # Totals
        self.table: TablePanel[TotalsRow] = TablePanel(TOTALS_COLUMNS, noun="badge holders", parent=self)
        self.investigate_button = push_button(
            "Open investigation…", self, "investigateButton", on_click=self.investigate_selected_total
        )
        self.table.selection_changed.connect(lambda _r: self._update_buttons())
        self.table.activated.connect(lambda _r: self.investigate_selected_total())
        totals_note = QLabel(
            "Quarter: this clinic's badges (ALARA levels). Year: January 1 to the quarter's end, dose "
            "reported by other facilities included (annual limits). Collar badge deep dose is taken as the "
            "whole-body dose; M is below the reporting minimum and counts as nothing, but is not a zero.",
            self,
        )
        totals_note.setWordWrap(True)
        totals_note.setStyleSheet("color: #555555;")
        totals_page = self._page(totals_note, self.table, [self.investigate_button])

        # Badges
        self.badge_filter = ChoiceField(BADGE_FILTERS, self)
        self.badge_filter.setObjectName("badgeFilter")
        self.badge_filter.currentIndexChanged.connect(lambda _i: self._reload_page(BADGES))
        self.badges: TablePanel[BadgeRow] = TablePanel(BADGE_COLUMNS, noun="badges", parent=self)
        self.issue_button = push_button(
            "Issue badge…", self, "issueBadge", tip="Ctrl+N", on_click=self.issue_badge
        )
        self.next_button = push_button(
            "Next period",
            self,
            "nextPeriod",
            tip="Issue the same badge for the following period",
            on_click=self.next_period,
        )
        self.return_button = push_button("Returned…", self, "returnBadge", on_click=self.return_badge)
        self.badge_reading_button = push_button(
            "Enter its reading…", self, "badgeReading", on_click=self.badge_reading
        )
        self.badges.selection_changed.connect(lambda _r: self._update_buttons())
        self.badges.activated.connect(lambda _r: self._badge_activated())
        badges_page = self._page(
            self.badge_filter,
            self.badges,
            [self.issue_button, self.next_button, self.return_button, self.badge_reading_button],
        )

        # Readings
        self.show_voided = QCheckBox("Show voided", self)
        self.show_voided.setObjectName("showVoidedReadings")
        self.show_voided.toggled.connect(lambda _on: self._reload_page(READINGS))
        self.readings: TablePanel[ReadingRow] = TablePanel(READING_COLUMNS, noun="readings", parent=self)
        self.reading_button = push_button(
            "Enter reading…", self, "enterReading", tip="Ctrl+N", on_click=self.enter_reading
        )
        self.other_button = push_button(
            "Dose from another facility…", self, "otherFacility", on_click=self.other_facility
        )
        self.void_reading_button = push_button(
            "Void reading…", self, "voidReading", on_click=self.void_reading
        )
        self.readings.selection_changed.connect(lambda _r: self._update_buttons())
        readings_page = self._page(
            self.show_voided,
            self.readings,
            [self.reading_button, self.other_button, self.void_reading_button],
        )

        # Investigations
        self.investigations: TablePanel[InvestigationRow] = TablePanel(
            INVESTIGATION_COLUMNS, noun="investigations", parent=self
        )
        self.open_button = push_button(
            "Open investigation…", self, "openInvestigation", tip="Ctrl+N", on_click=self.open_investigation
        )
        self.close_button = push_button(
            "Findings / close…", self, "closeInvestigation", tip="Ctrl+E", on_click=self.edit_investigation
        )
        self.investigations.selection_changed.connect(lambda _r: self._update_buttons())
        self.investigations.activated.connect(lambda _r: self.edit_investigation())
        investigations_page = self._page(None, self.investigations, [self.open_button, self.close_button])

        # Pregnancies
        self.pregnancies: TablePanel[PregnancyRow] = TablePanel(
            PREGNANCY_COLUMNS, noun="declarations", parent=self
        )
        self.declare_button = push_button(
            "Declared pregnancy…", self, "declarePregnancy", tip="Ctrl+N", on_click=self.declare
        )
        self.end_button = push_button("End…", self, "endPregnancy", on_click=self.end_pregnancy)
        self.pregnancies.selection_changed.connect(lambda _r: self._update_buttons())
        pregnancy_page = self._page(None, self.pregnancies, [self.declare_button, self.end_button])

        # Reviews
        self.reviews: TablePanel[ReviewRow] = TablePanel(REVIEW_COLUMNS, noun="quarters", parent=self)
        self.sign_button = push_button(
            "Sign review…", self, "signReview", tip="Ctrl+N", on_click=self.sign_review
        )
        self.reviews.selection_changed.connect(lambda _r: self._update_buttons())
        self.reviews.activated.connect(lambda _r: self.sign_review())
        review_note = QLabel(
            "The RSO, a medical physicist or a health physicist reviews the dosimetry results at least "
            "quarterly (TJC EC.02.02.01) and shares them with staff.",
            self,
        )
        review_note.setWordWrap(True)
        review_note.setStyleSheet("color: #555555;")
        reviews_page = self._page(review_note, self.reviews, [self.sign_button])

        for panel in (
            self.table,
            self.badges,
            self.readings,
            self.investigations,
            self.pregnancies,
            self.reviews,
        ):
            panel.size_from_rows = SIZE_FROM_ROWS
        self.table.fixed_widths.update({1: 330, **dict.fromkeys(range(2, 10), 88), 10: 190})
        self.pages = QTabWidget(self)
        self.pages.setObjectName("dosimetryPages")
        for page, title in (
            (totals_page, "Totals"),
            (badges_page, "Badges"),
            (readings_page, "Readings"),
            (investigations_page, "Investigations"),
            (pregnancy_page, "Declared pregnancies"),
            (reviews_page, "Quarterly reviews"),
        ):
            self.pages.addTab(page, title)
        self._stale_pages = set(range(BADGES, REVIEWS + 1))  # loaded when opened (``_page_opened``)
        self.pages.currentChanged.connect(self._page_opened)

        top = QHBoxLayout()
        top.addWidget(QLabel("Quarter:", self))
        top.addWidget(self.quarter)
        top.addWidget(self.summary, 1)
        top.addWidget(self.limits_button)
        layout = scrolling_layout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

        for keys, slot in ((QKeySequence.StandardKey.New, self.new_on_page), ("Ctrl+E", self.edit_on_page)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_buttons()

    def _page(self, top: QWidget | None, table: QWidget, buttons: list[QPushButton]) -> QWidget:
        page = QWidget(self)
        bar = QHBoxLayout()
        if top is not None:
            bar.addWidget(top, 1 if isinstance(top, QLabel) else 0)
        bar.addStretch(0 if isinstance(top, QLabel) else 1)
        for button in buttons:
            bar.addWidget(button)
        layout = QVBoxLayout(page)
        layout.addLayout(bar)
        layout.addWidget(table, 1)
        return page

    # ---- loading

    def _fill_quarters(self) -> None:
        quarters = self.services.dosimetry.quarters()
        keep = self.quarter.value()
        self.quarter.blockSignals(True)
        self.quarter.set_quarters(quarters, current_first=True)
        self.quarter.set_value(keep or (quarters[0] if quarters else None))
        self.quarter.blockSignals(False)

    def selected_quarter(self) -> Period | None:
        return self.quarter.value()

    def load(self) -> None:
        self._fill_quarters()
        summary = self.services.dosimetry.summary(self.selected_quarter())
        self.table.set_rows(summary.totals)
        self._summarize(summary.totals, summary.findings)
        self._stale_pages = set(range(BADGES, REVIEWS + 1))
        self._load_page(self.pages.currentIndex())
        self._update_buttons()

    def _page_opened(self, index: int) -> None:
        if index in self._stale_pages:
            self._reload_page(index)

    def _reload_page(self, index: int) -> None:
        """Load one page now if it is open, or when it is next opened."""
        self._stale_pages.add(index)
        if index != self.pages.currentIndex():
            return
        try:
            self._load_page(index)
        except StorageError as exc:
            show_storage_error(self, exc)
        self._update_buttons()

    def _load_page(self, index: int) -> None:
        if index not in self._stale_pages:
            return
        dosimetry = self.services.dosimetry
        if index == BADGES:
            badges = dosimetry.badges()
            if self.badge_filter.value() == "open":
                badges = [b for b in badges if b.state is not BadgeState.RETURNED or not b.has_reading]
            self.badges.set_rows(badges)
        elif index == READINGS:
            self.readings.set_rows(dosimetry.readings(include_voided=self.show_voided.isChecked()))
        elif index == INVESTIGATIONS:
            self.investigations.set_rows(dosimetry.investigations())
        elif index == PREGNANCIES:
            self.pregnancies.set_rows(dosimetry.pregnancies())
        elif index == REVIEWS:
            self.reviews.set_rows(dosimetry.reviews())
        self._stale_pages.discard(index)

    def _quarter_changed(self) -> None:
        try:
            rows = self.services.dosimetry.totals(self.selected_quarter())
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.table.set_rows(rows)
        self._update_buttons()

    def _summarize(self, totals: list[TotalsRow], found: list[Finding]) -> None:
        codes = [f.code for f in found]
        late = codes.count("dosimetry.badge_late")
        levels = sum(
            c
            in (
                "dosimetry.investigation_needed",
                "dosimetry.over_annual_limit",
                "dosimetry.pregnancy_over_limit",
            )
            for c in codes
        )
        overdue = [
            f.subject.removeprefix("Dosimetry review ") for f in found if f.code == "dosimetry.review_overdue"
        ]
        red = "<span style='color:#842029'>{}</span>"
        parts = [counted(len(totals), "badge holders")]
        parts.append(red.format(f"{counted(late, 'badges')} not returned") if late else "all badges back")
        if levels:
            parts.append(red.format(f"{levels} above a level without investigation"))
        if overdue:
            parts.append(red.format(f"review overdue: {_first_quarters(overdue)}"))
        self.summary.setText(" · ".join(parts))

    # ---- buttons

    def _update_buttons(self) -> None:
        total = self.table.selected()
        self.investigate_button.setEnabled(
            total is not None and total.reached is not None and total.investigation is None
        )
        badge = self.badges.selected()
        self.next_button.setEnabled(badge is not None and badge.period_end is not None)
        self.return_button.setEnabled(badge is not None and badge.state is not BadgeState.RETURNED)
        self.badge_reading_button.setEnabled(badge is not None and not badge.has_reading)
        reading = self.readings.selected()
        self.void_reading_button.setEnabled(reading is not None and reading.voided_at is None)
        self.close_button.setEnabled(self.investigations.selected() is not None)
        pregnancy = self.pregnancies.selected()
        self.end_button.setEnabled(pregnancy is not None and pregnancy.active)
        review = self.reviews.selected()
        self.sign_button.setEnabled(review is None or review.state != "signed")

    def _quarters_for_choice(self) -> list[Period]:
        return self.services.dosimetry.quarters()

    def new_on_page(self) -> None:
        [
            self.open_investigation,
            self.issue_badge,
            self.enter_reading,
            self.open_investigation,
            self.declare,
            self.sign_review,
        ][self.pages.currentIndex()]()

    def edit_on_page(self) -> None:
        [
            self.investigate_selected_total,
            self._badge_activated,
            self.void_reading,
            self.edit_investigation,
            self.end_pregnancy,
            self.sign_review,
        ][self.pages.currentIndex()]()

    def investigate_selected_total(self) -> None:
        row = self.table.selected()
        if row is None or row.reached is None or row.investigation is not None:
            return
        quarter = row.quarter
        runner.run_dialog(
            InvestigationDialog(
                self.services,
                self.bus,
                quarters=self._quarters_for_choice(),
                technician_id=row.technician_id,
                quarter=quarter,
                reached=row.reached,
                parent=self,
            )
        )

    def open_investigation(self) -> None:
        runner.run_dialog(
            InvestigationDialog(
                self.services,
                self.bus,
                quarters=self._quarters_for_choice(),
                quarter=self.selected_quarter(),
                parent=self,
            )
        )

    def edit_investigation(self) -> None:
        row = self.investigations.selected()
        if row is None:
            return
        runner.run_dialog(
            InvestigationDialog(
                self.services, self.bus, quarters=self._quarters_for_choice(), existing=row, parent=self
            )
        )

    def issue_badge(self) -> None:
        runner.run_dialog(BadgeDialog(self.services, self.bus, parent=self))

    def next_period(self) -> None:
        badge = self.badges.selected()
        if badge is None:
            return
        try:
            row = self.services.dosimetry.issue_next_period(badge.id)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        except FluoroDeskError as exc:
            QMessageBox.information(self, "Badge not issued", str(exc))
            return
        self.bus.announce(areas.DOSIMETRY)
        self.summary.setText(f"Issued {row.badge_code} to {row.technician} for {row.period_text}.")

    def return_badge(self) -> None:
        badge = self.badges.selected()
        if badge is None or badge.state is BadgeState.RETURNED:
            return
        runner.run_dialog(ReturnBadgeDialog(self.services, self.bus, badge, self))

    def badge_reading(self) -> None:
        badge = self.badges.selected()
        if badge is None or badge.has_reading:
            return
        runner.run_dialog(ReadingDialog(self.services, self.bus, badge=badge, parent=self))

    def _badge_activated(self) -> None:
        badge = self.badges.selected()
        if badge is None:
            return
        if badge.state is not BadgeState.RETURNED:
            self.return_badge()
        elif not badge.has_reading:
            self.badge_reading()

    def enter_reading(self) -> None:
        runner.run_dialog(ReadingDialog(self.services, self.bus, parent=self))

    def other_facility(self) -> None:
        total = self.table.selected()
        runner.run_dialog(
            ReadingDialog(
                self.services,
                self.bus,
                other_facility=True,
                technician_id=total.technician_id if total else None,
                parent=self,
            )
        )

    def void_reading(self) -> None:
        reading = self.readings.selected()
        if reading is None or reading.voided_at is not None:
            return
        runner.run_dialog(VoidReadingDialog(self.services, self.bus, reading, self))

    def declare(self) -> None:
        runner.run_dialog(PregnancyDialog(self.services, self.bus, parent=self))

    def end_pregnancy(self) -> None:
        row = self.pregnancies.selected()
        if row is None or not row.active:
            return
        runner.run_dialog(EndPregnancyDialog(self.services, self.bus, row, self))

    def sign_review(self) -> None:
        reviews = self.reviews.visible_rows()
        selected = self.reviews.selected()
        open_quarters = [r.quarter for r in reviews if r.state != "signed"]
        if not open_quarters:
            return
        quarter = (
            selected.quarter if selected is not None and selected.state != "signed" else open_quarters[-1]
        )
        runner.run_dialog(
            ReviewDialog(self.services, self.bus, quarters=open_quarters, quarter=quarter, parent=self)
        )

    def edit_limits(self) -> None:
        runner.run_dialog(
            SettingsDialog(
                self.services,
                self.bus,
                LIMIT_KEYS,
                title="Dose limits and investigation levels",
                intro="<p>Annual limits are federal (10 CFR 20.1201/20.1208; your state's rules apply). "
                "The ALARA investigation levels are per quarter and the clinic's own: the defaults (10% and "
                "30% of the annual limit) are marked <i>to review</i> with your RSO.</p>",
                parent=self,
            )
        )
