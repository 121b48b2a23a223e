"""What every data tab shares: loads lazily when first shown, reloads when its areas change."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from fluorodesk.errors import StorageError
from fluorodesk.services.registry import Services
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.errors import show_storage_error


class DataTab(QWidget):
    title = ""
    areas: frozenset[str] = frozenset()

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self._dirty = True
        bus.changed.connect(self._on_changed)

    def load(self) -> None:
        """Fetch rows from the services and show them (subclasses)."""
        raise NotImplementedError

    def refresh(self) -> None:
        try:
            self.load()
            self._dirty = False
        except StorageError as exc:
            show_storage_error(self, exc)

    def is_loaded(self) -> bool:
        """Its rows are on screen and current (the start-up benchmark waits for the Overview's)."""
        return not self._dirty

    def ensure_loaded(self) -> None:
        if self._dirty:
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def _on_changed(self, areas: frozenset[str]) -> None:
        if areas & self.areas:
            self._dirty = True
            if self.isVisible():
                self.refresh()
