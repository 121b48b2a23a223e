"""Inspection day: scan a garment, press Enter, next.  Thirty garments in minutes, keyboard only.

The flow, for a USB barcode scanner (which types the garment ID and Enter) or a typed ID:

1. Focus sits in the scan field.  Scan → the garment's card shows and focus moves to the card.
2. On the card: **Enter** records a pass (the session's methods, date and inspector), **F** opens
   the defect entry for a fail, **Esc** skips.  Typing anything else (say the next garment was
   scanned without recording this one) starts a new scan and says the last one was not recorded.
3. After saving, focus returns to the scan field and the running list shows what was recorded.

The inspector, date, methods and kVp are typed once and remembered for the session.  An unknown ID,
a lost or disposed garment, or a bad entry gives a clear message in red; nothing is saved then.
"""

from __future__ import annotations

from datetime import UTC, date
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import InspectionResult
from fluorodesk.domain.garments import describe_methods
from fluorodesk.errors import ConflictError, NotFoundError, StorageError, ValidationError
from fluorodesk.services.garment_inspections import InspectionDraft, InspectionRow
from fluorodesk.services.garments.rows import GarmentRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs import runner
from fluorodesk.ui.dialogs.inspection_dialog import (
    InspectionDialog,
    InspectionMemory,
    MethodsField,
    garment_header,
)
from fluorodesk.ui.errors import show_storage_error
from fluorodesk.ui.models.row_table_model import Column
from fluorodesk.ui.tones import Tone
from fluorodesk.ui.widgets.fields import DateField
from fluorodesk.ui.widgets.table_panel import TablePanel

_MESSAGE_STYLE = {
    "ok": "background: #d1e7dd; color: #0f5132; padding: 6px; border-radius: 4px;",
    "error": "background: #f8d7da; color: #842029; padding: 6px; border-radius: 4px;",
    "note": "background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;",
    "plain": "color: #555555; padding: 6px;",
}


def _local_time(row: InspectionRow) -> str:
    return row.recorded_at.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


DAY_COLUMNS: list[Column[InspectionRow]] = [
    Column("Time", _local_time, sort_key=lambda r: r.recorded_at),
    Column("Garment", lambda r: r.garment_code),
    Column("Type", lambda r: r.garment_type.label),
    Column(
        "Result",
        lambda r: r.result.label,
        tone=lambda r: Tone.OK if r.result is InspectionResult.PASS else Tone.CRITICAL,
    ),
    Column("Methods", lambda r: r.methods_words),
    Column("Defects", lambda r: r.defects_words),
    Column("Disposition", lambda r: r.disposition.label if r.disposition else "To decide"),
    Column("Inspector", lambda r: r.inspector),
]


class DecisionCard(QFrame):
    """The scanned garment, waiting for Enter (pass), F (fail) or Esc (skip)."""

    passed = Signal()
    failed = Signal()
    skipped = Signal()
    typed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#card { border: 2px solid #9ec5fe; border-radius: 6px; background: #f8fbff; }")
        self.header = QLabel(self)
        self.header.setObjectName("cardHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setObjectName("cardNote")
        self.note.setWordWrap(True)
        self.keys = QLabel(self)
        self.keys.setObjectName("cardKeys")
        self.keys.setTextFormat(Qt.TextFormat.RichText)
        self.keys.setWordWrap(True)
        self.pass_button = QPushButton("Record &pass  (Enter)", self)
        self.pass_button.setObjectName("passButton")
        self.fail_button = QPushButton("Fail, enter defects…  (F)", self)
        self.fail_button.setObjectName("failButton")
        self.skip_button = QPushButton("Skip  (Esc)", self)
        self.skip_button.setObjectName("skipButton")
        for button in (self.pass_button, self.fail_button, self.skip_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the card keeps the keyboard
            button.setAutoDefault(False)
        self.pass_button.clicked.connect(self.passed)
        self.fail_button.clicked.connect(self.failed)
        self.skip_button.clicked.connect(self.skipped)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pass_button)
        buttons.addWidget(self.fail_button)
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.note)
        layout.addWidget(self.keys)
        layout.addLayout(buttons)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not (
            event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.passed.emit()
        elif key == Qt.Key.Key_F and plain:
            self.failed.emit()
        elif key == Qt.Key.Key_Escape:
            self.skipped.emit()
        elif plain and event.text() and event.text().isprintable() and not event.text().isspace():
            self.typed.emit(event.text())
        else:
            super().keyPressEvent(event)
            return
        event.accept()


class InspectionDayDialog(QDialog):
    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        memory: InspectionMemory | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inspectionDay")
        self.setWindowTitle("Inspection day: scan, Enter, next")
        self.services = services
        self.bus = bus
        self.memory = memory or InspectionMemory()
        self.current: GarmentRow | None = None
        self.today_rows: list[InspectionRow] = []
        self._carry = ""
        self.resize(1000, 720)

        # Session: typed once, remembered.
        self.inspector = QLineEdit(self.memory.inspector, self)
        self.inspector.setObjectName("inspector")
        self.inspector.setPlaceholderText("Name, credential (e.g. Grace Chen, RT(R))")
        self.inspector.setMinimumWidth(220)
        self.inspector.returnPressed.connect(self._back_to_work)
        self.inspected_on = DateField(self, value=services.garments.today())
        self.inspected_on.setObjectName("inspected_on")
        self.methods = MethodsField(self)
        self.methods.setObjectName("methods")
        self.methods.set_value(self.memory.methods)
        self.kvp = QLineEdit(self.memory.kvp, self)
        self.kvp.setObjectName("kvp")
        self.kvp.setPlaceholderText("kVp")
        self.kvp.setMaximumWidth(70)
        self.kvp.setToolTip("Only for fluoroscopic or radiographic inspection (about 80 kVp)")
        self.kvp.returnPressed.connect(self._back_to_work)
        self.inspected_on.returnPressed.connect(self._back_to_work)
        session = QHBoxLayout()
        session.addWidget(self._label("&Inspector:", self.inspector))
        session.addWidget(self.inspector, 2)
        session.addWidget(self._label("Da&te:", self.inspected_on))
        session.addWidget(self.inspected_on)
        session.addWidget(self.methods, 3)
        session.addWidget(self.kvp)

        self.scan = QLineEdit(self)
        self.scan.setObjectName("scan")
        self.scan.setPlaceholderText("Scan the garment's label, or type its ID and press Enter")
        font = QFont(self.scan.font())
        font.setPointSize(font.pointSize() + 6)
        self.scan.setFont(font)
        self.scan.returnPressed.connect(self.look_up)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self._label("&Garment ID:", self.scan))
        scan_row.addWidget(self.scan, 1)

        self.card = DecisionCard(self)
        self.card.passed.connect(self.record_pass)
        self.card.failed.connect(self.record_fail)
        self.card.skipped.connect(self.skip)
        self.card.typed.connect(self._typed_on_card)
        self.card.hide()

        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)

        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table: TablePanel[InspectionRow] = TablePanel(DAY_COLUMNS, noun="inspections", parent=self)
        self.table.setObjectName("todayList")
        self.table.view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.table.search.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        close.button(QDialogButtonBox.StandardButton.Close).setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        layout = QVBoxLayout(self)
        layout.addLayout(session)
        layout.addLayout(scan_row)
        layout.addWidget(self.card)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.setTabOrder(self.scan, self.inspector)
        self.setTabOrder(self.inspector, self.inspected_on)

        self.refresh_list()
        self._say(
            "Type the inspector's name once, then scan the first garment."
            if not self.inspector.text().strip()
            else "Scan the first garment.",
            "plain",
        )
        (self.scan if self.inspector.text().strip() else self.inspector).setFocus()

    def _back_to_work(self) -> None:
        """Enter in a session field: back to the garment waiting on the card, or to the scan field."""
        target = self.card if self.current is not None else self.scan
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.current is not None:
            self.show_card(self.current)  # the key hints show the corrected session values

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    # ---- messages and the running list

    def _say(self, html: str, kind: str) -> None:
        if self._carry:  # "A-007 was not recorded" stays visible through the next scan's messages
            html, self._carry = f"{self._carry}<br>{html}", ""
            kind = "error" if kind == "error" else "note"
        self.message.setText(html)
        self.message.setStyleSheet(_MESSAGE_STYLE[kind])
        self.message.setProperty("kind", kind)

    def refresh_list(self) -> None:
        try:
            day = self._session_day()
            self.today_rows = self.services.garment_inspections.recorded_on(day)
            still = self.services.garments.still_due(day)
        except ValidationError:
            self.today_rows, still, day = [], [], None
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.table.set_rows(self.today_rows)
        passed = sum(1 for r in self.today_rows if r.result is InspectionResult.PASS)
        failed = len(self.today_rows) - passed
        head = (
            f"<b>Recorded on {day}: {len(self.today_rows)}</b> ({passed} pass, {failed} fail)"
            if day
            else "<b>Type a valid date</b> to see what was recorded that day"
        )
        if still:
            codes = ", ".join(escape(r.code) for r in still[:12]) + (" …" if len(still) > 12 else "")
            head += f" · <span style='color:#842029'>Still due: {len(still)} ({codes})</span>"
        elif day:
            head += " · Nothing else is due."
        self.summary.setText(head)

    def _session_day(self) -> date:
        return parse_date(self.inspected_on.value(), field="inspected_on") or self.services.garments.today()

    # ---- the flow

    def look_up(self) -> None:
        code = self.scan.text().strip()
        if not code:
            self._say("Scan a garment's label (or type its ID) and press Enter.", "plain")
            return
        if not self.inspector.text().strip():
            self._say("Type the inspector's name first; it is remembered for the session.", "error")
            self.inspector.setFocus()
            return
        try:
            row = self.services.garments.find_by_code(code)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        if row is None:
            self._say(
                f"No garment has the ID <b>“{escape(code)}”</b>. Check the label and scan again, "
                "or add the garment in the Aprons tab (New garment).",
                "error",
            )
            self.scan.selectAll()
            return
        refusal = row.inspection_refusal
        if refusal:
            self._say(escape(refusal), "error")
            self.scan.selectAll()
            return
        self.show_card(row)

    def show_card(self, row: GarmentRow) -> None:
        self.current = row
        self.scan.clear()
        self.card.header.setText(garment_header(row))
        done = [r for r in self.today_rows if r.garment_id == row.id]
        if done:
            self.card.note.setText(
                f"Already recorded on this day ({done[0].result.label.lower()}, {done[0].inspector}). "
                "Enter records another inspection; Esc skips."
            )
            self.card.note.setStyleSheet(_MESSAGE_STYLE["note"])
        elif row.awaiting_reinspection:
            self.card.note.setText(f"Found on {row.found_on} after being lost: this is its re-inspection.")
            self.card.note.setStyleSheet(_MESSAGE_STYLE["note"])
        else:
            self.card.note.setText("")
            self.card.note.setStyleSheet("")
        self.card.note.setVisible(bool(self.card.note.text()))
        methods = self._methods_words()
        self.card.keys.setText(
            f"<b>Enter</b> = PASS ({escape(methods)}, {escape(self.inspected_on.value())}, "
            f"{escape(self.inspector.text().strip())}) · <b>F</b> = fail, enter defects · <b>Esc</b> = skip"
        )
        self.card.show()
        self.card.setFocus(Qt.FocusReason.OtherFocusReason)
        self._say(f"{escape(row.code)}: inspect it, then press Enter (pass) or F (fail).", "plain")

    def _methods_words(self) -> str:
        words = describe_methods(self.methods.value()).lower()
        return (
            f"{words}, {self.kvp.text().strip()} kVp"
            if self.methods.imaging() and self.kvp.text().strip()
            else words
        )

    def _draft(self, row: GarmentRow) -> InspectionDraft:
        return InspectionDraft(
            garment_id=row.id,
            inspector=self.inspector.text(),
            inspected_on=self.inspected_on.value(),
            methods=self.methods.value(),
            kvp=self.kvp.text() if self.methods.imaging() else "",
            equipment=self.memory.equipment if self.methods.imaging() else "",
        )

    def _remember(self) -> None:
        self.memory.remember(
            self.inspector.text(), self.methods.value(), self.kvp.text(), self.memory.equipment
        )

    def record_pass(self) -> None:
        row = self.current
        if row is None:
            return
        try:
            saved = self.services.garment_inspections.record(self._draft(row))
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        except ValidationError as exc:
            self._say("Not saved: " + escape(" ".join(exc.fields.values()) or str(exc)), "error")
            fields: dict[str, QWidget] = {
                "inspector": self.inspector,
                "inspected_on": self.inspected_on,
                "kvp": self.kvp,
                "methods": next(iter(self.methods.boxes.values())),
            }
            focus = next((fields[name] for name in exc.fields if name in fields), self.card)
            focus.setFocus()
            return
        except (ConflictError, NotFoundError) as exc:
            self._say("Not saved: " + escape(str(exc)), "error")
            self._reset()
            return
        self._remember()
        self._announce()
        self._say(
            f"✓ <b>{escape(saved.garment_code)}</b>: pass recorded ({escape(saved.methods_words.lower())}, "
            f"{saved.inspected_on}, {escape(saved.inspector)}). Scan the next garment.",
            "ok",
        )
        self._reset()

    def record_fail(self) -> None:
        row = self.current
        if row is None:
            return
        self._remember()
        dialog = InspectionDialog(
            self.services,
            self.bus,
            row,
            self,
            memory=self.memory,
            on=self.inspected_on.value(),
            result=InspectionResult.FAIL,
        )
        dialog.kvp.setText(self.kvp.text() if self.methods.imaging() else "")
        dialog.defects.add_defect(focus=True)
        dialog._dirty = False
        dialog.defects.lines[0].area.setFocus(Qt.FocusReason.OtherFocusReason)  # typing starts there
        saved = runner.run_dialog(dialog)
        self._fail_done(dialog.result_value if saved else None)
        dialog.deleteLater()

    def _fail_done(self, saved: InspectionRow | None) -> None:
        row = self.current
        if saved is not None:
            disposition = saved.disposition.label.lower() if saved.disposition else "disposition to decide"
            why = escape(saved.defects_words or saved.notes)
            self._say(
                f"✗ <b>{escape(saved.garment_code)}</b>: fail recorded ({why}; {escape(disposition)}). "
                "It is out of service. Scan the next garment.",
                "ok",
            )
            self.refresh_list()
        else:
            self._say(f"Nothing recorded for {escape(row.code if row else 'that garment')}.", "note")
        self.activateWindow()
        self._reset()

    def skip(self) -> None:
        if self.current is not None:
            self._say(f"Skipped {escape(self.current.code)}: nothing recorded.", "note")
        self._reset()

    def _typed_on_card(self, text: str) -> None:
        """The next label was scanned before this garment was recorded: start over with the new scan."""
        carry = ""
        if self.current is not None:
            carry = (
                f"{escape(self.current.code)} was <b>not</b> recorded (another garment was scanned). "
                "Scan it again later."
            )
            self._say(carry, "note")
        self._reset()
        self._carry = carry
        self.scan.setText(text)

    def _reset(self) -> None:
        self.current = None
        self.card.hide()
        self.refresh_list()
        self.scan.setFocus(Qt.FocusReason.OtherFocusReason)

    def _announce(self) -> None:
        if self.bus is not None:
            self.bus.announce(areas.GARMENTS)

    # ---- closing

    def reject(self) -> None:
        self._remember()
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc in the scan field with a half-typed ID clears it rather than closing the day.
        if event.key() == Qt.Key.Key_Escape and self.scan.hasFocus() and self.scan.text():
            self.scan.clear()
            event.accept()
            return
        super().keyPressEvent(event)
