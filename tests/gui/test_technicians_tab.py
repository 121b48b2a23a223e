"""The Technicians tab on the demo clinic: roster, file panel, shortcuts, dialogs opened from it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from fluorodesk.domain.ce import CeState
from fluorodesk.domain.enums import CredentialType as T
from fluorodesk.ui.dialogs.ce_dialog import CeDialog
from fluorodesk.ui.dialogs.credential_dialog import CredentialDialog, VerificationDialog
from fluorodesk.ui.dialogs.reason_dialogs import ExemptionDialog, RetireDialog, VoidDialog
from fluorodesk.ui.dialogs.required_items_dialog import RequiredItemsDialog
from fluorodesk.ui.dialogs.technician_dialog import TechnicianDialog
from fluorodesk.ui.main_window import MainWindow
from fluorodesk.ui.models.row_table_model import RowTableModel, ToneRole
from fluorodesk.ui.tabs import technicians_tab
from fluorodesk.ui.tabs.technician_detail import CE_COLUMNS, CREDENTIAL_COLUMNS
from fluorodesk.ui.tabs.technicians_tab import COLUMNS, TechniciansTab


@pytest.fixture
def window(qtbot, demo_services):
    win = MainWindow(demo_services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.tabs.setCurrentIndex(1)
    return win


@pytest.fixture
def tab(window, qtbot) -> TechniciansTab:
    tab = window.tab(TechniciansTab)
    qtbot.waitUntil(lambda: tab.table.model.rowCount() > 0)
    return tab


def select(tab, name):
    for index, row in enumerate(tab.table.visible_rows()):
        if row.name == name:
            tab.table.view.selectRow(index)
            return row
    raise AssertionError(name)


def select_line(tab, ctype):
    panel = tab.file_panel
    for index, line in enumerate(panel.credentials.visible_rows()):
        if line.type is ctype:
            panel.credentials.view.selectRow(index)
            return line
    raise AssertionError(ctype)


def save(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)


def opened_as(seen: list):
    """A step that notes the dialog (kind and title) and cancels it."""

    def look(dialog):
        seen.append((type(dialog), dialog.windowTitle()))
        dialog.reject()

    return look


def test_file_panel_shows_the_selected_technicians_credentials_and_ce(qtbot, tab):
    select(tab, "Kevin Brooks")
    assert "Kevin Brooks" in tab.detail.text()
    assert "Cannot work: Exclusion check (OIG/SAM) expired" in tab.detail.text()
    lines = tab.file_panel.credentials.visible_rows()
    assert [ln.type for ln in lines] == [  # one line per item the clinic requires, in this order
        T.ARRT,
        T.STATE_LICENSE,
        T.BLS,
        T.TB_SCREENING,
        T.BACKGROUND_CHECK,
        T.EXCLUSION_CHECK,
        T.HEPATITIS_B,
        T.COMPETENCY,
        T.ORIENTATION,
        T.FLUORO_TRAINING,
        T.DOSIMETER_BADGE,
        T.FLUORO_PERMIT,
    ]
    model = tab.file_panel.credentials.model
    exclusion_row = next(i for i, ln in enumerate(model.rows()) if ln.type is T.EXCLUSION_CHECK)
    status = model.index(exclusion_row, 1)
    assert model.data(status).startswith("Expired") and model.data(status, ToneRole) == "critical"
    select(tab, "Daniel Kowalski")
    panel = tab.file_panel
    assert "Behind: 13 of 24 credits" in panel.ce_summary.text()
    assert "fluoroscopy safety: 2 of 4" in panel.ce_summary.text()
    assert panel.ce_activities.model.rowCount() == len(panel.file.ce_activities) == 19
    assert not panel.ce_bar.isHidden()
    row = tab.selected()
    assert row.ce.state is CeState.SHORT


def test_history_view_lists_every_record(qtbot, tab):
    select(tab, "Tom Nguyen")
    panel = tab.file_panel
    current = panel.credentials.model.rowCount()
    panel.show_history.setChecked(True)
    assert panel.credentials.model.rowCount() == len(panel.file.records)
    assert all(ln.record is not None for ln in panel.credentials.visible_rows())
    panel.show_history.setChecked(False)
    assert panel.credentials.model.rowCount() == current


def test_ctrl_n_opens_a_new_technician_only_on_this_tab(qtbot, window, tab, dialogs):
    seen = []
    dialogs.expect(opened_as(seen))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert seen == [(TechnicianDialog, "New technician")]
    window.tabs.setCurrentIndex(0)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # another dialog fails the test


def test_ctrl_e_and_enter_edit_the_selected_technician(qtbot, window, tab, dialogs):
    select(tab, "Grace Chen")
    seen = []
    dialogs.expect(opened_as(seen), opened_as(seen))
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    tab.table.view.setFocus()
    qtbot.keyClick(tab.table.view, Qt.Key.Key_Return)
    assert seen == [(TechnicianDialog, "Edit Grace Chen")] * 2


def test_new_technician_from_the_tab_appears_selected_with_an_empty_file(qtbot, tab, dialogs):
    def type_in(dialog: TechnicianDialog):
        qtbot.keyClicks(dialog.first_name, "Zoe")
        qtbot.keyClicks(dialog.last_name, "Adams")
        save(qtbot, dialog)

    dialogs.expect(type_in)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r.name == "Zoe Adams" for r in tab.table.visible_rows()))
    assert tab.selected().name == "Zoe Adams"  # selected at once, ready for their credentials
    assert tab.detail.text().endswith(  # an empty file: every required item is missing
        "<b>Zoe Adams</b></span> &nbsp; Freelance per diem<br><b style='color:#842029'>Cannot work: "
        "ARRT certification missing; State licence missing; BLS missing; TB screening missing; "
        "Background check missing; Exclusion check (OIG/SAM) missing; Hepatitis B record missing; "
        "Competency assessment missing; Orientation missing; Annual fluoroscopy safety training missing; "
        "Dosimeter badge assigned missing</b>"
    )


def test_double_click_on_a_credential_corrects_it_and_the_file_refreshes(qtbot, tab, dialogs):
    select(tab, "Priya Raman")
    line = select_line(tab, T.BLS)
    view = tab.file_panel.credentials.view
    rect = view.visualRect(view.currentIndex())

    def correct(dialog: CredentialDialog):
        assert isinstance(dialog, CredentialDialog) and dialog.record.id == line.record.id
        dialog.number.clear()
        qtbot.keyClicks(dialog.number, "AHA-2024-77")
        save(qtbot, dialog)

    dialogs.expect(correct)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
    )  # QTest needs the 1st click
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected().name == "Priya Raman"  # the selection survives the refresh
    refreshed = next(ln for ln in tab.file_panel.file.lines if ln.type is T.BLS)
    assert refreshed.record.number == "AHA-2024-77"


def test_add_record_on_a_missing_item_then_the_technician_can_work(qtbot, tab, dialogs):
    select(tab, "Hannah Fischer")
    select_line(tab, T.TB_SCREENING)

    def add(dialog: CredentialDialog):
        assert isinstance(dialog, CredentialDialog) and dialog.type.value() == "tb_screening"
        qtbot.keyClicks(dialog.issued_on, "2026-11-20")
        dialog.result.setEditText("negative (IGRA)")
        save(qtbot, dialog)

    dialogs.expect(add)
    qtbot.mouseClick(tab.file_panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Can work today" in tab.detail.text())
    assert tab.table.selected().readiness.can_work


def test_verify_void_and_not_applicable_open_from_the_file(qtbot, tab, monkeypatch, dialogs):
    select(tab, "Rachel Stein")
    panel = tab.file_panel
    select_line(tab, T.STATE_LICENSE)
    assert panel.verify_button.isEnabled() and not panel.applies_button.isEnabled()
    seen = []
    dialogs.expect(opened_as(seen))
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    select_line(tab, T.STATE_LICENSE)
    dialogs.expect(opened_as(seen))
    qtbot.mouseClick(panel.void_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _title in seen] == [VerificationDialog, VoidDialog]
    select_line(tab, T.HEPATITIS_B)

    def not_applicable(dialog: ExemptionDialog):
        assert isinstance(dialog, ExemptionDialog) and dialog.type.value() == "hepatitis_b"
        qtbot.keyClicks(dialog.reason, "Declined; signed OSHA declination on file instead")
        save(qtbot, dialog)

    dialogs.expect(not_applicable)
    qtbot.mouseClick(panel.na_button, Qt.MouseButton.LeftButton)
    line = select_line(tab, T.HEPATITIS_B)
    assert line.exemption is not None and panel.applies_button.isEnabled()
    asked = []
    monkeypatch.setattr(
        technicians_tab, "confirm_destructive", lambda *a, **k: asked.append(k["verb"]) or True
    )
    qtbot.mouseClick(panel.applies_button, Qt.MouseButton.LeftButton)
    assert asked == ["Make it apply"]
    assert select_line(tab, T.HEPATITIS_B).exemption is None


def test_ce_buttons_open_the_ce_dialogs(qtbot, tab, dialogs):
    select(tab, "Daniel Kowalski")
    panel = tab.file_panel
    panel.pages.setCurrentIndex(1)
    assert not panel.edit_ce_button.isEnabled()
    activities = []

    def look(dialog):
        activities.append((type(dialog), getattr(dialog, "activity", None)))
        dialog.reject()

    dialogs.expect(look)
    qtbot.mouseClick(panel.log_button, Qt.MouseButton.LeftButton)
    panel.ce_activities.view.selectRow(0)
    first = panel.selected_activity()
    dialogs.expect(look)
    qtbot.mouseClick(panel.edit_ce_button, Qt.MouseButton.LeftButton)
    panel.ce_activities.view.selectRow(0)
    dialogs.expect(look)
    qtbot.mouseClick(panel.void_ce_button, Qt.MouseButton.LeftButton)
    assert activities == [(CeDialog, None), (CeDialog, first), (VoidDialog, None)]


def test_retire_then_return_to_the_roster(qtbot, tab, monkeypatch, dialogs):
    total = tab.table.model.rowCount()
    select(tab, "Marcus Hill")

    def retire(dialog: RetireDialog):
        assert isinstance(dialog, RetireDialog)
        qtbot.keyClicks(dialog.retired_reason, "Took a staff job elsewhere")
        save(qtbot, dialog)

    dialogs.expect(retire)
    qtbot.mouseClick(tab.retire_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.model.rowCount() == total - 1)
    tab.show_retired.setChecked(True)
    assert tab.unretire_button.isVisible()
    select(tab, "Marcus Hill")
    assert "Retired 2026-11-26: Took a staff job elsewhere" in tab.detail.text()
    assert tab.unretire_button.isEnabled() and not tab.retire_button.isEnabled()
    monkeypatch.setattr(technicians_tab, "confirm_destructive", lambda *a, **k: False)
    qtbot.mouseClick(tab.unretire_button, Qt.MouseButton.LeftButton)
    assert tab.selected().retired_on is not None  # cancelled: nothing happened
    monkeypatch.setattr(technicians_tab, "confirm_destructive", lambda *a, **k: True)
    qtbot.mouseClick(tab.unretire_button, Qt.MouseButton.LeftButton)
    tab.show_retired.setChecked(False)
    assert tab.table.model.rowCount() == total


def test_required_items_opens_from_the_tab(qtbot, tab, dialogs):
    seen = []
    dialogs.expect(opened_as(seen))
    qtbot.mouseClick(tab.rules_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _title in seen] == [RequiredItemsDialog]


@pytest.mark.parametrize("columns", [COLUMNS, CREDENTIAL_COLUMNS, CE_COLUMNS], ids=["roster", "file", "ce"])
def test_models_pass_the_model_tester(qtmodeltester, demo_services, columns):
    tech = next(r for r in demo_services.technicians.list_rows() if r.name == "Daniel Kowalski")
    file = demo_services.technicians.get_file(tech.id)
    rows = {
        id(COLUMNS): demo_services.technicians.list_rows(include_retired=True),
        id(CREDENTIAL_COLUMNS): list(file.records) + list(file.lines),
        id(CE_COLUMNS): list(file.ce_activities),
    }[id(columns)]
    model = RowTableModel(columns)
    model.set_rows(rows)
    qtmodeltester.check(model)
    for column in range(model.columnCount()):
        model.sort(column, Qt.SortOrder.DescendingOrder)


def test_add_record_on_a_held_item_is_a_renewal_prefilled_from_it(qtbot, tab, dialogs):
    select(tab, "Priya Raman")
    line = select_line(tab, T.STATE_LICENSE)

    def renew(dialog: CredentialDialog):
        assert dialog.windowTitle() == "Renewal of State licence — Priya Raman"
        assert (dialog.number.text(), dialog.issuer.text()) == (line.record.number, line.record.issuer)
        assert dialog.issued_on.text() == "" and dialog.verified_on.text() == ""  # the new card's own facts
        qtbot.keyClicks(dialog.issued_on, "2026-11-20")
        qtbot.keyClicks(dialog.expires_on, "2028-11-30")
        save(qtbot, dialog)

    dialogs.expect(renew)
    qtbot.mouseClick(tab.file_panel.add_button, Qt.MouseButton.LeftButton)
    renewed = next(ln for ln in tab.file_panel.file.lines if ln.type is T.STATE_LICENSE)
    assert renewed.record.expires_on.isoformat() == "2028-11-30"
    assert renewed.status.words.startswith("Unverified")  # a renewal is verified at the source again
    assert "State licence not verified at the source" in tab.detail.text()
