"""Filters rows by a search string; sorting is handed to the source model (see RowTableModel)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from fluorodesk.ui.models.row_table_model import RowTableModel


class SearchProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._terms: list[str] = []

    def set_search(self, text: str) -> None:
        """Every whitespace-separated word must appear somewhere in the row (case-insensitive)."""
        terms = text.lower().split()
        if terms == self._terms:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self._terms = terms
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._terms = terms
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._terms:
            return True
        model = self.sourceModel()
        if not isinstance(model, RowTableModel):
            return True
        haystack = model.search_text(source_row)
        return all(term in haystack for term in self._terms)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if model is not None:
            model.sort(column, order)
