"""``ProcedureService``: what the Dose Log reads and every change to the log.

A case is a regulated record: a wrong one is corrected (a new record that amends it, the old one
voided) or voided with a reason, never deleted.  Whether a case is above a trigger level is worked
out from the current trigger settings each time, so changing a level re-flags the log.

Each change is one ``*_in`` operation taking the caller's write transaction: the window's own (the
methods without ``_in``, which open it and build the row the window shows), or an import's, which
files many rows in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, Technician
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.dose import (
    CaseDose,
    Period,
    PeriodKind,
    TriggerLevels,
    UnitDisplay,
    completeness_errors,
    looks_like_patient_name,
    match_procedure,
    parse_count,
    parse_fluoro_time,
    parse_number,
    periods_between,
    triggers_exceeded,
)
from fluorodesk.domain.enums import KapUnit
from fluorodesk.domain.text import squash
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.procedures.loading import (
    case_row,
    dose_of,
    entry_options,
    first_case_day,
    load_cases,
    procedure_choices,
    summarize,
)
from fluorodesk.services.procedures.rows import (
    CaseDraft,
    CaseFields,
    CaseRow,
    EntryOptions,
    FollowUpDraft,
    SummaryRow,
    UnitChoice,
)
from fluorodesk.services.settings import load_settings

MAX_PHYSICIAN = 120
MAX_CASE_REF = 40

ENTITY = "procedure_records"


class ProcedureService(Service):
    # ---- reading

    def entry_options(self) -> EntryOptions:
        today = self.today()
        with self.db.read() as session:
            return entry_options(session, load_settings(session), today)

    def trigger_levels(self) -> TriggerLevels:
        with self.db.read() as session:
            return TriggerLevels.from_settings(load_settings(session))

    def list_cases(
        self,
        *,
        start: date | None = None,
        end: date | None = None,
        include_voided: bool = False,
        flagged_only: bool = False,
        as_of: date | None = None,
    ) -> list[CaseRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return load_cases(
                session,
                load_settings(session),
                as_of,
                start=start,
                end=end,
                include_voided=include_voided,
                flagged_only=flagged_only,
            )

    def get_case(self, record_id: int) -> CaseRow:
        with self.db.read() as session:
            row = case_row(session, load_settings(session), record_id, self.today())
        if row is None:
            raise NotFoundError("That case no longer exists.")
        return row

    def summaries(
        self,
        kind: PeriodKind | str,
        group_by: str,
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> list[SummaryRow]:
        return summarize(self.list_cases(start=start, end=end), kind, group_by)

    def periods(self, kind: PeriodKind | str) -> list[Period]:
        """Every period holding a case, newest first."""
        with self.db.read() as session:
            first = first_case_day(session)
        if first is None:
            return []
        return list(reversed(periods_between(first, self.today(), kind)))

    # ---- what the window calls: one transaction, then the row it shows

    def log_case(self, draft: CaseDraft) -> CaseRow:
        """Save one case; every problem comes back as a field message and nothing is written."""
        with self.writing() as session:
            return self._row(session, self.log_case_in(session, draft).id)

    def correct_case(self, record_id: int, draft: CaseDraft, reason: str) -> CaseRow:
        with self.writing() as session:
            return self._row(session, self.correct_case_in(session, record_id, draft, reason).id)

    def void_case(self, record_id: int, reason: str) -> CaseRow:
        with self.writing() as session:
            return self._row(session, self.void_case_in(session, record_id, reason).id)

    def document_follow_up(self, record_id: int, draft: FollowUpDraft) -> CaseRow:
        with self.writing() as session:
            return self._row(session, self.document_follow_up_in(session, record_id, draft).id)

    def set_unit_display(self, unit_id: int, *, shows_air_kerma: bool, shows_kap: bool) -> UnitChoice:
        with self.writing() as session:
            unit = self.set_unit_display_in(
                session, unit_id, shows_air_kerma=shows_air_kerma, shows_kap=shows_kap
            )
            return UnitChoice(
                unit.id,
                unit.code,
                unit.name,
                UnitDisplay(unit.shows_air_kerma, unit.shows_kap),
                None,
                unit.retired_on,
            )

    def _row(self, session: Session, record_id: int) -> CaseRow:
        session.flush()
        row = case_row(session, load_settings(session), record_id, self.today())
        assert row is not None
        return row

    # ---- the operations

    def check_case_in(self, session: Session, draft: CaseDraft) -> CaseFields:
        """The entry form's rules: ``draft`` as the log would store it, or ValidationError with a
        message per field.  Nothing is written (``log_case_in`` files it)."""
        parsed, errors = _parse_case(draft, self.today())
        procedure = None
        try:
            procedure = match_procedure(draft.procedure, procedure_choices(session))
        except ValueError as exc:
            errors["procedure"] = str(exc)
        unit = None
        if draft.unit_id is not None:
            unit = session.get(FluoroUnit, draft.unit_id)
            if unit is None:
                errors["unit_id"] = "That unit no longer exists."
        day = parsed.performed_on
        if unit is not None and day is not None and unit.retired_on is not None and unit.retired_on < day:
            errors["unit_id"] = f"{unit.code} was retired on {unit.retired_on}."
        if draft.technician_id is not None:
            tech = session.get(Technician, draft.technician_id)
            if tech is None:
                errors["technician_id"] = "That technician no longer exists."
            elif day is not None and tech.retired_on is not None and tech.retired_on < day:
                errors["technician_id"] = f"{tech.full_name} left on {tech.retired_on}."
        if unit is not None:
            display = UnitDisplay(unit.shows_air_kerma, unit.shows_kap)
            for name, message in completeness_errors(parsed.dose, display).items():
                errors.setdefault(name, message)
        if errors:
            raise ValidationError(fields=errors)
        assert procedure is not None and unit is not None and day is not None
        return CaseFields(
            performed_on=day,
            case_ref=parsed.case_ref,
            procedure_type_id=procedure.id,
            unit_id=unit.id,
            physician=parsed.physician,
            technician_id=draft.technician_id,
            dose=parsed.dose,
            cpt_code=procedure.cpt_code,
        )

    def log_case_in(self, session: Session, draft: CaseDraft) -> ProcedureRecord:
        """A new case in the log: ``file_case_in`` of the draft as ``check_case_in`` reads it."""
        return self.file_case_in(session, self.check_case_in(session, draft))

    def file_case_in(self, session: Session, case: CaseFields) -> ProcedureRecord:
        """File a case ``check_case_in`` has read (an import looks it up on file in between); refused
        when its case number is already in the log for that day and procedure."""
        record = self._file(session, case)
        audit.created(
            session,
            self.actor,
            ENTITY,
            record,
            f"Case logged: {record.performed_on} {record.case_ref or '(no case number)'}",
        )
        return record

    def correct_case_in(
        self, session: Session, record_id: int, draft: CaseDraft, reason: str
    ) -> ProcedureRecord:
        """Replace a wrong case: the correction points at it, and it is voided with the reason."""
        reason = squash(reason)
        old = existing(session, ProcedureRecord, record_id, "case")
        if old.voided_at is not None:
            raise ConflictError("That case was already voided or corrected; correct the newer record.")
        try:
            fields = self.check_case_in(session, draft)
        except ValidationError as exc:
            if not reason:
                exc.fields.setdefault("reason", "Say what was wrong.")
            raise ValidationError(fields=exc.fields) from exc
        if not reason:
            raise ValidationError(fields={"reason": "Say what was wrong."})
        record = self._file(session, fields, replacing=old)
        before = audit.snapshot(old)
        for name in ("patient_informed_on", "skin_check_on", "follow_up_by", "follow_up_on"):
            setattr(record, name, getattr(old, name))
        record.follow_up_notes = old.follow_up_notes
        record.amends_id = old.id
        old.voided_at = self.now()
        old.void_reason = f"Corrected by case #{record.id}: {reason}"
        self.stamp(old)
        audit.record(
            session,
            actor=self.actor,
            action="amend",
            entity=ENTITY,
            entity_id=record.id,
            summary=f"Case #{old.id} corrected: {reason}",
            after=audit.snapshot(record),
        )
        audit.changed(
            session,
            self.actor,
            ENTITY,
            old,
            before,
            f"Case #{old.id} voided, corrected by #{record.id}",
            action="void",
        )
        return record

    def void_case_in(self, session: Session, record_id: int, reason: str) -> ProcedureRecord:
        reason = squash(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why this case is voided (e.g. entered twice)."})
        record = existing(session, ProcedureRecord, record_id, "case")
        if record.voided_at is not None:
            raise ConflictError("That case is already voided.")
        before = audit.snapshot(record)
        record.voided_at = self.now()
        record.void_reason = reason
        self.stamp(record)
        audit.changed(
            session, self.actor, ENTITY, record, before, f"Case #{record.id} voided: {reason}", action="void"
        )
        return record

    def document_follow_up_in(
        self, session: Session, record_id: int, draft: FollowUpDraft
    ) -> ProcedureRecord:
        """Record the follow-up of a case above a trigger level (patient informed, skin check)."""
        errors: dict[str, str] = {}
        dates: dict[str, date | None] = {}
        for name in ("patient_informed_on", "skin_check_on"):
            try:
                dates[name] = parse_date(getattr(draft, name), field=name)
            except ValidationError as exc:
                errors.update(exc.fields)
                dates[name] = None
            value = dates[name]
            if value is not None and value > self.today():
                errors[name] = f"{value} is in the future; record it once it has happened."
        by = squash(draft.follow_up_by)
        if not by:
            errors["follow_up_by"] = "Say who documented the follow-up."
        elif len(by) > MAX_PHYSICIAN:
            errors["follow_up_by"] = f"At most {MAX_PHYSICIAN} characters."
        if not errors and dates["patient_informed_on"] is None and dates["skin_check_on"] is None:
            errors["patient_informed_on"] = "Enter when the patient was informed, the skin check, or both."
        record = existing(session, ProcedureRecord, record_id, "case")
        for name, value in dates.items():
            if value is not None and value < record.performed_on and name not in errors:
                errors[name] = f"This is before the case ({record.performed_on})."
        if errors:
            raise ValidationError(fields=errors)
        if record.voided_at is not None:
            raise ConflictError("That case is voided; document the follow-up on its correction.")
        if not triggers_exceeded(dose_of(record), TriggerLevels.from_settings(load_settings(session))):
            raise ConflictError("This case is below every trigger level; it needs no follow-up.")
        before = audit.snapshot(record)
        record.patient_informed_on = dates["patient_informed_on"]
        record.skin_check_on = dates["skin_check_on"]
        record.follow_up_by = by
        record.follow_up_notes = draft.notes.strip()
        done = [d for d in dates.values() if d is not None]
        record.follow_up_on = max(done) if len(done) == 2 else None
        self.stamp(record)
        audit.changed(
            session, self.actor, ENTITY, record, before, f"Follow-up documented for case #{record.id}"
        )
        return record

    def set_unit_display_in(
        self, session: Session, unit_id: int, *, shows_air_kerma: bool, shows_kap: bool
    ) -> FluoroUnit:
        """What the unit's display shows, which decides what a case on it must record."""
        unit = existing(session, FluoroUnit, unit_id, "unit")
        before = audit.snapshot(unit)
        unit.shows_air_kerma = bool(shows_air_kerma)
        unit.shows_kap = bool(shows_kap)
        words = UnitDisplay(unit.shows_air_kerma, unit.shows_kap).words().lower()
        if audit.changed(
            session, self.actor, "fluoro_units", unit, before, f"{unit.code}: dose display set to {words}"
        ):
            self.stamp(unit)
        return unit

    def _file(
        self, session: Session, fields: CaseFields, *, replacing: ProcedureRecord | None = None
    ) -> ProcedureRecord:
        """A new record for checked ``fields``; refused when its case number is already in the log."""
        if fields.case_ref:
            clash = session.scalar(
                select(ProcedureRecord.id).where(
                    ProcedureRecord.performed_on == fields.performed_on,
                    ProcedureRecord.case_ref == fields.case_ref,
                    ProcedureRecord.procedure_type_id == fields.procedure_type_id,
                    ProcedureRecord.voided_at.is_(None),
                    ProcedureRecord.id != (replacing.id if replacing else -1),
                )
            )
            if clash:
                raise ConflictError(
                    f"Case {fields.case_ref} ({fields.cpt_code}) on {fields.performed_on} "
                    f"is already in the log (#{clash})."
                )
        dose = fields.dose
        record = ProcedureRecord(
            performed_on=fields.performed_on,
            case_ref=fields.case_ref,
            procedure_type_id=fields.procedure_type_id,
            unit_id=fields.unit_id,
            physician=fields.physician,
            technician_id=fields.technician_id,
            fluoro_time_s=dose.fluoro_time_s,
            air_kerma_mgy=dose.air_kerma_mgy,
            kap_value=dose.kap_value,
            kap_unit=dose.kap_unit,
            images=dose.images,
        )
        self.stamp(record, new=True)
        session.add(record)
        session.flush()
        return record


# --------------------------------------------------------------------------- the entry form's rules


@dataclass(frozen=True)
class _ParsedCase:
    performed_on: date | None
    case_ref: str
    physician: str
    dose: CaseDose


def _parse_case(draft: CaseDraft, today: date) -> tuple[_ParsedCase, dict[str, str]]:
    errors: dict[str, str] = {}
    performed_on = None
    try:
        performed_on = parse_date(draft.performed_on, field="performed_on")
    except ValidationError as exc:
        errors.update(exc.fields)
    if performed_on is None and "performed_on" not in errors:
        errors["performed_on"] = "Enter the date of the case."
    elif performed_on is not None and performed_on > today:
        errors["performed_on"] = f"{performed_on} is in the future; enter the day the case was done."
    case_ref = squash(draft.case_ref)
    if len(case_ref) > MAX_CASE_REF:
        errors["case_ref"] = f"A case number has at most {MAX_CASE_REF} characters."
    elif looks_like_patient_name(case_ref):
        errors["case_ref"] = "This looks like a name. Enter the clinic case number, never the patient's name."
    physician = squash(draft.physician)
    if not physician:
        errors["physician"] = "Enter the physician (operator of record)."
    elif len(physician) > MAX_PHYSICIAN:
        errors["physician"] = f"At most {MAX_PHYSICIAN} characters."
    if draft.unit_id is None:
        errors["unit_id"] = "Choose the unit (C-arm) used."

    def number(name: str, parse, what: str):  # type: ignore[no-untyped-def]
        try:
            return parse(getattr(draft, name), what=what) if what else parse(getattr(draft, name))
        except ValueError as exc:
            errors[name] = str(exc)
            return None

    fluoro = number("fluoro_time", parse_fluoro_time, "")
    kerma = number("air_kerma_mgy", parse_number, "air kerma")
    kap = number("kap_value", parse_number, "kerma-area product")
    images = number("images", parse_count, "number of images")
    kap_unit = None
    if draft.kap_unit not in (None, ""):
        try:
            kap_unit = KapUnit(draft.kap_unit)
        except ValueError:
            errors["kap_unit"] = "Choose Gy·cm², mGy·cm² or µGy·m²."
    dose = CaseDose(fluoro, kerma, kap, kap_unit if kap is not None else None, images)
    if kap is not None and kap_unit is None and "kap_unit" not in errors:
        errors["kap_unit"] = "Choose the unit the KAP was shown in."
    return _ParsedCase(performed_on, case_ref, physician, dose), errors
