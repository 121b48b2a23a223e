"""Procedure dose log: fast case entry, trigger levels and their follow-up, summaries, dose findings.

A case is a regulated record: a wrong one is corrected (a new record that amends it, the old one
voided) or voided with a reason, never deleted.  Whether a case is above a trigger level is worked
out from the current trigger settings each time, so changing a level re-flags the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import FluoroUnit, ProcedureRecord, ProcedureType, Technician
from fluorodesk.domain.dates import describe_due, parse_date
from fluorodesk.domain.dose import (
    CaseDose,
    DoseStats,
    FollowUpState,
    Period,
    PeriodKind,
    ProcedureChoice,
    TriggerHit,
    TriggerLevels,
    UnitDisplay,
    completeness_errors,
    dose_stats,
    follow_up_missing,
    follow_up_state,
    format_fluoro_time,
    gycm2_to,
    looks_like_patient_name,
    match_procedure,
    parse_count,
    parse_fluoro_time,
    parse_number,
    periods_between,
    skin_check_due,
    triggers_exceeded,
)
from fluorodesk.domain.enums import Area, KapUnit, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import squash
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings

MAX_PHYSICIAN = 120
MAX_CASE_REF = 40

# --------------------------------------------------------------------------- DTOs


@dataclass(frozen=True)
class CaseDraft:
    """A case as typed.  Field names match the entry panel's and the dialogs' widgets."""

    performed_on: date | str | None
    procedure: str = ""  # CPT code, full label, name or a few words of it
    unit_id: int | None = None
    physician: str = ""
    technician_id: int | None = None
    case_ref: str = ""
    fluoro_time: str | float | None = None  # seconds, m:ss or "1.4 min"
    air_kerma_mgy: str | float | None = None
    kap_value: str | float | None = None
    kap_unit: KapUnit | str | None = None
    images: str | int | None = None


@dataclass(frozen=True)
class FollowUpDraft:
    patient_informed_on: date | str | None = None
    skin_check_on: date | str | None = None
    follow_up_by: str = ""
    notes: str = ""


@dataclass(frozen=True)
class UnitChoice:
    id: int
    code: str
    name: str
    display: UnitDisplay
    last_kap_unit: KapUnit | None
    retired_on: date | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class TechnicianChoice:
    id: int
    name: str


@dataclass(frozen=True)
class LastEntry:
    performed_on: date
    unit_id: int
    physician: str
    technician_id: int | None


@dataclass(frozen=True)
class EntryOptions:
    procedures: tuple[ProcedureChoice, ...]
    units: tuple[UnitChoice, ...]
    technicians: tuple[TechnicianChoice, ...]
    physicians: tuple[str, ...]
    last: LastEntry | None
    levels: TriggerLevels


@dataclass(frozen=True)
class CaseRow:
    id: int
    performed_on: date
    case_ref: str
    procedure_type_id: int
    cpt_code: str
    procedure: str
    unit_id: int
    unit: str
    physician: str
    technician_id: int | None
    technician: str
    fluoro_time_s: float | None
    air_kerma_mgy: float | None
    kap_value: float | None
    kap_unit: KapUnit | None
    images: int | None
    hits: tuple[TriggerHit, ...]
    follow_up: FollowUpState
    skin_check_due: date | None
    skin_check_overdue: bool  # the skin-check date has passed without the follow-up done
    patient_informed_on: date | None
    skin_check_on: date | None
    follow_up_by: str
    follow_up_notes: str
    amends_id: int | None
    voided_at: datetime | None
    void_reason: str
    created_at: datetime

    @property
    def flagged(self) -> bool:
        return bool(self.hits)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def fluoro_time_text(self) -> str:
        return format_fluoro_time(self.fluoro_time_s)

    @property
    def kap_text(self) -> str:
        if self.kap_value is None or self.kap_unit is None:
            return ""
        return f"{self.kap_value:g} {self.kap_unit.value}"

    @property
    def procedure_label(self) -> str:
        return f"{self.cpt_code} — {self.procedure}"

    @property
    def trigger_words(self) -> str:
        return "; ".join(h.words for h in self.hits)

    def draft(self) -> CaseDraft:
        """This case as a draft, to start a correction from."""
        return CaseDraft(
            performed_on=self.performed_on,
            procedure=self.procedure_label,
            unit_id=self.unit_id,
            physician=self.physician,
            technician_id=self.technician_id,
            case_ref=self.case_ref,
            fluoro_time=self.fluoro_time_text,
            air_kerma_mgy="" if self.air_kerma_mgy is None else f"{self.air_kerma_mgy:g}",
            kap_value="" if self.kap_value is None else f"{self.kap_value:g}",
            kap_unit=self.kap_unit,
            images="" if self.images is None else str(self.images),
        )


class GroupBy:
    PROCEDURE = "procedure"
    PHYSICIAN = "physician"
    UNIT = "unit"
    CHOICES = (("procedure", "Procedure type"), ("physician", "Physician"), ("unit", "Unit"))


ALL_GROUP = "All cases"


@dataclass(frozen=True)
class SummaryRow:
    period: Period
    group: str  # procedure label, physician or unit; ALL_GROUP for the period's total
    stats: DoseStats

    @property
    def is_total(self) -> bool:
        return self.group == ALL_GROUP


# --------------------------------------------------------------------------- reading


_Unit = aliased(FluoroUnit)
_Type = aliased(ProcedureType)
_Tech = aliased(Technician)


_R = ProcedureRecord
_CASE_COLUMNS = (
    _R.id,
    _R.performed_on,
    _R.case_ref,
    _R.procedure_type_id,
    _R.unit_id,
    _R.physician,
    _R.technician_id,
    _R.fluoro_time_s,
    _R.air_kerma_mgy,
    _R.kap_value,
    _R.kap_unit,
    _R.images,
    _R.patient_informed_on,
    _R.skin_check_on,
    _R.follow_up_by,
    _R.follow_up_notes,
    _R.amends_id,
    _R.voided_at,
    _R.void_reason,
    _R.created_at,
)


def _case_select() -> Select:
    """Plain columns, not ORM objects: 60,000 cases load in about a second instead of ten."""
    return (
        select(
            *_CASE_COLUMNS,
            _Type.cpt_code.label("cpt"),
            _Type.name.label("procedure_name"),
            _Unit.code.label("unit_code"),
            _Unit.name.label("unit_name"),
            _Tech.first_name.label("tech_first"),
            _Tech.last_name.label("tech_last"),
        )
        .join(_Type, _R.procedure_type_id == _Type.id)
        .join(_Unit, _R.unit_id == _Unit.id)
        .outerjoin(_Tech, _R.technician_id == _Tech.id)
    )


def candidates(levels: TriggerLevels) -> ColumnElement[bool]:
    """SQL that keeps every case the exact rule could flag (a margin below each level), and few others."""
    keep = 1 - 1e-9

    def at_least(column: InstrumentedAttribute, level: float) -> ColumnElement[bool]:
        return column >= level * keep

    return or_(
        at_least(_R.air_kerma_mgy, levels.air_kerma_mgy),
        at_least(_R.fluoro_time_s, levels.fluoro_min * 60),
        *(
            and_(_R.kap_unit == unit, at_least(_R.kap_value, float(gycm2_to(levels.kap_gycm2, unit))))
            for unit in KapUnit
        ),
    )


def dose_of(record: ProcedureRecord) -> CaseDose:
    return CaseDose(
        record.fluoro_time_s, record.air_kerma_mgy, record.kap_value, record.kap_unit, record.images
    )


def _to_row(row: Row, levels: TriggerLevels, skin_days: int, as_of: date) -> CaseRow:
    (
        id_,
        performed_on,
        case_ref,
        procedure_type_id,
        unit_id,
        physician,
        technician_id,
        fluoro_time_s,
        air_kerma_mgy,
        kap_value,
        kap_unit,
        images,
        patient_informed_on,
        skin_check_on,
        follow_up_by,
        follow_up_notes,
        amends_id,
        voided_at,
        void_reason,
        created_at,
        cpt,
        procedure_name,
        unit_code,
        unit_name,
        tech_first,
        tech_last,
    ) = row
    hits = triggers_exceeded(CaseDose(fluoro_time_s, air_kerma_mgy, kap_value, kap_unit, images), levels)
    follow_up = follow_up_state(bool(hits), patient_informed_on, skin_check_on, as_of)
    due = skin_check_due(performed_on, skin_days) if hits else None
    return CaseRow(
        id=id_,
        performed_on=performed_on,
        case_ref=case_ref,
        procedure_type_id=procedure_type_id,
        cpt_code=cpt,
        procedure=procedure_name,
        unit_id=unit_id,
        unit=f"{unit_code} {unit_name}",
        physician=physician,
        technician_id=technician_id,
        technician=f"{tech_first} {tech_last}" if tech_first is not None else "",
        fluoro_time_s=fluoro_time_s,
        air_kerma_mgy=air_kerma_mgy,
        kap_value=kap_value,
        kap_unit=kap_unit,
        images=images,
        hits=hits,
        follow_up=follow_up,
        skin_check_due=due,
        skin_check_overdue=due is not None and due < as_of and follow_up is not FollowUpState.DONE,
        patient_informed_on=patient_informed_on,
        skin_check_on=skin_check_on,
        follow_up_by=follow_up_by,
        follow_up_notes=follow_up_notes,
        amends_id=amends_id,
        voided_at=voided_at,
        void_reason=void_reason,
        created_at=created_at,
    )


def load_cases(
    session: Session,
    settings: ClinicSettings,
    as_of: date,
    *,
    start: date | None = None,
    end: date | None = None,
    include_voided: bool = False,
    flagged_only: bool = False,
) -> list[CaseRow]:
    """Cases performed in [start, end] (and by ``as_of``), newest first; usable by reports too."""
    stmt = _case_select().where(ProcedureRecord.performed_on <= min(end or as_of, as_of))
    if start is not None:
        stmt = stmt.where(ProcedureRecord.performed_on >= start)
    if not include_voided:
        stmt = stmt.where(ProcedureRecord.voided_at.is_(None))
    stmt = stmt.order_by(ProcedureRecord.performed_on.desc(), ProcedureRecord.id.desc())
    levels = TriggerLevels.from_settings(settings)
    if flagged_only:
        stmt = stmt.where(candidates(levels))
    skin_days = int(settings["dose.skin_check_days"])
    rows = [_to_row(r, levels, skin_days, as_of) for r in session.execute(stmt)]
    if flagged_only:
        rows = [r for r in rows if r.flagged]
    return rows


def summarize(cases: Sequence[CaseRow], kind: PeriodKind | str, group_by: str) -> list[SummaryRow]:
    """Per period, newest first: the total, then each group, with medians (local reference levels)."""
    kind = PeriodKind(kind)
    buckets: dict[tuple[Period, str], list[CaseRow]] = defaultdict(list)
    for case in cases:
        if case.voided:
            continue
        period = Period.of(case.performed_on, kind)
        if group_by == GroupBy.PROCEDURE:
            group = case.procedure_label
        elif group_by == GroupBy.PHYSICIAN:
            group = case.physician or "(no physician)"
        elif group_by == GroupBy.UNIT:
            group = case.unit
        else:
            raise ValueError(f"cannot group by {group_by!r}")
        buckets[(period, group)].append(case)
        buckets[(period, ALL_GROUP)].append(case)
    out = []
    for (period, group), members in buckets.items():
        doses = [
            CaseDose(c.fluoro_time_s, c.air_kerma_mgy, c.kap_value, c.kap_unit, c.images) for c in members
        ]
        out.append(SummaryRow(period, group, dose_stats(doses, flagged=sum(c.flagged for c in members))))
    out.sort(key=lambda r: (-r.period.year, -r.period.number, not r.is_total, r.group.lower()))
    return out


def _last_kap_unit(session: Session, unit_id: int) -> KapUnit | None:
    """The KAP unit of the unit's newest live case with a KAP.  One unit at a time, newest first
    through the unit_id index, stops at the first hit (a GROUP BY over all units reads every case)."""
    kap_unit = session.scalar(
        select(_R.kap_unit)
        .where(_R.unit_id == unit_id, _R.kap_unit.is_not(None), _R.voided_at.is_(None))
        .order_by(_R.id.desc())
        .limit(1)
    )
    return KapUnit(kap_unit) if kap_unit is not None else None


#: The distinct physicians named on cases (up to 500), one index seek each: SELECT DISTINCT read every
#: entry of the physician index, 60,000 at ten years (~5 ms of each Dose Log opening).
_PHYSICIANS = text(
    """
    WITH RECURSIVE seen(name) AS (
        SELECT MIN(physician) FROM procedure_records WHERE physician > ''
        UNION ALL
        SELECT (SELECT MIN(physician) FROM procedure_records WHERE physician > seen.name)
        FROM seen WHERE seen.name IS NOT NULL
        LIMIT 501
    )
    SELECT name FROM seen WHERE name IS NOT NULL
    """
)


def entry_options(session: Session, settings: ClinicSettings, as_of: date) -> EntryOptions:
    procedures = tuple(
        ProcedureChoice(p.id, p.cpt_code, p.name)
        for p in session.scalars(
            select(ProcedureType).where(ProcedureType.active.is_(True)).order_by(ProcedureType.cpt_code)
        )
    )
    units = tuple(
        UnitChoice(
            u.id,
            u.code,
            u.name,
            UnitDisplay(u.shows_air_kerma, u.shows_kap),
            _last_kap_unit(session, u.id),
            u.retired_on,
        )
        for u in session.scalars(select(FluoroUnit).order_by(FluoroUnit.code))
        if u.retired_on is None or u.retired_on > as_of
    )
    technicians = tuple(
        TechnicianChoice(id_, f"{first} {last}".strip())  # Technician.full_name, from columns
        for id_, first, last in session.execute(
            select(Technician.id, Technician.first_name, Technician.last_name)
            .where(or_(Technician.retired_on.is_(None), Technician.retired_on > as_of))
            .order_by(Technician.first_name, Technician.last_name)
        )
    )
    physicians = tuple(sorted(session.scalars(_PHYSICIANS), key=str.lower))
    last_record = session.scalars(
        select(ProcedureRecord)
        .where(ProcedureRecord.voided_at.is_(None))
        .order_by(ProcedureRecord.id.desc())
        .limit(1)
    ).first()
    last = (
        LastEntry(
            last_record.performed_on, last_record.unit_id, last_record.physician, last_record.technician_id
        )
        if last_record
        else None
    )
    return EntryOptions(
        procedures, units, technicians, physicians, last, TriggerLevels.from_settings(settings)
    )


# --------------------------------------------------------------------------- validation


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


# --------------------------------------------------------------------------- the service


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
            row = session.execute(_case_select().where(ProcedureRecord.id == record_id)).first()
            if row is None:
                raise NotFoundError("That case no longer exists.")
            settings = load_settings(session)
            return _to_row(
                row,
                TriggerLevels.from_settings(settings),
                int(settings["dose.skin_check_days"]),
                self.today(),
            )

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
            bounds = session.execute(
                select(ProcedureRecord.performed_on)
                .where(ProcedureRecord.voided_at.is_(None))
                .order_by(ProcedureRecord.performed_on)
                .limit(1)
            ).scalar()
        if bounds is None:
            return []
        return list(reversed(periods_between(bounds, self.today(), kind)))

    # ---- writing

    def log_case(self, draft: CaseDraft) -> CaseRow:
        """Save one case; every problem comes back as a field message and nothing is written."""
        with self.writing() as session:
            record = self._new_record(session, draft)
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="procedure_records",
                entity_id=record.id,
                summary=f"Case logged: {record.performed_on} {record.case_ref or '(no case number)'}",
                after=audit.snapshot(record),
            )
            return self._row(session, record.id)

    def correct_case(self, record_id: int, draft: CaseDraft, reason: str) -> CaseRow:
        """Replace a wrong case: the correction points at it, and it is voided with the reason."""
        reason = squash(reason)
        with self.writing() as session:
            old = session.get(ProcedureRecord, record_id)
            if old is None:
                raise NotFoundError("That case no longer exists.")
            if old.voided_at is not None:
                raise ConflictError("That case was already voided or corrected; correct the newer record.")
            try:
                record = self._new_record(session, draft, replacing=old)
            except ValidationError as exc:
                if not reason:
                    exc.fields.setdefault("reason", "Say what was wrong.")
                raise ValidationError(fields=exc.fields) from exc
            if not reason:
                raise ValidationError(fields={"reason": "Say what was wrong."})
            before = audit.snapshot(old)
            for name in ("patient_informed_on", "skin_check_on", "follow_up_by", "follow_up_on"):
                setattr(record, name, getattr(old, name))
            record.follow_up_notes = old.follow_up_notes
            record.amends_id = old.id
            old.voided_at = utcnow()
            old.void_reason = f"Corrected by case #{record.id}: {reason}"
            old.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="amend",
                entity="procedure_records",
                entity_id=record.id,
                summary=f"Case #{old.id} corrected: {reason}",
                after=audit.snapshot(record),
            )
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="procedure_records",
                entity_id=old.id,
                summary=f"Case #{old.id} voided, corrected by #{record.id}",
                before=before,
                after=audit.snapshot(old),
            )
            return self._row(session, record.id)

    def void_case(self, record_id: int, reason: str) -> CaseRow:
        reason = squash(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why this case is voided (e.g. entered twice)."})
        with self.writing() as session:
            record = session.get(ProcedureRecord, record_id)
            if record is None:
                raise NotFoundError("That case no longer exists.")
            if record.voided_at is not None:
                raise ConflictError("That case is already voided.")
            before = audit.snapshot(record)
            record.voided_at = utcnow()
            record.void_reason = reason
            record.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="procedure_records",
                entity_id=record.id,
                summary=f"Case #{record.id} voided: {reason}",
                before=before,
                after=audit.snapshot(record),
            )
            return self._row(session, record.id)

    def document_follow_up(self, record_id: int, draft: FollowUpDraft) -> CaseRow:
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
        with self.writing() as session:
            record = session.get(ProcedureRecord, record_id)
            if record is None:
                raise NotFoundError("That case no longer exists.")
            for name, value in dates.items():
                if value is not None and value < record.performed_on and name not in errors:
                    errors[name] = f"This is before the case ({record.performed_on})."
            if errors:
                raise ValidationError(fields=errors)
            if record.voided_at is not None:
                raise ConflictError("That case is voided; document the follow-up on its correction.")
            settings = load_settings(session)
            if not triggers_exceeded(dose_of(record), TriggerLevels.from_settings(settings)):
                raise ConflictError("This case is below every trigger level; it needs no follow-up.")
            before = audit.snapshot(record)
            record.patient_informed_on = dates["patient_informed_on"]
            record.skin_check_on = dates["skin_check_on"]
            record.follow_up_by = by
            record.follow_up_notes = draft.notes.strip()
            done = [d for d in dates.values() if d is not None]
            record.follow_up_on = max(done) if len(done) == 2 else None
            record.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="procedure_records",
                entity_id=record.id,
                summary=f"Follow-up documented for case #{record.id}",
                before=before,
                after=audit.snapshot(record),
            )
            return self._row(session, record.id)

    def set_unit_display(self, unit_id: int, *, shows_air_kerma: bool, shows_kap: bool) -> UnitChoice:
        with self.writing() as session:
            unit = session.get(FluoroUnit, unit_id)
            if unit is None:
                raise NotFoundError("That unit no longer exists.")
            before = audit.snapshot(unit)
            if (unit.shows_air_kerma, unit.shows_kap) != (bool(shows_air_kerma), bool(shows_kap)):
                unit.shows_air_kerma = bool(shows_air_kerma)
                unit.shows_kap = bool(shows_kap)
                unit.updated_by = self.actor
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="fluoro_units",
                    entity_id=unit.id,
                    summary=f"{unit.code}: dose display set to "
                    f"{UnitDisplay(unit.shows_air_kerma, unit.shows_kap).words().lower()}",
                    before=before,
                    after=audit.snapshot(unit),
                )
            return UnitChoice(
                unit.id,
                unit.code,
                unit.name,
                UnitDisplay(unit.shows_air_kerma, unit.shows_kap),
                None,
                unit.retired_on,
            )

    # ---- helpers

    def _new_record(
        self, session: Session, draft: CaseDraft, *, replacing: ProcedureRecord | None = None
    ) -> ProcedureRecord:
        parsed, errors = _parse_case(draft, self.today())
        choices = [
            ProcedureChoice(p.id, p.cpt_code, p.name)
            for p in session.scalars(
                select(ProcedureType).where(ProcedureType.active.is_(True)).order_by(ProcedureType.cpt_code)
            )
        ]
        procedure = None
        try:
            procedure = match_procedure(draft.procedure, choices)
        except ValueError as exc:
            errors["procedure"] = str(exc)
        unit = session.get(FluoroUnit, draft.unit_id) if draft.unit_id is not None else None
        if draft.unit_id is not None and unit is None:
            errors["unit_id"] = "That unit no longer exists."
        day = parsed.performed_on
        if unit is not None and day is not None and unit.retired_on is not None and unit.retired_on < day:
            errors["unit_id"] = f"{unit.code} was retired on {unit.retired_on}."
        tech = None
        if draft.technician_id is not None:
            tech = session.get(Technician, draft.technician_id)
            if tech is None:
                errors["technician_id"] = "That technician no longer exists."
            elif day is not None and tech.retired_on is not None and tech.retired_on < day:
                errors["technician_id"] = f"{tech.full_name} left on {tech.retired_on}."
        if unit is not None:
            for name, message in completeness_errors(
                parsed.dose, UnitDisplay(unit.shows_air_kerma, unit.shows_kap)
            ).items():
                errors.setdefault(name, message)
        if errors:
            raise ValidationError(fields=errors)
        assert procedure is not None and unit is not None and day is not None
        if parsed.case_ref:
            clash = session.scalar(
                select(ProcedureRecord.id).where(
                    and_(
                        ProcedureRecord.performed_on == day,
                        ProcedureRecord.case_ref == parsed.case_ref,
                        ProcedureRecord.procedure_type_id == procedure.id,
                        ProcedureRecord.voided_at.is_(None),
                        ProcedureRecord.id != (replacing.id if replacing else -1),
                    )
                )
            )
            if clash:
                raise ConflictError(
                    f"Case {parsed.case_ref} ({procedure.cpt_code}) on {day} "
                    f"is already in the log (#{clash})."
                )
        dose = parsed.dose
        record = ProcedureRecord(
            performed_on=day,
            case_ref=parsed.case_ref,
            procedure_type_id=procedure.id,
            unit_id=unit.id,
            physician=parsed.physician,
            technician_id=tech.id if tech else None,
            fluoro_time_s=dose.fluoro_time_s,
            air_kerma_mgy=dose.air_kerma_mgy,
            kap_value=dose.kap_value,
            kap_unit=dose.kap_unit,
            images=dose.images,
            created_by=self.actor,
            updated_by=self.actor,
        )
        session.add(record)
        session.flush()
        return record

    def _row(self, session: Session, record_id: int) -> CaseRow:
        session.flush()
        row = session.execute(_case_select().where(ProcedureRecord.id == record_id)).one()
        settings = load_settings(session)
        return _to_row(
            row, TriggerLevels.from_settings(settings), int(settings["dose.skin_check_days"]), self.today()
        )


# --------------------------------------------------------------------------- findings


#: The Dose Log's list opens on this many days of cases (a season of a busy clinic: ~1,500).
CASE_LIST_DAYS = 90


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    """A case above a trigger level whose follow-up is not documented (both steps) by ``as_of``.

    Warning while the skin check can still be done in time; critical once its day has passed.
    """
    out: list[Finding] = []
    levels = TriggerLevels.from_settings(settings)
    skin_days = int(settings["dose.skin_check_days"])
    stmt = _case_select().where(
        ProcedureRecord.performed_on <= as_of,
        or_(
            ProcedureRecord.voided_at.is_(None),
            ProcedureRecord.voided_at > datetime.combine(as_of, datetime.max.time()),
        ),
        or_(
            ProcedureRecord.patient_informed_on.is_(None),
            ProcedureRecord.patient_informed_on > as_of,
            ProcedureRecord.skin_check_on.is_(None),
            ProcedureRecord.skin_check_on > as_of,
        ),
        candidates(levels),
    )
    for row in session.execute(stmt):
        case = _to_row(row, levels, skin_days, as_of)
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
