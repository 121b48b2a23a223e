"""Cases of the dose log in spreadsheets, filed through the Dose Log's own operation: ``log_case_in``'s
two steps, the entry form's rules (``check_case_in``) and the filing (``file_case_in``), with a look
at what is on file in between.

A case is a regulated record: an import never changes one.  The same case again is unchanged; a
different case under the same key (day, case number and procedure; or, without a case number, its
day, procedure, unit, technologist, time and air kerma) is refused.  KAP travels in Gy·cm², converted
exactly from the unit it was recorded in (``domain.dose.kap_to_gycm2``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import FluoroUnit, ProcedureRecord, ProcedureType, Technician
from fluorodesk.domain.dose import CaseDose, kap_to_gycm2
from fluorodesk.domain.enums import KapUnit
from fluorodesk.services.procedures.rows import CaseDraft, CaseFields
from fluorodesk.services.transfer.cells import as_date
from fluorodesk.services.transfer.framework import NEW, UNCHANGED, Col, Kind, Outcome, RowProblem

# The technician lookup moves to kinds/lookups.py (another change in progress); until then it is here.
from fluorodesk.services.transfer.kinds.lookups import People, tech_reference

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


def case_key(case: CaseFields) -> tuple[Any, ...]:
    """What identifies a case in a file: as the log's own rule, a case number is used once a day per
    procedure; a case without one is known by what was recorded."""
    if case.case_ref:
        return ("case", case.performed_on, case.case_ref, case.procedure_type_id)
    dose = case.dose
    return (
        "case",
        case.performed_on,
        case.procedure_type_id,
        case.unit_id,
        case.technician_id,
        dose.fluoro_time_s,
        dose.air_kerma_mgy,
    )


def _gycm2(value: float, unit: KapUnit) -> Decimal:
    """A KAP in Gy·cm², converted exactly and written in full: 100.5 µGy·m² is 1.005, 123456.7 mGy·cm²
    is 123.4567 (a float would be written to six digits), 100 µGy·m² is 1."""
    return Decimal(format(kap_to_gycm2(value, unit).normalize(), "f"))


@dataclass
class _Context:
    people: People
    units: dict[str, FluoroUnit]  # by code, or code and name as the Dose Log shows them, lower case
    stored: dict[tuple[Any, ...], CaseFields]  # live cases by case_key


_R = ProcedureRecord


class ProceduresKind(Kind):
    name = "procedures"
    description = "fluoroscopy-guided cases and their doses"
    columns = (
        Col("performed_on", True, as_date),
        Col("procedure", True),  # CPT code, name, or the Dose Log's "64483 — …"
        Col("unit_id", True),
        Col("technician"),
        Col("physician"),
        Col("fluoro_time_s"),  # seconds, or m:ss / "1.4 min" as the Dose Log shows it
        Col("air_kerma_mgy"),
        Col("kap_gycm2"),
        Col("images"),
        Col("case_ref"),
    )
    field_columns = {
        "technician_id": "technician",
        "fluoro_time": "fluoro_time_s",
        "kap_value": "kap_gycm2",
        "kap_unit": "kap_gycm2",
    }

    def prepare(self, session: Session, services: Services) -> _Context:
        units: dict[str, FluoroUnit] = {}  # held here, so the checks of each row find them in the session
        for unit in session.scalars(select(FluoroUnit)):
            units[unit.code.lower()] = unit
            units[f"{unit.code} {unit.name}".lower()] = unit
        stored = {}
        for row in session.execute(
            select(
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
            ).where(_R.voided_at.is_(None))
        ):
            case = CaseFields(*row[:6], CaseDose(*row[6:]))
            stored[case_key(case)] = case
        return _Context(People.load(session), units, stored)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ctx: _Context) -> Outcome:
        unit = ctx.units.get(" ".join(v["unit_id"].lower().split()))
        if unit is None:
            raise RowProblem("unit_id", f"no unit “{v['unit_id']}” on file")
        technician = ctx.people.find(v["technician"]) if v["technician"] else None
        draft = CaseDraft(
            performed_on=v["performed_on"],
            procedure=v["procedure"],
            unit_id=unit.id,
            physician=v["physician"],
            technician_id=technician.id if technician else None,
            case_ref=v["case_ref"],
            fluoro_time=v["fluoro_time_s"],
            air_kerma_mgy=v["air_kerma_mgy"],
            kap_value=v["kap_gycm2"],
            kap_unit=KapUnit.GY_CM2 if v["kap_gycm2"] else None,
            images=v["images"],
        )
        case = services.procedures.check_case_in(session, draft)  # the entry form's rules
        key = case_key(case)
        label = f"case {case.case_ref or case.cpt_code} on {case.performed_on}"
        stored = ctx.stored.get(key)
        if stored is not None:
            if stored.same_as(case):
                return Outcome(UNCHANGED, key, label)
            raise RowProblem("", f"a different {label} is on file; correct it in the app")
        services.procedures.file_case_in(session, case)  # log_case_in, checked once
        return Outcome(NEW, key, label)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        technicians = {t.id: t for t in session.scalars(select(Technician))}
        rows = session.execute(
            select(
                _R.performed_on,
                ProcedureType.cpt_code,
                FluoroUnit.code,
                _R.technician_id,
                _R.physician,
                _R.fluoro_time_s,
                _R.air_kerma_mgy,
                _R.kap_value,
                _R.kap_unit,
                _R.images,
                _R.case_ref,
            )
            .join(ProcedureType, ProcedureType.id == _R.procedure_type_id)
            .join(FluoroUnit, FluoroUnit.id == _R.unit_id)
            .where(_R.voided_at.is_(None))
            .order_by(_R.performed_on, _R.id)
        )
        for day, cpt, unit, tech_id, physician, seconds, kerma, kap, kap_unit, images, case_ref in rows:
            yield [
                day,
                cpt,
                unit,
                tech_reference(technicians.get(tech_id)) if tech_id is not None else "",
                physician,
                seconds,
                kerma,
                _gycm2(kap, kap_unit) if kap is not None and kap_unit is not None else None,
                images,
                case_ref,
            ]
