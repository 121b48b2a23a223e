"""The Dosimetry tab on the demo clinic: totals, badges, readings, investigations, pregnancy, reviews."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from fluorodesk.domain.dosimetry import BadgeState, InvestigationLevel
from fluorodesk.domain.enums import DoseReadingKind
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dose_dialogs import SettingsDialog
from fluorodesk.ui.dialogs.dosimetry_dialogs import (
    BadgeDialog,
    EndPregnancyDialog,
    InvestigationDialog,
    PregnancyDialog,
    ReadingDialog,
    ReturnBadgeDialog,
    ReviewDialog,
    VoidReadingDialog,
)
from fluorodesk.ui.models.row_table_model import RowRole, RowTableModel
from fluorodesk.ui.tabs import dosimetry_tab
from fluorodesk.ui.tabs.dosimetry_tab import DosimetryTab

from ..conftest import TODAY


def codes(services) -> list[str]:
    return [f.code for f in services.compliance.findings() if f.area.value == "dosimetry"]


def error_of(dialog, name: str) -> str:
    return dialog.findChild(QLabel, f"{name}Error").text()


@pytest.fixture
def tab(qtbot, demo_services):
    widget = DosimetryTab(demo_services, DataBus())
    qtbot.addWidget(widget)
    widget.resize(1300, 760)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.model.rowCount() > 0)
    return widget


def select(panel, predicate):
    for row in range(panel.proxy.rowCount()):
        if predicate(panel.proxy.data(panel.proxy.index(row, 0), RowRole)):
            panel.view.selectRow(row)
            return panel.selected()
    raise AssertionError("no such row")


def test_every_dosimetry_model_passes_the_model_tester(qtmodeltester, demo_services):
    last_quarter = demo_services.dosimetry.quarters()[1]
    sets = [
        (dosimetry_tab.TOTALS_COLUMNS, demo_services.dosimetry.totals(last_quarter)),
        (dosimetry_tab.BADGE_COLUMNS, demo_services.dosimetry.badges()[:40]),
        (dosimetry_tab.READING_COLUMNS, demo_services.dosimetry.readings()[:40]),
        (dosimetry_tab.INVESTIGATION_COLUMNS, demo_services.dosimetry.investigations()),
        (dosimetry_tab.PREGNANCY_COLUMNS, demo_services.dosimetry.pregnancies()),
        (dosimetry_tab.REVIEW_COLUMNS, demo_services.dosimetry.reviews()),
    ]
    for columns, rows in sets:
        assert rows
        model = RowTableModel(columns)
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)
        for column in range(model.columnCount()):
            model.sort(column, Qt.SortOrder.DescendingOrder)
        qtmodeltester.check(model, force_py=True)


def test_the_summary_line_and_m_vs_unused_in_words(qtbot, tab):
    text = tab.summary.text()
    assert "1 badge not returned" in text and "review overdue: 2026 Q2" in text
    assert "1 above a level without investigation" in text
    tab.pages.setCurrentIndex(dosimetry_tab.READINGS)  # as a user opens it
    readings = tab.readings.visible_rows()
    assert {r.kind for r in readings} == set(DoseReadingKind)
    column = [c.header for c in dosimetry_tab.READING_COLUMNS].index("Deep (mSv)")
    shown = {tab.readings.model.data(tab.readings.model.index(i, column)) for i in range(len(readings))}
    assert {"M", "Unused"} <= shown and "0" not in shown


def shown_rows(panel):
    return [panel.model.row_at(i) for i in range(panel.model.rowCount())]


def test_only_the_totals_load_with_the_tab_and_each_page_when_first_opened(qtbot, tab, demo_services):
    dosimetry = demo_services.dosimetry
    assert shown_rows(tab.table) == dosimetry.totals()
    pages = {
        dosimetry_tab.BADGES: (
            tab.badges,
            lambda: [
                b for b in dosimetry.badges() if b.state is not BadgeState.RETURNED or not b.has_reading
            ],
        ),
        dosimetry_tab.READINGS: (tab.readings, dosimetry.readings),
        dosimetry_tab.INVESTIGATIONS: (tab.investigations, dosimetry.investigations),
        dosimetry_tab.PREGNANCIES: (tab.pregnancies, dosimetry.pregnancies),
        dosimetry_tab.REVIEWS: (tab.reviews, dosimetry.reviews),
    }
    for panel, _rows in pages.values():
        assert panel.model.rowCount() == 0 and not panel.isVisible()
    for index, (panel, rows) in pages.items():
        tab.pages.setCurrentIndex(index)
        expected = rows()
        assert expected and shown_rows(panel) == expected, tab.pages.tabText(index)
        assert panel.count_label.text().startswith(str(len(expected)))
        # Sized from its text when opened: sizing it again changes nothing.
        header = panel.view.horizontalHeader()
        widths = [header.sectionSize(c) for c in range(header.count() - 1)]
        panel.fit_columns()
        assert widths == [header.sectionSize(c) for c in range(header.count() - 1)]
    assert tab.is_loaded()


def test_a_change_reloads_the_open_page_and_the_others_when_next_opened(qtbot, tab, demo_services):
    dosimetry = demo_services.dosimetry
    tab.pages.setCurrentIndex(dosimetry_tab.READINGS)
    tab.pages.setCurrentIndex(dosimetry_tab.REVIEWS)
    voided = dosimetry.readings()[0]
    before = tab.readings.model.rowCount()
    dosimetry.void_reading(voided.id, "Entered twice")
    late = next(b for b in dosimetry.badges() if b.state is BadgeState.LATE)
    dosimetry.return_badge(late.id, TODAY.isoformat())
    with qtbot.waitSignal(tab.bus.changed):
        tab.bus.announce("dosimetry")
    assert "all badges back" in tab.summary.text()  # the summary line follows at once
    assert shown_rows(tab.reviews) == dosimetry.reviews()
    assert tab.readings.model.rowCount() == before  # not opened since: not reloaded yet
    tab.pages.setCurrentIndex(dosimetry_tab.READINGS)
    assert tab.readings.model.rowCount() == before - 1
    assert all(r.id != voided.id for r in shown_rows(tab.readings))
    tab.show_voided.setChecked(True)  # reloads this page only
    assert shown_rows(tab.readings) == dosimetry.readings(include_voided=True)
    tab.pages.setCurrentIndex(dosimetry_tab.BADGES)
    assert any(r.id == late.id and r.state is BadgeState.RETURNED for r in shown_rows(tab.badges))
    tab.badge_filter.set_value("all")
    assert shown_rows(tab.badges) == dosimetry.badges()


def test_an_investigation_from_the_totals_clears_the_finding(qtbot, tab, demo_services, dialogs):
    tab.quarter.setCurrentIndex(1)  # the last complete quarter
    row = select(tab.table, lambda r: r.reached is not None)
    assert row.technician == "Maria Alvarez" and tab.investigate_button.isEnabled()

    def investigate(dialog: InvestigationDialog):
        assert isinstance(dialog, InvestigationDialog)
        assert dialog.level.value() == InvestigationLevel.ALARA1.value and dialog.dose.text() == "1.4"
        assert dialog.quarter.value() == row.quarter
        dialog.save()
        assert dialog.isVisible() and "Say who investigates" in error_of(dialog, "investigator")
        dialog.investigator.setText("Alan Marsh, MS, DABR")
        dialog.save()

    dialogs.expect(investigate)
    tab.investigate_button.click()
    assert "dosimetry.investigation_needed" not in codes(demo_services)
    assert "dosimetry.investigation_open" in codes(demo_services)
    # Close it from the Investigations page.
    tab.pages.setCurrentIndex(3)
    qtbot.waitUntil(lambda: tab.investigations.model.rowCount() == 2)
    select(tab.investigations, lambda r: r.closed_on is None)

    def close(closing: InvestigationDialog):
        closing.closed_on.setText(TODAY.isoformat())
        closing.save()
        assert "Write what was found" in error_of(closing, "findings")
        closing.findings.setPlainText("Badge left on the apron in the procedure room.")
        closing.save()

    dialogs.expect(close)
    tab.close_button.click()
    assert "dosimetry.investigation_open" not in codes(demo_services)


def test_a_late_badge_returned_from_the_badges_page(qtbot, tab, demo_services, dialogs):
    tab.pages.setCurrentIndex(1)
    badge = select(tab.badges, lambda r: r.state is BadgeState.LATE)

    def give_back(dialog: ReturnBadgeDialog):
        assert isinstance(dialog, ReturnBadgeDialog)
        dialog.returned_on.setText("2026-12-01")
        dialog.save()
        assert error_of(dialog, "returned_on") == "2026-12-01 is in the future."
        dialog.returned_on.setText(TODAY.isoformat())
        dialog.save()

    dialogs.expect(give_back)
    tab.return_button.click()
    assert "dosimetry.badge_late" not in codes(demo_services)
    # Returned but no report yet: the page offers its reading.
    qtbot.waitUntil(lambda: any(r.id == badge.id for r in tab.badges.visible_rows()))
    select(tab.badges, lambda r: r.id == badge.id)
    assert tab.badge_reading_button.isEnabled()

    def read(reading: ReadingDialog):
        assert isinstance(reading, ReadingDialog) and not reading.technician.isEnabled()
        reading.deep.setText("M")
        reading.lens.setText("0.03")
        reading.save()

    dialogs.expect(read)
    tab.badge_reading_button.click()
    mine = [r for r in demo_services.dosimetry.readings() if r.badge_id == badge.id]
    assert mine[0].deep.words == "M" and mine[0].lens.value == 0.03


def test_badge_dialog_issues_and_reports_errors_inline(qtbot, demo_services, dialogs):
    dialog = dialogs.show(BadgeDialog(demo_services, DataBus()))
    dialog.save()
    assert "Choose the technician" in error_of(dialog, "technician_id")
    assert error_of(dialog, "badge_code") == "Enter the badge (participant) number."
    dialog.technician.setCurrentIndex(1)
    dialog.code.setText("LX-4000")
    dialog.assigned_on.setText("2026-12-01")
    dialog.save()
    assert not dialog.isVisible()
    issued = [b for b in demo_services.dosimetry.badges() if b.badge_code == "LX-4000"]
    assert issued[0].period_end.isoformat() == "2026-12-31" and issued[0].state is BadgeState.NOT_STARTED


def test_unused_and_other_facility_readings(qtbot, tab, demo_services, dialogs):
    tab.pages.setCurrentIndex(2)

    chosen = []

    def other_facility(other: ReadingDialog):
        assert other.objectName() == "otherFacilityDialog" and other.unused is None
        other.technician.setCurrentIndex(1)
        chosen.append(other.technician.currentText())
        other.facility.setText("Valley Imaging")
        other.period_start.setText("2026-10-01")
        other.period_end.setText("2026-10-31")
        other.deep.setText("0.2")
        other.save()

    dialogs.expect(other_facility)
    tab.other_button.click()
    [valley] = [r for r in demo_services.dosimetry.readings() if r.other_facility == "Valley Imaging"]
    assert (valley.technician, valley.period_start, valley.period_end, valley.deep.value) == (
        chosen[0],
        date(2026, 10, 1),
        date(2026, 10, 31),
        0.2,
    )
    # An unused badge with a dose typed in is refused with the reason under the field.
    badge = next(b for b in demo_services.dosimetry.badges() if b.state is BadgeState.LATE)
    unused = dialogs.show(ReadingDialog(demo_services, DataBus(), badge=badge))
    unused.unused.setChecked(True)
    unused.deep.setText("0.1")
    unused.save()
    assert "unused badge has no dose" in error_of(unused, "deep_msv")
    unused.deep.clear()
    unused.save()
    assert not unused.isVisible()
    assert next(b for b in demo_services.dosimetry.badges() if b.id == badge.id).state is BadgeState.RETURNED


def test_void_a_reading(qtbot, tab, demo_services, dialogs):
    tab.pages.setCurrentIndex(2)
    reading = select(tab.readings, lambda r: r.other_facility)

    def void(dialog: VoidReadingDialog):
        assert isinstance(dialog, VoidReadingDialog)
        dialog.reason.setText("Duplicate of the vendor's statement")
        dialog.save()

    dialogs.expect(void)
    tab.void_reading_button.click()
    assert all(r.id != reading.id for r in demo_services.dosimetry.readings())
    [voided] = [r for r in demo_services.dosimetry.readings(include_voided=True) if r.id == reading.id]
    assert voided.voided_at is not None and voided.void_reason == "Duplicate of the vendor's statement"


def test_pregnancy_declared_and_ended(qtbot, tab, demo_services, dialogs):
    tab.pages.setCurrentIndex(4)

    def declare(dialog: PregnancyDialog):
        assert isinstance(dialog, PregnancyDialog) and "5 mSv" in dialog.findChild(QLabel, "intro").text()
        rossi = next(
            i for i in range(dialog.technician.count()) if dialog.technician.itemText(i) == "Sofia Rossi"
        )
        dialog.technician.setCurrentIndex(rossi)
        dialog.due_on.setText("2027-05-01")
        dialog.save()

    dialogs.expect(declare)
    tab.declare_button.click()
    qtbot.waitUntil(lambda: tab.pregnancies.model.rowCount() == 2)
    select(tab.pregnancies, lambda r: r.technician == "Sofia Rossi")

    def end(ending: EndPregnancyDialog):
        assert isinstance(ending, EndPregnancyDialog)
        ending.save()
        assert "Say why" in error_of(ending, "end_reason")
        ending.reason.setText("Declaration withdrawn in writing")
        ending.save()

    dialogs.expect(end)
    tab.end_button.click()
    assert not next(p for p in demo_services.dosimetry.pregnancies() if p.technician == "Sofia Rossi").active


def test_signing_the_overdue_review(qtbot, tab, demo_services, dialogs):
    tab.pages.setCurrentIndex(5)
    select(tab.reviews, lambda r: r.state == "overdue")

    def sign(dialog: ReviewDialog):
        assert isinstance(dialog, ReviewDialog)
        assert dialog.quarter.value().label == "2026 Q2"
        assert "2026 Q2" in dialog.summary.text()
        dialog.reviewer.setText("Alan Marsh, MS, DABR")
        dialog.save()
        assert "Choose RSO" in error_of(dialog, "reviewer_role")
        dialog.role.set_value("medical_physicist")
        dialog.save()

    dialogs.expect(sign)
    tab.sign_button.click()
    assert "dosimetry.review_overdue" not in codes(demo_services)
    qtbot.waitUntil(lambda: "review overdue" not in tab.summary.text())


def test_limits_dialog_lists_every_dosimetry_setting(qtbot, tab, dialogs):
    def look(dialog: SettingsDialog):
        assert isinstance(dialog, SettingsDialog)
        assert set(dialog.edits) == set(dosimetry_tab.LIMIT_KEYS)
        assert dialog.edits["dosimetry.alara1_quarter_deep_msv"].text() == "1.25"
        dialog.reject()

    dialogs.expect(look)
    tab.limits_button.click()


def test_ctrl_n_adds_on_the_current_page(qtbot, tab, dialogs):
    tab.activateWindow()
    opened = []

    def look(dialog):
        opened.append(type(dialog))
        dialog.reject()

    expected = [
        InvestigationDialog,
        BadgeDialog,
        ReadingDialog,
        InvestigationDialog,
        PregnancyDialog,
        ReviewDialog,
    ]
    for page, cls in enumerate(expected):
        tab.pages.setCurrentIndex(page)
        view = tab.pages.currentWidget().findChild(type(tab.table.view))
        view.setFocus()
        qtbot.waitUntil(view.hasFocus)
        dialogs.expect(look)
        qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert opened[-1] is cls, page
    assert opened == expected


def test_years_of_overdue_reviews_stay_one_line():
    quarters = [f"{year} Q{q}" for year in range(2026, 2016, -1) for q in (4, 3, 2, 1)]
    assert dosimetry_tab._first_quarters(quarters[:4]) == "2026 Q4, 2026 Q3, 2026 Q2, 2026 Q1"
    assert dosimetry_tab._first_quarters(quarters) == (
        "2026 Q4, 2026 Q3, 2026 Q2 and 37 earlier quarters (see Quarterly reviews)"
    )
