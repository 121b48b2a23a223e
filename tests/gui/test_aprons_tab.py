"""The Aprons tab and its dialogs on the demo clinic: live pass/fail proposal, inline errors, status
changes, void/amend/disposition, images and labels."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, GarmentInspection
from fluorodesk.domain.enums import GarmentStatus, InspectionResult
from fluorodesk.domain.garments import StatusAction
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.garment_dialogs import GarmentDialog, StatusDialog
from fluorodesk.ui.dialogs.inspection_dialog import InspectionDialog, InspectionMemory
from fluorodesk.ui.dialogs.labels_dialog import LabelsDialog
from fluorodesk.ui.main_window import MainWindow
from fluorodesk.ui.tabs.aprons_tab import ApronsTab

INSPECTOR = "Grace Chen, RT(R)"
# Typing a known inspector's name pops up the completer, which the offscreen platform cannot raise.
pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def inspection_dialog(dialogs, services, code, **kw):
    garment = services.garments.find_by_code(code)
    kw.setdefault("memory", InspectionMemory(inspector=INSPECTOR))
    return dialogs.show(InspectionDialog(services, DataBus(), garment, **kw))


# --------------------------------------------------------------------------- the live proposal


@pytest.mark.parametrize(
    ("code", "zone", "at_limit", "over"),
    [
        ("A-001", "critical", "15", "15.01"),
        ("A-001", "noncritical", "670", "670.01"),
        ("T-021", "thyroid", "11", "11.01"),
    ],
)
def test_the_rule_proposes_live_at_the_exact_limits(
    qtbot, demo_services, code, zone, at_limit, over, dialogs
):
    dialog = inspection_dialog(dialogs, demo_services, code)
    assert dialog.proposal.text() == "Pass: no defects entered."
    line = dialog.defects.add_defect(zone, focus=True)
    qtbot.keyClicks(line.area, at_limit)
    assert dialog.result_choice.value() == "pass" and dialog.proposal.text().startswith("Pass")
    assert line.verdict.text().startswith("OK: ") and f"within {float(at_limit):g} mm²" in line.verdict.text()
    line.area.clear()
    qtbot.keyClicks(line.area, over)
    assert dialog.result_choice.value() == "fail"
    assert (
        dialog.proposal.text().startswith("Fail: ")
        and f"exceeds {float(at_limit):g} mm²" in dialog.proposal.text()
    )
    assert line.verdict.text().startswith("Fails: ")
    assert dialog.disposition.value() is None and "leaves service" in dialog.consequence.text()


def test_a_thyroid_shield_is_judged_by_the_thyroid_limit_whatever_zone(qtbot, demo_services, dialogs):
    dialog = inspection_dialog(dialogs, demo_services, "T-021")
    line = dialog.defects.add_defect("critical")
    qtbot.keyClicks(line.area, "12")
    assert dialog.proposal.text() == "Fail: Thyroid defect 12 mm² exceeds 11 mm²."


def test_choosing_pass_over_the_rule_is_explained_and_refused_inline(qtbot, demo_services, dialogs):
    before = (count(demo_services, GarmentInspection), count(demo_services, AuditEvent))
    dialog = inspection_dialog(dialogs, demo_services, "A-001")
    line = dialog.defects.add_defect("critical")
    qtbot.keyClicks(line.area, "3 x 6")
    assert "18 mm² exceeds 15 mm²" in line.verdict.text()
    dialog.result_choice.set_value("pass")
    dialog.result_choice.activated.emit(dialog.result_choice.currentIndex())
    assert "The rule says fail" in dialog.consequence.text()
    dialog.save()
    assert dialog.isVisible()
    error = dialog.findChild(type(dialog.proposal), "resultError")
    assert not error.isHidden() and "cannot pass" in error.text()
    assert line.area.text() == "3 x 6"  # input kept
    assert (count(demo_services, GarmentInspection), count(demo_services, AuditEvent)) == before


def test_a_bad_defect_size_is_shown_under_its_line(qtbot, demo_services, dialogs):
    dialog = inspection_dialog(dialogs, demo_services, "A-001")
    line = dialog.defects.add_defect("critical")
    qtbot.keyClicks(line.area, "big")
    assert line.verdict.text() == "“big” is not a size yet"
    dialog.save()
    assert dialog.isVisible() and not line.error.isHidden()
    assert line.error.text().startswith("Defect 1: “big” is not a size")
    assert dialog.general_error.isHidden()


def test_save_records_the_inspection_attaches_images_and_announces(qtbot, demo_services, tmp_path, dialogs):
    photo = tmp_path / "crack.png"
    photo.write_bytes(b"\x89PNG not really")
    memory = InspectionMemory(inspector=INSPECTOR)
    dialog = inspection_dialog(dialogs, demo_services, "A-002", memory=memory)
    line = dialog.defects.add_defect("noncritical")
    qtbot.keyClicks(line.area, "900")
    qtbot.keyClicks(line.description, "seam split, back panel")
    dialog.disposition.set_value("discard")
    dialog.disposition.activated.emit(dialog.disposition.currentIndex())
    assert dialog.add_pending_image(photo)
    with qtbot.waitSignal(dialog.bus.changed):
        dialog.save()
    saved = dialog.result_value
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert saved.result is InspectionResult.FAIL and saved.defects_words == "Seam/overlap/back 900 mm²"
    assert demo_services.garment_inspections.get(saved.id).images == 1
    assert demo_services.garments.find_by_code("A-002").status is GarmentStatus.REMOVED
    assert memory.inspector == INSPECTOR and INSPECTOR in memory.inspectors


def test_a_file_that_is_not_an_image_is_refused_before_saving(
    qtbot, demo_services, tmp_path, monkeypatch, dialogs
):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    notes = tmp_path / "notes.docx"
    notes.write_text("x")
    dialog = inspection_dialog(dialogs, demo_services, "A-002")
    assert not dialog.add_pending_image(notes)
    assert len(warned) == 1 and "PDF, PNG or JPEG" in warned[0] and dialog.images.count() == 0


def test_amend_prefills_the_original_and_needs_a_reason(qtbot, demo_services, dialogs):
    garment = demo_services.garments.find_by_code("A-001")
    original = demo_services.garment_inspections.list_for_garment(garment.id)[0]
    dialog = inspection_dialog(dialogs, demo_services, "A-001", amend=original)
    assert dialog.windowTitle() == f"Amend inspection of A-001 ({original.inspected_on})"
    assert dialog.inspector.text() == original.inspector and dialog.inspected_on.value() == str(
        original.inspected_on
    )
    dialog.save()
    assert (
        dialog.findChild(type(dialog.proposal), "amend_reasonError").text()
        == "Say what was wrong with the original record."
    )
    qtbot.keyClicks(dialog.amend_reason, "Wrong inspector name")
    dialog.inspector.clear()
    qtbot.keyClicks(dialog.inspector, "Maria Alvarez, RT(R)")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert demo_services.garment_inspections.get(original.id).voided
    assert dialog.result_value.amends_id == original.id


# --------------------------------------------------------------------------- garments and status


def test_garment_dialog_validates_inline_and_creates(qtbot, demo_services, dialogs):
    dialog = dialogs.show(GarmentDialog(demo_services, DataBus()))
    qtbot.keyClicks(dialog.code, "a-001")
    qtbot.keyClicks(dialog.lead_front_mm, "5")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.findChild(type(dialog.code), "code") is dialog.code
    assert "already has the ID A-001" in dialog.findChild(type(dialog.general_error), "codeError").text()
    assert "at most 2 mm" in dialog.findChild(type(dialog.general_error), "lead_front_mmError").text()
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, "A-040")
    dialog.lead_front_mm.clear()
    qtbot.keyClicks(dialog.lead_front_mm, "0.35")
    dialog.type.set_value("thyroid")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    row = dialog.result_value
    assert (row.code, row.type.value, row.lead_front_mm) == ("A-040", "thyroid", 0.35)


def test_found_dialog_quarantines_until_re_inspected(qtbot, demo_services, dialogs):
    lost = demo_services.garments.find_by_code("A-032")
    dialog = dialogs.show(StatusDialog(demo_services, DataBus(), lost, StatusAction.FOUND))
    assert dialog.findChild(type(dialog.general_error), "intro").text() == (
        "<b>A-032</b> · Full apron · now <b>lost</b><p>It turned up. It is held in quarantine until it passes a "
        "re-inspection (use Inspection day or Record inspection).</p>"
    )
    qtbot.keyClicks(dialog.reason, "Behind the OR 2 door")
    dialog.save()
    row = dialog.result_value
    assert row.status is GarmentStatus.QUARANTINED and row.awaiting_reinspection


def test_dispose_needs_a_method(qtbot, demo_services, dialogs):
    removed = demo_services.garments.find_by_code("A-010")
    dialog = dialogs.show(StatusDialog(demo_services, DataBus(), removed, StatusAction.DISPOSE))
    dialog.save()
    assert (
        dialog.isVisible()
        and "how it was disposed"
        in dialog.findChild(type(dialog.general_error), "disposal_methodError").text()
    )
    qtbot.keyClicks(dialog.disposal_method, "Returned to the vendor for recycling")
    dialog.save()
    assert dialog.result_value.status is GarmentStatus.DISPOSED


# --------------------------------------------------------------------------- the tab


@pytest.fixture
def tab(qtbot, demo_services):
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # shortcuts (Ctrl+N...) go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.tabs.setCurrentIndex(3)
    aprons = window.tab(ApronsTab)
    qtbot.waitUntil(lambda: aprons.table.model.rowCount() > 0)
    yield aprons  # the generator keeps ``window`` alive until the test is over


def test_tab_lists_the_demo_with_status_words_and_detail(qtbot, tab, qtmodeltester):
    qtmodeltester.check(tab.table.model)
    rows = {r.code: r for r in tab.table.model.rows()}
    assert "T-034" not in rows  # disposed of: hidden until "Show disposed"
    tab.show_disposed.setChecked(True)
    assert "T-034" in {r.code for r in tab.table.model.rows()}
    assert tab.select_garment(rows["A-010"].id)
    assert "Removed from service" in tab.detail.header.text()
    assert tab.detail.inspections.model.rowCount() == 4
    qtmodeltester.check(tab.detail.inspections.model)
    assert "Critical area defect 42 mm² exceeds 15 mm²" in tab.detail.history.text()
    assert not tab.detail.record_button.isEnabled()  # removed: cannot be inspected
    assert tab.select_garment(rows["A-002"].id)
    voided = [r for r in tab.detail.inspections.model.rows() if r.voided]
    assert voided and "Duplicate entry" in voided[0].void_reason
    assert not tab.detail.selected_inspection().voided  # the newest record that counts is selected
    assert tab.detail.amend_button.isEnabled()


def test_new_garment_with_ctrl_n_then_record_an_inspection_with_ctrl_i(qtbot, tab, dialogs):
    def fill_garment(dialog):
        qtbot.keyClicks(dialog.code, "A-050")
        qtbot.keyClicks(dialog.location, "OR 1")
        dialog.save()

    dialogs.expect(fill_garment)
    tab.table.view.setFocus()
    qtbot.keyClick(tab.table.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert tab.table.selected().code == "A-050"
    assert tab.notice.text() == "Added A-050. Its acceptance inspection is due on receipt."

    def pass_it(dialog):
        assert dialog.acceptance.isChecked()  # its first inspection is the acceptance inspection
        qtbot.keyClicks(dialog.inspector, INSPECTOR)
        dialog.save()

    dialogs.expect(pass_it)
    qtbot.keyClick(tab.table.view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert tab.table.selected().last_result is InspectionResult.PASS
    assert tab.notice.text() == "A-050: pass recorded."
    [inspection] = tab.detail.inspections.model.rows()
    assert inspection.acceptance and inspection.inspector == INSPECTOR
    assert tab.memory.inspector == INSPECTOR


def test_status_menu_offers_only_what_applies(qtbot, tab, dialogs):
    rows = {r.code: r for r in tab.table.model.rows()}
    tab.select_garment(rows["A-032"].id)  # lost
    visible = {a for a, act in tab.status_actions.items() if act.isVisible()}
    assert visible == {StatusAction.FOUND, StatusAction.REMOVE}

    def found(dialog):
        qtbot.keyClicks(dialog.reason, "In the linen cart")
        dialog.save()

    dialogs.expect(found)
    tab.status_actions[StatusAction.FOUND].trigger()
    assert tab.table.selected().status is GarmentStatus.QUARANTINED
    assert tab.notice.text() == "A-032: quarantined. Re-inspect before use (found 2026-11-26)."


def test_void_amend_and_disposition_from_the_detail(qtbot, tab, dialogs, demo_services):
    rows = {r.code: r for r in tab.table.model.rows()}
    tab.select_garment(rows["A-003"].id)
    newest = tab.detail.selected_inspection()
    assert tab.detail.void_button.isEnabled() and not tab.detail.disposition_button.isEnabled()

    def void(dialog):
        qtbot.keyClicks(dialog.reason, "Typed for the wrong apron")
        dialog.save()

    dialogs.expect(void)
    tab.detail.void_button.click()
    voided = demo_services.garment_inspections.get(newest.id)
    assert voided.voided and voided.void_reason == "Typed for the wrong apron"
    assert tab.notice.text() == f"Inspection #{newest.id} voided; it stays on file, marked void."

    # A fail recorded without a disposition, completed from the detail.
    garment = demo_services.garments.find_by_code("A-003")
    from fluorodesk.services.garment_inspections import DefectDraft, InspectionDraft

    failed = demo_services.garment_inspections.record(
        InspectionDraft(garment_id=garment.id, inspector=INSPECTOR, defects=[DefectDraft("critical", "30")])
    )
    tab.refresh()
    tab.select_garment(garment.id)
    assert tab.detail.selected_inspection().id == failed.id and tab.detail.disposition_button.isEnabled()

    def remove(dialog):
        dialog.disposition.set_value("remove")
        dialog.save()

    dialogs.expect(remove)
    tab.detail.disposition_button.click()
    assert tab.table.selected().status is GarmentStatus.REMOVED
    assert tab.notice.text() == "A-003: disposition remove."


def test_print_labels_writes_the_pdf_and_opens_it(qtbot, demo_services, tmp_path, monkeypatch, dialogs):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    target = tmp_path / "labels.pdf"
    dialog = dialogs.show(
        LabelsDialog(demo_services, selected=demo_services.garments.find_by_code("A-001"), target=target),
    )
    dialog.which.set_value("codes")
    qtbot.keyClicks(dialog.codes, "A-001, T-021 A-005")
    dialog.page_size.set_value("a4")
    assert dialog.start.maximum() == 21
    dialog.layout_choice.set_value("large")
    assert dialog.start.maximum() == 14
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted and opened == [str(target)]
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert all(code in text for code in ("A-001", "T-021", "A-005"))


def test_print_labels_refuses_an_unknown_id_inline(qtbot, demo_services, tmp_path, dialogs):
    dialog = dialogs.show(LabelsDialog(demo_services, target=tmp_path / "l.pdf"))
    dialog.which.set_value("codes")
    qtbot.keyClicks(dialog.codes, "Z-404")
    dialog.save()
    assert dialog.isVisible()
    assert "Z-404" in dialog.findChild(type(dialog.general_error), "codesError").text()
    assert not (tmp_path / "l.pdf").exists()


def test_images_dialog_attaches_to_the_inspection(qtbot, demo_services, tmp_path, dialogs):
    from fluorodesk.ui.dialogs.garment_dialogs import InspectionImagesDialog

    garment = demo_services.garments.find_by_code("A-005")
    row = demo_services.garment_inspections.list_for_garment(garment.id)[0]
    dialog = dialogs.show(InspectionImagesDialog(demo_services, row))
    radiograph = tmp_path / "A-005-fluoro.jpg"
    radiograph.write_bytes(b"\xff\xd8 jpeg-ish")
    assert dialog.panel.add_file(str(radiograph))
    assert dialog.panel.list.count() == 1
    assert demo_services.garment_inspections.get(row.id).images == 1
    assert demo_services.attachments.list_for("inspection", row.id)[0].purpose == "image"
