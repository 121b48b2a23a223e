"""The contract screens through qtbot: typing, toggling clauses, saving, inline errors, agencies, clauses."""

from __future__ import annotations

import json
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton, QScrollArea
from sqlalchemy import func, select

from fluorodesk.db.models import Agency, AuditEvent, ClauseDefinition, Contract, ContractClauseCheck
from fluorodesk.domain.enums import ClauseStatus, ContractParty, EmploymentType
from fluorodesk.services.agencies import AgencyDraft
from fluorodesk.services.technicians.rows import TechnicianDraft
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.agency_dialogs import AGENCY_COLUMNS, AgenciesDialog, AgencyDialog
from fluorodesk.ui.dialogs.clause_dialogs import CLAUSE_COLUMNS, ClauseDialog, ClausesDialog
from fluorodesk.ui.dialogs.contract_actions import EvaluationDialog, TerminateDialog
from fluorodesk.ui.dialogs.contract_dialog import EVALUATION_COLUMNS, HISTORY_COLUMNS, ContractDialog
from fluorodesk.ui.models.row_table_model import RowTableModel
from fluorodesk.ui.tabs.contracts_tab import ContractsTab

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def error_text(dialog, name) -> str | None:
    label = dialog.findChild(QLabel, f"{name}Error")
    assert label is not None, name
    return None if label.isHidden() else label.text()


@pytest.fixture
def ana(services):
    return services.technicians.create(
        TechnicianDraft("Ana", "Lopez", EmploymentType.PER_DIEM, start_date=date(2025, 1, 1))
    )


def open_contract_dialog(dialogs, services, **kw) -> ContractDialog:
    return dialogs.show(ContractDialog(services, DataBus(), **kw))


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def save_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def mark(qtbot, dialog, key, status) -> None:
    """Go to the Clauses page, scroll to the clause and click its status, as a user would."""
    dialog.pages.setCurrentIndex(2)
    line = dialog.checklist.line(key)
    dialog.checklist.findChild(QScrollArea).ensureWidgetVisible(line.buttons[status])
    click(qtbot, line.buttons[status])
    assert line.status() is status


def keystone(services):
    return next(r for r in services.contracts.list_rows() if r.party.startswith("Keystone") and r.current)


# --------------------------------------------------------------------------- the contract dialog


def test_new_contract_typed_clauses_toggled_and_saved(qtbot, services, ana, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    assert dialog.party_type.value() == ContractParty.TECHNICIAN.value
    assert len(dialog.checklist.lines) == 12  # every active clause for a technician contract
    choose(dialog.party, ana.id)
    assert "signs their own" not in dialog.party_hint.text()
    qtbot.keyClicks(dialog.effective_on, "2026-01-01")
    click(qtbot, dialog.findChild(QPushButton, "oneYearTerm"))
    assert dialog.expires_on.value() == "2026-12-31"
    dialog.pages.setCurrentIndex(1)
    qtbot.keyClicks(dialog.signed_on, "12/15/2025")
    qtbot.keyClicks(dialog.clinic_signatory, "Dr. Helen Park")
    qtbot.keyClicks(dialog.party_signatory, "Ana Lopez")
    qtbot.keyClicks(dialog.rate_amount, "$58.50")
    choose(dialog.rate_basis, "per_hour")
    for line in dialog.checklist.lines.values():
        mark(qtbot, dialog, line.row.key, ClauseStatus.PRESENT)
    assert dialog.checklist.missing_required() == 0
    assert dialog.pages.tabText(2) == "&Clauses (complete)"
    insurance = dialog.checklist.line("insurance")
    mark(qtbot, dialog, "insurance", ClauseStatus.NOT_APPLICABLE)
    qtbot.keyClicks(insurance.note, "Covered by the clinic's policy")
    mark(qtbot, dialog, "i9_responsibility", ClauseStatus.MISSING)
    assert "1 missing" in dialog.pages.tabText(2)
    dialog.pages.setCurrentIndex(3)
    for row in range(3):
        dialog.procedures.list.item(row).setCheckState(Qt.CheckState.Checked)
    assert dialog.dirty
    with qtbot.waitSignal(dialog.bus.changed):
        click(qtbot, save_button(dialog))
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = dialog.result_value
    assert (
        saved.row.party == "Ana Lopez" and saved.rate_amount == 58.5 and saved.signed_on == date(2025, 12, 15)
    )
    assert saved.row.missing_clauses == ("Who performs the I-9",)
    assert len(saved.procedure_ids) == 3
    with services.db.read() as session:
        checks = {c.clause.key: (c.status, c.note) for c in session.scalars(select(ContractClauseCheck))}
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "contracts")).one()
    assert checks["insurance"] == (ClauseStatus.NOT_APPLICABLE, "Covered by the clinic's policy")
    assert checks["qc_duties"] == (ClauseStatus.PRESENT, "")
    assert event.action == "create" and event.actor == "tester"
    assert json.loads(event.changes)["clause:i9_responsibility"] == [None, "missing"]


def test_bad_input_shows_inline_keeps_input_and_writes_nothing(qtbot, services, ana, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    events_before = count(services.db, AuditEvent)
    qtbot.keyClicks(dialog.effective_on, "2026-12-01")
    qtbot.keyClicks(dialog.expires_on, "2026-11-01")
    qtbot.keyClicks(dialog.signed_on, "2027-01-01")
    qtbot.keyClicks(dialog.clinic_signatory, "Dr. Park")
    qtbot.keyClicks(dialog.party_signatory, "Ana")
    qtbot.keyClicks(dialog.rate_amount, "-5")
    choose(dialog.rate_basis, "per_day")
    dialog.pages.setCurrentIndex(3)
    click(qtbot, save_button(dialog))
    assert dialog.isVisible()
    assert error_text(dialog, "party") == "Choose the technician this contract is with."
    assert "before it takes effect" in error_text(dialog, "expires_on")
    assert "in the future" in error_text(dialog, "signed_on")
    assert error_text(dialog, "rate_amount") == "The rate cannot be negative."
    assert error_text(dialog, "effective_on") is None
    assert dialog.pages.currentIndex() == 0  # taken to the first page with a problem
    assert dialog.pages.tabText(0).endswith("⚠") and dialog.pages.tabText(1).endswith("⚠")
    assert dialog.rate_amount.text() == "-5" and dialog.expires_on.value() == "2026-11-01"  # kept
    assert count(services.db, Contract) == 0 and count(services.db, AuditEvent) == events_before
    # Fixing them clears the marks and saves.
    choose(dialog.party, ana.id)
    dialog.expires_on.setText("2026-12-31")
    dialog.signed_on.setText("2026-11-20")
    dialog.rate_amount.setText("500")
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible() and count(services.db, Contract) == 1


def test_required_clause_not_applicable_without_reason_is_flagged_on_its_line(qtbot, services, ana, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    choose(dialog.party, ana.id)
    qtbot.keyClicks(dialog.effective_on, "2026-01-01")
    assert "baa" not in [x.row.key for x in dialog.checklist.lines.values()]  # an agency clause
    qc = dialog.checklist.line("qc_duties")
    mark(qtbot, dialog, "qc_duties", ClauseStatus.NOT_APPLICABLE)
    dialog.pages.setCurrentIndex(0)
    click(qtbot, save_button(dialog))
    assert dialog.isVisible() and dialog.pages.currentIndex() == 2
    assert not qc.error.isHidden() and "QC duties" in qc.error.text()
    assert dialog.general_error.isHidden()
    qtbot.keyClicks(qc.note, "The clinic's physicist does QC")
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible()


def test_procedures_clause_present_needs_ticked_procedures(qtbot, services, ana, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    choose(dialog.party, ana.id)
    qtbot.keyClicks(dialog.effective_on, "2026-01-01")
    mark(qtbot, dialog, "procedures", ClauseStatus.PRESENT)
    dialog.pages.setCurrentIndex(0)
    click(qtbot, save_button(dialog))
    assert "Tick the procedures" in error_text(dialog, "procedures")
    assert dialog.pages.currentIndex() == 3
    qtbot.keyClicks(dialog.procedures.filter, "64483")
    visible = [
        i for i in range(dialog.procedures.list.count()) if not dialog.procedures.list.item(i).isHidden()
    ]
    assert len(visible) == 1
    click(qtbot, dialog.findChild(QPushButton, "tickAllProcedures"))
    assert len(dialog.procedures.selected_ids()) == 1
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible()


def test_switching_the_party_kind_rebuilds_the_checklist_keeping_decisions(qtbot, services, dialogs):
    services.agencies.create(AgencyDraft("Summit Imaging Staffing"))
    dialog = open_contract_dialog(dialogs, services)
    mark(qtbot, dialog, "qc_duties", ClauseStatus.PRESENT)
    choose(dialog.party_type, ContractParty.AGENCY.value)
    assert len(dialog.checklist.lines) == 14
    assert dialog.checklist.line("qc_duties").status() is ClauseStatus.PRESENT
    assert dialog.title_edit.text() == "Staffing services agreement"
    assert [dialog.party.itemText(i) for i in range(dialog.party.count())] == [
        "(choose…)",
        "Summit Imaging Staffing",
    ]
    choose(dialog.party_type, ContractParty.TECHNICIAN.value)
    assert len(dialog.checklist.lines) == 12


def test_auto_renewal_fields_only_for_auto_renewing_contracts(qtbot, services, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    assert not dialog.notice_days.isEnabled()
    choose(dialog.renewal_type, "auto")
    assert dialog.notice_days.isEnabled() and dialog.renewal_term.isEnabled()


def test_dirty_dialog_asks_before_closing(qtbot, services, monkeypatch, dialogs):
    dialog = open_contract_dialog(dialogs, services)
    assert not dialog.dirty
    mark(qtbot, dialog, "qc_duties", ClauseStatus.PRESENT)
    assert dialog.dirty
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(1) or QMessageBox.StandardButton.Cancel
    )
    dialog.reject()
    assert asked == [1] and dialog.isVisible()


def test_opening_a_contract_shows_it_unchanged_and_edits_are_audited(qtbot, demo_services, dialogs):
    row = keystone(demo_services)
    dialog = open_contract_dialog(dialogs, demo_services, contract_id=row.id)
    assert not dialog.dirty
    assert dialog.party.value() == row.agency_id and dialog.rate_amount.text() == "62.00"
    assert "2 missing" in dialog.pages.tabText(2)
    assert dialog.checklist.line("qc_duties").status() is ClauseStatus.MISSING
    dialog.pages.setCurrentIndex(5)
    assert dialog.evaluations.model.rowCount() == 1 and dialog.history.model.rowCount() == 2
    assert "Next evaluation was due 2026-10-22</span> (last 2025-10-22)" in dialog.evaluation_status.text()
    mark(qtbot, dialog, "qc_duties", ClauseStatus.PRESENT)
    qtbot.keyClicks(dialog.checklist.line("qc_duties").note, "Schedule B")
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible()
    assert dialog.result_value.row.missing_clauses == ("Reporting technical problems and deviations",)
    with demo_services.db.read() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert event.action == "update" and event.entity_id == row.id
    assert json.loads(event.changes) == {"clause:qc_duties": ["missing", "present (Schedule B)"]}


def test_renewal_dialog_prefills_and_saves_a_linked_contract(qtbot, demo_services, dialogs):
    row = keystone(demo_services)
    before = count(demo_services.db, Contract)
    dialog = open_contract_dialog(dialogs, demo_services, renew_of=row.id)
    assert not dialog.party.isEnabled() and dialog.party.value() == row.agency_id
    assert dialog.effective_on.value() == "2027-01-30" and dialog.expires_on.value() == "2028-01-29"
    assert dialog.signed_on.value() == "" and "2 missing" in dialog.pages.tabText(2)
    assert dialog.history.model.rowCount() == 2  # the terms so far
    qtbot.keyClicks(dialog.signed_on, "2026-11-25")
    qtbot.keyClicks(dialog.clinic_signatory, "Dr. Helen Park")
    qtbot.keyClicks(dialog.party_signatory, "Bill Harmon")
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible()
    new = dialog.result_value
    assert new.renews_contract_id == row.id and count(demo_services.db, Contract) == before + 1
    assert [h.effective_on for h in new.history][-2:] == [row.effective_on, date(2027, 1, 30)]


def test_documents_chosen_for_a_new_contract_are_attached_on_save(qtbot, services, ana, tmp_path, dialogs):
    scan = tmp_path / "signed contract.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    letter = tmp_path / "rate letter.png"
    letter.write_bytes(b"\x89PNG rate")
    dialog = open_contract_dialog(dialogs, services)
    choose(dialog.party, ana.id)
    qtbot.keyClicks(dialog.effective_on, "2026-01-01")
    dialog.signed_docs.add_pending(str(scan))
    dialog.amendment_docs.add_pending(str(letter))
    assert "(2)" in dialog.pages.tabText(4)
    click(qtbot, save_button(dialog))
    contract_id = dialog.result_value.row.id
    attached = services.attachments.list_for("contract", contract_id)
    assert {(a.original_name, a.purpose) for a in attached} == {
        ("signed contract.pdf", "signed_contract"),
        ("rate letter.png", "amendment"),
    }
    again = open_contract_dialog(dialogs, services, contract_id=contract_id)
    assert again.signed_docs.panel.list.count() == 1 and again.amendment_docs.panel.list.count() == 1


# --------------------------------------------------------------------------- terminate, evaluate


def test_terminate_confirms_with_the_verb_and_cancel_changes_nothing(
    qtbot, demo_services, monkeypatch, dialogs
):
    row = keystone(demo_services)
    dialog = dialogs.show(TerminateDialog(demo_services, DataBus(), contract=row))
    assert dialog.terminated_on.value() == "2027-01-30"  # the day after the term ends
    asked = []
    monkeypatch.setattr(
        "fluorodesk.ui.dialogs.contract_actions.confirm_destructive",
        lambda *a, **k: asked.append(k) or False,
    )
    qtbot.keyClicks(dialog.reason, "Notice given by letter")
    click(qtbot, save_button(dialog))
    assert asked[0]["verb"] == "Terminate" and dialog.isVisible()
    assert demo_services.contracts.get(row.id).terminated_on is None
    monkeypatch.setattr("fluorodesk.ui.dialogs.contract_actions.confirm_destructive", lambda *a, **k: True)
    dialog.terminated_on.setText("2020-01-01")
    click(qtbot, save_button(dialog))
    assert "before it takes effect" in error_text(dialog, "terminated_on")
    dialog.terminated_on.setText("2027-01-30")
    click(qtbot, save_button(dialog))
    assert not dialog.isVisible()
    assert demo_services.contracts.get(row.id).terminated_on == date(2027, 1, 30)


def test_evaluation_dialog_inline_errors_then_saved(qtbot, demo_services, dialogs):
    row = keystone(demo_services)
    dialog = dialogs.show(EvaluationDialog(demo_services, DataBus(), contract=row))
    assert (
        dialog.evaluator.text() == "Dr. Helen Park, MD" and dialog.evaluated_on.value() == TODAY.isoformat()
    )
    click(qtbot, save_button(dialog))
    assert "Choose satisfactory" in error_text(dialog, "outcome")
    choose(dialog.outcome, "needs_improvement")
    dialog.evaluated_on.setText("2027-01-01")
    dialog.save()
    assert "in the future" in error_text(dialog, "evaluated_on") and error_text(dialog, "notes")
    dialog.evaluated_on.setText(TODAY.isoformat())
    qtbot.keyClicks(dialog.notes, "QC logs still incomplete.")
    dialog.save()
    assert not dialog.isVisible()
    assert demo_services.contracts.get(row.id).row.evaluation_due == date(2027, 11, 26)


def test_record_evaluation_from_the_contract_dialog_refreshes_its_history(qtbot, demo_services, dialogs):
    row = keystone(demo_services)
    dialog = open_contract_dialog(dialogs, demo_services, contract_id=row.id)

    def fill(child: EvaluationDialog):
        choose(child.outcome, "satisfactory")
        child.save()

    dialogs.expect(fill)
    click(qtbot, dialog.evaluate_button)
    assert dialog.evaluations.model.rowCount() == 2
    assert "2027-11-26" in dialog.evaluation_status.text()


# --------------------------------------------------------------------------- agencies


def test_agency_dialog_creates_with_contacts_and_shows_errors_inline(qtbot, services, dialogs):
    services.agencies.create(AgencyDraft("Summit Imaging Staffing"))
    dialog = dialogs.show(AgencyDialog(services, DataBus()))
    qtbot.keyClicks(dialog.name, "summit imaging staffing")
    click(qtbot, dialog.findChild(QPushButton, "addContact"))
    line = dialog.contact_lines[0]
    qtbot.keyClicks(line.role, "Billing")
    click(qtbot, save_button(dialog))
    assert error_text(dialog, "contacts.0") == "Enter the contact's name (or remove the row)."
    assert count(services.db, Agency) == 1
    qtbot.keyClicks(line.name, "Dana Whitfield")
    dialog.save()
    assert "already called" in error_text(dialog, "name")
    dialog.name.setText("Keystone Rad Tech Partners")
    dialog.save()
    assert not dialog.isVisible()
    detail = dialog.result_value
    assert [(c.name, c.role) for c in detail.contacts] == [("Dana Whitfield", "Billing")]


def test_agencies_dialog_lists_techs_and_deactivates_with_the_verb(
    qtbot, demo_services, monkeypatch, dialogs
):
    dialog = dialogs.show(AgenciesDialog(demo_services, DataBus()))
    names = [r.name for r in dialog.table.visible_rows()]
    assert names == ["Keystone Rad Tech Partners", "Summit Imaging Staffing"]
    dialog.table.view.selectRow(1)
    assert "Maria Alvarez" in dialog.detail.text() and "Dana Whitfield" in dialog.detail.text()
    verbs = []
    monkeypatch.setattr(
        "fluorodesk.ui.dialogs.agency_dialogs.confirm_destructive",
        lambda *a, **k: verbs.append(k["verb"]) or True,
    )
    click(qtbot, dialog.active_button)
    assert verbs == ["Deactivate"]
    assert [r.name for r in dialog.table.visible_rows()] == ["Keystone Rad Tech Partners"]
    click(qtbot, dialog.show_inactive)
    assert len(dialog.table.visible_rows()) == 3
    summit = next(i for i, r in enumerate(dialog.table.visible_rows()) if r.name.startswith("Summit"))
    dialog.table.view.selectRow(summit)
    assert dialog.active_button.text() == "Reactivate"
    click(qtbot, dialog.active_button)
    assert [a.active for a in demo_services.agencies.list_rows() if a.name.startswith("Summit")] == [True]


def test_agencies_dialog_new_and_edit_go_through_the_agency_dialog(qtbot, services, dialogs):
    dialog = dialogs.show(AgenciesDialog(services, DataBus()))

    def new(child: AgencyDialog):
        assert isinstance(child, AgencyDialog) and child.agency_id is None
        child.name.setText("Valley Staffing")
        child.save()

    dialogs.expect(new)
    click(qtbot, dialog.new_button)
    assert [r.name for r in dialog.table.visible_rows()] == ["Valley Staffing"]
    assert dialog.table.selected().name == "Valley Staffing"

    def edit(child: AgencyDialog):
        assert isinstance(child, AgencyDialog) and child.name.text() == "Valley Staffing"
        child.phone.setText("555-0100")
        child.save()

    dialogs.expect(edit)
    click(qtbot, dialog.edit_button)
    assert dialog.table.selected().phone == "555-0100"


# --------------------------------------------------------------------------- clause definitions


def test_custom_clause_added_in_the_clauses_dialog_appears_on_new_contracts(
    qtbot, services, monkeypatch, dialogs
):
    dialog = dialogs.show(ClausesDialog(services, DataBus()))
    assert dialog.table.model.rowCount() == 14
    dialog.table.view.selectRow(0)
    assert not dialog.edit_button.isEnabled()  # built in

    def fill(child):
        assert isinstance(child, ClauseDialog)
        qtbot.keyClicks(child.title_edit, "Parking and badge access")
        choose(child.applies_to, "technician")
        child.save()

    dialogs.expect(fill)
    click(qtbot, dialog.new_button)
    assert dialog.table.model.rowCount() == 15
    assert dialog.table.selected().title == "Parking and badge access" and dialog.edit_button.isEnabled()
    contract = open_contract_dialog(dialogs, services)
    assert "custom_parking_and_badge_access" in [line.row.key for line in contract.checklist.lines.values()]
    monkeypatch.setattr("fluorodesk.ui.dialogs.clause_dialogs.confirm_destructive", lambda *a, **k: True)
    click(qtbot, dialog.retire_button)
    with services.db.read() as session:
        assert (
            not session.scalars(
                select(ClauseDefinition).where(ClauseDefinition.key == "custom_parking_and_badge_access")
            )
            .one()
            .active
        )


def test_clause_dialog_rejects_a_duplicate_title_inline(qtbot, services, dialogs):
    dialog = dialogs.show(ClauseDialog(services, DataBus()))
    qtbot.keyClicks(dialog.title_edit, "QC duties")
    dialog.save()
    assert "already a clause" in error_text(dialog, "title") and dialog.isVisible()


# --------------------------------------------------------------------------- the tab


def make_tab(qtbot, services):
    tab = ContractsTab(services, DataBus())
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    return tab


def test_tab_shows_current_contracts_and_history_on_request(qtbot, demo_services):
    tab = make_tab(qtbot, demo_services)
    current = [
        "Sofia Rossi",
        "Grace Chen",
        "Keystone Rad Tech Partners",
        "Kevin Brooks",
        "Marcus Hill",
        "Summit Imaging Staffing",
    ]
    assert [(r.party, r.current) for r in tab.table.visible_rows()] == [(p, True) for p in current]
    click(qtbot, tab.show_history)
    assert [(r.party, r.current) for r in tab.table.visible_rows()] == [(p, True) for p in current] + [
        ("Keystone Rad Tech Partners", False),  # renewed
        ("Bayview Radiology Staffing", False),  # ended
    ]
    old = next(r for r in tab.table.visible_rows() if r.party.startswith("Keystone") and not r.current)
    tab.select(old.id)
    assert not tab.renew_button.isEnabled() and "Already renewed" in tab.renew_button.toolTip()
    assert not tab.evaluate_button.isEnabled()


def test_tab_detail_and_buttons_follow_the_selection(qtbot, demo_services):
    tab = make_tab(qtbot, demo_services)
    assert not tab.edit_button.isEnabled()
    row = keystone(demo_services)
    tab.select(row.id)
    text = tab.detail.text()
    assert "<b>Missing clauses</b></p><ul><li>QC duties</li><li>Reporting technical problems" in text
    assert "Certificate of insurance expired 2026-11-14." in text
    assert "<b>Technicians covered</b><br>Hannah Fischer, Tom Nguyen, Rachel Stein</p>" in text
    assert "<b>Renewal history</b></p><ul><li>2025-01-30 → 2026-01-29: Renewed from 2026-01-30</li>" in text
    assert tab.edit_button.isEnabled() and tab.renew_button.isEnabled() and tab.evaluate_button.isEnabled()


def test_tab_opens_the_right_dialogs_and_reselects_after_saving(qtbot, demo_services, monkeypatch, dialogs):
    tab = make_tab(qtbot, demo_services)
    opened = []

    def cancel(dialog):
        opened.append(dialog)
        dialog.reject()

    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    dialogs.expect(cancel)
    qtbot.keyClick(tab.table.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(opened[-1], ContractDialog) and opened[-1].contract_id is None
    row = keystone(demo_services)
    tab.select(row.id)
    dialogs.expect(cancel)
    tab.table.activated.emit(tab.table.selected())  # Enter / double-click
    assert opened[-1].contract_id == row.id
    for button, kind in (
        (tab.renew_button, ContractDialog),
        (tab.terminate_button, TerminateDialog),
        (tab.evaluate_button, EvaluationDialog),
        (tab.agencies_button, AgenciesDialog),
        (tab.clauses_button, ClausesDialog),
    ):
        dialogs.expect(cancel)
        click(qtbot, button)
        assert type(opened[-1]) is kind
    assert opened[2].renew_of == row.id

    def terminate(dialog: TerminateDialog):
        monkeypatch.setattr(
            "fluorodesk.ui.dialogs.contract_actions.confirm_destructive", lambda *a, **k: True
        )
        dialog.reason.setText("Replaced")
        dialog.save()

    dialogs.expect(terminate)
    click(qtbot, tab.terminate_button)
    assert tab.table.selected().id == row.id and tab.table.selected().terminated_on == date(2027, 1, 30)
    assert tab.terminate_button.text() == "Withdraw termination…"
    monkeypatch.setattr("fluorodesk.ui.tabs.contracts_tab.confirm_destructive", lambda *a, **k: True)
    click(qtbot, tab.terminate_button)
    assert tab.table.selected().terminated_on is None


def test_every_contract_table_model_passes_the_model_tester(qtmodeltester, demo_services):
    row = keystone(demo_services)
    detail = demo_services.contracts.get(row.id)
    for columns, rows in (
        (AGENCY_COLUMNS, demo_services.agencies.list_rows(include_inactive=True)),
        (CLAUSE_COLUMNS, demo_services.contracts.clause_definitions(include_retired=True)),
        (EVALUATION_COLUMNS, detail.evaluations),
        (HISTORY_COLUMNS, detail.history),
    ):
        assert rows
        model = RowTableModel(columns)
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)
