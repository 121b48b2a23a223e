"""One garment's file: its details, every inspection (voided ones too, marked) and its status history."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from fluorodesk.domain.enums import InspectionResult
from fluorodesk.services.garment_inspections import InspectionRow
from fluorodesk.services.garments.rows import GarmentRow, StatusChangeRow
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.buttons import push_button
from fluorodesk.ui.widgets.table_panel import TablePanel


def _result_words(r: InspectionRow) -> str:
    return f"Void ({r.result.label.lower()})" if r.voided else r.result.label


def _result_tone(r: InspectionRow) -> Tone:
    if r.voided:
        return Tone.MUTED
    return Tone.OK if r.result is InspectionResult.PASS else Tone.CRITICAL


def _record_words(r: InspectionRow) -> str:
    bits = []
    if r.acceptance:
        bits.append("Acceptance")
    if r.amends_id:
        bits.append(f"Amends #{r.amends_id}")
    if r.voided:
        bits.append(r.void_reason)
    return "; ".join(bits)


def _disposition_words(r: InspectionRow) -> str:
    if r.disposition:
        return r.disposition.label
    return "Needed" if r.result is InspectionResult.FAIL and not r.voided else ""


INSPECTION_COLUMNS: list[Column[InspectionRow]] = [
    Column("#", lambda r: r.id, numeric=True),
    Column("Date", lambda r: r.inspected_on),
    Column("Result", _result_words, tone=_result_tone, tooltip=lambda r: r.void_reason),
    Column("Methods", lambda r: r.methods_words, tooltip=lambda r: r.equipment),
    Column(
        "Defects", lambda r: r.defects_words or ("None" if not r.voided else ""), tooltip=lambda r: r.notes
    ),
    Column(
        "Disposition",
        _disposition_words,
        tone=lambda r: Tone.CRITICAL if _disposition_words(r) == "Needed" else None,
    ),
    Column("Inspector", lambda r: r.inspector),
    Column("Images", lambda r: r.images or "", numeric=True),
    Column("Record", _record_words, tooltip=_record_words),
]


class GarmentDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel(self)
        self.header.setObjectName("garmentDetail")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.inspections: TablePanel[InspectionRow] = TablePanel(
            INSPECTION_COLUMNS, noun="inspections", parent=self
        )
        self.inspections.setObjectName("inspections")
        self.record_button = push_button("&Record inspection…", self, "recordInspection", tip="Ctrl+I")
        self.disposition_button = push_button(
            "Disposition…", self, "setDisposition", tip="Record what was done with a failed garment"
        )
        self.amend_button = push_button(
            "Amend…",
            self,
            "amendInspection",
            tip="Correct the selected inspection (the original stays on file)",
        )
        self.void_button = push_button(
            "Void…", self, "voidInspection", tip="Mark the selected inspection as wrong, with a reason"
        )
        self.images_button = push_button(
            "Images…", self, "inspectionImages", tip="Photos and radiographs of the inspection"
        )
        buttons = QHBoxLayout()
        for button in (
            self.record_button,
            self.disposition_button,
            self.amend_button,
            self.void_button,
            self.images_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.history = QLabel(self)
        self.history.setObjectName("statusHistory")
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.history.setWordWrap(True)
        self.history.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        title = QLabel("<b>Inspections</b>", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(title)
        layout.addWidget(self.inspections, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.history)
        self.inspections.selection_changed.connect(lambda _row: self.update_buttons())
        self.garment: GarmentRow | None = None
        self.show_garment(None, [], [])

    def show_garment(
        self, garment: GarmentRow | None, inspections: list[InspectionRow], history: list[StatusChangeRow]
    ) -> None:
        self.garment = garment
        self.inspections.set_rows(inspections)
        if garment is None:
            self.header.setText("<p>Select a garment to see its inspections and history.</p>")
            self.history.setText("")
        else:
            self.header.setText(describe(garment))
            self.history.setText(history_html(history))
            standing = [n for n, r in enumerate(self.inspections.visible_rows()) if not r.voided]
            if standing or inspections:
                self.inspections.view.selectRow(standing[0] if standing else 0)  # the newest that counts
        self.update_buttons()

    def selected_inspection(self) -> InspectionRow | None:
        return self.inspections.selected()

    def update_buttons(self) -> None:
        garment = self.garment
        row = self.selected_inspection()
        self.record_button.setEnabled(garment is not None and garment.can_be_inspected)
        self.record_button.setToolTip(
            "Ctrl+I" if garment is None or garment.can_be_inspected else garment.inspection_refusal or ""
        )
        standing = row is not None and not row.voided
        self.amend_button.setEnabled(standing)
        self.void_button.setEnabled(standing)
        self.images_button.setEnabled(row is not None)
        self.disposition_button.setEnabled(
            standing and row is not None and row.result is InspectionResult.FAIL and row.disposition is None
        )


def describe(g: GarmentRow) -> str:
    def line(label: str, value: object) -> str:
        return (
            f"<tr><td style='color:#555555; padding-right:8px'>{label}</td><td>{escape(str(value))}</td></tr>"
        )

    rows = [
        line("Type", g.type.label),
        line("Make / model", g.make_model or "—"),
        line("Serial · size", f"{g.serial or '—'} · {g.size or '—'}"),
        line("Lead equivalence", g.lead_words or "—"),
        line("Owner", g.owner_words),
        line("Location", g.location or "—"),
        line("Received", g.received_on or "—"),
    ]
    colour = "#0f5132" if g.status.value == "in_service" and not g.awaiting_reinspection else "#842029"
    return (
        f"<h3 style='margin:0'>{escape(g.code)}</h3>"
        f"<p style='color:{colour}; margin:4px 0'><b>{escape(status_line(g))}</b></p>"
        f"<table cellspacing='0'>{''.join(rows)}</table>"
        + (f"<p style='color:#555555'>{escape(g.notes)}</p>" if g.notes else "")
    )


def status_line(g: GarmentRow) -> str:
    if g.status.value == "in_service" and not g.awaiting_reinspection:
        return (
            f"In service · inspection {g.standing}" if g.last_inspected_on else f"In service · {g.standing}"
        )
    if g.standing.startswith(g.status.label):
        return g.standing
    return f"{g.status.label} · {g.standing}"


def history_html(history: list[StatusChangeRow]) -> str:
    if not history:
        return "<b>Status history</b><br><span style='color:#555555'>In service since it was received.</span>"
    items = "".join(
        f"<li>{h.changed_on}: {escape(h.from_status.label)} → <b>{escape(h.to_status.label)}</b>"
        + (f" — {escape(h.reason)}" if h.reason else "")
        + "</li>"
        for h in reversed(history)
    )
    return f"<b>Status history</b><ul style='margin-top:2px'>{items}</ul>"
