"""Reading the dose log through the caller's session: cases as the Dose Log shows them (judged against the
trigger levels), summaries, and the entry panel's choices.  The packet reads the same functions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, ProcedureType, Technician
from fluorodesk.domain.dose import (
    CaseDose,
    DoseStats,
    FollowUpState,
    Period,
    PeriodKind,
    ProcedureChoice,
    TriggerLevels,
    UnitDisplay,
    dose_stats,
    follow_up_state,
    gycm2_to,
    skin_check_due,
    triggers_exceeded,
)
from fluorodesk.domain.enums import KapUnit
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.procedures.rows import (
    ALL_GROUP,
    CaseRow,
    EntryOptions,
    GroupBy,
    LastEntry,
    SummaryRow,
    TechnicianChoice,
    UnitChoice,
)

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

_CHUNK = 2000  # rows fetched at a time when streaming


def case_select() -> Select:
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


def known_by(as_of: date) -> datetime:
    """The end of ``as_of``: a case voided after it still counted that day (a past packet stays as it was)."""
    return datetime.combine(as_of, time.max)


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


def to_row(
    row: Row, levels: TriggerLevels, skin_days: int, as_of: date, *, snapshot: bool = False
) -> CaseRow:
    """A case as the Dose Log shows it on ``as_of``.  ``snapshot``: as the log stood at the end of that
    day (a void or a follow-up recorded later is not shown)."""
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
    if snapshot:
        if voided_at is not None and voided_at > known_by(as_of):
            voided_at, void_reason = None, ""
        if patient_informed_on is not None and patient_informed_on > as_of:
            patient_informed_on = None
        if skin_check_on is not None and skin_check_on > as_of:
            skin_check_on = None
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
        unit_code=unit_code,
    )


def case_row(session: Session, settings: ClinicSettings, record_id: int, as_of: date) -> CaseRow | None:
    row = session.execute(case_select().where(_R.id == record_id)).first()
    if row is None:
        return None
    return to_row(row, TriggerLevels.from_settings(settings), int(settings["dose.skin_check_days"]), as_of)


def iter_cases(
    session: Session,
    settings: ClinicSettings,
    as_of: date,
    *,
    start: date | None = None,
    end: date | None = None,
    include_voided: bool = False,
    flagged_only: bool = False,
    snapshot: bool = False,
) -> Iterator[CaseRow]:
    """Cases performed in [start, end] (and by ``as_of``), newest first, streamed in chunks (a caller
    that only sums them up need not hold ten years of them).

    ``snapshot``: the log as it stood at the end of ``as_of`` (the packet's view of a past date): a
    case voided later still counts.  Otherwise (the Dose Log) every void counts.
    """
    stmt = case_select().where(_R.performed_on <= min(end or as_of, as_of))
    if start is not None:
        stmt = stmt.where(_R.performed_on >= start)
    if not include_voided:
        live = _R.voided_at.is_(None)
        stmt = stmt.where(or_(live, _R.voided_at > known_by(as_of)) if snapshot else live)
    levels = TriggerLevels.from_settings(settings)
    if flagged_only:
        stmt = stmt.where(candidates(levels))
    stmt = stmt.order_by(_R.performed_on.desc(), _R.id.desc()).execution_options(yield_per=_CHUNK)
    skin_days = int(settings["dose.skin_check_days"])
    for row in session.execute(stmt):
        case = to_row(row, levels, skin_days, as_of, snapshot=snapshot)
        if case.flagged or not flagged_only:
            yield case


def load_cases(
    session: Session,
    settings: ClinicSettings,
    as_of: date,
    *,
    start: date | None = None,
    end: date | None = None,
    include_voided: bool = False,
    flagged_only: bool = False,
    snapshot: bool = False,
) -> list[CaseRow]:
    """``iter_cases`` as a list (what the Dose Log's list shows)."""
    return list(
        iter_cases(
            session,
            settings,
            as_of,
            start=start,
            end=end,
            include_voided=include_voided,
            flagged_only=flagged_only,
            snapshot=snapshot,
        )
    )


def stats_of(cases: Iterable[CaseRow]) -> DoseStats:
    """The Dose Log's figures for some cases (medians, highest, flagged); voided cases do not count."""
    live = [c for c in cases if not c.voided]
    return dose_stats([c.dose for c in live], flagged=sum(c.flagged for c in live))


def group_of(case: CaseRow, group_by: str) -> str:
    if group_by == GroupBy.PROCEDURE:
        return case.procedure_label
    if group_by == GroupBy.PHYSICIAN:
        return case.physician or "(no physician)"
    if group_by == GroupBy.UNIT:
        return case.unit
    raise ValueError(f"cannot group by {group_by!r}")


def summarize(cases: Sequence[CaseRow], kind: PeriodKind | str, group_by: str) -> list[SummaryRow]:
    """Per period, newest first: the total, then each group, with medians (local reference levels)."""
    kind = PeriodKind(kind)
    buckets: dict[tuple[Period, str], list[CaseRow]] = defaultdict(list)
    for case in cases:
        if case.voided:
            continue
        period = Period.of(case.performed_on, kind)
        buckets[(period, group_of(case, group_by))].append(case)
        buckets[(period, ALL_GROUP)].append(case)
    out = [SummaryRow(period, group, stats_of(members)) for (period, group), members in buckets.items()]
    out.sort(key=lambda r: (-r.period.year, -r.period.number, not r.is_total, r.group.lower()))
    return out


def first_case_day(session: Session) -> date | None:
    """The day of the oldest live case (through the performed_on index)."""
    return session.scalar(
        select(_R.performed_on).where(_R.voided_at.is_(None)).order_by(_R.performed_on).limit(1)
    )


# --------------------------------------------------------------------------- the entry panel's choices


def procedure_choices(session: Session) -> tuple[ProcedureChoice, ...]:
    """The procedures a case may be logged under (the active ones), by CPT code.  Read once per session:
    the list is reference data, and a transaction filing a file of cases checks each against it."""
    choices = session.info.get(_CHOICES)
    if choices is None:
        rows = session.execute(
            select(ProcedureType.id, ProcedureType.cpt_code, ProcedureType.name)
            .where(ProcedureType.active.is_(True))
            .order_by(ProcedureType.cpt_code)
        )
        choices = session.info[_CHOICES] = tuple(ProcedureChoice(*row) for row in rows)
    return choices


_CHOICES = "fluorodesk.procedure_choices"


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
    procedures = procedure_choices(session)
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
    last = session.execute(
        select(_R.performed_on, _R.unit_id, _R.physician, _R.technician_id)
        .where(_R.voided_at.is_(None))
        .order_by(_R.id.desc())
        .limit(1)
    ).first()
    return EntryOptions(
        procedures,
        units,
        technicians,
        physicians,
        LastEntry(*last) if last is not None else None,
        TriggerLevels.from_settings(settings),
    )
