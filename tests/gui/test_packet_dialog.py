"""File → Make audit packet…: the dialog makes a packet in the background and opens it."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtGui import QDesktopServices

from fluorodesk.ui.dialogs.packet_dialog import PacketDialog
from fluorodesk.ui.main_window import MainWindow


def test_dialog_makes_the_packet_and_opens_it(qtbot, demo_services, tmp_path, monkeypatch, dialogs):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    dialog = dialogs.show(PacketDialog(demo_services))
    assert dialog.prepared_by.text() == "Dr. Helen Park, MD"
    assert dialog.period_to.value() == "2026-11-26" and dialog.period_from.value() == "2025-11-27"
    dialog.out.setText(str(tmp_path / "audit packet"))  # .pdf is added
    progress = []
    with qtbot.waitSignal(dialog.run_finished, timeout=60000) as blocker:
        worker = dialog.start()
        worker.progress.connect(lambda percent, _text: progress.append(percent))
        assert (
            dialog.running and not dialog.make_button.isEnabled() and dialog.close_button.text() == "Cancel"
        )
        assert dialog.progress.isVisible()
    outcome = blocker.args[0]
    assert outcome.error is None and outcome.result.pages > 20
    target = tmp_path / "audit packet.pdf"
    assert len(PdfReader(target).pages) == outcome.result.pages and opened == [str(target)]
    assert progress == sorted(progress) and progress[-1] == 100
    assert not dialog.isVisible()  # accepted


def test_worker_finished_signal_carries_the_result(qtbot, demo_services, tmp_path, dialogs):
    dialog = dialogs.show(PacketDialog(demo_services, opener=lambda path: None))
    dialog.out.setText(str(tmp_path / "p.pdf"))
    for key, box in dialog.section_boxes.items():
        box.setChecked(key in ("exceptions", "attestation"))
    worker = dialog.start()
    with qtbot.waitSignal(worker.finished, timeout=60000) as blocker:
        pass
    assert blocker.args[0].result.sections == ("exceptions", "attestation")


def test_bad_input_is_shown_inline_and_nothing_starts(qtbot, demo_services, tmp_path, dialogs):
    dialog = dialogs.show(PacketDialog(demo_services, opener=lambda path: None))
    dialog.as_of.setText("2026-02-30")
    dialog.out.setText(str(tmp_path / "missing" / "p.pdf"))
    for box in dialog.section_boxes.values():
        box.setChecked(False)
    assert dialog.start() is None and not dialog.running
    assert "is not a date" in dialog.findChild(type(dialog.status), "as_ofError").text()
    assert "does not exist" in dialog.findChild(type(dialog.status), "outError").text()
    assert "at least one section" in dialog.sections_error.text()
    assert not (tmp_path / "missing").exists()


def test_cancel_stops_and_writes_nothing(qtbot, demo_services, tmp_path, dialogs):
    dialog = dialogs.show(PacketDialog(demo_services, opener=lambda path: None))
    dialog.out.setText(str(tmp_path / "p.pdf"))
    with qtbot.waitSignal(dialog.run_finished, timeout=60000) as blocker:
        dialog.start()
        dialog.close_button.click()  # Cancel while running
    assert blocker.args[0].cancelled
    assert [p.name for p in tmp_path.iterdir()] == ["demo-clinic"]  # the clinic's data only: nothing written
    assert dialog.status.text() == "Cancelled. No file was written."
    assert not dialog.isVisible()  # Cancel while running closes the dialog once the work has stopped


def test_a_failure_is_shown_calmly(qtbot, demo_services, tmp_path, monkeypatch, dialogs):
    def broken(*_args, **_kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr("fluorodesk.reports.pdf.render.layout", broken)
    dialog = dialogs.show(PacketDialog(demo_services, opener=lambda path: None))
    dialog.out.setText(str(tmp_path / "p.pdf"))
    with qtbot.waitSignal(dialog.run_finished, timeout=60000):
        dialog.start()
    assert "Your records are safe" in dialog.status.text() and dialog.isVisible()
    assert dialog.make_button.isEnabled() and dialog.close_button.text() == "Close"


def test_file_menu_opens_the_dialog(qtbot, demo_services):
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    window.show()
    assert window.packet_action.isEnabled()
    window.packet_action.trigger()
    dialog = window.packet_dialog
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, PacketDialog) and dialog.isVisible()
    assert Path(dialog.out.text()).suffix == ".pdf"
    dialog.reject()
