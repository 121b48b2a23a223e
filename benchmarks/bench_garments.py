"""Garment timings on a demo clinic (run by hand: `.venv/bin/python benchmarks/bench_garments.py`).

Measures what inspection day and label printing cost: recording 30 passes through the service,
the same 30 through the keyboard-only panel (offscreen), listing 300 garments, and 300 labels.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def clinic(root: Path):  # type: ignore[no-untyped-def]
    from fluorodesk.db.database import open_database
    from fluorodesk.paths import DataDir
    from fluorodesk.services.registry import Services

    services = Services(open_database(DataDir(root)), "bench", today=date(2026, 11, 26))
    services.demo.load()
    return services


def timed(label: str, fn) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    print(f"{label:58} {time.perf_counter() - started:6.2f} s  {result or ''}")


def main() -> None:
    from fluorodesk.services.garment_inspections import InspectionDraft
    from fluorodesk.services.garments import GarmentDraft

    with tempfile.TemporaryDirectory() as folder:
        services = clinic(Path(folder) / "a")
        codes = [r.code for r in services.garments.list_rows() if r.can_be_inspected][:30]

        def service_passes() -> str:
            for code in codes:
                row = services.garments.find_by_code(code)
                services.garment_inspections.record(
                    InspectionDraft(garment_id=row.id, inspector="Bench, RT(R)")
                )
            return f"{len(codes)} inspections"

        timed("30 passes through the service (lookup + record)", service_passes)

        ui_services = clinic(Path(folder) / "b")

        def keyboard_flow() -> str:
            from PySide6.QtCore import Qt
            from PySide6.QtTest import QTest
            from PySide6.QtWidgets import QApplication

            from fluorodesk.ui.bus import DataBus
            from fluorodesk.ui.dialogs.inspection_day import InspectionDayDialog
            from fluorodesk.ui.dialogs.inspection_dialog import InspectionMemory

            app = QApplication.instance() or QApplication([])
            day = InspectionDayDialog(
                ui_services, DataBus(), memory=InspectionMemory(inspector="Bench, RT(R)")
            )
            day.show()
            keys = 0
            for code in codes:
                QTest.keyClicks(day.scan, code)
                QTest.keyClick(day.scan, Qt.Key.Key_Return)
                QTest.keyClick(day.card, Qt.Key.Key_Return)
                keys += len(code) + 2
            app.processEvents()
            return (
                f"{len(day.table.model.rows())} in the running list, {keys / len(codes):.0f} keys per garment"
            )

        timed("30 passes through the inspection-day panel (keyboard)", keyboard_flow)

        for n in range(270):
            services.garments.create(GarmentDraft(f"B-{n:03d}", "apron", received_on="2026-01-01"))
        timed("list 300+ garments with state", lambda: f"{len(services.garments.list_rows())} rows")
        timed("findings as of today", lambda: f"{len(services.compliance.findings())} findings")

        from fluorodesk.reports.labels import make_labels

        def labels() -> str:
            sheet = make_labels(services, Path(folder) / "labels.pdf")
            return f"{sheet.labels} labels, {sheet.pages} pages"

        timed("label sheet for every garment at hand", labels)


if __name__ == "__main__":
    main()
