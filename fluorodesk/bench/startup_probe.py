"""Start-up probes run in a fresh process: `python -m fluorodesk.bench.startup_probe bare|app [DATA_DIR]`.

Each prints seconds since the process started (the interpreter's own start-up included):

* ``bare``: a bare QMainWindow with tabs, shown and painted once;
* ``app DATA_DIR [TYPING]``: three numbers: the sign-in window shown and painted (the first thing a
  user sees), the FluoroDesk main window shown and painted, then the Overview's findings on screen;
  with ``TYPING``, then the seconds each other tab takes to open for the first time, in order.
  It runs the real start-up (``fluorodesk.app.run_gui`` → ``ui/startup.run_session``: instance lock, quick
  check, the sign-in window while the database opens behind it, automatic backup, main window) on
  the data folder.  Only the *typing* is skipped: the real sign-in window is shown and painted, then
  the benchmark account signs in at once with ``AuthService.login`` (what the window calls on
  Enter, password check included) -- or, with ``TYPING`` seconds, after that long with the window
  answering events, as while a user types.  ``QApplication.exec`` is replaced by the measurement, so
  the process ends once the Overview is filled instead of waiting for the user.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: How long the app probe waits for the Overview's findings before giving up (seconds).
OVERVIEW_TIMEOUT = 120.0


#: Set by the benchmark just before it starts the probe: the wall-clock time of the launch.  The
#: kernel's record of a process's start counts in 10 ms ticks, too coarse for a 0.12 s window.
LAUNCHED_AT = "FLUORODESK_PROBE_LAUNCHED_AT"


def _process_age() -> float:
    """Seconds since this process was launched (includes the interpreter's own start-up)."""
    import os

    launched = os.environ.get(LAUNCHED_AT)
    if launched:
        return time.time() - float(launched)
    with open("/proc/self/stat") as handle:
        start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])

    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _painted(window: Any) -> None:
    """Paint the shown window now (synchronously), before any other pending event runs."""
    window.repaint()


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

    _app = QApplication(sys.argv[:1])  # kept alive while the window paints
    window = QMainWindow()
    tabs = QTabWidget()
    for name in ("Overview", "Technicians", "Contracts", "Aprons", "Exposure Logs"):
        tabs.addTab(QWidget(), name)
    window.setCentralWidget(tabs)
    window.show()
    _painted(window)
    print(f"{_process_age():.4f}")


def _open_each_tab(app: Any, window: Any) -> list[float]:
    """Seconds each other tab takes to show for the first time (built, loaded, painted), in order."""
    took = []
    for index in range(1, window.tabs.count()):
        start = time.perf_counter()
        window.tabs.setCurrentIndex(index)
        tab = window.tabs.widget(index)
        deadline = time.monotonic() + OVERVIEW_TIMEOUT
        while not tab.is_loaded() and time.monotonic() < deadline:
            app.processEvents()
        _painted(window)
        took.append(time.perf_counter() - start)
    return took


def fluorodesk_app(data_dir: str, typing: float = 0.0) -> None:
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from fluorodesk.app import run_gui
    from fluorodesk.bench.account import BENCH_PASSWORD, BENCH_USER
    from fluorodesk.paths import DataDir
    from fluorodesk.ui import startup

    times: list[float] = []

    def sign_in_at_once(services: Any, *, demo: bool = False, look: Any = None) -> Any:
        from fluorodesk.ui.dialogs.sign_in_dialog import LoginDialog

        dialog = LoginDialog(services, clinic_name=look.clinic_name if look else None)
        dialog.show()
        _painted(dialog)
        times.append(_process_age())
        if look is not None:
            services.opener.start()  # what startup.sign_in does once its window is painted
        typed = time.monotonic() + typing
        while time.monotonic() < typed:  # the window stays live while the "user" types
            QApplication.processEvents()
            time.sleep(0.01)
        user = services.auth.login(BENCH_USER, BENCH_PASSWORD)
        dialog.close()
        return user

    def measure(app: Any) -> int:
        from fluorodesk.ui.main_window import MainWindow
        from fluorodesk.ui.tabs.overview_tab import OverviewTab

        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        _painted(window)
        times.append(_process_age())
        overview = next(
            t for t in map(window.tabs.widget, range(window.tabs.count())) if isinstance(t, OverviewTab)
        )
        deadline = time.monotonic() + OVERVIEW_TIMEOUT
        while not overview.is_loaded() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)
        _painted(window)
        times.append(_process_age())
        if typing:
            times.extend(_open_each_tab(app, window))
        window.close()
        return 0

    startup.sign_in = sign_in_at_once  # type: ignore[assignment]
    QApplication.exec = measure  # type: ignore[method-assign,assignment]
    run_gui(DataDir(Path(data_dir)))
    print(" ".join(f"{t:.4f}" for t in times))


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        fluorodesk_app(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
