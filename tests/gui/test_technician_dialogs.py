"""The technician dialogs through the keyboard and mouse: what is typed reaches the database (with its
audit event), bad input stays in the dialog with a message under the field, and nothing is written."""

from __future__ import annotations

import json
from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox
from sqlalchemy import func, select

from fluorodesk.db.models import (
    Agency,
    Attachment,
    AuditEvent,
    CeActivity,
    Credential,
    CredentialExemption,
    Setting,
    Technician,
)
from fluorodesk.domain.credentials import CredentialState
from fluorodesk.domain.enums import CredentialType as T
from fluorodesk.domain.enums import EmploymentType
from fluorodesk.services.technicians.rows import CredentialDraft, TechnicianDraft
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.ce_dialog import CeDialog
from fluorodesk.ui.dialogs.credential_dialog import CredentialDialog, VerificationDialog
from fluorodesk.ui.dialogs.reason_dialogs import ExemptionDialog, RetireDialog, VoidDialog
from fluorodesk.ui.dialogs.required_items_dialog import RequiredItemsDialog
from fluorodesk.ui.dialogs.technician_dialog import TechnicianDialog
from fluorodesk.ui.widgets.attachments_panel import AttachmentsPanel
from fluorodesk.ui.widgets.pending_files import PendingFilesPanel


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def snapshot(services) -> tuple[int, ...]:
    models = (Technician, Credential, CeActivity, CredentialExemption, Attachment, AuditEvent, Setting)
    return tuple(count(services, m) for m in models)


def last_event(services) -> AuditEvent:
    with services.db.read() as session:
        return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def error_of(dialog, name) -> QLabel:
    return dialog.findChild(QLabel, f"{name}Error")


def save_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def click_save(qtbot, dialog):
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)


def type_into(qtbot, widget, text):
    widget.clear() if hasattr(widget, "clear") else None
    qtbot.keyClicks(widget, text)


@pytest.fixture
def ana(services):
    return services.technicians.create(TechnicianDraft("Ana", "Lopez", birth_month=3, arrt_id="555"))


# --------------------------------------------------------------------------- technician


def test_new_technician_typed_in_is_saved_with_an_audit_event(qtbot, services, dialogs):
    bus = DataBus()
    dialog = dialogs.show(TechnicianDialog(services, bus))
    qtbot.keyClicks(dialog.first_name, "Maria")
    qtbot.keyClicks(dialog.last_name, "Alvarez")
    qtbot.keyClicks(dialog.arrt_id, "500000")
    dialog.birth_month.set_value(3)
    qtbot.keyClicks(dialog.ce_biennium_start, "03/01/2025")
    qtbot.keyClicks(dialog.start_date, "2024-01-15")
    qtbot.keyClicks(dialog.email, "maria@example.com")
    qtbot.keyClicks(dialog.phone, "916-555-0100")
    with qtbot.waitSignal(bus.changed) as announced:
        click_save(qtbot, dialog)
    assert announced.args[0] == frozenset({"technicians", "contracts"})
    assert not dialog.isVisible() and dialog.result_value.name == "Maria Alvarez"
    with services.db.read() as session:
        tech = session.scalars(select(Technician)).one()
        assert (tech.arrt_id, tech.birth_month, tech.ce_biennium_start) == ("500000", 3, date(2025, 3, 1))
    event = last_event(services)
    assert event.action == "create" and json.loads(event.changes)["email"] == [None, "maria@example.com"]


def test_bad_technician_input_stays_with_messages_and_writes_nothing(qtbot, services, dialogs):
    dialog = dialogs.show(TechnicianDialog(services, DataBus()))
    qtbot.keyClicks(dialog.first_name, "Maria")
    qtbot.keyClicks(dialog.email, "maria at example")
    qtbot.keyClicks(dialog.start_date, "31/12/2026")
    before = snapshot(services)
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    for name in ("last_name", "email", "start_date"):
        assert not error_of(dialog, name).isHidden(), name
    assert error_of(dialog, "first_name").isHidden()
    assert dialog.first_name.text() == "Maria" and dialog.start_date.text() == "31/12/2026"
    assert snapshot(services) == before
    qtbot.keyClicks(dialog.last_name, "Alvarez")
    dialog.email.clear()
    dialog.start_date.clear()
    click_save(qtbot, dialog)
    assert not dialog.isVisible() and count(services, Technician) == 1


def test_duplicate_arrt_id_is_flagged_while_typing(qtbot, services, ana, dialogs):
    dialog = dialogs.show(TechnicianDialog(services, DataBus()))
    qtbot.keyClicks(dialog.arrt_id, "555")
    label = error_of(dialog, "arrt_id")
    assert not label.isHidden() and label.text() == "Ana Lopez already has ARRT ID 555."
    qtbot.keyClicks(dialog.arrt_id, "1")
    assert label.isHidden()
    qtbot.keyClick(dialog.arrt_id, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.first_name, "Ben")
    qtbot.keyClicks(dialog.last_name, "Ode")
    before = snapshot(services)
    click_save(qtbot, dialog)  # the service refuses it too
    assert (
        dialog.isVisible()
        and label.text() == "Ana Lopez already has ARRT ID 555."
        and snapshot(services) == before
    )


def test_editing_keeps_own_arrt_id_and_records_the_change(qtbot, services, ana, dialogs):
    row = services.technicians.list_rows()[0]
    dialog = dialogs.show(TechnicianDialog(services, DataBus(), row=row))
    assert dialog.windowTitle() == "Edit Ana Lopez" and dialog.arrt_id.text() == "555"
    assert error_of(dialog, "arrt_id").isHidden() and not dialog.dirty
    qtbot.keyClicks(dialog.phone, "916-555-0101")
    assert dialog.dirty
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    event = last_event(services)
    assert event.action == "update" and json.loads(event.changes) == {"phone": ["", "916-555-0101"]}


def test_agency_is_chosen_only_for_agency_technicians(qtbot, services, dialogs):
    with services.db.write() as session:
        session.add(Agency(name="Summit Imaging Staffing"))
    dialog = dialogs.show(TechnicianDialog(services, DataBus()))
    assert not dialog.agency_id.isEnabled()
    dialog.employment_type.set_value(EmploymentType.AGENCY.value)
    assert dialog.agency_id.isEnabled()
    qtbot.keyClicks(dialog.first_name, "Tom")
    qtbot.keyClicks(dialog.last_name, "Nguyen")
    click_save(qtbot, dialog)
    assert error_of(dialog, "agency_id").text() == "Choose the agency this technician comes through."
    dialog.agency_id.setCurrentIndex(1)
    click_save(qtbot, dialog)
    assert dialog.result_value.agency == "Summit Imaging Staffing"


def test_tab_moves_through_the_fields_in_reading_order(qtbot, services, dialogs):
    dialog = dialogs.show(TechnicianDialog(services, DataBus()))
    dialog.first_name.setFocus()
    order = []
    for _ in range(3):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        order.append(dialog.focusWidget())
    assert order == [dialog.last_name, dialog.employment_type, dialog.arrt_id]  # agency is disabled


# --------------------------------------------------------------------------- credentials


def test_credential_with_scans_is_saved_in_one_go(qtbot, services, ana, tmp_path, monkeypatch, dialogs):
    scan = tmp_path / "bls-card.pdf"
    scan.write_bytes(b"%PDF-1.4 card")
    dialog = dialogs.show(
        CredentialDialog(services, DataBus(), technician_id=ana.id, technician_name=ana.name, ctype=T.BLS)
    )
    assert dialog.issuer.text() == "American Heart Association"
    qtbot.keyClicks(dialog.issued_on, "2026-03-15")
    assert "Leave blank to use 2028-03-31" in dialog.expiry_rule.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(scan)], ""))
    qtbot.mouseClick(dialog.documents.add_button, Qt.MouseButton.LeftButton)
    assert dialog.documents.files() == [str(scan)] and dialog.dirty
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    record = dialog.result_value
    assert record.expires_on == date(2028, 3, 31) and record.documents == 1
    with services.db.read() as session:
        att = session.scalars(select(Attachment)).one()
    copied = services.db.data_dir.root / att.stored_path
    assert copied.read_bytes() == scan.read_bytes() and att.owner_id == record.id


def test_credential_dates_out_of_order_show_under_their_fields(qtbot, services, ana, dialogs):
    dialog = dialogs.show(CredentialDialog(services, DataBus(), technician_id=ana.id, ctype=T.STATE_LICENSE))
    assert dialog.form.labelForField(dialog.expires_on.parentWidget()).text() == "Expires on *"
    qtbot.keyClicks(dialog.issued_on, "2026-05-01")
    qtbot.keyClicks(dialog.expires_on, "2026-04-01")
    qtbot.keyClicks(dialog.verified_on, "2026-05-02")
    before = snapshot(services)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and snapshot(services) == before
    assert error_of(dialog, "expires_on").text() == "The expiry date is before the issue date."
    assert error_of(dialog, "verified_by").text() == "Say who verified it."
    assert not error_of(dialog, "verification_method").isHidden()
    assert dialog.expires_on.text() == "2026-04-01"  # kept as typed


def test_a_file_that_is_not_a_scan_is_refused_when_chosen(
    qtbot, services, ana, tmp_path, monkeypatch, dialogs
):
    dialog = dialogs.show(CredentialDialog(services, DataBus(), technician_id=ana.id, ctype=T.BLS))
    notes = tmp_path / "notes.docx"
    notes.write_text("x")
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(notes)], ""))
    qtbot.mouseClick(dialog.evidence.add_button, Qt.MouseButton.LeftButton)
    assert dialog.evidence.files() == [] and "PDF, PNG or JPEG" in warned[0]


def test_correcting_a_record_shows_its_documents(qtbot, services, ana, tmp_path, monkeypatch, dialogs):
    scan = tmp_path / "card.png"
    scan.write_bytes(b"\x89PNG")
    record = services.credentials.add(
        CredentialDraft(ana.id, T.BLS, issued_on="2026-01-10"), [(scan, "document")]
    )
    dialog = dialogs.show(CredentialDialog(services, DataBus(), technician_id=ana.id, record=record))
    assert not dialog.type.isEnabled() and dialog.issued_on.text() == "2026-01-10"
    assert isinstance(dialog.documents, AttachmentsPanel) and dialog.documents.list.count() == 1
    assert dialog.evidence.list.count() == 0  # evidence is listed apart from the scans
    proof = tmp_path / "ecard.png"
    proof.write_bytes(b"\x89PNG ecard")
    assert dialog.evidence.add_file(str(proof))
    assert dialog.evidence.list.count() == 1 and dialog.documents.list.count() == 1
    opened = []
    monkeypatch.setattr(
        "fluorodesk.ui.widgets.attachments_panel.QDesktopServices.openUrl", lambda url: opened.append(url)
    )
    dialog.documents.list.setCurrentRow(0)
    dialog.documents.open_selected()  # the system viewer gets the copy in the data folder
    copy = services.db.data_dir.root / services.attachments.list_for("credential", record.id)[0].stored_path
    assert opened[0].toLocalFile() == str(copy) and copy.read_bytes() == b"\x89PNG"
    dialog.number.clear()
    qtbot.keyClicks(dialog.number, "AHA-778")
    click_save(qtbot, dialog)
    assert dialog.result_value.number == "AHA-778" and last_event(services).action == "update"


def test_verification_dialog_records_who_when_how_and_evidence(
    qtbot, services, ana, tmp_path, monkeypatch, dialogs
):
    record = services.credentials.add(CredentialDraft(ana.id, T.ARRT, number="555", issued_on="2026-06-01"))
    dialog = dialogs.show(VerificationDialog(services, DataBus(), record=record, technician_name="Ana Lopez"))
    assert dialog.verified_on.text() == "2026-11-26"
    assert save_button(dialog).text() == "Record verification"
    before = snapshot(services)
    click_save(qtbot, dialog)
    assert not error_of(dialog, "verified_by").isHidden() and snapshot(services) == before
    qtbot.keyClicks(dialog.verified_by, "L. Ortiz")
    dialog.verification_method.setCurrentIndex(0)
    qtbot.keyClicks(dialog.verification_reference, "https://arrt.org verify, 2026-11-26")
    page = tmp_path / "verify.pdf"
    page.write_bytes(b"%PDF verify")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(page)], ""))
    qtbot.mouseClick(dialog.files.add_button, Qt.MouseButton.LeftButton)
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    done = services.credentials.get(record.id)
    assert done.verified_by == "L. Ortiz" and done.verification_method.startswith("ARRT online")
    assert done.evidence == 1
    file = services.technicians.get_file(ana.id)
    assert next(ln for ln in file.lines if ln.type is T.ARRT).status.state is CredentialState.CURRENT


def test_void_dialog_needs_a_reason_and_has_the_verb(qtbot, services, ana, dialogs):
    record = services.credentials.add(CredentialDraft(ana.id, T.BLS, issued_on="2026-01-10"))
    dialog = dialogs.show(
        VoidDialog(
            DataBus(), what="this BLS record", action=lambda r: services.credentials.void(record.id, r)
        )
    )
    button = save_button(dialog)
    assert button.text() == "Void record" and not button.isDefault()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    click_save(qtbot, dialog)
    assert error_of(dialog, "void_reason").text() == "Say why this record is wrong."
    qtbot.keyClicks(dialog.void_reason, "Wrong technician")
    click_save(qtbot, dialog)
    assert services.credentials.get(record.id).void_reason == "Wrong technician"


# --------------------------------------------------------------------------- CE, not applicable, retire, rules


def test_ce_dialog_logs_credits_with_certificate(qtbot, services, ana, tmp_path, monkeypatch, dialogs):
    dialog = dialogs.show(CeDialog(services, DataBus(), technician_id=ana.id))
    assert isinstance(dialog.files, PendingFilesPanel)
    qtbot.keyClicks(dialog.completed_on, "2026-11-27")
    qtbot.keyClicks(dialog.title, "Radiation Safety in Clinical Fluoroscopy")
    dialog.credits.lineEdit().selectAll()
    qtbot.keyClicks(dialog.credits.lineEdit(), "2.5")
    qtbot.mouseClick(dialog.fluoro_safety, Qt.MouseButton.LeftButton)
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF certificate")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(certificate)], ""))
    qtbot.mouseClick(dialog.files.add_button, Qt.MouseButton.LeftButton)
    before = snapshot(services)
    click_save(qtbot, dialog)
    assert (
        error_of(dialog, "completed_on").text()
        == "The completion date is in the future; log it once it is done."
    )
    assert snapshot(services) == before
    dialog.completed_on.clear()
    qtbot.keyClicks(dialog.completed_on, "2026-11-20")
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    row = dialog.result_value
    assert (row.credits, row.fluoro_safety, row.certificates) == (2.5, True, 1)
    edit = dialogs.show(CeDialog(services, DataBus(), technician_id=ana.id, activity=row))
    assert edit.title.text().startswith("Radiation") and edit.files.list.count() == 1 and not edit.dirty


def test_not_applicable_needs_a_reason(qtbot, services, ana, dialogs):
    dialog = dialogs.show(
        ExemptionDialog(
            services,
            DataBus(),
            technician_id=ana.id,
            technician_name="Ana Lopez",
            types=[T.HEPATITIS_B, T.BACKGROUND_CHECK],
            selected=T.BACKGROUND_CHECK,
        )
    )
    assert dialog.type.value() == "background_check"
    click_save(qtbot, dialog)
    assert not error_of(dialog, "reason").isHidden() and count(services, CredentialExemption) == 0
    qtbot.keyClicks(dialog.reason, "The agency runs the background check")
    click_save(qtbot, dialog)
    assert not dialog.isVisible() and count(services, CredentialExemption) == 1
    assert last_event(services).entity == "credential_exemptions"


def test_retire_dialog_takes_the_technician_off_the_roster(qtbot, services, ana, dialogs):
    row = services.technicians.list_rows()[0]
    dialog = dialogs.show(RetireDialog(services, DataBus(), row=row))
    assert save_button(dialog).text() == "Retire Ana Lopez"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    dialog.retired_on.clear()
    qtbot.keyClicks(dialog.retired_on, "2026-12-01")
    click_save(qtbot, dialog)
    assert not error_of(dialog, "retired_on").isHidden() and not error_of(dialog, "retired_reason").isHidden()
    dialog.retired_on.clear()
    qtbot.keyClicks(dialog.retired_on, "2026-11-26")
    qtbot.keyClicks(dialog.retired_reason, "Moved to Oregon")
    click_save(qtbot, dialog)
    assert services.technicians.list_rows() == [] and last_event(services).action == "retire"


def test_required_items_dialog_changes_the_clinic_rules(qtbot, services, ana, dialogs):
    dialog = dialogs.show(RequiredItemsDialog(services, DataBus()))
    assert dialog.checks[T.TB_SCREENING].isChecked() and not dialog.checks[T.FLUORO_PERMIT].isChecked()
    for kind in (T.TB_SCREENING, T.FLUORO_PERMIT):
        box = dialog.checks[kind]
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    spin = dialog.numbers["credentials.warning_days"]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "30")
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    current = services.settings.load()
    assert "tb_screening" not in current["credentials.required_types"]
    assert "fluoro_permit" in current["credentials.required_types"]
    assert current["credentials.warning_days"] == 30
    row = services.technicians.list_rows()[0]
    assert (
        row.status_of(T.TB_SCREENING) is None
        and row.status_of(T.FLUORO_PERMIT).state is CredentialState.MISSING
    )
    with services.db.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "settings")
            )
            == 2
        )
