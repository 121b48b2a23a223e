"""Every table model passes Qt's model tester; search and sort behave."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from fluorodesk.ui.models.row_table_model import Column, RowRole, RowTableModel, ToneRole
from fluorodesk.ui.tabs import aprons_tab, contracts_tab, exposure_tab, overview_tab, technicians_tab
from fluorodesk.ui.widgets.table_panel import MAX_START_WIDTH, TablePanel

from ..conftest import TODAY


def tab_rows(services):
    return [
        (overview_tab.COLUMNS, services.compliance.findings(TODAY)),
        (technicians_tab.COLUMNS, services.technicians.list_rows(include_retired=True)),
        (contracts_tab.COLUMNS, services.contracts.list_rows()),
        (aprons_tab.COLUMNS, services.garments.list_rows()),
        (exposure_tab.COLUMNS, services.exposure.list_rows()),
    ]


def test_every_tab_model_passes_the_model_tester(qtmodeltester, demo_services):
    for columns, rows in tab_rows(demo_services):
        assert rows
        model = RowTableModel(columns)
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)
        for column in range(model.columnCount()):  # sorting every column must keep the model valid
            model.sort(column, Qt.SortOrder.DescendingOrder)
        qtmodeltester.check(model, force_py=True)


def test_an_empty_model_is_valid(qtmodeltester):
    model = RowTableModel(overview_tab.COLUMNS)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 0


ROWS = [
    {"name": "Zoe", "due": date(2026, 1, 5), "n": 10.0},
    {"name": "adam", "due": None, "n": 2.0},
    {"name": "Mia", "due": date(2025, 12, 31), "n": 2.5},
]
COLUMNS = [
    Column("Name", lambda r: r["name"], sort_key=lambda r: r["name"].lower()),
    Column("Due", lambda r: r["due"]),
    Column("N", lambda r: r["n"], numeric=True),
]


def test_sorting_is_by_native_values_with_blanks_last(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    panel.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert [r["name"] for r in panel.visible_rows()] == ["Mia", "Zoe", "adam"]
    panel.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert [r["name"] for r in panel.visible_rows()] == ["adam", "Mia", "Zoe"]  # 2 < 2.5 < 10, not text order
    panel.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [r["name"] for r in panel.visible_rows()] == ["Zoe", "Mia", "adam"]


def test_services_order_is_kept_until_the_user_sorts(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    assert [r["name"] for r in panel.visible_rows()] == ["Zoe", "adam", "Mia"]


def test_a_row_inserted_in_place_keeps_the_model_valid(qtmodeltester):
    model = RowTableModel(COLUMNS)
    model.set_rows(ROWS)
    qtmodeltester.check(model, force_py=True)  # and it watches the insertions that follow
    assert model.insert_row(3, {"name": "Last", "due": None, "n": 0.0})
    assert model.insert_row(0, {"name": "First", "due": None, "n": 0.0})
    assert [r["name"] for r in model.rows()] == ["First", "Zoe", "adam", "Mia", "Last"]
    qtmodeltester.check(model, force_py=True)


def test_a_row_inserted_in_place_keeps_the_selection_search_and_count(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    panel.view.selectRow(1)
    panel.search.setText("a")  # adam and Mia
    assert panel.count_label.text() == "2 of 3 rows"
    assert panel.insert_row(1, {"name": "Ana", "due": None, "n": 1.0})
    assert [r["name"] for r in panel.model.rows()] == ["Zoe", "Ana", "adam", "Mia"]
    assert [r["name"] for r in panel.visible_rows()] == ["Ana", "adam", "Mia"]  # the search sees it
    assert panel.count_label.text() == "3 of 4 rows"
    assert panel.selected()["name"] == "adam"
    # Sorted by a column: nothing is added; the caller sets the rows again.
    panel.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert not panel.insert_row(0, {"name": "Bo", "due": None, "n": 0.0})
    assert len(panel.model.rows()) == 4


def test_the_first_row_inserted_into_an_empty_table_sizes_its_columns(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.set_rows([])
    panel.show()
    assert panel.insert_row(0, {"name": "A rather long name for a column", "due": None, "n": 1.0})
    assert panel.view.columnWidth(0) > panel.view.fontMetrics().horizontalAdvance("A rather long name")
    assert panel.count_label.text() == "1 row"


@pytest.mark.parametrize(
    ("text", "expected"), [("", 3), ("ZOE", 1), ("2025-12", 1), ("ad m", 1), ("a m", 2), ("nobody", 0)]
)
def test_search_filters_on_every_word(qtbot, text, expected):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.set_rows(ROWS)
    qtbot.keyClicks(panel.search, text)
    assert panel.proxy.rowCount() == expected
    assert panel.count_label.text() == (f"{expected} of 3 rows" if expected != 3 else "3 rows")


def test_status_cells_carry_words_and_tone(demo_services):
    model = RowTableModel(overview_tab.COLUMNS)
    model.set_rows(demo_services.compliance.findings(TODAY))
    first = model.index(0, 0)
    assert model.data(first) == "Critical"
    assert model.data(first, ToneRole) == "critical"
    assert model.data(first, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(first, RowRole).severity.value == "critical"


def test_first_load_fits_columns_to_their_text_and_headers(qtbot):
    long_name = "Dr. Alexandria Montgomery-Fitzgerald III"
    rows = [*ROWS, {"name": long_name, "due": None, "n": 1.0}]
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.show()
    panel.set_rows(rows)
    view, metrics = panel.view, panel.view.fontMetrics()
    header = view.horizontalHeader()
    assert view.columnWidth(0) > metrics.horizontalAdvance(long_name)
    assert view.columnWidth(1) > metrics.horizontalAdvance("2026-01-05")
    for col in range(len(COLUMNS)):
        assert view.columnWidth(col) >= header.sectionSizeHint(col)
    # Qt's own measure would not make any column wider than ours (same text, same font).
    ours = [view.columnWidth(col) for col in range(len(COLUMNS))]
    view.resizeColumnsToContents()
    assert all(mine >= qt for mine, qt in zip(ours, map(view.columnWidth, range(len(COLUMNS))), strict=True))


def test_no_column_starts_wider_than_the_cap_and_later_loads_keep_user_widths(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.show()
    panel.set_rows([{"name": "x" * 400, "due": None, "n": 1.0}])
    assert panel.view.columnWidth(0) == MAX_START_WIDTH
    panel.view.setColumnWidth(1, 77)  # the user's choice survives a refresh
    panel.set_rows(ROWS)
    assert panel.view.columnWidth(1) == 77


def test_roles_the_model_does_not_answer_are_none_and_answered_ones_are_not(qtbot):
    model = RowTableModel(COLUMNS)
    model.set_rows(ROWS)
    index = model.index(0, 2)
    for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.CheckStateRole):
        assert model.data(index, role) is None
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "10"
    assert model.data(index, int(Qt.ItemDataRole.TextAlignmentRole)) is not None  # Qt passes plain ints
    assert model.data(index, RowRole) is ROWS[0]


def test_a_table_filled_while_hidden_is_sized_when_first_shown(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    long_name = "A name far wider than any default column width"
    panel.set_rows([*ROWS, {"name": long_name, "due": None, "n": 1.0}])
    hidden_width = panel.view.columnWidth(0)
    assert hidden_width < panel.view.fontMetrics().horizontalAdvance(long_name)  # not sized yet
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.view.columnWidth(0) > panel.view.fontMetrics().horizontalAdvance(long_name)


def test_fixed_and_minimum_widths_hold_when_a_hidden_table_is_sized_on_show(qtbot):
    panel = TablePanel(COLUMNS, noun="rows")
    qtbot.addWidget(panel)
    panel.fixed_widths[0] = 77  # e.g. a long name shown in full in its tooltip
    panel.min_widths[2] = 150  # e.g. room for a longer status on later rows
    panel.set_rows([*ROWS, {"name": "A name far wider than seventy-seven pixels", "due": None, "n": 1.0}])
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.view.columnWidth(0) == 77
    assert panel.view.columnWidth(2) == 150
    assert panel.view.columnWidth(1) > panel.view.fontMetrics().horizontalAdvance("2026-01-05")
