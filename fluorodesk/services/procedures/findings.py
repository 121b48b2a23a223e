"""The dose log's findings for the Overview: cases above a trigger level without their follow-up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_
from sqlalchemy.orm import Session

from fluorodesk.db.models import ProcedureRecord
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.dose import FollowUpState, TriggerLevels, follow_up_missing
from fluorodesk.domain.enums import Area, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.procedures.loading import candidates, case_select, known_by, to_row


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    """A case above a trigger level whose follow-up is not documented (both steps) by ``as_of``.

    Warning while the skin check can still be done in time; critical once its day has passed.
    """
    out: list[Finding] = []
    levels = TriggerLevels.from_settings(settings)
    skin_days = int(settings["dose.skin_check_days"])
    record = ProcedureRecord
    stmt = case_select().where(
        record.performed_on <= as_of,
        or_(record.voided_at.is_(None), record.voided_at > known_by(as_of)),
        or_(
            record.patient_informed_on.is_(None),
            record.patient_informed_on > as_of,
            record.skin_check_on.is_(None),
            record.skin_check_on > as_of,
        ),
        candidates(levels),  # only cases the rule could flag leave the database
    )
    for row in session.execute(stmt):
        case = to_row(row, levels, skin_days, as_of, snapshot=True)
        if not case.flagged or case.follow_up is FollowUpState.DONE:
            continue
        due = case.skin_check_due
        assert due is not None
        missing = follow_up_missing(case.patient_informed_on, case.skin_check_on, as_of)
        subject = f"Case {case.case_ref or '#' + str(case.id)} ({case.performed_on}, {case.cpt_code})"
        out.append(
            Finding(
                Area.DOSE,
                Severity.CRITICAL if case.skin_check_overdue else Severity.WARNING,
                "dose.trigger_no_follow_up",
                subject,
                f"Above the dose trigger level: {case.trigger_words}. "
                f"Follow-up not documented ({', '.join(missing)}); skin check {describe_due(due, as_of)}.",
                "Inform the patient, arrange the skin check and document both on the case (Dose Log).",
                due,
                "procedure_records",
                case.id,
            )
        )
    return out
