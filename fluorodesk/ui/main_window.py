"""The main window only assembles: tabs, menus and the status bar.  Tabs do their own work.

Start-up speed: only the Overview is built with the window.  The other tabs are ``LazyTab``
entries: a placeholder page until the tab is first shown (or asked for with ``tab()``); then its
module is imported (with the dialogs it needs) and the real tab takes the placeholder's place.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from fluorodesk import APP_NAME, __version__
from fluorodesk.errors import StorageError
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.safety import install_safety
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tabs.overview_tab import OverviewTab


@dataclass(frozen=True)
class LazyTab:
    """A tab class named, not imported: it is imported and built when the tab is first shown."""

    module: str
    name: str
    title: str

    def load(self) -> type[DataTab]:
        cls: type[DataTab] = getattr(importlib.import_module(self.module), self.name)
        return cls


class TabPlaceholder(QWidget):
    """Stands in for a tab not built yet (see LazyTab)."""

    def __init__(self, spec: LazyTab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"{spec.name}Placeholder")


#: The tabs, in order: a tab class (built with the window) or a LazyTab (built when first shown).
TAB_CLASSES: tuple[type[DataTab] | LazyTab, ...] = (
    OverviewTab,
    LazyTab("fluorodesk.ui.tabs.technicians_tab", "TechniciansTab", "Technicians"),
    LazyTab("fluorodesk.ui.tabs.contracts_tab", "ContractsTab", "Contracts"),
    LazyTab("fluorodesk.ui.tabs.aprons_tab", "ApronsTab", "Aprons"),
    LazyTab("fluorodesk.ui.tabs.exposure_tab", "ExposureTab", "Exposure Logs"),
    LazyTab("fluorodesk.ui.tabs.dose_tab", "DoseTab", "Dose Log"),
    LazyTab("fluorodesk.ui.tabs.dosimetry_tab", "DosimetryTab", "Dosimetry"),
)


class MainWindow(QMainWindow):
    tab_built = Signal(object)  # a tab built after the window (from a LazyTab)

    def __init__(self, services: Services, bus: DataBus | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus or DataBus(self)
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"{APP_NAME} — {services.db.data_dir.root}")
        self.packet_dialog: QDialog | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        for entry in TAB_CLASSES:
            if isinstance(entry, LazyTab):
                self.tabs.addTab(TabPlaceholder(entry, self.tabs), entry.title)
            else:
                self.tabs.addTab(self._make_tab(entry), entry.title)
        self.tabs.currentChanged.connect(self._current_changed)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self.statusBar().showMessage(f"Data folder: {services.db.data_dir.root}")
        self._ui_state = QSettings(str(services.db.data_dir.ui_state), QSettings.Format.IniFormat)
        geometry = self._ui_state.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1200, 760)
        self.safety = install_safety(self)  # users, audit trail, sign-off, restore (ui/safety.py)

    def tab(self, cls: type[DataTab]) -> DataTab:
        """The tab of that class, built if it was not yet; a shown tab has its rows loaded."""
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, TabPlaceholder) and widget.spec.name == cls.__name__:
                widget = self._build(i)
            if isinstance(widget, cls):
                if widget.isVisible():
                    widget.ensure_loaded()
                return widget
        raise KeyError(cls.__name__)

    def _make_tab(self, cls: type[DataTab]) -> DataTab:
        tab = cls(self.services, self.bus, self.tabs)
        tab.setObjectName(cls.__name__)
        return tab

    def _build(self, index: int) -> DataTab:
        """Replace the placeholder at ``index`` by its real tab (current stays current)."""
        placeholder = self.tabs.widget(index)
        assert isinstance(placeholder, TabPlaceholder)
        tab = self._make_tab(placeholder.spec.load())
        current = self.tabs.currentIndex() == index
        blocked = self.tabs.blockSignals(True)
        try:
            self.tabs.insertTab(index, tab, placeholder.spec.title)
            if current:
                self.tabs.setCurrentIndex(index)
            self.tabs.removeTab(index + 1)
        finally:
            self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self.tab_built.emit(tab)
        return tab

    def _current_changed(self, index: int) -> None:
        if isinstance(self.tabs.widget(index), TabPlaceholder):
            self._build(index)

    # ---- menus

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.backup_action = QAction("&Back up database…", self)
        self.backup_action.setObjectName("backupAction")
        self.backup_action.triggered.connect(self.back_up)
        file_menu.addAction(self.backup_action)
        self.packet_action = QAction("Make audit &packet…", self)
        self.packet_action.setObjectName("packetAction")
        self.packet_action.setToolTip("The PDF to hand to an inspector")
        self.packet_action.triggered.connect(self.make_packet)
        file_menu.addAction(self.packet_action)
        file_menu.addSeparator()
        self.import_action = QAction("&Import from spreadsheet…", self)
        self.import_action.setObjectName("importAction")
        self.import_action.triggered.connect(self.import_spreadsheet)
        file_menu.addAction(self.import_action)
        self.export_action = QAction("&Export to spreadsheet…", self)
        self.export_action.setObjectName("exportAction")
        self.export_action.triggered.connect(self.export_spreadsheet)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About FluoroDesk", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def about_text(self) -> str:
        return (
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Compliance records for fluoroscopy-guided procedures: technicians, contracts, "
            "protective garments and exposure-rate QC.</p>"
            f"<p>Data folder:<br><code>{self.services.db.data_dir.root}</code></p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", self.about_text())

    def back_up(self) -> None:
        from datetime import datetime

        suggested = Path.home() / f"FluoroDesk-backup-{datetime.now():%Y-%m-%d-%H%M}.fdbackup"
        target, _filter = QFileDialog.getSaveFileName(
            self, "Back up database", str(suggested), "FluoroDesk backups (*.fdbackup)"
        )
        if not target:
            return
        try:
            # The save dialog has asked before choosing an existing file: replacing it is the user's choice.
            info = self.services.backup.backup_to(Path(target), replace=True)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.statusBar().showMessage(f"Backup saved: {info.path} ({info.size_bytes // 1024} KB)", 10000)

    def import_spreadsheet(self) -> None:
        from fluorodesk.ui.dialogs.transfer_dialogs import ImportDialog

        runner.run_dialog(ImportDialog(self.services, self.bus, self))

    def export_spreadsheet(self) -> None:
        from fluorodesk.ui.dialogs.transfer_dialogs import ExportDialog

        runner.run_dialog(ExportDialog(self.services, self))

    def make_packet(self) -> None:
        from fluorodesk.ui.dialogs.packet_dialog import PacketDialog

        if self.packet_dialog is not None and self.packet_dialog.isVisible():
            self.packet_dialog.raise_()
            return
        dialog = PacketDialog(self.services, self)
        dialog.packet_made.connect(
            lambda result: self.statusBar().showMessage(
                f"Audit packet saved: {result.path} ({result.pages} pages)", 15000
            )
        )
        self.packet_dialog = dialog
        dialog.open()

    # ---- lifecycle

    def closeEvent(self, event: Any) -> None:
        self._ui_state.setValue("main/geometry", self.saveGeometry())
        self._ui_state.sync()
        super().closeEvent(event)
