"""GUI start-up: the composition root.  Paths → database (migrated) → services → window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from fluorodesk.paths import DataDir

log = logging.getLogger("fluorodesk.init")


def run_gui(data_dir: DataDir, *, demo: bool = False, argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fluorodesk.db.database import open_database
    from fluorodesk.errors import FluoroDeskError
    from fluorodesk.services.registry import Services
    from fluorodesk.ui.errors import install_excepthook
    from fluorodesk.ui.fonts import register_fonts
    from fluorodesk.ui.icons import app_icon
    from fluorodesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("FluoroDesk")
    app.setOrganizationName("FluoroDesk")
    register_fonts(app)  # type: ignore[arg-type]
    QApplication.setWindowIcon(app_icon())
    install_excepthook()
    try:
        db = open_database(data_dir)
        services = Services(db)
        if demo:
            from fluorodesk.services.demo import is_empty

            with db.read() as session:
                empty = is_empty(session)
            if empty:
                services.demo.load()
    except FluoroDeskError as exc:
        QMessageBox.critical(None, "FluoroDesk cannot open its data", str(exc))
        return 1
    window = MainWindow(services)
    window.show()
    code = app.exec()
    db.close()
    return int(code)


def demo_data_dir() -> Path:
    """Where `fluorodesk --demo` keeps its sample clinic, apart from the real one."""
    from fluorodesk.paths import default_data_dir

    return default_data_dir().with_name("FluoroDesk-demo")
