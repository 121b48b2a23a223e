"""Qt calls must not leak references to None, True or False.

PySide6 6.12.0 dropped a reference to None on every call of a method returning nothing; on
Python 3.11 (None is not immortal there) the process aborted with "Fatal Python error:
none_dealloc" after some thousands of calls: a window left open through a clinic day would crash.
These counts show it at once, whatever version the environment brings.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTableView

from fluorodesk.ui.models.row_table_model import Column, RowTableModel

CALLS = 500


def leaked(call) -> dict[str, int]:
    singletons = {"None": None, "True": True, "False": False}
    before = {name: sys.getrefcount(obj) for name, obj in singletons.items()}
    for _ in range(CALLS):
        call()
    after = {name: sys.getrefcount(obj) for name, obj in singletons.items()}
    # A few references may come or go with the interpreter's own bookkeeping; a leak is one per call.
    return {
        name: before[name] - after[name] for name in singletons if before[name] - after[name] >= CALLS // 2
    }


def test_methods_returning_nothing_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    assert leaked(lambda: label.setText("x")) == {}
    assert leaked(label.update) == {}
    assert leaked(QApplication.processEvents) == {}


def test_methods_returning_booleans_and_model_calls_keep_their_references(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    model = RowTableModel([Column("A", lambda r: r)])
    model.set_rows([1, 2, 3])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    index = model.index(0, 0)
    assert leaked(label.isVisible) == {}
    assert leaked(index.isValid) == {}
    assert leaked(lambda: model.hasIndex(0, 0)) == {}
    assert leaked(lambda: model.checkIndex(index)) == {}
    assert leaked(lambda: index.data(Qt.ItemDataRole.DisplayRole)) == {}
    assert leaked(lambda: view.setColumnWidth(0, 50)) == {}
