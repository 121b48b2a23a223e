"""A search box over a sortable table: the building block of every tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.text import counted
from fluorodesk.ui.models.row_table_model import Column, RowRole, RowTableModel
from fluorodesk.ui.models.search_proxy import SearchProxy

R = TypeVar("R")

#: Rows that size the columns at the first load (the ones a user sees first, in table order).
SIZE_FROM_ROWS = 100
#: No column starts wider than this; the user can still drag it wider.
MAX_START_WIDTH = 360


class TablePanel(QWidget, Generic[R]):
    """Search field, row count and a table view over a RowTableModel."""

    selection_changed = Signal(object)  # the selected row's DTO, or None
    activated = Signal(object)  # double-click / Enter on a row

    def __init__(self, columns: Sequence[Column[R]], *, noun: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._noun = noun
        self.size_from_rows = SIZE_FROM_ROWS  # rows that size the columns at the first load
        self.fixed_widths: dict[int, int] = {}  # column -> width it starts with, whatever its text
        self.min_widths: dict[int, int] = {}  # column -> width it never starts narrower than
        self._fit_when_shown = False
        self.model: RowTableModel[R] = RowTableModel(columns, self)
        self.proxy = SearchProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(f"Search {noun}…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("rowCount")

        self.view = QTableView(self)
        self.view.setObjectName("table")
        self.view.setModel(self.proxy)
        # No sort indicator before enabling sorting, or Qt re-sorts the services' order by column 0.
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setResizeContentsPrecision(SIZE_FROM_ROWS)  # for a user's double-click on a divider
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.activated.connect(self._on_activated)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._update_count()

    def set_rows(self, rows: Sequence[R]) -> None:
        first_load = self.model.rowCount() == 0
        self.model.set_rows(rows)
        if first_load and rows:
            if self.isVisible():
                self.fit_columns()
            else:  # a page not shown yet: sized when first shown (most never are in a session)
                self._fit_when_shown = True
        self._update_count()

    def insert_row(self, position: int, row: R) -> bool:
        """``RowTableModel.insert_row``, and the row count follows (a first row sizes the columns)."""
        if self.model.rowCount() == 0:
            self.set_rows([row])
            return True
        added = self.model.insert_row(position, row)
        if added:
            self._update_count()
        return added

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._fit_when_shown:
            self._fit_when_shown = False
            self.fit_columns()

    def fit_columns(self) -> None:
        """Each column as wide as its header and its text in the first rows (capped), except the
        ``fixed_widths``, and never narrower than its ``min_widths``.

        The widths come from the cell text directly: QTableView.resizeColumnsToContents asks the
        model, through Qt, for half a dozen roles of every cell it measures (a quarter of a second
        on the exposure log), where the width only depends on the text.
        """
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        style = self.view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view)
        padding = 2 * (margin + 1) + 2  # the item delegate's text margins, the grid line, rounding
        texts = self.model.column_texts(self.size_from_rows)
        for col, column_texts in enumerate(texts):
            width = self.fixed_widths.get(col)
            if width is None:
                widest = max((metrics.horizontalAdvance(text) for text in column_texts), default=0)
                width = min(max(widest + padding, header.sectionSizeHint(col)), MAX_START_WIDTH)
                width = max(width, self.min_widths.get(col, 0))
            self.view.setColumnWidth(col, width)

    def selected(self) -> R | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.data(index, RowRole)

    def visible_rows(self) -> list[R]:
        return [self.proxy.data(self.proxy.index(r, 0), RowRole) for r in range(self.proxy.rowCount())]

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()

    def _on_current(self, current: QModelIndex, _previous: Any) -> None:
        self.selection_changed.emit(self.proxy.data(current, RowRole) if current.isValid() else None)

    def _on_activated(self, index: QModelIndex) -> None:
        self.activated.emit(self.proxy.data(index, RowRole))

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        text = counted(total, self._noun) if shown == total else f"{shown} of {counted(total, self._noun)}"
        self.count_label.setText(text)
