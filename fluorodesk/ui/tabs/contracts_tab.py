"""Contracts: who works under which signed contract, and what each one is missing."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fluorodesk.services.contracts import ContractRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.table_panel import TablePanel


def _status_tone(row: ContractRow) -> Tone:
    if row.signed_on is None:
        return Tone.WARNING
    return Tone.OK if row.in_force else Tone.MUTED


COLUMNS: list[Column[ContractRow]] = [
    Column("Party", lambda r: r.party),
    Column("Kind", lambda r: r.party_type.label),
    Column("Title", lambda r: r.title),
    Column("Status", lambda r: r.status, tone=_status_tone),
    Column("Effective", lambda r: r.effective_on),
    Column("Current term ends", lambda r: r.term_end),
    Column("Renewal", lambda r: r.renewal_type.label),
    Column("Signed", lambda r: r.signed_on or "Not signed", sort_key=lambda r: r.signed_on),
    Column(
        "Clauses",
        lambda r: f"{len(r.missing_clauses)} missing" if r.missing_clauses else "Complete",
        sort_key=lambda r: len(r.missing_clauses),
        tone=lambda r: Tone.WARNING if r.missing_clauses else Tone.OK,
        tooltip=lambda r: "\n".join(r.missing_clauses) or "Every required clause is present.",
    ),
]


class ContractsTab(DataTab):
    title = "Contracts"
    areas = frozenset({areas.CONTRACTS, areas.TECHNICIANS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.table: TablePanel[ContractRow] = TablePanel(COLUMNS, noun="contracts", parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def load(self) -> None:
        self.table.set_rows(self.services.contracts.list_rows())
