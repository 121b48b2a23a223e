"""Technicians: the roster, who may work today and why not."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from fluorodesk.domain.credentials import CredentialState
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians import TechnicianRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tabs.base import DataTab
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.table_panel import TablePanel

_STATE_TONE = {
    CredentialState.EXPIRED: Tone.CRITICAL,
    CredentialState.MISSING: Tone.CRITICAL,
    CredentialState.UNVERIFIED: Tone.CRITICAL,
    CredentialState.EXPIRING: Tone.WARNING,
    CredentialState.CURRENT: Tone.OK,
    CredentialState.NOT_APPLICABLE: Tone.MUTED,
}


def _ready_tone(row: TechnicianRow) -> Tone:
    if row.retired_on:
        return Tone.MUTED
    return Tone.OK if row.readiness.can_work else Tone.CRITICAL


def _ready_words(row: TechnicianRow) -> str:
    if row.retired_on:
        return f"Retired {row.retired_on}"
    return "Can work today" if row.readiness.can_work else "Cannot work"


def _attention(row: TechnicianRow) -> str:
    bad = [
        s
        for s in row.statuses
        if s.state in _STATE_TONE and _STATE_TONE[s.state] in (Tone.CRITICAL, Tone.WARNING)
    ]
    return "; ".join(f"{s.type.label}: {s.words}" for s in bad) or "All current"


COLUMNS: list[Column[TechnicianRow]] = [
    Column("Name", lambda r: r.name, sort_key=lambda r: (r.last_name.lower(), r.first_name.lower())),
    Column("Works as", lambda r: r.employment_type.label),
    Column("Agency", lambda r: r.agency),
    Column("ARRT ID", lambda r: r.arrt_id),
    Column("Today", _ready_words, tone=_ready_tone, tooltip=lambda r: r.readiness.words),
    Column("Needs attention", _attention, tone=lambda r: _STATE_TONE[r.worst], tooltip=_attention),
    Column("Next expiry", lambda r: r.next_expiry),
    Column("Phone", lambda r: r.phone),
    Column("E-mail", lambda r: r.email),
]


class TechniciansTab(DataTab):
    title = "Technicians"
    areas = frozenset({areas.TECHNICIANS, areas.SETTINGS})

    def __init__(self, services: Services, bus: DataBus, parent: QWidget | None = None) -> None:
        super().__init__(services, bus, parent)
        self.show_retired = QCheckBox("Show retired technicians", self)
        self.show_retired.setObjectName("showRetired")
        self.show_retired.toggled.connect(lambda _on: self.refresh())
        self.table: TablePanel[TechnicianRow] = TablePanel(COLUMNS, noun="technicians", parent=self)
        self.detail = QLabel(self)
        self.detail.setObjectName("detail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setWordWrap(True)
        self.detail.setMinimumWidth(280)
        self.detail.setText("Select a technician to see their file.")
        self.table.selection_changed.connect(self.show_detail)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.show_retired)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def load(self) -> None:
        self.table.set_rows(
            self.services.technicians.list_rows(include_retired=self.show_retired.isChecked())
        )

    def show_detail(self, row: TechnicianRow | None) -> None:
        if row is None:
            self.detail.setText("Select a technician to see their file.")
            return
        lines = [
            f"<h3>{escape(row.name)}</h3>",
            f"<p>{escape(row.employment_type.label)}"
            + (f" · {escape(row.agency)}" if row.agency else "")
            + "</p>",
            f"<p><b>{escape(row.readiness.words)}</b></p>",
            "<table cellspacing='4'>",
        ]
        for status in row.statuses:
            colour = {Tone.CRITICAL: "#842029", Tone.WARNING: "#664d03", Tone.OK: "#0f5132"}.get(
                _STATE_TONE[status.state], "#555555"
            )
            lines.append(
                f"<tr><td>{escape(status.type.label)}</td>"
                f"<td style='color:{colour}'>{escape(status.words)}</td></tr>"
            )
        lines.append("</table>")
        self.detail.setText("".join(lines))
