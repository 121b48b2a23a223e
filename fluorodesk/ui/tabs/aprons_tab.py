"""Aprons: the protective-garment inventory and where each one stands with its inspections."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fluorodesk.domain.enums import GarmentStatus, InspectionResult
from fluorodesk.services.garments import GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.table_panel import TablePanel


def _due_tone(row: GarmentRow) -> Tone | None:
    if row.status is not GarmentStatus.IN_SERVICE:
        return Tone.MUTED
    days = row.days_until_due
    if days is None or row.last_inspected_on is None or days < 0:
        return Tone.CRITICAL
    return Tone.WARNING if days <= 30 else Tone.OK


COLUMNS: list[Column[GarmentRow]] = [
    Column("Garment ID", lambda r: r.code),
    Column("Type", lambda r: r.type.label),
    Column("Make / model", lambda r: f"{r.manufacturer} {r.model}".strip()),
    Column("Location", lambda r: r.location),
    Column(
        "Status",
        lambda r: r.status.label,
        tone=lambda r: Tone.OK if r.status is GarmentStatus.IN_SERVICE else Tone.MUTED,
    ),
    Column(
        "Last inspected", lambda r: r.last_inspected_on or "Never", sort_key=lambda r: r.last_inspected_on
    ),
    Column(
        "Last result",
        lambda r: r.last_result.label if r.last_result else "",
        tone=lambda r: Tone.CRITICAL if r.last_result is InspectionResult.FAIL else None,
    ),
    Column("Next due", lambda r: r.next_due),
    Column(
        "Inspection", lambda r: r.due_words or r.status.label, sort_key=lambda r: r.next_due, tone=_due_tone
    ),
]


class ApronsTab(DataTab):
    title = "Aprons"
    areas = frozenset({areas.GARMENTS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.table: TablePanel[GarmentRow] = TablePanel(COLUMNS, noun="garments", parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def load(self) -> None:
        self.table.set_rows(self.services.garments.list_rows())
