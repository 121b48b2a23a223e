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
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    Agency,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    Credential,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentDefect,
    GarmentInspection,
    Technician,
)
from fluorodesk.domain.enums import (
    ClauseStatus,
    ContractParty,
    CredentialType,
    DefectZone,
    EmploymentType,
    ExposureMode,
    InspectionMethod,
    InspectionResult,
    RateUnit,
    RenewalType,
)
from fluorodesk.domain.garments import Defect, RejectionThresholds, propose_result
from fluorodesk.errors import ValidationError
from fluorodesk.services import audit
from fluorodesk.services.settings import load_settings
from fluorodesk.services.transfer.cells import CellError, as_bool, as_choice, as_date, as_number, text
from fluorodesk.services.transfer.framework import (
    NEW,
    UNCHANGED,
    UPDATE,
    Col,
    Kind,
    Outcome,
    RowProblem,
    yes_no,
)

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


def _check_email(email: str) -> None:
    if email and ("@" not in email or " " in email):
        raise RowProblem("email", f"“{email}” is not an e-mail address")


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


# --------------------------------------------------------------------------- technician lookups


@dataclass
class People:
    by_arrt: dict[str, Technician] = field(default_factory=dict)
    by_email: dict[str, Technician] = field(default_factory=dict)
    by_name: dict[str, list[Technician]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, session: Session) -> People:
        people = cls()
        for tech in session.scalars(select(Technician)):
            people.add(tech)
        return people

    def add(self, tech: Technician) -> None:
        if tech.arrt_id:
            self.by_arrt[tech.arrt_id] = tech
        if tech.email:
            self.by_email[tech.email.lower()] = tech
        self.by_name[tech.full_name.lower()].append(tech)

    def find(self, reference: str, column: str = "technician") -> Technician:
        """Technician by e-mail, ARRT ID or "First Last"."""
        ref = reference.strip()
        tech = self.by_email.get(ref.lower()) or self.by_arrt.get(ref)
        if tech is not None:
            return tech
        named = self.by_name.get(" ".join(ref.lower().split()), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise RowProblem(column, f"“{ref}” matches {len(named)} technicians; use their e-mail or ARRT ID")
        raise RowProblem(column, f"no technician “{ref}” (give an e-mail, ARRT ID or “First Last” on file)")


def tech_reference(tech: Technician | None) -> str:
    if tech is None:
        return ""
    return tech.email or tech.arrt_id or tech.full_name


# --------------------------------------------------------------------------- agencies


class AgenciesKind(LegacyKind):
    name = "agencies"
    entity = "agencies"
    description = "staffing agencies"
    columns = (
        Col("name", True),
        Col("contact_name"),
        Col("phone"),
        Col("email"),
        Col("address"),
        Col("notes"),
        Col("active", parse=as_bool),
    )

    def load(self, session: Session, today: date) -> dict[str, Agency]:
        return {a.name.lower(): a for a in session.scalars(select(Agency))}

    def plan(self, session: Session, v: dict[str, Any], agencies: dict[str, Agency]) -> Plan:
        email = v["email"]
        _check_email(email)
        values = dict(
            contact_name=v["contact_name"],
            phone=v["phone"],
            email=email,
            address=v["address"],
            notes=v["notes"],
            active=v["active"],
        )
        label = f"agency {v['name']}"
        key = ("agency", v["name"].lower())
        existing = agencies.get(v["name"].lower())
        return _upsert(label, key, existing, values, Agency, {"name": v["name"]}, {"active": True})

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        for a in session.scalars(select(Agency).order_by(Agency.name)):
            yield [a.name, a.contact_name, a.phone, a.email, a.address, a.notes, yes_no(a.active)]


# --------------------------------------------------------------------------- technicians


class TechniciansKind(LegacyKind):
    name = "technicians"
    entity = "technicians"
    description = "the roster"
    columns = (
        Col("first_name", True),
        Col("last_name", True),
        Col("email"),
        Col("phone"),
        _enum_col("employment_type", EmploymentType),
        Col("agency"),
        Col("arrt_id"),
        Col("notes"),
    )

    @dataclass
    class Context:
        people: People
        agencies: dict[str, Agency]

    def load(self, session: Session, today: date) -> Context:
        agencies = {a.name.lower(): a for a in session.scalars(select(Agency))}
        return self.Context(People.load(session), agencies)

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        email = v["email"]
        _check_email(email)
        employment = v["employment_type"] or (EmploymentType.AGENCY.value if v["agency"] else "per_diem")
        label = f"{v['first_name']} {v['last_name']}"
        existing = (ctx.people.by_arrt.get(v["arrt_id"]) if v["arrt_id"] else None) or (
            ctx.people.by_email.get(email.lower()) if email else None
        )
        if existing is None and not v["arrt_id"] and not email:
            named = ctx.people.by_name.get(label.lower(), [])
            existing = named[0] if len(named) == 1 else None
        key = ("technician", v["arrt_id"] or email.lower() or label.lower())
        agency_name = v["agency"]

        def agency(session: Session) -> Agency | None:
            if not agency_name:
                return None
            found = ctx.agencies.get(agency_name.lower())
            if found is None:  # moving in: the agency is created with its first technician
                found = _imported(Agency, name=agency_name)
                session.add(found)
                ctx.agencies[agency_name.lower()] = found
            return found

        values = dict(
            first_name=v["first_name"],
            last_name=v["last_name"],
            email=email,
            phone=v["phone"],
            employment_type=EmploymentType(employment),
            arrt_id=v["arrt_id"] or None,
            notes=v["notes"],
        )
        if existing is not None:
            plan = _update(label, key, existing, values)
            current_agency = existing.agency.name if existing.agency else ""
            if agency_name and agency_name.lower() != current_agency.lower():
                inner = plan.apply

                def apply(session: Session):  # type: ignore[no-untyped-def]
                    obj, before = inner(session) if inner else (existing, audit.snapshot(existing))
                    obj.agency = agency(session)
                    return obj, before

                return Plan(UPDATE, key, label, apply, plan.changes + (f"agency → {agency_name}",))
            return plan
        return _new(
            label,
            key,
            lambda session: _imported(Technician, **values, agency=agency(session)),
        )

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        techs = session.scalars(
            select(Technician).options(selectinload(Technician.agency)).order_by(Technician.last_name)
        )
        for t in techs:
            yield [
                t.first_name,
                t.last_name,
                t.email,
                t.phone,
                t.employment_type.value,
                t.agency.name if t.agency else "",
                t.arrt_id or "",
                t.notes,
            ]


# --------------------------------------------------------------------------- credentials

IMPORTED_VERIFICATION = "as recorded in the imported spreadsheet"

_CREDENTIAL_TYPES = [
    t.value for t in CredentialType if t not in (CredentialType.OTHER, CredentialType.DOSIMETER_BADGE)
]


class CredentialsKind(LegacyKind):
    name = "credentials"
    entity = "credentials"
    description = "licences, certifications and HR items"
    columns = (
        Col("technician", True),
        Col("type", True, partial(as_choice, allowed=_CREDENTIAL_TYPES)),
        Col("number"),
        Col("issuer"),
        Col("issued_on", parse=as_date),
        Col("expires_on", parse=as_date),
        Col("verified_on", parse=as_date),
        Col("verified_by"),
        Col("result"),  # optional: exclusion check clear/excluded, TB result (the dialog requires them)
        Col("verification_method"),  # optional: how it was verified (default: the spreadsheet's word)
    )

    @dataclass
    class Context:
        people: People
        existing: dict[tuple, Credential]
        settings: Any
        today: date

    def load(self, session: Session, today: date) -> Context:
        existing = {
            (c.technician_id, c.type.value, c.issued_on, c.number): c
            for c in session.scalars(select(Credential).where(Credential.voided_at.is_(None)))
        }
        return self.Context(People.load(session), existing, load_settings(session), today)

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        from fluorodesk.services.credentials import fill_expiry, validate_credential
        from fluorodesk.services.technicians import CredentialDraft

        tech = ctx.people.find(v["technician"])
        method = v["verification_method"] or (IMPORTED_VERIFICATION if v["verified_on"] else "")
        draft = CredentialDraft(
            tech.id,
            v["type"],
            number=v["number"],
            issuer=v["issuer"],
            issued_on=v["issued_on"],
            expires_on=v["expires_on"],
            result=v["result"],
            verified_on=v["verified_on"],
            verified_by=v["verified_by"],
            verification_method=method,
        )
        try:  # the credential dialog's own rules, so an import cannot file what the dialog would refuse
            checked = validate_credential(draft, ctx.today)
            fill_expiry(ctx.settings, tech, checked)
        except ValidationError as exc:
            raise RowProblem(
                "", "; ".join(f"{name}: {message}" for name, message in exc.fields.items())
            ) from None
        ctype = CredentialType(v["type"])
        issued = checked["issued_on"]
        key = (tech.id, ctype.value, issued, v["number"])
        label = f"{ctype.label} of {tech.full_name}"
        values = {
            name: checked[name]
            for name in (
                "issuer",
                "expires_on",
                "verified_on",
                "verified_by",
                "result",
                "verification_method",
            )
        }
        identity = {"technician_id": tech.id, "type": ctype, "number": v["number"], "issued_on": issued}
        return _upsert(label, key, ctx.existing.get(key), values, Credential, identity)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        creds = session.scalars(
            select(Credential)
            .where(Credential.voided_at.is_(None))
            .options(selectinload(Credential.technician))
            .order_by(Credential.id)
        )
        for c in creds:
            if c.type.value not in _CREDENTIAL_TYPES:
                continue
            yield [
                tech_reference(c.technician),
                c.type.value,
                c.number,
                c.issuer,
                c.issued_on,
                c.expires_on,
                c.verified_on,
                c.verified_by,
                c.result,
                c.verification_method,
            ]


# --------------------------------------------------------------------------- garments and inspections


def parse_methods(value: Any) -> str | None:
    raw = text(value)
    if not raw:
        return None
    allowed = [m.value for m in InspectionMethod]
    methods = [as_choice(part.strip(), allowed) for part in raw.split("+")]
    return "+".join(m for m in methods if m)


def parse_defects(value: Any) -> tuple[tuple[str, float], ...]:
    raw = text(value)
    defects = []
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        zone, sep, area = part.partition(":")
        if not sep:
            raise CellError(f"“{part}” should read zone:mm2, e.g. critical:20")
        zone_value = as_choice(zone.strip(), [z.value for z in DefectZone])
        size = as_number(area)
        if zone_value is None or size is None:
            raise CellError(f"“{part}” should read zone:mm2, e.g. critical:20")
        defects.append((zone_value, size))
    return tuple(defects)


class InspectionsKind(LegacyKind):
    name = "inspections"
    entity = "garment_inspections"
    description = "apron and thyroid-shield inspections"
    columns = (
        Col("garment_id", True),
        Col("inspected_on", True, as_date),
        Col("inspector", True),
        Col("method", True, parse_methods),
        Col("defects", parse=parse_defects),
        _enum_col("result", InspectionResult),
        Col("notes"),
    )

    @dataclass
    class Context:
        garments: dict[str, Garment]
        existing: dict[tuple, GarmentInspection]
        thresholds: RejectionThresholds

    def load(self, session: Session, today: date) -> Context:
        settings = load_settings(session)
        existing = {
            (i.garment_id, i.inspected_on, i.inspector.lower()): i
            for i in session.scalars(select(GarmentInspection).where(GarmentInspection.voided_at.is_(None)))
        }
        return self.Context(
            {g.code.lower(): g for g in session.scalars(select(Garment))},
            existing,
            RejectionThresholds(
                settings["garments.reject_critical_mm2"],
                settings["garments.reject_noncritical_mm2"],
                settings["garments.reject_thyroid_mm2"],
            ),
        )

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        garment = ctx.garments.get(v["garment_id"].lower())
        if garment is None:
            raise RowProblem("garment_id", f"no garment “{v['garment_id']}” on file; import garments first")
        defects = v["defects"] or ()
        proposed = propose_result(
            garment.type, [Defect(DefectZone(z), a) for z, a in defects], ctx.thresholds
        )
        result = InspectionResult(v["result"]) if v["result"] else proposed.result
        if result is InspectionResult.PASS and proposed.result is InspectionResult.FAIL:
            raise RowProblem("result", "pass is impossible: " + "; ".join(proposed.reasons))
        key = (garment.id, v["inspected_on"], v["inspector"].lower())
        label = f"inspection of {garment.code} on {v['inspected_on']}"
        existing = ctx.existing.get(key)
        if existing is not None:
            if existing.result is result and existing.methods == v["method"]:
                return Plan(UNCHANGED, key, label)
            raise RowProblem(
                "", f"a different {label} by {existing.inspector} is on file; correct it in the app"
            )

        def make(session: Session) -> GarmentInspection:
            inspection = _imported(
                GarmentInspection,
                garment_id=garment.id,
                inspected_on=v["inspected_on"],
                inspector=v["inspector"],
                methods=v["method"],
                result=result,
                notes=v["notes"],
            )
            inspection.defects = [GarmentDefect(zone=DefectZone(z), area_mm2=a) for z, a in defects]
            return inspection

        return _new(label, key, make)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        inspections = session.scalars(
            select(GarmentInspection)
            .where(GarmentInspection.voided_at.is_(None))
            .options(selectinload(GarmentInspection.garment), selectinload(GarmentInspection.defects))
            .order_by(GarmentInspection.inspected_on, GarmentInspection.id)
        )
        for i in inspections:
            defects = ";".join(f"{d.zone.value}:{d.area_mm2:g}" for d in i.defects)
            yield [i.garment.code, i.inspected_on, i.inspector, i.methods, defects, i.result.value, i.notes]


# --------------------------------------------------------------------------- units and exposure checks


class UnitsKind(LegacyKind):
    name = "units"
    entity = "fluoro_units"
    description = "fluoroscopy units (C-arms)"
    columns = (
        Col("unit_id", True),
        Col("name"),
        Col("manufacturer"),
        Col("model"),
        Col("serial"),
        Col("room"),
        Col("manufactured_on", parse=as_date),
        Col("aerc", parse=as_bool),
        Col("hlc", parse=as_bool),
        Col("baseline_rate", parse=as_number),
        _enum_col("baseline_unit", RateUnit),
    )

    def load(self, session: Session, today: date) -> dict[str, FluoroUnit]:
        return {u.code.lower(): u for u in session.scalars(select(FluoroUnit))}

    def plan(self, session: Session, v: dict[str, Any], units: dict[str, FluoroUnit]) -> Plan:
        if (v["baseline_rate"] is None) != (v["baseline_unit"] is None):
            raise RowProblem(
                "baseline_unit", "give the baseline rate and its unit (mGy/min or R/min) together"
            )
        code = v["unit_id"]
        values = dict(
            name=v["name"] or None,
            manufacturer=v["manufacturer"],
            model=v["model"],
            serial=v["serial"],
            room=v["room"],
            manufactured_on=v["manufactured_on"],
            has_aerc=v["aerc"],
            has_hlc=v["hlc"],
            baseline_rate=v["baseline_rate"],
            baseline_unit=RateUnit(v["baseline_unit"]) if v["baseline_unit"] else None,
        )
        label = f"unit {code}"
        key = ("unit", code.lower())
        existing = units.get(code.lower())
        defaults = {"name": code, "has_aerc": True, "has_hlc": False}
        return _upsert(label, key, existing, values, FluoroUnit, {"code": code}, defaults)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        for u in session.scalars(select(FluoroUnit).order_by(FluoroUnit.code)):
            yield [
                u.code,
                u.name,
                u.manufacturer,
                u.model,
                u.serial,
                u.room,
                u.manufactured_on,
                yes_no(u.has_aerc),
                yes_no(u.has_hlc),
                u.baseline_rate,
                u.baseline_unit.value if u.baseline_unit else "",
            ]


class ExposureChecksKind(LegacyKind):
    name = "exposure_checks"
    entity = "exposure_checks"
    description = "exposure-rate QC checks"
    columns = (
        Col("unit_id", True),
        Col("checked_on", True, as_date),
        Col("performed_by", True),
        _enum_col("mode", ExposureMode, required=True),
        Col("kvp", parse=as_number),
        Col("ma", parse=as_number),
        Col("rate", True, as_number),
        _enum_col("rate_unit", RateUnit, required=True),
        Col("notes"),
    )

    @dataclass
    class Context:
        units: dict[str, FluoroUnit]
        existing: dict[tuple, ExposureCheck]

    def load(self, session: Session, today: date) -> Context:
        checks = session.scalars(select(ExposureCheck).where(ExposureCheck.voided_at.is_(None)))
        existing = {(c.unit_id, c.checked_on, c.mode.value, c.rate_unit.value, c.rate): c for c in checks}
        return self.Context({u.code.lower(): u for u in session.scalars(select(FluoroUnit))}, existing)

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        unit = ctx.units.get(v["unit_id"].lower())
        if unit is None:
            raise RowProblem("unit_id", f"no unit “{v['unit_id']}” on file; import units first")
        key = (unit.id, v["checked_on"], v["mode"], v["rate_unit"], v["rate"])
        label = f"check of {unit.code} on {v['checked_on']}"
        if key in ctx.existing:
            return Plan(UNCHANGED, key, label)
        return _new(
            label,
            key,
            lambda s: _imported(
                ExposureCheck,
                unit_id=unit.id,
                checked_on=v["checked_on"],
                performed_by=v["performed_by"],
                mode=ExposureMode(v["mode"]),
                kvp=v["kvp"],
                ma=v["ma"],
                rate=v["rate"],
                rate_unit=RateUnit(v["rate_unit"]),
                notes=v["notes"],
            ),
        )

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        checks = session.scalars(
            select(ExposureCheck)
            .where(ExposureCheck.voided_at.is_(None))
            .options(selectinload(ExposureCheck.unit))
            .order_by(ExposureCheck.checked_on, ExposureCheck.id)
        )
        for c in checks:
            yield [
                c.unit.code,
                c.checked_on,
                c.performed_by,
                c.mode.value,
                c.kvp,
                c.ma,
                c.rate,
                c.rate_unit.value,
                c.notes,
            ]


# --------------------------------------------------------------------------- contracts


class ContractsKind(LegacyKind):
    name = "contracts"
    entity = "contracts"
    description = "contracts with agencies and freelance technicians"
    columns = (
        Col("party", True),
        Col("starts_on", True, as_date),
        Col("ends_on", parse=as_date),
        Col("signed_on", parse=as_date),
        _enum_col("renewal", RenewalType),
        Col("clauses"),
    )

    @dataclass
    class Context:
        people: People
        agencies: dict[str, Agency]
        clauses: dict[str, ClauseDefinition]
        existing: dict[tuple, Contract]

    def load(self, session: Session, today: date) -> Context:
        contracts = session.scalars(select(Contract).options(selectinload(Contract.clause_checks)))
        existing = {
            (c.party_type.value, c.agency_id or c.technician_id, c.effective_on): c for c in contracts
        }
        return self.Context(
            People.load(session),
            {a.name.lower(): a for a in session.scalars(select(Agency))},
            {c.key: c for c in session.scalars(select(ClauseDefinition))},
            existing,
        )

    def plan(self, session: Session, v: dict[str, Any], ctx: Context) -> Plan:
        agency = ctx.agencies.get(v["party"].lower())
        tech = None if agency else ctx.people.find(v["party"], "party")
        party_type = ContractParty.AGENCY if agency else ContractParty.TECHNICIAN
        if v["ends_on"] and v["ends_on"] < v["starts_on"]:
            raise RowProblem("ends_on", f"{v['ends_on']} is before the start {v['starts_on']}")
        keys = [k.strip() for k in (v["clauses"] or "").split(";") if k.strip()]
        unknown = [k for k in keys if k not in ctx.clauses]
        if unknown:
            keys_word = "key" if len(unknown) == 1 else "keys"
            raise RowProblem(
                "clauses", f"unknown clause {keys_word} {', '.join(unknown)}; known: {', '.join(ctx.clauses)}"
            )
        party_id = agency.id if agency else tech.id  # type: ignore[union-attr]
        key = (party_type.value, party_id, v["starts_on"])
        label = f"contract with {agency.name if agency else tech.full_name} from {v['starts_on']}"  # type: ignore[union-attr]
        values = dict(
            expires_on=v["ends_on"],
            signed_on=v["signed_on"],
            renewal_type=RenewalType(v["renewal"]) if v["renewal"] else None,
        )

        def checklist(contract: Contract) -> None:
            if not keys:
                return
            current = {c.clause_id: c for c in contract.clause_checks}
            for clause in ctx.clauses.values():
                if clause.applies_to not in ("all", party_type.value):
                    continue
                status = ClauseStatus.PRESENT if clause.key in keys else ClauseStatus.MISSING
                if clause.id in current:
                    if current[clause.id].status is not ClauseStatus.NOT_APPLICABLE:
                        current[clause.id].status = status
                else:
                    contract.clause_checks.append(ContractClauseCheck(clause=clause, status=status))

        existing = ctx.existing.get(key)
        if existing is not None:
            present = (
                {c.clause.key for c in existing.clause_checks if c.status is ClauseStatus.PRESENT}
                if keys
                else set()
            )
            plan = _update(label, key, existing, values)
            if not keys or present == set(keys):
                return plan
            inner = plan.apply

            def apply(session: Session):  # type: ignore[no-untyped-def]
                obj, before = inner(session) if inner else (existing, audit.snapshot(existing))
                checklist(obj)
                return obj, before

            return Plan(UPDATE, key, label, apply, plan.changes + ("clauses",))

        def make(session: Session) -> Contract:
            contract = _imported(
                Contract,
                party_type=party_type,
                agency_id=agency.id if agency else None,
                technician_id=tech.id if tech else None,
                effective_on=v["starts_on"],
                expires_on=v["ends_on"],
                signed_on=v["signed_on"],
                renewal_type=values["renewal_type"] or RenewalType.FIXED,
            )
            checklist(contract)
            return contract

        return _new(label, key, make)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        contracts = session.scalars(
            select(Contract)
            .options(
                selectinload(Contract.agency),
                selectinload(Contract.technician),
                selectinload(Contract.clause_checks).selectinload(ContractClauseCheck.clause),
            )
            .order_by(Contract.effective_on, Contract.id)
        )
        for c in contracts:
            party = c.agency.name if c.agency else tech_reference(c.technician)
            clauses = ";".join(k.clause.key for k in c.clause_checks if k.status is ClauseStatus.PRESENT)
            yield [party, c.effective_on, c.expires_on, c.signed_on, c.renewal_type.value, clauses]
