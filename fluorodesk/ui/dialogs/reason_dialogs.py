"""Small dialogs that take a date and/or a reason: retire a technician, void a record, mark an item
"not applicable".  The action's verb is on the button; Cancel is the default."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.enums import CredentialType
from fluorodesk.services.registry import Services
from fluorodesk.services.technicians.rows import TechnicianRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.dialog_tools import verb_button, widen_rows
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


class RetireDialog(FormDialog):
    areas = (areas.TECHNICIANS, areas.CONTRACTS)

    def __init__(
        self, services: Services, bus: DataBus | None, parent: QWidget | None = None, *, row: TechnicianRow
    ) -> None:
        super().__init__(bus, parent, title=f"Retire {row.name}")
        self.setObjectName("retireDialog")
        self.services = services
        self.row = row
        text = QLabel(
            f"{row.name} leaves the roster and the findings. Their file and history stay; "
            "you can return them to the roster later."
        )
        text.setWordWrap(True)
        self.form.addRow(text)
        self.retired_on = self.add_row(
            "retired_on", "Last day", DateField(value=services.technicians.today()), required=True
        )
        self.retired_reason = self.add_row(
            "retired_reason", "Reason", QLineEdit(), required=True, hint="E.g. moved away, assignment ended."
        )
        verb_button(self, f"Retire {row.name}")
        self.retired_reason.setFocus()
        widen_rows(self)
        self.resize(480, self.sizeHint().height())

    def submit(self) -> TechnicianRow:
        return self.services.technicians.retire(
            self.row.id, self.retired_on.value(), self.retired_reason.text()
        )


class VoidDialog(FormDialog):
    """Void a record entered in error (it stays in the history, marked, and no longer counts)."""

    areas = (areas.TECHNICIANS,)

    def __init__(
        self,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        what: str,
        action: Callable[[str], Any],
    ) -> None:
        super().__init__(bus, parent, title=f"Void {what}")
        self.setObjectName("voidDialog")
        self.action = action
        text = QLabel(
            f"Void {what} if it was entered in error. It stays in the history, marked void, and no "
            "longer counts. To record a renewal, add a new record instead."
        )
        text.setWordWrap(True)
        self.form.addRow(text)
        self.void_reason = self.add_row("void_reason", "Why", QLineEdit(), required=True)
        verb_button(self, "Void record")
        self.void_reason.setFocus()
        widen_rows(self)
        self.resize(460, self.sizeHint().height())

    def submit(self) -> Any:
        return self.action(self.void_reason.text())


class ExemptionDialog(FormDialog):
    """Mark a required item "not applicable" for one technician, with the reason."""

    areas = (areas.TECHNICIANS,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        technician_id: int,
        technician_name: str,
        types: Sequence[CredentialType],
        selected: CredentialType | None = None,
    ) -> None:
        super().__init__(bus, parent, title=f"Not applicable — {technician_name}")
        self.setObjectName("exemptionDialog")
        self.services = services
        self.technician_id = technician_id
        text = QLabel(
            "The item stops counting as missing for this technician from today. "
            "An inspector will ask why: say it plainly."
        )
        text.setWordWrap(True)
        self.form.addRow(text)
        self.type = self.add_row(
            "type", "Item", ChoiceField([(t.value, t.label) for t in types]), required=True
        )
        if selected is not None:
            self.type.set_value(selected.value)
        reason = QPlainTextEdit()
        reason.setTabChangesFocus(True)
        reason.setFixedHeight(60)
        self.reason = self.add_row("reason", "Reason", reason, required=True)
        verb_button(self, "Mark not applicable", cancel_default=False)
        self.reason.setFocus()
        widen_rows(self)
        self.resize(480, self.sizeHint().height())

    def submit(self) -> Any:
        return self.services.credentials.mark_not_applicable(
            self.technician_id, self.type.value(), self.reason.toPlainText()
        )
