"""GUI start-up: the composition root.  Paths → lock → checked database → sign-in → window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from fluorodesk.paths import DataDir

log = logging.getLogger("fluorodesk.init")


def run_gui(data_dir: DataDir, *, demo: bool = False, argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from fluorodesk.ui.errors import install_excepthook
    from fluorodesk.ui.fonts import register_fonts
    from fluorodesk.ui.icons import app_icon
    from fluorodesk.ui.startup import run_session

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("FluoroDesk")
    app.setOrganizationName("FluoroDesk")
    register_fonts(app)  # type: ignore[arg-type]
    QApplication.setWindowIcon(app_icon())
    install_excepthook()
    # Instance lock, integrity check (recovery from a backup), migrations, automatic backup,
    # sign-in, then the main window with the idle lock: see ui/startup.py.
    return run_session(app, data_dir, demo=demo)  # type: ignore[arg-type]


def demo_data_dir() -> Path:
    """Where `fluorodesk --demo` keeps its sample clinic, apart from the real one."""
    from fluorodesk.paths import default_data_dir

    return default_data_dir().with_name("FluoroDesk-demo")
