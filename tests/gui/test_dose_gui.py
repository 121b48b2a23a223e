"""The Dose Log from the keyboard: a day's cases typed row after row, errors kept in place, dialogs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import func, select

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, Technician
from fluorodesk.domain.dose import FollowUpState
from fluorodesk.domain.enums import EmploymentType, KapUnit
from fluorodesk.services.procedures.rows import CaseDraft
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dose_dialogs import (
    CaseDialog,
    FollowUpDialog,
    SettingsDialog,
    UnitDisplayDialog,
    VoidCaseDialog,
)
from fluorodesk.ui.models.row_table_model import RowTableModel
from fluorodesk.ui.tabs import dose_tab
from fluorodesk.ui.tabs.dose_tab import DoseTab
from fluorodesk.ui.widgets.case_entry import CaseEntryPanel

from ..conftest import TODAY

# The completion popup opens while typing; the offscreen platform cannot raise it or grab the keyboard.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "does not support grabbing the keyboard"
)


@pytest.fixture
def clinic(services):
    with services.db.write() as session:
        units = [
            FluoroUnit(code="CA-1", name="OR 1 C-arm"),
            FluoroUnit(code="CA-3", name="Old C-arm", shows_air_kerma=False, shows_kap=False),
        ]
        techs = [
            Technician(first_name="Grace", last_name="Chen", employment_type=EmploymentType.EMPLOYEE),
            Technician(first_name="Tom", last_name="Nguyen", employment_type=EmploymentType.AGENCY),
        ]
        session.add_all(units + techs)
        session.flush()
        return {"ca1": units[0].id, "ca3": units[1].id, "grace": techs[0].id, "tom": techs[1].id}


def cases(services) -> list[ProcedureRecord]:
    with services.db.read() as session:
        return list(session.scalars(select(ProcedureRecord).order_by(ProcedureRecord.id)))


def focused():
    return QApplication.focusWidget()


def type_in(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def enter(qtbot) -> None:
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def fill_row(qtbot, *values: str) -> None:
    """Type each value into the focused field and press Enter after it (blank: just Enter)."""
    for value in values:
        if value:
            widget = focused()
            if isinstance(widget, QLineEdit):
                widget.selectAll()
            type_in(qtbot, value)
        enter(qtbot)


@pytest.fixture
def panel(qtbot, services, clinic):
    bus = DataBus()
    widget = CaseEntryPanel(services, bus)
    qtbot.addWidget(widget)
    widget.load_options()
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.performed_on.setFocus()
    qtbot.waitUntil(lambda: focused() is widget.performed_on)
    return widget


def test_a_days_cases_go_in_from_the_keyboard(qtbot, services, clinic, panel):
    assert panel.performed_on.value() == TODAY.isoformat()
    # The session fields: date (kept), unit (first), physician, technician by its first letter.
    fill_row(qtbot, "", "", "Dr. Helen Park", "G")
    assert focused() is panel.case_ref
    # Case 1: Enter after every field; Enter in Images saves.
    fill_row(qtbot, "C-2611-0001", "64483", "0:38", "12.4", "1.3", "", "4")
    saved = cases(services)
    assert len(saved) == 1
    first = saved[0]
    assert (first.case_ref, first.fluoro_time_s, first.air_kerma_mgy, first.kap_value, first.kap_unit) == (
        "C-2611-0001",
        38.0,
        12.4,
        1.3,
        KapUnit.GY_CM2,
    )
    assert first.physician == "Dr. Helen Park" and first.technician_id == clinic["grace"]
    assert first.performed_on == TODAY
    # The row is ready for the next case: case fields cleared, the rest remembered, cursor on the case no.
    assert focused() is panel.case_ref
    assert [w.text() for w in panel.case_fields] == [""] * 6
    assert panel.physician.text() == "Dr. Helen Park" and panel.technician.value() == clinic["grace"]
    assert "Saved C-2611-0001" in panel.message.text()
    # Case 2, by name; above the air-kerma trigger: saved, and the message says so.
    fill_row(qtbot, "C-2611-0002", "kyphoplasty lumbar", "23:40", "3415", "412.5", "", "38")
    assert "ABOVE TRIGGER" in panel.message.text()
    # Case 3 on the unit that shows no dose: Enter skips the dose fields.
    for _ in range(3):  # Shift+Tab back from the case number: technician, physician, unit
        qtbot.keyClick(focused(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is panel.unit
    type_in(qtbot, "CA-3")
    enter(qtbot)
    assert panel.unit.value() == clinic["ca3"] and not panel.air_kerma.isEnabled()
    fill_row(qtbot, "", "", "C-2611-0003", "27096", "15", "3")
    saved = cases(services)
    assert [c.case_ref for c in saved] == ["C-2611-0001", "C-2611-0002", "C-2611-0003"]
    rows = services.procedures.list_cases()
    assert {r.case_ref: r.cpt_code for r in rows} == {
        "C-2611-0001": "64483",
        "C-2611-0002": "22514",
        "C-2611-0003": "27096",
    }
    assert saved[2].air_kerma_mgy is None and saved[2].images == 3 and saved[2].unit_id == clinic["ca3"]


def test_a_row_with_a_mistake_keeps_everything_and_points_at_the_field(qtbot, services, clinic, panel):
    fill_row(qtbot, "", "", "Dr. Park", "G")
    fill_row(qtbot, "C-9", "64483", "a while", "12", "", "", "2")
    assert cases(services) == []
    assert panel.message.text() == (
        "Not saved. Fluoro time: “a while” is not a fluoroscopy time; "
        "type seconds (83), minutes:seconds (1:23) or 1.4 min."
    )
    assert focused() is panel.fluoro_time and panel.fluoro_time.text() == "a while"
    assert panel.case_ref.text() == "C-9" and "b00020" in panel.fluoro_time.styleSheet()
    # Fix it and carry on with Enter: saved, marks cleared.
    fill_row(qtbot, "1:05", "", "", "", "")
    (saved,) = cases(services)
    assert saved.fluoro_time_s == 65.0 and saved.air_kerma_mgy == 12.0
    assert panel.fluoro_time.styleSheet() == ""


def test_a_procedure_typed_by_code_is_shown_in_full(qtbot, services, clinic, panel):
    fill_row(qtbot, "", "", "Dr. Park", "G", "C-1")
    type_in(qtbot, "27096")
    assert panel.procedure_hint.text() == "27096 — Sacroiliac joint injection"
    enter(qtbot)
    assert panel.procedure.text().startswith("27096 — Sacroiliac") and focused() is panel.fluoro_time


def test_the_kap_unit_is_remembered_per_unit(qtbot, services, clinic, panel):
    fill_row(qtbot, "", "", "Dr. Park", "G", "C-1", "64483", "30", "", "250")
    panel.kap_unit.set_value(KapUnit.UGY_M2)
    panel.images.setFocus()
    fill_row(qtbot, "2")
    assert cases(services)[0].kap_unit is KapUnit.UGY_M2
    panel.kap_unit.set_value(KapUnit.GY_CM2)
    panel.load_options()  # e.g. after another tab changed something
    assert panel.kap_unit.value() == KapUnit.UGY_M2


# --------------------------------------------------------------------------- the tab


@pytest.fixture
def tab(qtbot, demo_services):
    widget = DoseTab(demo_services, DataBus())
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.table.model.rowCount() > 0)
    return widget


def test_case_and_summary_models_pass_the_model_tester(qtmodeltester, demo_services):
    everything = demo_services.procedures.list_cases(include_voided=True)
    # The model tester is thorough (and slow): a sample with every kind of row is enough.
    rows = everything[:40] + [r for r in everything[40:] if r.flagged or r.voided][:10]
    summaries = demo_services.procedures.summaries("quarter", "procedure")[:30]
    for columns, data in ((dose_tab.CASE_COLUMNS, rows), (dose_tab.SUMMARY_COLUMNS, summaries)):
        assert data
        model = RowTableModel(columns)
        model.set_rows(data)
        qtmodeltester.check(model, force_py=True)
        for column in range(model.columnCount()):
            model.sort(column, Qt.SortOrder.DescendingOrder)
        qtmodeltester.check(model, force_py=True)


def test_the_tab_flags_cases_and_says_the_levels_are_defaults(qtbot, tab):
    assert "defaults from SIR/NCRP 168" in tab.banner.text()
    tab.flagged_only.setChecked(True)
    rows = tab.table.visible_rows()
    assert len(rows) == 2 and all(r.flagged for r in rows)
    needing = [r for r in rows if r.follow_up is FollowUpState.NEEDED]
    assert len(needing) == 1 and needing[0].cpt_code == "22514"
    column = [c.header for c in dose_tab.CASE_COLUMNS].index("Follow-up")
    index = tab.table.model.index(rows.index(needing[0]), column)
    assert tab.table.model.data(index).startswith("Follow-up needed")


def test_summaries_page(qtbot, tab, demo_services):
    procedures = demo_services.procedures
    last_year = TODAY - timedelta(days=365)
    tab.pages.setCurrentIndex(1)
    qtbot.waitUntil(lambda: tab.summary_table.model.rowCount() > 0)
    assert shown(tab.summary_table) == procedures.summaries("quarter", "procedure", start=last_year)
    first = shown(tab.summary_table)[0]
    live = [c for c in procedures.list_cases(start=first.period.start) if c.performed_on <= first.period.end]
    assert first.group == dose_tab.ALL_GROUP and first.stats.cases == len(live)
    tab.group_by.set_value("physician")
    assert shown(tab.summary_table) == procedures.summaries("quarter", "physician", start=last_year)
    assert {r.group for r in shown(tab.summary_table)} == {
        dose_tab.ALL_GROUP,
        "Dr. Helen Park",
        "Dr. Samuel Ortiz",
        "Dr. Anita Desai",
    }
    tab.kind.set_value("month")
    assert shown(tab.summary_table) == procedures.summaries("month", "physician", start=last_year)
    assert shown(tab.summary_table)[0].period.label == "2026-11"


def select_case(tab, predicate):
    for row in range(tab.table.proxy.rowCount()):
        if predicate(tab.table.proxy.data(tab.table.proxy.index(row, 0), 257)):
            tab.table.view.selectRow(row)
            return tab.table.selected()
    raise AssertionError("no such case")


def test_follow_up_from_the_tab_clears_the_finding(qtbot, tab, demo_services, dialogs):
    tab.flagged_only.setChecked(True)
    case = select_case(tab, lambda r: r.follow_up is FollowUpState.NEEDED)
    assert tab.follow_up_button.isEnabled()

    def follow_up(dialog: FollowUpDialog):
        assert isinstance(dialog, FollowUpDialog)
        dialog.informed.setText(case.performed_on.isoformat())
        dialog.save()  # no "documented by": stays open with the message under the field
        assert (
            dialog.isVisible()
            and "who documented" in dialog.findChild(type(dialog.general_error), "follow_up_byError").text()
        )
        dialog.by.setText("Dr. Helen Park")
        dialog.skin.setText(TODAY.isoformat())
        dialog.save()

    dialogs.expect(follow_up)
    tab.follow_up_button.click()
    assert not [f for f in demo_services.compliance.findings() if f.code == "dose.trigger_no_follow_up"]
    qtbot.waitUntil(lambda: all(r.follow_up is not FollowUpState.NEEDED for r in tab.table.visible_rows()))
    assert next(r for r in tab.table.visible_rows() if r.id == case.id).follow_up is FollowUpState.DONE


def test_correct_and_void_dialogs(qtbot, demo_services, dialogs):
    case = demo_services.procedures.list_cases()[0]
    options = demo_services.procedures.entry_options()
    bus = DataBus()
    dialog = dialogs.show(CaseDialog(demo_services, bus, case, options))
    dialog.images.setText("11")
    dialog.save()
    assert (
        dialog.isVisible()
        and "Say what was wrong" in dialog.findChild(type(dialog.general_error), "reasonError").text()
    )
    dialog.reason.setText("Images miscounted")
    with qtbot.waitSignal(bus.changed):
        dialog.save()
    fixed = demo_services.procedures.list_cases()[0]
    assert fixed.images == 11 and fixed.amends_id == case.id
    void = dialogs.show(VoidCaseDialog(demo_services, bus, fixed))
    assert void.buttons.button(void.buttons.StandardButton.Save).text() == "Void case"
    assert void.buttons.button(void.buttons.StandardButton.Cancel).isDefault()
    void.reason.setText("Test patient")
    void.save()
    assert demo_services.procedures.get_case(fixed.id).voided


def test_trigger_levels_dialog_changes_the_setting_and_the_banner(qtbot, tab, demo_services, dialogs):
    def levels(dialog: SettingsDialog):
        assert isinstance(dialog, SettingsDialog)
        edit = dialog.edits["dose.trigger_air_kerma_mgy"]
        assert edit.text() == "3000"
        edit.setText("-5")
        dialog.save()
        assert dialog.isVisible()
        edit.setText("5000")
        dialog.save()

    dialogs.expect(levels)
    tab.levels_button.click()
    assert demo_services.settings.load()["dose.trigger_air_kerma_mgy"] == 5000.0
    qtbot.waitUntil(lambda: "5000 mGy" in tab.banner.text())
    assert "set by the clinic" in tab.banner.text()


def test_unit_display_dialog(qtbot, demo_services, dialogs):
    dialog = dialogs.show(UnitDisplayDialog(demo_services, DataBus()))
    dialog.unit.setCurrentIndex(0)
    assert dialog.shows_air_kerma.isChecked()
    dialog.shows_air_kerma.setChecked(False)
    dialog.save()
    unit = demo_services.procedures.entry_options().units[0]
    assert not unit.display.shows_air_kerma and unit.display.shows_kap


def test_entry_panel_refuses_a_patient_name(qtbot, services, clinic, panel):
    fill_row(qtbot, "", "", "Dr. Park", "G", "Jane Doe", "64483", "30", "5", "", "", "")
    assert cases(services) == [] and focused() is panel.case_ref
    assert "never the patient's name" in panel.message.text()


def test_log_case_service_is_what_the_panel_calls(services, clinic):
    row = services.procedures.log_case(
        CaseDraft(date(2026, 11, 20), "64483", clinic["ca1"], "Dr. Park", None, "", "30", "5")
    )
    assert row.technician == ""
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ProcedureRecord)) == 1


def test_keyboard_shortcuts_on_the_tab(qtbot, tab, dialogs):
    tab.activateWindow()
    tab.table.view.setFocus()
    qtbot.waitUntil(lambda: tab.table.view.hasFocus())
    qtbot.keyClick(tab.table.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert focused() is tab.entry.case_ref
    tab.table.view.selectRow(0)
    first = tab.table.selected()
    opened = []

    def look(dialog):
        opened.append((type(dialog), dialog.case.id))
        dialog.reject()

    dialogs.expect(look)
    tab.table.view.setFocus()
    qtbot.keyClick(tab.table.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert opened == [(CaseDialog, first.id)]
    dialogs.expect(look)
    flagged = select_case(tab, lambda r: r.flagged and not r.voided)
    tab.table.view.setFocus()
    qtbot.keyClick(tab.table.view, Qt.Key.Key_Return)  # Enter on a row: correct it (or follow up if flagged)
    assert opened[1] == (FollowUpDialog, flagged.id)


def fill_entry(tab, demo_services, case_ref: str, day: date, fluoro: str = "0:40", kerma: str = "8") -> None:
    entry = tab.entry
    entry.set_day(day)
    entry.case_ref.setText(case_ref)
    entry.procedure.setText(demo_services.procedures.entry_options().procedures[0].label)
    entry.fluoro_time.setText(fluoro)
    if entry.air_kerma.isEnabled():
        entry.air_kerma.setText(kerma)
    if entry.kap_value.isEnabled():
        entry.kap_value.setText("1.2")
    entry.images.setText("3")


def reloads_of(monkeypatch, demo_services) -> list[dict]:
    calls: list[dict] = []
    real = demo_services.procedures.list_cases
    monkeypatch.setattr(demo_services.procedures, "list_cases", lambda **kw: calls.append(kw) or real(**kw))
    return calls


def shown(panel) -> list:
    return [panel.model.row_at(i) for i in range(panel.model.rowCount())]


def test_a_case_saved_in_the_entry_row_joins_the_list_in_place_without_a_reload(
    qtbot, tab, demo_services, monkeypatch
):
    list_cases = demo_services.procedures.list_cases  # the real one, before the spy
    start = tab._start()
    selected = select_case(tab, lambda r: r.performed_on < TODAY - timedelta(days=5))
    calls = reloads_of(monkeypatch, demo_services)
    for ref, day in (("T-1", TODAY - timedelta(days=3)), ("T-2", TODAY), ("T-3", TODAY - timedelta(days=3))):
        fill_entry(tab, demo_services, ref, day)
        with qtbot.waitSignal(tab.bus.changed):
            assert tab.entry.save() is not None, tab.entry.message.text()
    assert calls == []  # the list was not loaded again
    assert shown(tab.table) == list_cases(start=start)  # what a reload shows, in its order
    assert tab.table.count_label.text() == f"{len(list_cases(start=start))} cases"
    assert tab.table.selected() == selected  # the selection stays on the same case
    # Outside the chosen range: saved, not listed (as a reload would do).
    fill_entry(tab, demo_services, "T-OLD", TODAY - timedelta(days=200))
    assert tab.entry.save() is not None
    assert shown(tab.table) == list_cases(start=start)
    assert calls == []
    # Any other change still reloads the list.
    tab.bus.announce("dose")
    assert len(calls) == 1


def test_a_saved_case_in_a_filtered_or_sorted_list_and_the_summaries(qtbot, tab, demo_services, monkeypatch):
    procedures = demo_services.procedures
    list_cases = procedures.list_cases  # the real one, before the spy
    start = tab._start()
    tab.flagged_only.setChecked(True)
    calls = reloads_of(monkeypatch, demo_services)
    fill_entry(tab, demo_services, "T-LOW", TODAY)  # below every trigger: not in this list
    assert tab.entry.save() is not None
    fill_entry(tab, demo_services, "T-HIGH", TODAY - timedelta(days=1), fluoro="70:00", kerma="6000")
    high = tab.entry.save()
    assert high is not None and high.flagged
    assert shown(tab.table) == list_cases(start=start, flagged_only=True)
    assert calls == []
    # Sorted by a column: the new case takes its sorted place.
    tab.flagged_only.setChecked(False)
    column = [c.header for c in dose_tab.CASE_COLUMNS].index("Fluoro time")
    tab.table.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    fill_entry(tab, demo_services, "T-SORT", TODAY, fluoro="95:00")
    assert tab.entry.save() is not None
    expected = RowTableModel(dose_tab.CASE_COLUMNS)
    expected.set_rows(list_cases(start=start))
    expected.sort(column, Qt.SortOrder.DescendingOrder)
    assert shown(tab.table) == expected.rows() and shown(tab.table)[0].case_ref == "T-SORT"
    # The summaries page, when open, counts the new case.
    tab.pages.setCurrentIndex(1)
    qtbot.waitUntil(lambda: tab.summary_table.model.rowCount() > 0)
    fill_entry(tab, demo_services, "T-SUM", TODAY)
    assert tab.entry.save() is not None
    assert shown(tab.summary_table) == procedures.summaries(
        tab.kind.value(), tab.group_by.value(), start=TODAY - timedelta(days=365)
    )
