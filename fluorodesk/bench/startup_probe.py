"""Start-up probes run in a fresh process: `python -m fluorodesk.bench.startup_probe bare|app [DATA_DIR]`.

Each prints the seconds from interpreter start to the window shown and painted once, then quits.
The app probe goes through the same steps as ``fluorodesk.app.run_gui`` up to ``app.exec()``.
"""

from __future__ import annotations

import sys
import time


def _process_age() -> float:
    """Seconds since this process started (includes the interpreter's own start-up)."""
    with open("/proc/self/stat") as handle:
        start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    import os

    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _shown(app, window) -> None:  # type: ignore[no-untyped-def]
    window.show()
    window.repaint()
    app.processEvents()


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    tabs = QTabWidget()
    for name in ("Overview", "Technicians", "Contracts", "Aprons", "Exposure Logs"):
        tabs.addTab(QWidget(), name)
    window.setCentralWidget(tabs)
    _shown(app, window)


def fluorodesk_app(data_dir: str) -> None:
    from PySide6.QtWidgets import QApplication

    from fluorodesk.db.database import open_database
    from fluorodesk.paths import DataDir
    from fluorodesk.services.registry import Services
    from fluorodesk.ui.fonts import register_fonts
    from fluorodesk.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    register_fonts(app)
    services = Services(open_database(DataDir(__import__("pathlib").Path(data_dir))))
    window = MainWindow(services)
    _shown(app, window)


if __name__ == "__main__":
    t0 = time.perf_counter()
    if sys.argv[1] == "bare":
        bare()
    else:
        fluorodesk_app(sys.argv[2])
    print(f"{_process_age():.4f} {time.perf_counter() - t0:.4f}")
