"""Kinds still filed the old way: planned here and written as ORM objects (being moved, kind by kind,
to the services' own operations; see ``framework``).

Blank cells never erase stored values.  A row whose key matches a stored record is "unchanged"
(so re-importing a file creates no duplicates) or, for master data, an "update".  Regulated
records (inspections, exposure checks, cases, dose readings) are never changed by an import: a
different record under the same key is an error that names both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    DosimeterBadge,
    DosimetryReading,
    FluoroUnit,
    ProcedureRecord,
    ProcedureType,
)
from fluorodesk.domain.dosimetry import DoseEntry, classify_reading, parse_dose_entry
from fluorodesk.domain.enums import (
    DoseReadingKind,
    KapUnit,
)
from fluorodesk.services import audit
from fluorodesk.services.transfer.cells import CellError, as_choice, as_date, as_int, as_number, text
from fluorodesk.services.transfer.framework import (
    NEW,
    UNCHANGED,
    UPDATE,
    Col,
    Kind,
    Outcome,
    RowProblem,
)
from fluorodesk.services.transfer.kinds.lookups import People, tech_reference

T = TypeVar("T")


@dataclass
class Plan:
    outcome: str  # NEW, UPDATE or UNCHANGED
    key: tuple[Any, ...]
    label: str  # who or what, for the report
    apply: Callable[[Session], tuple[Any, dict[str, Any] | None]] | None = None  # -> (orm object, before)
    changes: tuple[str, ...] = ()


def changed_fields(obj: Any, updates: dict[str, Any]) -> dict[str, Any]:
    """The updates that would change ``obj`` (blank cells never erase stored values)."""
    return {k: v for k, v in updates.items() if v not in (None, "") and getattr(obj, k) != v}


class LegacyKind(Kind):
    entity = ""  # audit entity name (table)

    def plan(self, session: Session, values: dict[str, Any], context: Any) -> Plan:
        raise NotImplementedError

    def prepare(self, session: Session, services: Any) -> Any:  # type: ignore[override]
        return self.load(session, services.procedures.today())

    def load(self, session: Session, today: date) -> Any:
        return None

    def apply(self, session: Session, services: Any, values: dict[str, Any], context: Any) -> Outcome:
        plan = self.plan(session, values, context)
        if plan.apply is not None:
            obj, before = plan.apply(session)
            session.flush()
            audit.record(
                session,
                actor=services.actor,
                action="import",
                entity=self.entity,
                entity_id=obj.id,
                summary=f"{'Updated' if before else 'Imported'} {plan.label}",
                before=before,
                after=audit.snapshot(obj),
            )
        return Outcome(plan.outcome, plan.key, plan.label, plan.changes)


def _choice(enum: type, value: Any) -> str | None:
    return as_choice(value, [m.value for m in enum])


def _enum_col(name: str, enum: type, *, required: bool = False) -> Col:
    return Col(name, required, partial(_choice, enum))


def _new(label: str, key: tuple, make) -> Plan:  # type: ignore[no-untyped-def]
    def apply(session: Session):  # type: ignore[no-untyped-def]
        obj = make(session)
        session.add(obj)
        return obj, None

    return Plan(NEW, key, label, apply)


def _imported(cls: Callable[..., T], /, **fields: Any) -> T:
    """A new ``cls`` row filed by the import (positional-only: a unit has a field called ``model``)."""
    return cls(**fields, created_by="import", updated_by="import")


def _update(label: str, key: tuple, obj: Any, updates: dict[str, Any]) -> Plan:
    changes = changed_fields(obj, updates)
    if not changes:
        return Plan(UNCHANGED, key, label)

    def apply(session: Session):  # type: ignore[no-untyped-def]
        before = audit.snapshot(obj)
        for name, value in changes.items():
            setattr(obj, name, value)
        return obj, before

    return Plan(UPDATE, key, label, apply, tuple(f"{k} → {v}" for k, v in changes.items()))


def _upsert(
    label: str,
    key: tuple,
    existing: Any,
    values: dict[str, Any],
    cls: type,
    identity: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> Plan:
    """Master data under ``key``: an update of ``existing`` (blank cells keep what is stored), or a
    new ``cls`` with ``identity`` and ``values``, whose blank (None) cells take ``defaults``."""
    if existing is not None:
        return _update(label, key, existing, values)
    fields = {**identity, **values}
    for name, default in (defaults or {}).items():
        if fields[name] is None:
            fields[name] = default
    return _new(label, key, lambda s: _imported(cls, **fields))


# --------------------------------------------------------------------------- procedures and dosimetry


class ProceduresKind(LegacyKind):
    name = "procedures"
    entity = "procedure_records"
    description = "fluoroscopy-guided cases and their doses"
    columns = (
        Col("performed_on", True, as_date),
        Col("procedure", True),
        Col("unit_id", True),
        Col("technician", True),
        Col("physician"),
        Col("fluoro_time_s", parse=as_number),
        Col("air_kerma_mgy", parse=as_number),
        Col("kap_gycm2", parse=as_number),
        Col("images", parse=as_int),
        Col("case_ref"),
    )

    @dataclass
    class Context:
        people: People
        units: dict[str, FluoroUnit]
        procedures: dict[str, ProcedureType]
        existing: set[tuple]

    def load(self, session: Session, today: date) -> Context:
        procedures: dict[str, ProcedureType] = {}
        for p in session.scalars(select(ProcedureType)):
            procedures[p.cpt_code.lower()] = p
            procedures[p.name.lower()] = p
        existing = {
            self._key(
                r.performed_on,
                r.case_ref,
                r.procedure_type_id,
                r.unit_id,
                r.technician_id,
                r.fluoro_time_s,
                r.air_kerma_mgy,
            )
            for r in session.scalars(select(ProcedureRecord).where(ProcedureRecord.voided_at.is_(None)))
        }
        return self.Context(
            People.load(session),
            {u.code.lower(): u for u in session.scalars(select(FluoroUnit))},
            procedures,
            existing,
        )

    @staticmethod
    def _key(
        day: date, case_ref: str, proc: int, unit: int, tech: int | None, time_s: Any, kerma: Any
    ) -> tuple:
        if case_ref:
            return ("case", day, case_ref.lower())
        return ("case", day, proc, unit, tech, time_s, kerma)

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        procedure = ctx.procedures.get(v["procedure"].lower())
        if procedure is None:
            raise RowProblem("procedure", f"no procedure “{v['procedure']}” (give its CPT code or name)")
        unit = ctx.units.get(v["unit_id"].lower())
        if unit is None:
            raise RowProblem("unit_id", f"no unit “{v['unit_id']}” on file")
        tech = ctx.people.find(v["technician"])
        key = self._key(
            v["performed_on"],
            v["case_ref"],
            procedure.id,
            unit.id,
            tech.id,
            v["fluoro_time_s"],
            v["air_kerma_mgy"],
        )
        label = f"case {v['case_ref'] or procedure.cpt_code} on {v['performed_on']}"
        if key in ctx.existing:
            return Plan(UNCHANGED, key, label)
        return _new(
            label,
            key,
            lambda s: _imported(
                ProcedureRecord,
                performed_on=v["performed_on"],
                case_ref=v["case_ref"],
                procedure_type_id=procedure.id,
                unit_id=unit.id,
                technician_id=tech.id,
                physician=v["physician"],
                fluoro_time_s=v["fluoro_time_s"],
                air_kerma_mgy=v["air_kerma_mgy"],
                kap_value=v["kap_gycm2"],
                kap_unit=KapUnit.GY_CM2 if v["kap_gycm2"] is not None else None,
                images=v["images"],
            ),
        )

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        records = session.scalars(
            select(ProcedureRecord)
            .where(ProcedureRecord.voided_at.is_(None))
            .options(
                selectinload(ProcedureRecord.procedure_type),
                selectinload(ProcedureRecord.unit),
                selectinload(ProcedureRecord.technician),
            )
            .order_by(ProcedureRecord.performed_on, ProcedureRecord.id)
        )
        scale = {KapUnit.GY_CM2: 1.0, KapUnit.MGY_CM2: 0.001, KapUnit.UGY_M2: 0.01}  # exact SI scalings
        for r in records:
            kap = r.kap_value * scale[r.kap_unit] if r.kap_value is not None and r.kap_unit else None
            yield [
                r.performed_on,
                r.procedure_type.cpt_code,
                r.unit.code,
                tech_reference(r.technician),
                r.physician,
                r.fluoro_time_s,
                r.air_kerma_mgy,
                kap,
                r.images,
                r.case_ref,
            ]


def parse_dose(value: Any) -> DoseEntry:
    """A dose cell, read by the Dosimetry tab's rule: mSv, "M" (below the reporting minimum) or "unused"."""
    raw = value if isinstance(value, int | float) and not isinstance(value, bool) else text(value)
    try:
        return parse_dose_entry(raw)
    except ValueError as exc:
        raise CellError(str(exc)) from None


class DosimetryKind(LegacyKind):
    name = "dosimetry"
    entity = "dosimetry_readings"
    description = "staff dosimetry badge readings"
    columns = (
        Col("technician", True),
        Col("period_start", True, as_date),
        Col("period_end", True, as_date),
        Col("deep_msv", parse=parse_dose),
        Col("lens_msv", parse=parse_dose),
        Col("shallow_msv", parse=parse_dose),
        Col("badge_id"),
        Col("other_facility"),  # optional: dose a per diem tech reports from another employer
    )
    _CELLS = ("deep_msv", "lens_msv", "shallow_msv")

    @dataclass
    class Context:
        people: People
        badges: dict[tuple[int, str], list[DosimeterBadge]]  # a badge code is reissued period after period
        existing: dict[tuple, DosimetryReading]

        def badge(self, tech_id: int, code: str, start: date, end: date) -> DosimeterBadge | None:
            """The issue of badge ``code`` worn for this period: assigned on its start, or covering it."""
            issues = self.badges.get((tech_id, code.lower()), [])
            exact = [b for b in issues if b.assigned_on == start]
            covering = [
                b for b in issues if b.assigned_on <= start and (b.period_end is None or b.period_end >= end)
            ]
            return (exact or covering or [None])[0]

    def load(self, session: Session, today: date) -> Context:
        badges: dict[tuple[int, str], list[DosimeterBadge]] = defaultdict(list)
        for b in session.scalars(select(DosimeterBadge).order_by(DosimeterBadge.assigned_on.desc())):
            badges[(b.technician_id, b.badge_code.lower())].append(b)
        readings = session.scalars(select(DosimetryReading).where(DosimetryReading.voided_at.is_(None)))
        existing = {
            (r.technician_id, r.period_start, r.period_end, r.badge_id, r.other_facility.lower()): r
            for r in readings
        }
        return self.Context(People.load(session), badges, existing)

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        tech = ctx.people.find(v["technician"])
        if v["period_end"] < v["period_start"]:
            raise RowProblem("period_end", f"{v['period_end']} is before the start {v['period_start']}")
        entries = {name: v[name] or DoseEntry() for name in self._CELLS}
        kind, problems = classify_reading(entries)
        if problems:
            name, message = next(iter(problems.items()))
            raise RowProblem(name, message.replace("tick “Returned unused”", "write unused"))
        values = {
            "kind": kind,
            **{name: entries[name].value for name in self._CELLS},
            **{name.replace("_msv", "_minimal"): entries[name].minimal for name in self._CELLS},
        }
        badge = (
            ctx.badge(tech.id, v["badge_id"], v["period_start"], v["period_end"]) if v["badge_id"] else None
        )
        facility = v["other_facility"]
        if facility and v["badge_id"]:
            raise RowProblem(
                "other_facility", "dose from another facility is not read from one of our badges"
            )
        key = (
            tech.id,
            v["period_start"],
            v["period_end"],
            badge.id if badge else v["badge_id"] or None,
            facility.lower(),
        )
        label = f"reading of {tech.full_name} for {v['period_start']}…{v['period_end']}" + (
            f" from {facility}" if facility else ""
        )
        existing = ctx.existing.get(key)
        if existing is not None:
            if all(getattr(existing, k) == value for k, value in values.items()):
                return Plan(UNCHANGED, key, label)
            raise RowProblem("", f"a different {label} is on file; correct it in the app")

        def make(session: Session) -> DosimetryReading:
            badge_row = badge
            if v["badge_id"] and badge_row is None:
                badge_row = ctx.badge(tech.id, v["badge_id"], v["period_start"], v["period_end"])
                if badge_row is None:  # issued for this wear period (the Dosimetry tab's model)
                    badge_row = _imported(
                        DosimeterBadge,
                        technician_id=tech.id,
                        badge_code=v["badge_id"],
                        assigned_on=v["period_start"],
                        period_end=v["period_end"],
                    )
                    session.add(badge_row)
                    ctx.badges[(tech.id, v["badge_id"].lower())].insert(0, badge_row)
            return _imported(
                DosimetryReading,
                technician_id=tech.id,
                badge=badge_row,
                period_start=v["period_start"],
                period_end=v["period_end"],
                other_facility=facility,
                **values,
            )

        return _new(label, key, make)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        readings = session.scalars(
            select(DosimetryReading)
            .where(DosimetryReading.voided_at.is_(None))
            .options(selectinload(DosimetryReading.technician), selectinload(DosimetryReading.badge))
            .order_by(DosimetryReading.period_start, DosimetryReading.id)
        )
        for r in readings:
            flags = [getattr(r, name.replace("_msv", "_minimal")) for name in self._CELLS]
            cells: list[Any] = []
            for name, minimal in zip(self._CELLS, flags, strict=True):
                value = getattr(r, name)
                if r.kind is DoseReadingKind.UNUSED:
                    cells.append("unused")
                elif minimal or (r.kind is DoseReadingKind.MINIMAL and not any(flags) and value is None):
                    cells.append("M")  # per cell; a reading stored before per-cell M is M throughout
                else:
                    cells.append(value)
            yield [
                tech_reference(r.technician),
                r.period_start,
                r.period_end,
                *cells,
                r.badge.badge_code if r.badge else "",
                r.other_facility,
            ]
