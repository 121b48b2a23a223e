"""Broadcast of "what changed" after each successful service call; tabs refresh themselves from it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

# Area names carried by the signal.  A tab reloads when one of the areas it shows is in the set.
TECHNICIANS = "technicians"
CONTRACTS = "contracts"
GARMENTS = "garments"
EXPOSURE = "exposure"
SETTINGS = "settings"
DOSE = "dose"
DOSIMETRY = "dosimetry"
ALL = frozenset({TECHNICIANS, CONTRACTS, GARMENTS, EXPOSURE, SETTINGS, DOSE, DOSIMETRY})


class DataBus(QObject):
    changed = Signal(object)  # frozenset[str] of area names

    def announce(self, *areas: str) -> None:
        self.changed.emit(frozenset(areas) or ALL)
