"""File → Import… previews every row before writing; Export… writes a file that reads back."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from fluorodesk.db.models import Technician
from fluorodesk.paths import resources_dir
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.transfer_dialogs import ExportDialog, ImportDialog

SAMPLES = resources_dir() / "samples"


def technicians(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(Technician))


def test_import_previews_then_imports(qtbot, services):
    bus = DataBus()
    dialog = ImportDialog(services, bus)
    qtbot.addWidget(dialog)
    dialog.kind.set_value("technicians")
    dialog.path.setText(str(SAMPLES / "technicians.csv"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert [(r.row, r.outcome) for r in dialog.preview.visible_rows()] == [(2, "new"), (3, "new"), (4, "new")]
    assert technicians(services) == 0  # the check wrote nothing
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "Import 3 rows"
    with qtbot.waitSignal(bus.changed):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert technicians(services) == 3
    assert "imported 3 new" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()


def test_a_bad_file_shows_problems_first_and_cannot_be_imported(qtbot, services, tmp_path):
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(
            [["first_name", "last_name", "email"], ["Ana", "Li", "ana@x.org"], ["Bo", "", "bo@x.org"]]
        )
    dialog = ImportDialog(services, DataBus())
    qtbot.addWidget(dialog)
    dialog.kind.set_value("technicians")
    dialog.path.setText(str(path))
    dialog.check()
    first = dialog.preview.visible_rows()[0]
    assert first.outcome == "error" and first.row == 3 and "last_name" in first.messages[0]
    assert not dialog.import_button.isEnabled()
    assert "cannot be imported" in dialog.summary.text()
    assert technicians(services) == 0


def test_changing_the_file_invalidates_the_preview(qtbot, services):
    dialog = ImportDialog(services, DataBus())
    qtbot.addWidget(dialog)
    dialog.kind.set_value("technicians")
    dialog.path.setText(str(SAMPLES / "technicians.csv"))
    dialog.check()
    assert dialog.import_button.isEnabled()
    dialog.path.setText(str(SAMPLES / "garments.csv"))
    assert not dialog.import_button.isEnabled() and dialog.preview.model.rowCount() == 0


def test_export_writes_a_file_that_imports_back_unchanged(qtbot, demo_services, tmp_path):
    dialog = ExportDialog(demo_services)
    qtbot.addWidget(dialog)
    dialog.kind.set_value("garments")
    assert dialog.export_to(tmp_path / "garments.csv")
    total = len(demo_services.garments.list_rows(include_disposed=True))
    assert f"Exported {total} rows" in dialog.result_label.text()
    report = demo_services.imports.run("garments", tmp_path / "garments.csv")
    assert report.ok and report.count("unchanged") == total
