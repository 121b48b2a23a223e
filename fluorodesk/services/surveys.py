"""Medical physicist surveys of each unit: result, recommendations and their closure, the report.

The physicist's report is attached to the survey record (attachment owner type ``survey``).
Each change is one operation taking the caller's write transaction (``*_in``), as in the other services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.models import FluoroUnit, PhysicistSurvey
from fluorodesk.domain.enums import SurveyResult
from fluorodesk.domain.exposure import SurveyDue, survey_due
from fluorodesk.domain.text import clean
from fluorodesk.errors import ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import counts_by_owner
from fluorodesk.services.base import Service, existing
from fluorodesk.services.exposure.inputs import check_length, parse_day, parse_enum
from fluorodesk.services.exposure.loading import unit_label
from fluorodesk.services.settings import load_settings

ATTACHMENT_OWNER = "survey"


@dataclass(frozen=True)
class SurveyRow:
    id: int
    unit_id: int
    unit: str
    surveyed_on: date
    physicist: str
    result: SurveyResult
    recommendations: str
    recommendations_closed_on: date | None
    recommendations_closure: str
    notes: str
    attachments: int

    @property
    def open_recommendations(self) -> bool:
        return bool(self.recommendations.strip()) and self.recommendations_closed_on is None

    @property
    def recommendations_words(self) -> str:
        if self.recommendations_closed_on is not None:
            return f"Closed {self.recommendations_closed_on}"
        if self.recommendations.strip():
            return "Open"
        return "None" if self.result is not SurveyResult.FAIL else "Open (failed)"


@dataclass(frozen=True)
class SurveyDraft:
    unit_id: int | None
    surveyed_on: date | str | None
    physicist: str
    result: SurveyResult | str | None
    recommendations: str = ""
    recommendations_closed_on: date | str | None = None
    recommendations_closure: str = ""
    notes: str = ""


def _row(survey: PhysicistSurvey, attachments: int) -> SurveyRow:
    return SurveyRow(
        id=survey.id,
        unit_id=survey.unit_id,
        unit=unit_label(survey.unit),
        surveyed_on=survey.surveyed_on,
        physicist=survey.physicist,
        result=survey.result,
        recommendations=survey.recommendations,
        recommendations_closed_on=survey.recommendations_closed_on,
        recommendations_closure=survey.recommendations_closure,
        notes=survey.notes,
        attachments=attachments,
    )


def survey_rows(
    session: Session, *, unit_id: int | None = None, as_of: date | None = None
) -> list[SurveyRow]:
    """Surveys (of one unit, or all), newest first; ``as_of`` leaves out those done after that date."""
    stmt = select(PhysicistSurvey).order_by(PhysicistSurvey.surveyed_on.desc(), PhysicistSurvey.id.desc())
    if unit_id is not None:
        stmt = stmt.where(PhysicistSurvey.unit_id == unit_id)
    if as_of is not None:
        stmt = stmt.where(PhysicistSurvey.surveyed_on <= as_of)
    surveys = session.scalars(stmt).all()
    counts = counts_by_owner(session, ATTACHMENT_OWNER, [s.id for s in surveys])
    return [_row(s, counts.get(s.id, 0)) for s in surveys]


class SurveyService(Service):
    def list_surveys(self, *, unit_id: int | None = None, as_of: date | None = None) -> list[SurveyRow]:
        """Newest first; ``as_of`` leaves out surveys done after that date."""
        with self.db.read() as session:
            return survey_rows(session, unit_id=unit_id, as_of=as_of)

    def get(self, survey_id: int) -> SurveyRow:
        with self.db.read() as session:
            return self._counted_row(session, existing(session, PhysicistSurvey, survey_id, "survey"))

    @staticmethod
    def _counted_row(session: Session, survey: PhysicistSurvey) -> SurveyRow:
        return _row(survey, counts_by_owner(session, ATTACHMENT_OWNER, [survey.id]).get(survey.id, 0))

    def due(self, unit_id: int, *, as_of: date | None = None) -> SurveyDue:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            last = session.scalar(
                select(func.max(PhysicistSurvey.surveyed_on)).where(
                    PhysicistSurvey.unit_id == unit_id, PhysicistSurvey.surveyed_on <= as_of
                )
            )
            return survey_due(
                last,
                as_of,
                due_months=int(settings["exposure.survey_due_months"]),
                max_months=int(settings["exposure.survey_max_months"]),
                warning_days=int(settings["exposure.warning_days"]),
            )

    def _validate(self, session: Session, draft: SurveyDraft) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        unit = session.get(FluoroUnit, draft.unit_id) if draft.unit_id is not None else None
        if unit is None:
            errors["unit_id"] = "Choose the unit that was surveyed."
        day = parse_day(draft.surveyed_on, errors, "surveyed_on", "The survey date", required=True)
        if day is not None and day > self.today():
            errors["surveyed_on"] = f"{day} is in the future; record the survey once it is done."
        elif day is not None and unit is not None and unit.manufactured_on and day < unit.manufactured_on:
            errors["surveyed_on"] = f"{unit.code} was made on {unit.manufactured_on}, after that date."
        physicist = clean(draft.physicist)
        if not physicist:
            errors["physicist"] = "Name the physicist (with credentials, e.g. MS, DABR)."
        check_length(physicist, 120, errors, "physicist", "The name")
        result = parse_enum(draft.result, SurveyResult, errors, "result", "Choose pass, conditional or fail.")
        recommendations = (draft.recommendations or "").strip()
        closure = (draft.recommendations_closure or "").strip()
        closed = parse_day(
            draft.recommendations_closed_on, errors, "recommendations_closed_on", "The closing date"
        )
        if closed is not None:
            if not recommendations and result is not SurveyResult.FAIL:
                errors["recommendations_closed_on"] = "There are no recommendations to close."
            elif day is not None and closed < day:
                errors["recommendations_closed_on"] = "The recommendations cannot close before the survey."
            elif closed > self.today():
                errors["recommendations_closed_on"] = f"{closed} is in the future."
            if not closure:
                errors["recommendations_closure"] = "Say how the recommendations were addressed."
        elif closure and recommendations:
            errors["recommendations_closed_on"] = "Give the date the recommendations were closed."
        if errors:
            raise ValidationError(fields=errors)
        return dict(
            unit_id=unit.id if unit else None,
            surveyed_on=day,
            physicist=physicist,
            result=result,
            recommendations=recommendations,
            recommendations_closed_on=closed,
            recommendations_closure=closure,
            notes=(draft.notes or "").strip(),
        )

    def create_in(self, session: Session, draft: SurveyDraft) -> PhysicistSurvey:
        values = self._validate(session, draft)
        survey = PhysicistSurvey(**values)
        self.stamp(survey, new=True)
        session.add(survey)
        session.flush()
        audit.created(
            session,
            self.actor,
            "physicist_surveys",
            survey,
            f"Physicist survey of {unit_label(survey.unit)} on {survey.surveyed_on}: "
            f"{survey.result.label.lower()}",
        )
        return survey

    def create(self, draft: SurveyDraft) -> SurveyRow:
        with self.writing() as session:
            return _row(self.create_in(session, draft), 0)

    def update_in(self, session: Session, survey_id: int, draft: SurveyDraft) -> PhysicistSurvey:
        survey = existing(session, PhysicistSurvey, survey_id, "survey")
        values = self._validate(session, draft)
        if values["unit_id"] != survey.unit_id:
            raise ValidationError(fields={"unit_id": "A survey stays with the unit it was made of."})
        before = audit.snapshot(survey)
        for key, value in values.items():
            setattr(survey, key, value)
        if audit.changed(
            session,
            self.actor,
            "physicist_surveys",
            survey,
            before,
            f"Physicist survey of {unit_label(survey.unit)} on {survey.surveyed_on} updated",
        ):
            self.stamp(survey)
        return survey

    def update(self, survey_id: int, draft: SurveyDraft) -> SurveyRow:
        with self.writing() as session:
            return self._counted_row(session, self.update_in(session, survey_id, draft))
