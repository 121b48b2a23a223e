"""Behind the sign-in window the opener also works out what each tab shows first
(``services.startup.warm_first_views``): opening any tab afterwards works nothing out again."""

from __future__ import annotations

import pytest

from fluorodesk.db.shared_memo import SharedMemo
from fluorodesk.services.startup import warm_first_views
from fluorodesk.ui.main_window import MainWindow


@pytest.fixture
def computed(monkeypatch):
    """The keys of shared results worked out (not reused)."""
    keys: list[object] = []
    real_get = SharedMemo.get

    def get(self, key, version, compute):
        def recorded():
            keys.append(key)
            return compute()

        return real_get(self, key, version, recorded)

    monkeypatch.setattr(SharedMemo, "get", get)
    return keys


def test_every_tab_opens_on_what_the_warm_up_worked_out(qtbot, demo_services, computed):
    demo_services.compliance.findings()
    warm_first_views(demo_services)
    warmed = {key[0] if isinstance(key, tuple) else key for key in computed}
    assert {"technicians.rows", "garments.rows", "exposure.history", "procedures.cases"} <= warmed
    assert {"procedures.entry_options", "dosimetry.totals"} <= warmed
    computed.clear()
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.tabs.widget(0).is_loaded)
    for index in range(1, window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        tab = window.tabs.widget(index)
        qtbot.waitUntil(tab.is_loaded)
        assert computed == [], f"the {window.tabs.tabText(index)} tab worked out {computed}"


def test_without_the_warm_up_the_tabs_work_their_lists_out(qtbot, demo_services, computed, monkeypatch):
    """The check above can fail: a tab opened cold works its first view out itself."""
    monkeypatch.setattr(MainWindow, "_warm_first_views", lambda self: None)
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.tabs.widget(0).is_loaded)
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Dose Log")
    window.tabs.setCurrentIndex(index)
    qtbot.waitUntil(window.tabs.widget(index).is_loaded)
    assert ("procedures.entry_options", demo_services.procedures.today()) in computed
    assert any(key[0] == "procedures.cases" for key in computed)


def test_the_views_warm_up_stops_when_told(demo_services, computed):
    demo_services.compliance.findings()
    computed.clear()
    assert warm_first_views(demo_services, keep_going=lambda: False) is False
    assert computed == []
    answers = iter([True, False])
    assert warm_first_views(demo_services, keep_going=lambda: next(answers)) is False
    assert {key[0] if isinstance(key, tuple) else key for key in computed} == {"technicians.rows"}
    assert warm_first_views(demo_services) is True


def test_once_the_window_is_opening_the_opener_warms_only_the_findings(demo_dir, computed):
    from fluorodesk.services.startup import ClinicOpener

    opener = ClinicOpener(demo_dir)
    opener.window_opening()  # as if the user signed in before the database was even open
    db = opener.start().result()
    opener.settle()
    try:
        kinds = {key[0] if isinstance(key, tuple) else key for key in computed}
        assert "findings" in kinds and "technicians.rows" not in kinds
        assert not opener.views_warmed()  # so the window does it (below)
    finally:
        db.close()


def test_an_opener_left_to_finish_has_warmed_every_view(demo_dir, computed):
    from fluorodesk.services.startup import ClinicOpener

    opener = ClinicOpener(demo_dir)
    db = opener.start().result()
    opener.settle()
    try:
        assert opener.views_warmed()
        assert any(key[0] == "dosimetry.totals" for key in computed if isinstance(key, tuple))
    finally:
        db.close()


def test_a_window_told_the_views_are_warm_does_not_warm_them_again(qtbot, demo_services):
    window = MainWindow(demo_services, warm_views=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.tabs.widget(0).is_loaded)
    assert window.views_warm_up is None and not window._warm_up_due


def test_a_window_opened_without_the_opener_warms_the_views_once_the_overview_is_filled(
    qtbot, demo_services, computed
):
    window = MainWindow(demo_services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.tabs.widget(0).is_loaded)
    qtbot.waitUntil(lambda: window.views_warm_up is not None and not window.views_warm_up.running())
    assert any(key[0] == "procedures.cases" for key in computed if isinstance(key, tuple))
    computed.clear()
    for index in range(1, window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.waitUntil(window.tabs.widget(index).is_loaded)
    assert computed == []
