"""Exposure logs: every exposure-rate check with its verdict against the limit and the baseline."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fluorodesk.domain.enums import ExposureVerdict
from fluorodesk.services.exposure import ExposureCheckRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.table_panel import TablePanel

_VERDICT_TONE = {
    ExposureVerdict.PASS: Tone.OK,
    ExposureVerdict.OUTSIDE_TOLERANCE: Tone.WARNING,
    ExposureVerdict.OVER_LIMIT: Tone.CRITICAL,
}


def _corrective(row: ExposureCheckRow) -> str:
    if row.verdict is ExposureVerdict.PASS:
        return ""
    return "Closed" if row.corrective_closed else "Needed"


COLUMNS: list[Column[ExposureCheckRow]] = [
    Column("Date", lambda r: r.checked_on),
    Column("Unit", lambda r: r.unit),
    Column("Performed by", lambda r: r.performed_by),
    Column("Mode", lambda r: r.mode.label),
    Column("kVp", lambda r: r.kvp, numeric=True),
    Column("mA", lambda r: r.ma, numeric=True),
    Column("Rate", lambda r: r.rate, numeric=True),
    Column("Rate unit", lambda r: r.rate_unit.value),
    Column(
        "Limit",
        lambda r: f"{r.limit:g} {r.rate_unit.value}" if r.limit is not None else "None in this mode",
        sort_key=lambda r: r.limit,
    ),
    Column(
        "Result",
        lambda r: r.verdict.label,
        tone=lambda r: _VERDICT_TONE[r.verdict],
        tooltip=lambda r: r.detail,
    ),
    Column(
        "Corrective action",
        _corrective,
        tone=lambda r: (
            None if r.verdict is ExposureVerdict.PASS else (Tone.OK if r.corrective_closed else Tone.CRITICAL)
        ),
    ),
    Column(
        "Entered", lambda r: r.entered_at.date(), tooltip=lambda r: "Entered late" if r.late_entry else ""
    ),
]


class ExposureTab(DataTab):
    title = "Exposure Logs"
    areas = frozenset({areas.EXPOSURE, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.table: TablePanel[ExposureCheckRow] = TablePanel(COLUMNS, noun="checks", parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def load(self) -> None:
        self.table.set_rows(self.services.exposure.list_rows())
