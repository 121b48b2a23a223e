"""The main window on the demo clinic: every tab shows its data, menus work, geometry persists."""

from __future__ import annotations

import zipfile
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fluorodesk import __version__
from fluorodesk.ui.main_window import MainWindow
from fluorodesk.ui.tabs.overview_tab import OverviewTab
from fluorodesk.ui.tabs.technicians_tab import TechniciansTab


def make_window(qtbot, services):
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_every_tab_loads_the_demo_clinic(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == [
        "Overview",
        "Technicians",
        "Contracts",
        "Aprons",
        "Exposure Logs",
        "Dose Log",
        "Dosimetry",
    ]
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        tab = window.tabs.widget(i)
        qtbot.waitUntil(lambda tab=tab: tab.table.model.rowCount() > 0)
        assert "Search" in tab.table.search.placeholderText()


def test_overview_puts_critical_first_and_follows_the_as_of_date(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    overview = window.tab(OverviewTab)
    qtbot.waitUntil(overview.is_loaded)  # the check runs in a background thread
    rows = overview.table.visible_rows()
    assert rows[0].severity.value == "critical"
    assert "critical" in overview.summary.text()
    today_count = len(rows)
    overview.as_of.setDate(QDate(2025, 12, 1))
    qtbot.waitUntil(lambda: len(overview.table.visible_rows()) != today_count)


def test_overview_shows_the_newest_request_when_several_overlap(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    overview = window.tab(OverviewTab)
    assert overview.summary.text() == OverviewTab.CHECKING  # the window painted before the check
    overview.as_of.setDate(QDate(2025, 6, 1))  # while the first check still runs
    overview.as_of.setDate(QDate(2026, 2, 1))
    qtbot.waitUntil(overview.is_loaded)
    expected = demo_services.compliance.findings(date(2026, 2, 1))
    assert [(f.code, f.subject) for f in overview.table.model.rows()] == [
        (f.code, f.subject) for f in expected
    ]
    assert overview.summary.text() != OverviewTab.CHECKING


def test_a_change_during_the_check_is_not_lost(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    overview = window.tab(OverviewTab)
    qtbot.waitUntil(overview.is_loaded)
    window.tabs.setCurrentIndex(1)  # the Overview is hidden
    overview.refresh()  # a check is running …
    running = overview.check
    window.bus.changed.emit(frozenset({"technicians"}))  # … when the data changes under it
    if running.outcome is None:
        with qtbot.waitSignal(running.finished, timeout=20000):
            pass
    assert not overview.is_loaded()  # its answer predates the change: not current
    window.tabs.setCurrentIndex(0)  # shown again: checked anew
    qtbot.waitUntil(lambda: overview.check is not running)
    qtbot.waitUntil(overview.is_loaded)


def test_a_storage_error_during_the_check_is_a_message(qtbot, demo_services, monkeypatch):
    from fluorodesk.errors import StorageError
    from fluorodesk.ui.tabs import overview_tab

    shown = []
    monkeypatch.setattr(overview_tab, "show_storage_error", lambda parent, exc: shown.append(str(exc)))
    monkeypatch.setattr(
        type(demo_services.compliance),
        "findings",
        lambda self, as_of=None: (_ for _ in ()).throw(StorageError("The disk is full.")),
    )
    window = make_window(qtbot, demo_services)
    overview = window.tab(OverviewTab)
    qtbot.waitUntil(lambda: shown == ["The disk is full."])
    assert overview.summary.text() == "The records could not be checked." and not overview.is_loaded()


def test_technicians_tab_hides_retired_and_shows_detail(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    window.tabs.setCurrentIndex(1)
    tab = window.tab(TechniciansTab)
    active = tab.table.model.rowCount()
    tab.show_retired.setChecked(True)
    assert tab.table.model.rowCount() == active + 1
    tab.table.view.selectRow(0)
    assert tab.table.selected().name in tab.detail.text()
    assert "Can work today" in tab.detail.text() or "Cannot work" in tab.detail.text()
    qtbot.keyClicks(tab.table.search, "Summit")
    assert 0 < tab.table.proxy.rowCount() < tab.table.model.rowCount()


def test_menus_about_and_backup(qtbot, demo_services, tmp_path, monkeypatch):
    window = make_window(qtbot, demo_services)
    about = window.about_text()
    assert __version__ in about and str(demo_services.db.data_dir.root) in about
    assert window.packet_action.isEnabled()
    target = tmp_path / "clinic.fdbackup"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.backup_action.trigger()
    assert "fluorodesk.sqlite3" in zipfile.ZipFile(target).namelist()
    assert "Backup saved" in window.statusBar().currentMessage()


def test_backup_failure_is_a_message_not_a_crash(qtbot, demo_services, tmp_path, monkeypatch):
    window = make_window(qtbot, demo_services)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(blocker / "b.fdbackup"), ""))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    window.backup_action.trigger()
    assert shown and "backup" in shown[0].lower()


def test_window_geometry_is_remembered(qtbot, demo_services):
    window = make_window(qtbot, demo_services)
    window.resize(700, 520)
    window.close()
    again = make_window(qtbot, demo_services)
    assert (again.width(), again.height()) == (700, 520)


def test_menu_dialogs_open_through_the_runner_and_cancel_cleanly(qtbot, demo_services, dialogs):
    from fluorodesk.ui.dialogs.signoff_dialog import SignoffDialog
    from fluorodesk.ui.dialogs.transfer_dialogs import ExportDialog, ImportDialog
    from fluorodesk.ui.dialogs.users_dialog import UsersDialog

    window = make_window(qtbot, demo_services)
    seen = []

    def cancel(dialog):
        seen.append(type(dialog))
        dialog.reject()

    actions = [
        window.import_action,
        window.export_action,
        window.safety.signoff_action,
        window.safety.users_action,
    ]
    dialogs.expect(*[cancel] * len(actions))
    for action in actions:
        action.trigger()
    assert seen == [ImportDialog, ExportDialog, SignoffDialog, UsersDialog]
