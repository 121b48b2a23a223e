"""What was done about an out-of-tolerance or over-limit reading, and the re-check that closes it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QSizePolicy, QWidget

from fluorodesk.errors import FluoroDeskError
from fluorodesk.services.exposure.rows import CorrectiveActionDraft, CorrectiveActionRow, ExposureCheckRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def reading_words(row: ExposureCheckRow) -> str:
    return f"{row.checked_on}: {row.rate_words}, {row.verdict.label.lower()} ({row.mode.label.lower()})"


class CorrectiveActionDialog(FormDialog):
    """New action for one of ``readings`` (the unit's failing checks), or edit/close ``action``."""

    areas = (areas.EXPOSURE,)

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        parent: QWidget | None = None,
        *,
        readings: list[ExposureCheckRow] | None = None,
        check_id: int | None = None,
        action: CorrectiveActionRow | None = None,
    ) -> None:
        super().__init__(
            bus, parent, title="Corrective action" if action is None else "Corrective action: edit or close"
        )
        self.services = services
        self.action = action
        readings = list(readings or [])
        if action is not None:
            check_id = action.check_id
            if not any(r.id == check_id for r in readings):
                readings.append(services.exposure.get_check(check_id))
        self.reading = self.add_row(
            "check_id",
            "Reading",
            ChoiceField([(r.id, reading_words(r)) for r in readings], blank="(choose the reading)"),
            required=True,
        )
        if check_id is not None:
            self.reading.set_value(check_id)
        self.reading.setEnabled(action is None and check_id is None)
        self.what = self.add_row("action", "What was done", QPlainTextEdit(), required=True)
        self.what.setFixedHeight(70)
        self.what.setTabChangesFocus(True)
        self.ticket = self.add_row("service_ticket", "Service ticket", QLineEdit())
        self.performed_by = self.add_row("performed_by", "Done by", QLineEdit(), required=True)
        self.performed_on = self.add_row(
            "performed_on", "Done on", DateField(value=services.exposure.today()), required=True
        )
        self.recheck = self.add_row(
            "recheck_id",
            "Re-check",
            ChoiceField([], blank="(no passing re-check yet)"),
            hint="A later check of the same unit, in the same mode, that passed. It closes the action.",
        )
        self.recheck.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.reading.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.closed_on = self.add_row(
            "closed_on", "Closed on", DateField(), hint="Left blank, it closes on the re-check's date."
        )
        self.status = QLabel(self)
        self.status.setObjectName("actionStatus")
        self.status.setWordWrap(True)
        self.form.addRow(self.status)
        self.reading.currentIndexChanged.connect(self._load_rechecks)
        self._load_rechecks()
        if action is not None:
            self.what.setPlainText(action.action)
            self.ticket.setText(action.service_ticket)
            self.performed_by.setText(action.performed_by)
            self.performed_on.set_date(action.performed_on)
            self.recheck.set_value(action.recheck_id)
            self.closed_on.set_date(action.closed_on)
            self.status.setText(action.words)
        self._dirty = False
        self.setMinimumWidth(540)
        (self.what if action is None and check_id is not None else self.reading).setFocus()

    def _load_rechecks(self, *_args: Any) -> None:
        keep = self.recheck.value()
        while self.recheck.count() > 1:
            self.recheck.removeItem(1)
        check_id = self.reading.value()
        if check_id is None:
            return
        try:
            candidates = self.services.exposure.recheck_candidates(check_id)
        except FluoroDeskError:
            return
        for row in candidates:
            self.recheck.addItem(f"{row.checked_on}: {row.rate_words}, pass", row.id)
        if keep is not None:
            self.recheck.set_value(keep)

    def draft(self) -> CorrectiveActionDraft:
        return CorrectiveActionDraft(
            check_id=self.reading.value(),
            action=self.what.toPlainText(),
            performed_by=self.performed_by.text(),
            performed_on=self.performed_on.value(),
            service_ticket=self.ticket.text(),
            recheck_id=self.recheck.value(),
            closed_on=self.closed_on.value(),
        )

    def submit(self) -> CorrectiveActionRow:
        if self.action is None:
            return self.services.exposure.add_corrective_action(self.draft())
        return self.services.exposure.update_corrective_action(self.action.id, self.draft())
