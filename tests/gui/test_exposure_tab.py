"""The Exposure Logs tab end to end on the demo clinic: checks from the keyboard, corrections, voids,
corrective actions with re-checks, the calendar and its notes, units, surveys, meters, the chart."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox

from fluorodesk.domain.enums import ExposureVerdict
from fluorodesk.domain.exposure import CorrectiveState, PeriodState
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.check_dialog import CheckDialog, VoidCheckDialog
from fluorodesk.ui.dialogs.corrective_action_dialog import CorrectiveActionDialog
from fluorodesk.ui.dialogs.meter_dialogs import CalibrationDialog, MeterDialog, MetersDialog
from fluorodesk.ui.dialogs.period_note_dialog import PeriodNoteDialog
from fluorodesk.ui.dialogs.survey_dialog import SurveyDialog
from fluorodesk.ui.dialogs.unit_dialog import BaselineDialog, RetireUnitDialog, UnitDialog
from fluorodesk.ui.tabs import exposure_tab
from fluorodesk.ui.tabs.exposure_tab import ExposureTab

from ..conftest import TODAY


@pytest.fixture
def tab(qtbot, demo_services):
    widget = ExposureTab(demo_services, DataBus())
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.model.rowCount() > 0)
    return widget


def select_unit(tab, code):
    for index, row in enumerate(tab.units.visible_rows()):
        if row.code == code:
            tab.units.view.selectRow(index)
            assert tab.unit.code == code
            return row
    raise AssertionError(code)


def select_check(tab, predicate):
    for index, row in enumerate(tab.table.visible_rows()):
        if predicate(row):
            tab.table.view.selectRow(index)
            return row
    raise AssertionError("no such check")


def test_tab_shows_each_unit_with_its_log_calendar_and_chart(tab, qtmodeltester):
    assert [r.code for r in tab.units.visible_rows()] == ["CA-1", "CA-2", "CA-3"]
    assert tab.unit.code == "CA-1" and "CA-1 OR 1 C-arm" in tab.header.text()
    assert "93.5 mGy/min exceeds the 88 mGy/min limit" in tab.header.text()
    assert tab.table.model.rowCount() == len([c for c in tab.history.checks if not c.voided])
    for panel in (tab.units, tab.table, tab.actions, tab.surveys, tab.baselines):
        qtmodeltester.check(panel.model)
    select_unit(tab, "CA-2")
    tab.pages.setCurrentIndex(1)  # pages fill when opened
    missed = [c for c in tab.calendar.cells if c.row.state is PeriodState.MISSED]
    assert len(missed) == 2 and all("MISSED" in c.text() for c in missed)
    assert any(c.row.state is PeriodState.EXCUSED and "Not used" in c.text() for c in tab.calendar.cells)
    summary = tab.missed_summary.text()
    assert "2 missed check periods</b>" in summary
    assert summary.endswith(
        " since 2025-11-24: Feb 02 – Feb 08, 2026 (Check not done: the technologist on duty was new and "
        "missed it.); Jun 29 – Jul 05, 2026."
    )
    tab.pages.setCurrentIndex(2)
    assert b"CA-2 OR 2 C-arm: normal mode, mGy/min" in tab.chart.svg
    # each stretch of the chart against the baseline in effect then, with that baseline's tolerance
    assert [(b.start, b.end, b.rate, b.tolerance_pct) for b in tab.chart.series.baselines] == [
        (date(2025, 11, 26), date(2026, 4, 23), 34.0, 25.0),
        (date(2026, 4, 24), TODAY, 35.0, 20.0),
    ]
    assert tab.chart.series.limit == 88
    tab.pages.setCurrentIndex(3)
    assert [a.state for a in tab.actions.visible_rows()] == [CorrectiveState.CLOSED]
    tab.pages.setCurrentIndex(4)
    assert [s.surveyed_on for s in tab.surveys.visible_rows()] == [date(2025, 11, 1), date(2024, 10, 14)]
    assert "Due since 2026-11-01" in tab.survey_status.text()
    tab.pages.setCurrentIndex(5)
    # newest first; the first baseline has no tolerance of its own (the clinic's default applies)
    assert [(b.rate, b.tolerance_pct) for b in tab.baselines.visible_rows()] == [(35.0, 20.0), (34.0, None)]
    # switching unit while a page is open shows that unit's page
    select_unit(tab, "CA-3")
    assert tab.baselines.visible_rows()[0].rate_unit.value == "R/min"


def test_columns_say_status_in_words(tab):
    select_unit(tab, "CA-3")
    headers = [c.header for c in exposure_tab.COLUMNS]
    rows = tab.table.visible_rows()
    lapsed = next(r for r in rows if r.meter_calibration and r.meter_calibration.value == "lapsed")
    meter_col = headers.index("Meter")
    assert "calibration lapsed" in exposure_tab.COLUMNS[meter_col].value(lapsed)
    late = next(r for r in rows if r.late_entry)
    assert "late entry" in exposure_tab.COLUMNS[headers.index("Entered")].value(late)
    select_check(tab, lambda r: r.late_entry)
    entered = (
        "<b>Entered</b> <span style='color:#664d03'>2026-09-19 09:15, 11 days after the check (late entry)"
    )
    assert entered in tab.check_detail.text()


def test_new_check_from_the_keyboard_with_defaults(tab, qtbot, dialogs):
    select_unit(tab, "CA-1")
    before = tab.table.model.rowCount()

    def type_it(dialog: CheckDialog):
        assert dialog.checked_on.value() == TODAY.isoformat()
        assert dialog.performed_by.currentText() and dialog.meter.value() is not None
        assert dialog.mode.value() == "normal" and dialog.rate_unit.value() == "mGy/min"
        assert dialog.kvp.hasFocus() or dialog.focusWidget() is dialog.kvp
        qtbot.keyClicks(dialog.kvp, "79")
        qtbot.keyClick(dialog.kvp, Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "2.1")
        dialog.rate.setFocus()
        qtbot.keyClicks(dialog.rate, "39.2")
        assert dialog.preview.text().startswith("Result: Pass")
        qtbot.keyClick(dialog.rate, Qt.Key.Key_Return)
        assert dialog.result() == QDialog.DialogCode.Accepted  # Enter saved it

    dialogs.expect(type_it)
    qtbot.keyClick(tab.table.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert tab.table.model.rowCount() == before + 1
    newest = tab.table.model.rows()[0]
    assert (newest.checked_on, newest.rate, newest.kvp, newest.ma) == (TODAY, 39.2, 79, 2.1)


def test_bad_reading_stays_in_the_dialog_and_writes_nothing(tab, qtbot, dialogs):
    before = len(tab.services.exposure.list_rows())

    def bad(dialog: CheckDialog):
        qtbot.keyClicks(dialog.rate, "93,5")
        dialog.checked_on.setText("2026-12-01")
        dialog.save()
        assert dialog.isVisible()
        assert "point for decimals" in dialog.findChild(QLabel, "rateError").text()
        assert (
            dialog.findChild(QLabel, "checked_onError").text()
            == "The check date 2026-12-01 is in the future."
        )
        assert dialog.rate.text() == "93,5"  # input kept
        dialog.reject()  # dirty: answered Discard by the test conftest

    dialogs.expect(bad)
    tab.new_check()
    assert len(tab.services.exposure.list_rows()) == before


def test_late_entry_and_lapsed_meter_warn_inline(tab, qtbot, dialogs):
    select_unit(tab, "CA-3")

    def look(dialog: CheckDialog):
        dialog.checked_on.setText("2026-11-06")
        qtbot.keyClicks(dialog.rate, "5.3")
        assert dialog.meter_status.text() == (
            "⚠ Victoreen 451P #2: calibration had lapsed on this date "
            "(calibration of 2025-11-05 ran out on 2026-11-05)"
        )
        assert "20 days after the check" in dialog.entry.text() and "late entry" in dialog.entry.text()
        assert dialog.preview.text().startswith("Result: Outside tolerance")
        dialog.reject()

    dialogs.expect(look)
    tab.new_check()


def test_save_and_next_unit_keeps_date_and_performer(tab, qtbot, dialogs):
    select_unit(tab, "CA-1")

    def two(dialog: CheckDialog):
        dialog.performed_by.setEditText("Kevin Brooks")
        for rate in ("38", "34"):
            dialog.kvp.setText("78")
            dialog.rate.setText(rate)
            dialog.save_next.click()
        assert dialog.unit.currentText().startswith("CA-3") and dialog.isVisible()
        assert dialog.rate_unit.value() == "R/min"  # CA-3's usual unit
        assert dialog.performed_by.currentText() == "Kevin Brooks" and dialog.rate.text() == ""
        dialog.reject()

    dialogs.expect(two)
    tab.new_check()
    today = [r for r in tab.services.exposure.list_rows() if r.checked_on == TODAY]
    assert sorted((r.unit_code, r.rate) for r in today) == [("CA-1", 38.0), ("CA-2", 34.0)]


def test_correcting_a_check_keeps_the_original_voided(tab, qtbot, dialogs):
    over = select_check(tab, lambda r: r.verdict is ExposureVerdict.OVER_LIMIT)

    def correct(dialog: CheckDialog):
        assert dialog.rate.text() == "93.5"
        dialog.rate.setText("39.5")
        dialog.save()
        assert "reasonError" in [w.objectName() for w in dialog.findChildren(QLabel) if w.isVisible()]
        dialog.reason.setText("Decimal typed in the wrong place")
        dialog.save()

    dialogs.expect(correct)
    qtbot.keyClick(tab.table.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    rows = tab.table.visible_rows()
    assert over.id not in [r.id for r in rows]
    fixed = next(r for r in rows if r.amends_id == over.id)
    assert fixed.rate == 39.5 and fixed.verdict is ExposureVerdict.PASS
    tab.show_voided.setChecked(True)
    old = next(r for r in tab.table.visible_rows() if r.id == over.id)
    assert old.voided and "Decimal typed" in old.void_reason
    assert (
        exposure_tab.COLUMNS[6].value(old)
        == f"Voided: Amended by check #{fixed.id}: Decimal typed in the wrong place"
    )


def test_void_asks_for_a_reason_with_cancel_as_default(tab, dialogs):
    row = select_check(tab, lambda r: True)

    def void(dialog: VoidCheckDialog):
        assert dialog.buttons.button(dialog.buttons.StandardButton.Cancel).isDefault()
        dialog.save()
        assert dialog.isVisible()
        dialog.reason.setText("Entered on the wrong unit")
        dialog.save()

    dialogs.expect(void)
    tab.void_button.click()
    assert row.id not in [r.id for r in tab.table.visible_rows()]
    assert tab.services.exposure.get_check(row.id).voided


def test_corrective_action_then_recheck_clears_the_finding(tab, dialogs):
    select_unit(tab, "CA-1")
    over = select_check(tab, lambda r: r.verdict is ExposureVerdict.OVER_LIMIT)
    assert tab.action_button.isEnabled()
    passing_after = [
        c.id
        for c in sorted(tab.history.checks, key=lambda c: c.checked_on)
        if c.checked_on > over.checked_on and c.verdict is ExposureVerdict.PASS and not c.voided
    ]
    assert len(passing_after) == 4

    def record(dialog: CorrectiveActionDialog):
        assert dialog.reading.value() == over.id and not dialog.reading.isEnabled()
        dialog.what.setPlainText("GE engineer replaced the AERC sensor.")
        dialog.ticket.setText("GE-5521")
        dialog.performed_by.setText("GE field engineer")
        dialog.performed_on.setText("2026-10-21")
        offered = [dialog.recheck.itemData(i) for i in range(1, dialog.recheck.count())]
        assert offered == passing_after  # the passing checks after the reading are offered as re-checks
        dialog.recheck.setCurrentIndex(1)
        dialog.save()

    dialogs.expect(record)
    tab.corrective_action_for_check()
    assert tab.unit.attention == () and "Needs attention" not in tab.header.text()
    tab.pages.setCurrentIndex(3)
    action = tab.actions.visible_rows()[0]
    assert action.state is CorrectiveState.CLOSED and action.service_ticket == "GE-5521"
    codes = {f.code for f in tab.services.compliance.findings()}
    assert "exposure.over_limit" not in codes


def test_calendar_note_excuses_a_missed_week(tab, qtbot, dialogs):
    select_unit(tab, "CA-2")
    tab.pages.setCurrentIndex(1)
    cell = next(c for c in tab.calendar.cells if c.row.state is PeriodState.MISSED and not c.row.note)

    def note(dialog: PeriodNoteDialog):
        dialog.reason.setText("Clinic closed for the July 4th week")
        dialog.not_used.setChecked(True)
        dialog.save()

    dialogs.expect(note)
    qtbot.mouseDClick(cell, Qt.MouseButton.LeftButton)
    again = tab.calendar.cell_for(cell.row.start)
    assert again.row.state is PeriodState.EXCUSED and "Not used" in again.text()
    assert "1 missed check period" in tab.missed_summary.text()


def test_add_unit_with_baseline_then_retire_it(tab, dialogs):
    def create(dialog: UnitDialog):
        dialog.code.setText("CA-4")
        dialog.name.setText("Pain suite C-arm")
        dialog.in_service_on.setText("2026-11-02")
        dialog.baseline_fields["baseline_rate"].setText("36")
        dialog.baseline_fields["baseline_set_by"].setText("Alan Marsh")
        dialog.save()

    dialogs.expect(create)
    tab.new_unit_button.click()
    assert tab.unit.code == "CA-4" and "36 mGy/min" in tab.header.text()
    assert [p.state for p in tab.history.calendar][:3] == [PeriodState.MISSED] * 3

    def retire(dialog: RetireUnitDialog):
        assert dialog.buttons.button(dialog.buttons.StandardButton.Cancel).isDefault()
        dialog.reason.setText("Returned to the lessor")
        dialog.save()

    dialogs.expect(retire)
    tab.retire_button.click()
    assert "CA-4" not in [r.code for r in tab.units.visible_rows()]
    tab.show_retired.setChecked(True)
    assert "CA-4" in [r.code for r in tab.units.visible_rows()]


def test_duplicate_unit_id_is_refused_at_the_top(tab, dialogs):
    def duplicate(dialog: UnitDialog):
        dialog.code.setText("CA-1")
        dialog.name.setText("Again")
        dialog.save()
        assert dialog.isVisible() and "already has the ID CA-1" in dialog.general_error.text()
        dialog.reject()

    dialogs.expect(duplicate)
    tab.new_unit()
    assert len(tab.units.visible_rows()) == 3


def test_new_baseline_applies_from_its_date(tab, dialogs):
    select_unit(tab, "CA-1")

    def baseline(dialog: BaselineDialog):
        dialog.rate.setText("40")
        dialog.tolerance.setText("20")
        dialog.set_by.setText("Alan Marsh, MS, DABR")
        dialog.save()

    dialogs.expect(baseline)
    tab.baseline_button.click()
    assert "40 mGy/min" in tab.header.text() and "±20%" in tab.header.text()
    tab.pages.setCurrentIndex(5)
    assert tab.baselines.visible_rows()[0].rate == 40


def test_survey_saved_then_report_attached(tab, dialogs, tmp_path):
    select_unit(tab, "CA-2")
    report = tmp_path / "physicist-report.pdf"
    report.write_bytes(b"%PDF-1.4 survey report")

    def survey(dialog: SurveyDialog):
        assert not dialog.attachments.add_button.isEnabled()
        dialog.surveyed_on.setText("2026-11-20")
        dialog.result_choice.set_value("pass")
        dialog.save()
        assert dialog.isVisible() and dialog.saved_note.isVisible()  # stays open to attach the report
        assert dialog.attachments.add_button.isEnabled()
        assert dialog.attachments.add_file(str(report))
        dialog.reject()  # "Close"
        assert dialog.result() == QDialog.DialogCode.Accepted  # closing after a save is not a cancel

    dialogs.expect(survey)
    tab.new_survey()
    tab.pages.setCurrentIndex(4)
    newest = tab.surveys.visible_rows()[0]
    assert newest.surveyed_on == date(2026, 11, 20) and newest.attachments == 1
    assert tab.unit.attention == (  # the survey no longer needs attention; the missed weeks still do
        "2 check periods without an exposure-rate check: 2026-02-02…2026-02-08, 2026-06-29…2026-07-05.",
    )
    assert tab.survey_status.text() == "<b>Annual survey:</b> Current until 2027-11-20 (last 2026-11-20)"


def test_meters_dialog_adds_a_meter_and_its_certificate(qtbot, demo_services, dialogs, monkeypatch, tmp_path):
    dialog = dialogs.show(MetersDialog(demo_services, DataBus()))
    assert dialog.meters.model.rowCount() == 2
    qtmeters = {r.name: r for r in dialog.meters.visible_rows()}
    assert qtmeters["Victoreen 451P #2"].state.value == "lapsed"

    def fill_meter(meter: MeterDialog):
        meter.name.setText("Unfors Xi #3")
        meter.save()

    def fill_calibration(calibration: CalibrationDialog):
        calibration.calibrated_on.setText("2026-11-20")
        calibration.certificate.setText("CAL-77")
        calibration.save()
        assert calibration.isVisible() and calibration.attachments.add_button.isEnabled()
        certificate = tmp_path / "cert.pdf"
        certificate.write_bytes(b"%PDF certificate")
        assert calibration.attachments.add_file(str(certificate))
        calibration.reject()

    dialogs.expect(fill_meter, fill_calibration)
    dialog.new_meter.click()
    assert "Unfors Xi #3" in [r.name for r in dialog.meters.visible_rows()]
    index = [r.name for r in dialog.meters.visible_rows()].index("Unfors Xi #3")
    dialog.meters.view.selectRow(index)
    dialog.add_calibration.click()
    [cal] = dialog.calibrations.visible_rows()
    assert cal.due_on == date(2028, 11, 20) and cal.attachments == 1
    monkeypatch.setattr("fluorodesk.ui.dialogs.meter_dialogs.confirm_destructive", lambda *a, **k: True)
    dialog.retire_meter.click()
    assert "Unfors Xi #3" not in [r.name for r in dialog.meters.visible_rows()]


def test_retiring_a_meter_used_today_is_explained_not_done(qtbot, demo_services, dialogs, monkeypatch):
    from fluorodesk.services.exposure.rows import CheckDraft

    meter = next(m for m in demo_services.meters.list_meters() if m.name == "RaySafe X2 #1")
    unit = demo_services.units.list_units()[0]
    demo_services.exposure.record_check(
        CheckDraft(unit.id, TODAY, "Grace Chen", meter.id, "normal", "38", "mGy/min")
    )
    dialog = dialogs.show(MetersDialog(demo_services, DataBus()))
    dialog.meters.view.selectRow([r.name for r in dialog.meters.visible_rows()].index("RaySafe X2 #1"))
    monkeypatch.setattr("fluorodesk.ui.dialogs.meter_dialogs.confirm_destructive", lambda *a, **k: True)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    dialog.retire_meter.click()
    assert len(warned) == 1 and f"was used on {TODAY}" in warned[0]
    assert demo_services.meters.get(meter.id).retired_on is None


def test_trend_range_and_series(tab, qtbot):
    select_unit(tab, "CA-3")
    tab.pages.setCurrentIndex(2)
    assert b"R/min" in tab.chart.svg and tab.chart.series.rate_unit.value == "R/min"
    index = tab.trend_range.findText("2026")
    tab.trend_range.setCurrentIndex(index)
    assert tab.chart.series.start == date(2026, 1, 1) and tab.chart.series.end == TODAY
    checks_2026 = sorted(
        c.checked_on
        for c in tab.history.checks
        if c.checked_on.year == 2026
        and not c.voided
        and c.mode.value == "normal"
        and c.rate_unit.value == "R/min"
    )
    assert len(checks_2026) > 3  # the demo has a year of weekly checks: the comparison below means something
    assert sorted(p.day for p in tab.chart.series.points) == checks_2026


def test_void_dialog_shows_names_as_typed_not_as_markup(tab, qtbot):
    from dataclasses import replace

    from PySide6.QtWidgets import QLabel

    row = replace(select_check(tab, lambda r: True), performed_by="<b>Lee</b> & Co")
    dialog = VoidCheckDialog(tab.services, None, row)
    qtbot.addWidget(dialog)
    text = dialog.findChild(QLabel, "summary").text()
    assert "&lt;b&gt;Lee&lt;/b&gt; &amp; Co" in text and "<b>Lee</b>" not in text
