"""The window icon is set at start-up; the selfcheck's GUI step builds the real window offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from fluorodesk import app as app_module
from fluorodesk.ui import icons, smoke


def test_app_icon_has_every_size(qapp):
    icon = icons.app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(icons.ICON_SIZES)


def test_start_up_sets_the_window_icon(qapp, data_dir, monkeypatch):
    """The icon is in place before the session (sign-in, main window) starts."""
    qapp.setWindowIcon(QIcon())
    monkeypatch.setattr("fluorodesk.ui.errors.install_excepthook", lambda: None)
    seen = []

    def session(app, folder, *, demo=False, early_health=None):
        seen.append(QApplication.windowIcon())
        return 0

    monkeypatch.setattr("fluorodesk.ui.startup.run_session", session)
    assert app_module.run_gui(data_dir) == 0
    assert len(seen) == 1 and not seen[0].isNull()
    assert 256 in {s.width() for s in seen[0].availableSizes()}


def test_selfcheck_window_step_draws_every_tab(qapp, demo_services):
    summary = smoke.build_main_window_offscreen(demo_services)
    # Overview, Technicians, Contracts, Aprons, Exposure Logs, Dose Log, Dosimetry
    assert summary.startswith("7 tabs drawn (offscreen platform, font DejaVu Sans, icon ")


def test_selfcheck_window_step_fails_without_an_icon(qapp, demo_services, monkeypatch):
    monkeypatch.setattr(icons, "app_icon", QIcon)
    with pytest.raises(RuntimeError, match="icon"):
        smoke.build_main_window_offscreen(demo_services)
