"""Smaller contract actions: record an annual evaluation, terminate a contract (notice given)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.contracts import EvaluationOutcome
from fluorodesk.services.contracts.drafts import EvaluationDraft
from fluorodesk.services.contracts.rows import ContractRow, EvaluationRow
from fluorodesk.services.registry import Services
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.form_dialog import FormDialog
from fluorodesk.ui.widgets.confirm import confirm_destructive
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def _contract_label(contract: ContractRow, parent: QWidget) -> QLabel:
    label = QLabel(
        f"<b>{escape(contract.party)}</b> — {escape(contract.title or 'untitled')}<br>"
        f"<span style='color:#555555'>{escape(contract.status)}</span>",
        parent,
    )
    label.setWordWrap(True)
    return label


class EvaluationDialog(FormDialog):
    """The annual evaluation of a contracted service: date, evaluator, outcome, notes."""

    areas = (areas.CONTRACTS,)

    def __init__(
        self, services: Services, bus: DataBus | None, parent: QWidget | None = None, *, contract: ContractRow
    ) -> None:
        super().__init__(bus, parent, title="Record an evaluation")
        self.setObjectName("evaluationDialog")
        self.services = services
        self.contract = contract
        self.form.addRow(_contract_label(contract, self))
        self.evaluated_on = self.add_row(
            "evaluated_on", "Evaluated on", DateField(value=services.contracts.today()), required=True
        )
        self.evaluator = self.add_row("evaluator", "Evaluated by", QLineEdit(), required=True)
        director = services.settings.load()["clinic.director"]
        self.evaluator.setText(director)
        self.evaluator.setPlaceholderText("Name, title")
        self.outcome = self.add_row(
            "outcome",
            "Outcome",
            ChoiceField(EvaluationOutcome.choices(), blank="(choose…)"),
            required=True,
        )
        self.notes = self.add_row(
            "notes",
            "Notes",
            QPlainTextEdit(),
            hint="Quality of cover, reliability, QC logs kept, incidents; what must improve.",
        )
        self.notes.setMaximumHeight(100)
        self._dirty = False
        self.resize(520, 360)

    def submit(self) -> EvaluationRow:
        return self.services.contracts.add_evaluation(
            EvaluationDraft(
                self.contract.id,
                self.evaluated_on.value(),
                self.evaluator.text(),
                self.outcome.value(),
                self.notes.toPlainText(),
            )
        )


class TerminateDialog(FormDialog):
    """Terminate a contract: notice given, or ended early.  Confirmed with the verb; nothing is deleted."""

    areas = (areas.CONTRACTS, areas.TECHNICIANS)

    def __init__(
        self, services: Services, bus: DataBus | None, parent: QWidget | None = None, *, contract: ContractRow
    ) -> None:
        super().__init__(bus, parent, title="Terminate a contract")
        self.setObjectName("terminateDialog")
        self.services = services
        self.contract = contract
        self.form.addRow(_contract_label(contract, self))
        natural_end = contract.ends_on + timedelta(days=1) if contract.ends_on else services.contracts.today()
        self.terminated_on = self.add_row(
            "terminated_on",
            "No longer applies from",
            DateField(value=natural_end),
            required=True,
            hint="The first day the contract does not apply; the technicians it covers cannot work "
            "under it from then. Proposed: the day after the current term ends.",
        )
        self.reason = self.add_row(
            "termination_reason",
            "Why",
            QLineEdit(),
            required=True,
            hint="e.g. notice given on 2026-10-01 by letter; replaced by another agency.",
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("Terminate…")
        save.setObjectName("terminateButton")
        self._dirty = False
        self.resize(540, 300)

    def save(self) -> None:
        day = self.terminated_on.value() or "the date given"
        if not confirm_destructive(
            self,
            title="Terminate contract",
            verb="Terminate",
            text=f"Terminate the contract with {self.contract.party} from {day}? "
            "It stays on file as history; it can be withdrawn later if this was a mistake.",
        ):
            return
        super().save()

    def submit(self) -> object:
        return self.services.contracts.terminate(
            self.contract.id, self.terminated_on.value(), self.reason.text()
        )
