"""Inspection day, keyboard only: scan (or type) an ID, Enter, Enter, next.  No mouse anywhere here.

Every key goes to whatever widget has the focus (``focused()``), so these tests also prove that the
focus lands where the next key is expected: scan field → garment card → scan field.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fluorodesk.domain.enums import GarmentStatus, InspectionResult
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.inspection_day import InspectionDayDialog
from fluorodesk.ui.dialogs.inspection_dialog import InspectionDialog, InspectionMemory

from ..conftest import TODAY

INSPECTOR = "Grace Chen, RT(R)"


def focused():
    return QApplication.focusWidget()


def type_keys(qtbot, text: str) -> None:
    """Each key goes to whichever widget has the focus at that moment, as on a real keyboard."""
    for char in text:
        qtbot.keyClicks(focused(), char)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def scan(qtbot, code: str) -> None:
    """What a USB barcode scanner does: type the ID, then Enter."""
    type_keys(qtbot, code)
    press(qtbot, Qt.Key.Key_Return)


@pytest.fixture
def day(qtbot, demo_services, dialogs):
    bus = DataBus()
    dialog = dialogs.show(InspectionDayDialog(demo_services, bus, memory=InspectionMemory()))
    dialog.activateWindow()
    qtbot.waitUntil(lambda: focused() is not None)
    return dialog


def recorded(day) -> list[str]:
    return [r.garment_code for r in day.table.model.rows()]


def test_scan_enter_records_a_pass_and_returns_to_the_scan_field(qtbot, day, demo_services):
    assert focused() is day.inspector  # nobody named yet: the inspector comes first
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is day.scan
    before = len(recorded(day))
    with qtbot.waitSignal(day.bus.changed):
        scan(qtbot, "a-006")  # scanners and people type either case
        assert focused() is day.card and "A-006" in day.card.header.text()
        assert "Enter</b> = PASS (visual + tactile, 2026-11-26, Grace Chen, RT(R))" in day.card.keys.text()
        press(qtbot, Qt.Key.Key_Return)
    assert focused() is day.scan and day.card.isHidden()
    assert recorded(day)[0] == "A-006" and len(recorded(day)) == before + 1
    assert "A-006</b>: pass recorded" in day.message.text()
    saved = demo_services.garment_inspections.recorded_on(TODAY)[0]
    assert (saved.result, saved.inspector, saved.methods_words) == (
        InspectionResult.PASS,
        INSPECTOR,
        "Visual + tactile",
    )
    assert day.memory.inspector == INSPECTOR  # remembered for the session
    # Scanning it again warns before recording a second inspection.
    scan(qtbot, "A-006")
    assert "Already recorded on this day" in day.card.note.text()
    press(qtbot, Qt.Key.Key_Escape)
    assert "Skipped A-006" in day.message.text() and focused() is day.scan
    assert len(recorded(day)) == before + 1


def test_unknown_lost_and_disposed_ids_get_a_clear_message_and_nothing_is_saved(qtbot, day, demo_services):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    before = len(recorded(day))
    scan(qtbot, "Z-999")
    assert "No garment has the ID <b>“Z-999”</b>" in day.message.text()
    assert day.message.property("kind") == "error"
    assert focused() is day.scan and day.scan.selectedText() == "Z-999"  # the next scan replaces it
    scan(qtbot, "A-032")  # replaces the selected text
    assert "A-032 is reported lost. Mark it found first" in day.message.text()
    scan(qtbot, "T-034")
    assert day.message.text() == "T-034 was disposed of on 2026-05-31; it can no longer be inspected."
    assert day.card.isHidden() and len(recorded(day)) == before


def test_scanning_the_next_label_before_recording_says_so_and_starts_over(qtbot, day):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    scan(qtbot, "A-007")
    assert focused() is day.card
    scan(qtbot, "A-008")  # the first character lands on the card and moves to the scan field
    assert "A-007 was <b>not</b> recorded" in day.message.text()
    assert focused() is day.card and "A-008" in day.card.header.text()
    press(qtbot, Qt.Key.Key_Return)
    assert recorded(day)[0] == "A-008" and "A-007" not in recorded(day)


def test_the_fail_path_opens_defect_entry_and_takes_the_garment_out_of_service(
    qtbot, day, demo_services, dialogs
):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    scan(qtbot, "A-004")

    def fail(dialog: InspectionDialog):
        qtbot.waitUntil(lambda: focused() is dialog.defects.lines[0].area)  # straight into the first size
        type_keys(qtbot, "4 x 5")
        assert dialog.proposal.text() == "Fail: Critical area defect 20 mm² exceeds 15 mm²."
        assert "leaves service: quarantined" in dialog.consequence.text()
        press(qtbot, Qt.Key.Key_Tab)
        type_keys(qtbot, "crack, left chest")
        press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # Dis&position
        assert focused() is dialog.disposition
        type_keys(qtbot, "Rem")  # keyboard search in the list: Remove
        assert dialog.disposition.value() == "remove"
        press(qtbot, Qt.Key.Key_Return)  # Enter saves, as in every dialog

    dialogs.expect(fail)
    press(qtbot, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: focused() is day.scan)
    assert "A-004</b>: fail recorded (Critical area 20 mm²; remove)" in day.message.text()
    assert recorded(day)[0] == "A-004"
    row = demo_services.garments.find_by_code("A-004")
    assert row.status is GarmentStatus.REMOVED and row.last_result is InspectionResult.FAIL


def test_cancelling_the_fail_dialog_records_nothing(qtbot, day, dialogs):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    before = len(recorded(day))
    scan(qtbot, "A-011")

    def cancel(dialog: InspectionDialog):
        qtbot.waitUntil(lambda: focused() is dialog.defects.lines[0].area)
        type_keys(qtbot, "30")
        press(qtbot, Qt.Key.Key_Escape)  # dirty: the Save/Discard/Cancel question answers Discard here

    dialogs.expect(cancel)
    press(qtbot, Qt.Key.Key_F)
    assert "Nothing recorded for A-011" in day.message.text()
    qtbot.waitUntil(lambda: focused() is day.scan)
    assert len(recorded(day)) == before


def test_a_bad_session_entry_keeps_the_garment_and_points_at_the_field(qtbot, day, demo_services):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Tab)  # inspector → date
    assert focused() is day.inspected_on
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "2026-13-01")
    press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # &Garment ID
    assert focused() is day.scan
    scan(qtbot, "A-009")
    press(qtbot, Qt.Key.Key_Return)
    assert day.message.text() == (
        "Not saved: “2026-13-01” is not a date; use YYYY-MM-DD (e.g. 2026-03-31) or MM/DD/YYYY."
    )
    assert focused() is day.inspected_on and day.current is not None and day.current.code == "A-009"
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "11/25/2026")  # US dates are fine too
    press(qtbot, Qt.Key.Key_Return)  # back to the garment waiting on the card
    assert focused() is day.card and "2026-11-25" not in day.card.keys.text()
    assert "11/25/2026" in day.card.keys.text()
    press(qtbot, Qt.Key.Key_Return)
    saved = demo_services.garment_inspections.list_for_garment(day.table.model.rows()[0].garment_id)[0]
    assert str(saved.inspected_on) == "2026-11-25"
    assert day.message.text() == (
        "✓ <b>A-009</b>: pass recorded (visual + tactile, 2026-11-25, Grace Chen, RT(R)). Scan the next garment."
    )


def test_imaging_methods_toggle_with_alt_keys_and_need_a_kvp(qtbot, day, demo_services):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    fluoro = day.methods.boxes[list(day.methods.boxes)[2]]
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # F&luoroscopic
    qtbot.waitUntil(fluoro.isChecked)
    press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    scan(qtbot, "A-012")
    press(qtbot, Qt.Key.Key_Return)
    assert day.message.text() == (
        "Not saved: Enter the kVp used for the imaging (manual technique, about 80 kVp for fluoroscopy)."
    )
    assert focused() is day.kvp
    type_keys(qtbot, "80")
    press(qtbot, Qt.Key.Key_Return)  # back to the card
    assert focused() is day.card
    press(qtbot, Qt.Key.Key_Return)
    saved = demo_services.garment_inspections.recorded_on(TODAY)[0]
    assert saved.garment_code == "A-012" and saved.methods_words == "Visual + tactile + fluoroscopic (80 kVp)"


def test_thirty_garments_take_three_keystrokes_plus_the_id_each(qtbot, day, demo_services):
    type_keys(qtbot, INSPECTOR)
    press(qtbot, Qt.Key.Key_Return)
    codes = [r.code for r in demo_services.garments.list_rows() if r.can_be_inspected][:30]
    assert len(codes) == 30
    before = len(recorded(day))
    keys = 0
    started = time.perf_counter()
    for code in codes:
        scan(qtbot, code)
        press(qtbot, Qt.Key.Key_Return)
        keys += len(code) + 2
    elapsed = time.perf_counter() - started
    assert len(recorded(day)) == before + 30
    assert keys / 30 == 7  # "A-001" + Enter (a scanner does these) + Enter
    print(f"\n30 garments recorded through the keyboard flow in {elapsed:.2f} s of app time")
