"""A deterministic synthetic clinic at ten-year scale, for benchmarks.

Rows go in through SQLAlchemy Core bulk inserts (about 9x faster than the ORM), bypassing the services:
this is load generation, not user activity, so it writes no audit events.  ``scale=1.0`` is the issue's
ten-year clinic; CI uses a tiny scale to prove the code works.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fluorodesk.bench.account import BENCH_PASSWORD, BENCH_USER
from fluorodesk.db.models import (
    Agency,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    Credential,
    DosimeterBadge,
    DosimetryReading,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentDefect,
    GarmentInspection,
    PhysicistSurvey,
    ProcedureRecord,
    ProcedureType,
    Technician,
    User,
)
from fluorodesk.domain.dates import add_months, end_of_month, week_start
from fluorodesk.domain.enums import (
    ClauseStatus,
    ContractParty,
    CredentialType,
    DefectZone,
    Disposition,
    DoseReadingKind,
    EmploymentType,
    ExposureMode,
    GarmentStatus,
    GarmentType,
    InspectionResult,
    KapUnit,
    RateUnit,
    RenewalType,
    Role,
    SurveyResult,
)

FULL_SCALE = {
    "technicians": 150,
    "credentials": 2500,
    "contracts": 60,
    "garments": 400,
    "inspections_per_garment": 10,
    "units": 8,
    "checks_per_unit": 520,
    "procedures": 60000,
    "dosimetry_readings": 6000,
}


@dataclass(frozen=True)
class SyntheticCounts:
    technicians: int
    credentials: int
    contracts: int
    garments: int
    inspections: int
    units: int
    exposure_checks: int
    procedures: int
    dosimetry_readings: int

    @property
    def total(self) -> int:
        return sum(vars(self).values())


def _scaled(scale: float) -> dict[str, int]:
    sizes = {k: max(1, round(v * scale)) for k, v in FULL_SCALE.items()}
    sizes["inspections_per_garment"] = FULL_SCALE["inspections_per_garment"]
    sizes["checks_per_unit"] = max(4, round(FULL_SCALE["checks_per_unit"] * min(1.0, scale * 10)))
    sizes["units"] = max(2, sizes["units"])
    return sizes


_FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
]
_LAST = [
    "Adams",
    "Baker",
    "Cruz",
    "Diaz",
    "Evans",
    "Flores",
    "Gray",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
]


def build(
    session: Session, *, scale: float = 1.0, today: date | None = None, seed: int = 12
) -> SyntheticCounts:
    """Fill an empty, migrated database with a synthetic clinic; deterministic for a (scale, today, seed)."""
    rng = random.Random(seed)
    today = today or date.today()
    start = today - timedelta(days=3650)
    sizes = _scaled(scale)
    stamp = dict(created_by="bench", updated_by="bench")

    agencies = [{"name": f"Agency {i + 1}", **stamp} for i in range(4)]
    session.execute(insert(Agency), agencies)
    agency_ids = list(session.scalars(select(Agency.id)))

    techs = []
    for i in range(sizes["technicians"]):
        employment = rng.choice(list(EmploymentType))
        techs.append(
            {
                "first_name": rng.choice(_FIRST),
                "last_name": f"{rng.choice(_LAST)}{i}",
                "employment_type": employment.value,
                "agency_id": rng.choice(agency_ids) if employment is EmploymentType.AGENCY else None,
                "arrt_id": f"{700000 + i}",
                "birth_month": rng.randint(1, 12),
                "start_date": start + timedelta(days=rng.randint(0, 3000)),
                "retired_on": today - timedelta(days=rng.randint(10, 900)) if rng.random() < 0.2 else None,
                "email": f"tech{i}@example.com",
                **stamp,
            }
        )
    session.execute(insert(Technician), techs)
    tech_ids = list(session.scalars(select(Technician.id)))

    creds = []
    types = list(CredentialType)
    for i in range(sizes["credentials"]):
        issued = start + timedelta(days=rng.randint(0, 3640))
        ctype = types[i % len(types)]
        creds.append(
            {
                "technician_id": tech_ids[i % len(tech_ids)],
                "type": ctype.value,
                "number": f"N{i}",
                "issued_on": issued,
                "expires_on": end_of_month(add_months(issued, 24)) if i % 3 else None,
                "verified_on": issued + timedelta(days=3) if rng.random() < 0.9 else None,
                "verified_by": "Front desk",
                **stamp,
            }
        )
    session.execute(insert(Credential), creds)

    clause_ids = list(session.scalars(select(ClauseDefinition.id)))
    contracts = []
    for i in range(sizes["contracts"]):
        effective = start + timedelta(days=rng.randint(0, 3500))
        to_agency = i % 3 == 0
        contracts.append(
            {
                "party_type": (ContractParty.AGENCY if to_agency else ContractParty.TECHNICIAN).value,
                "agency_id": agency_ids[i % len(agency_ids)] if to_agency else None,
                "technician_id": None if to_agency else tech_ids[i % len(tech_ids)],
                "effective_on": effective,
                "expires_on": add_months(effective, 12) - timedelta(days=1),
                "renewal_type": rng.choice(list(RenewalType)).value,
                "notice_days": 30,
                "signed_on": effective - timedelta(days=5) if rng.random() < 0.95 else None,
                **stamp,
            }
        )
    session.execute(insert(Contract), contracts)
    contract_ids = list(session.scalars(select(Contract.id)))
    session.execute(
        insert(ContractClauseCheck),
        [
            {
                "contract_id": c,
                "clause_id": k,
                "status": (ClauseStatus.PRESENT if rng.random() < 0.97 else ClauseStatus.MISSING).value,
            }
            for c in contract_ids
            for k in clause_ids
        ],
    )

    garments = []
    for i in range(sizes["garments"]):
        kind = GarmentType.THYROID if i % 4 == 0 else rng.choice([GarmentType.APRON, GarmentType.VEST_SKIRT])
        garments.append(
            {
                "code": f"{'T' if kind is GarmentType.THYROID else 'A'}-{i:05d}",
                "type": kind.value,
                "manufacturer": "Infab",
                "model": "Revolution",
                "location": f"Room {i % 6}",
                "received_on": start + timedelta(days=rng.randint(0, 200)),
                "status": (GarmentStatus.IN_SERVICE if rng.random() < 0.9 else GarmentStatus.REMOVED).value,
                **stamp,
            }
        )
    session.execute(insert(Garment), garments)
    garment_rows = session.execute(select(Garment.id, Garment.received_on)).all()
    inspections = []
    for garment_id, received in garment_rows:
        for n in range(sizes["inspections_per_garment"]):
            day = add_months(received, 12 * n) if n else received
            if day > today:
                break
            failed = rng.random() < 0.02
            inspections.append(
                {
                    "garment_id": garment_id,
                    "inspected_on": day,
                    "inspector": "Tech",
                    "methods": "visual+tactile",
                    "acceptance": n == 0,
                    "result": (InspectionResult.FAIL if failed else InspectionResult.PASS).value,
                    "disposition": (Disposition.REMOVE if failed else Disposition.RETURN_TO_SERVICE).value,
                    **stamp,
                }
            )
    session.execute(insert(GarmentInspection), inspections)
    failed_ids = session.scalars(select(GarmentInspection.id).where(GarmentInspection.result == "fail")).all()
    if failed_ids:
        session.execute(
            insert(GarmentDefect),
            [{"inspection_id": i, "zone": DefectZone.CRITICAL.value, "area_mm2": 40.0} for i in failed_ids],
        )

    units = [
        {
            "code": f"CA-{i + 1}",
            "name": f"C-arm {i + 1}",
            "room": f"OR {i + 1}",
            "manufactured_on": date(2015, 1, 1),
            "has_aerc": True,
            "has_hlc": True,
            "baseline_rate": 40.0,
            "baseline_unit": RateUnit.MGY_PER_MIN.value,
            "in_service_on": week_start(today - timedelta(weeks=sizes["checks_per_unit"])),
            **stamp,
        }
        for i in range(sizes["units"])
    ]
    session.execute(insert(FluoroUnit), units)
    unit_ids = list(session.scalars(select(FluoroUnit.id)))
    checks, surveys = [], []
    for unit_id in unit_ids:
        first = week_start(today - timedelta(weeks=sizes["checks_per_unit"]))
        for week in range(sizes["checks_per_unit"]):
            if rng.random() < 0.02:
                continue  # a missed week
            day = first + timedelta(weeks=week, days=rng.randint(0, 4))
            checks.append(
                {
                    "unit_id": unit_id,
                    "checked_on": day,
                    "performed_by": "Tech",
                    "mode": ExposureMode.NORMAL.value,
                    "kvp": 78.0,
                    "ma": 2.1,
                    "rate": round(40 * rng.uniform(0.9, 1.1), 1),
                    "rate_unit": RateUnit.MGY_PER_MIN.value,
                    "entered_at": datetime.combine(day, time(17)),
                    **stamp,
                }
            )
        for year in range(10):
            surveys.append(
                {
                    "unit_id": unit_id,
                    "surveyed_on": today - timedelta(days=365 * year + 100),
                    "physicist": "Physicist",
                    "result": SurveyResult.PASS.value,
                    **stamp,
                }
            )
    session.execute(insert(ExposureCheck), checks)
    session.execute(insert(PhysicistSurvey), surveys)

    procedure_ids = list(session.scalars(select(ProcedureType.id)))
    procedures = []
    for i in range(sizes["procedures"]):
        day = start + timedelta(days=(i * 3650) // sizes["procedures"])
        procedures.append(
            {
                "performed_on": day,
                "case_ref": f"C{i:06d}",
                "procedure_type_id": rng.choice(procedure_ids),
                "unit_id": rng.choice(unit_ids),
                "physician": f"Dr {rng.choice(_LAST)}",
                "technician_id": rng.choice(tech_ids),
                "fluoro_time_s": round(rng.lognormvariate(3.5, 0.6), 1),
                "air_kerma_mgy": round(rng.lognormvariate(3.0, 0.8), 1),
                "kap_value": round(rng.lognormvariate(1.5, 0.7), 2),
                "kap_unit": KapUnit.GY_CM2.value,
                "images": rng.randint(2, 30),
                **stamp,
            }
        )
    for chunk in range(0, len(procedures), 10000):
        session.execute(insert(ProcedureRecord), procedures[chunk : chunk + 10000])

    badges = [{"technician_id": t, "badge_code": f"B{t}", "assigned_on": start, **stamp} for t in tech_ids]
    session.execute(insert(DosimeterBadge), badges)
    badge_of = dict(session.execute(select(DosimeterBadge.technician_id, DosimeterBadge.id)).all())
    readings = []
    for i in range(sizes["dosimetry_readings"]):
        tech = tech_ids[i % len(tech_ids)]
        period = add_months(date(today.year, today.month, 1), -(i // len(tech_ids)) - 1)
        kind = DoseReadingKind.MINIMAL if i % 7 == 0 else DoseReadingKind.MEASURED
        readings.append(
            {
                "technician_id": tech,
                "badge_id": badge_of[tech],
                "period_start": period,
                "period_end": end_of_month(period),
                "kind": kind.value,
                "deep_msv": None if kind is DoseReadingKind.MINIMAL else round(rng.uniform(0.01, 0.4), 2),
                "received_on": end_of_month(period) + timedelta(days=20),
                **stamp,
            }
        )
    session.execute(insert(DosimetryReading), readings)
    from fluorodesk.services.auth import hash_password

    account = {"username": BENCH_USER, "full_name": "Bench Director", "role": Role.DIRECTOR.value}
    session.execute(insert(User), [{**account, "password_hash": hash_password(BENCH_PASSWORD), **stamp}])
    return SyntheticCounts(
        technicians=len(techs),
        credentials=len(creds),
        contracts=len(contracts),
        garments=len(garments),
        inspections=len(inspections),
        units=len(units),
        exposure_checks=len(checks),
        procedures=len(procedures),
        dosimetry_readings=len(readings),
    )
