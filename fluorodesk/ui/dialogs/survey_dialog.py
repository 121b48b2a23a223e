"""A medical physicist's survey of a unit: result, recommendations and their closure, the report."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from fluorodesk.domain.enums import SurveyResult
from fluorodesk.services.registry import Services
from fluorodesk.services.surveys import ATTACHMENT_OWNER, SurveyDraft, SurveyRow
from fluorodesk.services.units import UnitRow
from fluorodesk.ui import bus as areas
from fluorodesk.ui.bus import DataBus
from fluorodesk.ui.dialogs.attach_after_save import SaveThenAttachDialog
from fluorodesk.ui.widgets.fields import ChoiceField, DateField


def _text_box(height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setFixedHeight(height)
    box.setTabChangesFocus(True)
    return box


class SurveyDialog(SaveThenAttachDialog):
    areas = (areas.EXPOSURE,)
    document = "the physicist's report"

    def __init__(
        self,
        services: Services,
        bus: DataBus | None,
        unit: UnitRow,
        parent: QWidget | None = None,
        *,
        survey: SurveyRow | None = None,
    ) -> None:
        super().__init__(
            bus,
            parent,
            title=f"Physicist survey of {unit.code}" + (f", {survey.surveyed_on}" if survey else ""),
            attachments=services.attachments,
            owner_type=ATTACHMENT_OWNER,
            record_id=survey.id if survey else None,
            purpose="report",
        )
        self.services = services
        self.unit = unit
        self.surveyed_on = self.add_row("surveyed_on", "Survey date", DateField(), required=True)
        self.physicist = self.add_row(
            "physicist",
            "Physicist",
            QLineEdit(),
            required=True,
            hint="Name and credentials, e.g. Alan Marsh, MS, DABR.",
        )
        self.result_choice = self.add_row(
            "result", "Result", ChoiceField(SurveyResult.choices()), required=True
        )
        self.recommendations = self.add_row("recommendations", "Recommendations", _text_box(70))
        self.closed_on = self.add_row("recommendations_closed_on", "Recommendations closed on", DateField())
        self.closure = self.add_row(
            "recommendations_closure",
            "How they were addressed",
            _text_box(60),
            hint="What was done, by whom, ticket.",
        )
        self.notes = self.add_row("notes", "Notes", QLineEdit())
        self.add_attachments_row("Report")
        last = services.surveys.list_surveys(unit_id=unit.id)
        if survey is not None:
            self.surveyed_on.set_date(survey.surveyed_on)
            self.physicist.setText(survey.physicist)
            self.result_choice.set_value(survey.result.value)
            self.recommendations.setPlainText(survey.recommendations)
            self.closed_on.set_date(survey.recommendations_closed_on)
            self.closure.setPlainText(survey.recommendations_closure)
            self.notes.setText(survey.notes)
        elif last:
            self.physicist.setText(last[0].physicist)
        self._dirty = False
        self.setMinimumWidth(540)
        self.surveyed_on.setFocus()

    def draft(self) -> SurveyDraft:
        return SurveyDraft(
            unit_id=self.unit.id,
            surveyed_on=self.surveyed_on.value(),
            physicist=self.physicist.text(),
            result=self.result_choice.value(),
            recommendations=self.recommendations.toPlainText(),
            recommendations_closed_on=self.closed_on.value(),
            recommendations_closure=self.closure.toPlainText(),
            notes=self.notes.text(),
        )

    def submit(self) -> SurveyRow:
        if self.record_id is None:
            return self.services.surveys.create(self.draft())
        return self.services.surveys.update(self.record_id, self.draft())
