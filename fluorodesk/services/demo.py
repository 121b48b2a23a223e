"""A realistic small clinic for trying FluoroDesk: `fluorodesk demo` and `fluorodesk --demo`.

Everything is dated relative to ``today`` and drawn from a seeded random generator, so the same day
gives the same clinic, and the planted problems (an expired BLS, an unsigned contract, a failed
apron, an over-limit reading, missed weeks...) are always there for the Overview to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.models import (
    Agency,
    Base,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    ContractEvaluation,
    ContractProcedure,
    CorrectiveAction,
    Credential,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentDefect,
    GarmentInspection,
    Meter,
    MeterCalibration,
    PhysicistSurvey,
    ProcedureType,
    Setting,
    Technician,
)
from fluorodesk.domain.dates import add_months, end_of_month, week_start
from fluorodesk.domain.enums import (
    ClauseStatus,
    ContractParty,
    CredentialType,
    DefectZone,
    Disposition,
    EmploymentType,
    ExposureMode,
    GarmentStatus,
    GarmentType,
    InspectionResult,
    RateBasis,
    RateUnit,
    RenewalType,
    SurveyResult,
)
from fluorodesk.errors import ConflictError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.demo_dose import build_dose_demo

# Kept when --force replaces the clinic: reference data, people who sign in, the audit trail.
_KEEP_TABLES = {"procedure_types", "clause_definitions", "settings", "users", "audit_events"}

_TECHS = [
    # first, last, employment, agency index, birth month
    ("Maria", "Alvarez", EmploymentType.AGENCY, 0, 3),
    ("James", "Okafor", EmploymentType.AGENCY, 0, 7),
    ("Priya", "Raman", EmploymentType.AGENCY, 0, 11),
    ("Daniel", "Kowalski", EmploymentType.AGENCY, 0, 1),
    ("Aisha", "Bello", EmploymentType.AGENCY, 0, 5),
    ("Tom", "Nguyen", EmploymentType.AGENCY, 1, 9),
    ("Rachel", "Stein", EmploymentType.AGENCY, 1, 2),
    ("Luis", "Moreno", EmploymentType.AGENCY, 1, 6),
    ("Hannah", "Fischer", EmploymentType.AGENCY, 1, 12),
    ("Kevin", "Brooks", EmploymentType.PER_DIEM, None, 4),
    ("Sofia", "Rossi", EmploymentType.PER_DIEM, None, 8),
    ("Marcus", "Hill", EmploymentType.PER_DIEM, None, 10),
    ("Grace", "Chen", EmploymentType.EMPLOYEE, None, 6),
]


@dataclass(frozen=True)
class DemoSummary:
    technicians: int
    credentials: int
    contracts: int
    garments: int
    inspections: int
    units: int
    exposure_checks: int


def is_empty(session: Session) -> bool:
    counted = (Technician, Agency, Contract, Garment, FluoroUnit)
    return all(session.scalar(select(func.count()).select_from(m)) == 0 for m in counted)


class DemoService(Service):
    def load(self, *, force: bool = False) -> DemoSummary:
        """Fill the database with the demo clinic.  A non-empty database is refused unless ``force``.

        With ``force`` the clinic's records are replaced; the caller makes a backup first.
        """
        with self.db.write() as session:
            if not is_empty(session):
                if not force:
                    raise ConflictError(
                        "This database already holds clinic records; the demo was not loaded. "
                        "Use --force to replace them (a backup is made first) or choose another --data-dir."
                    )
                for table in reversed(Base.metadata.sorted_tables):  # children before parents
                    if table.name not in _KEEP_TABLES:
                        session.execute(table.delete())
            summary = _build(session, self.today(), random.Random(20261126))
            audit.record(
                session,
                actor=self.actor,
                action="demo",
                entity="clinic",
                entity_id=None,
                summary=f"Demo clinic loaded: {summary.technicians} technicians, "
                f"{summary.garments} garments, "
                f"{summary.units} units, {summary.exposure_checks} exposure checks",
            )
            return summary


def _build(session: Session, today: date, rng: random.Random) -> DemoSummary:
    actor = "demo"
    session.merge(
        Setting(key="clinic.name", value='"Riverside Pain & Spine Surgery Center"', updated_by=actor)
    )
    session.merge(
        Setting(
            key="clinic.address",
            value='"1200 Riverside Drive, Suite 300, Sacramento, CA 95815"',
            updated_by=actor,
        )
    )
    session.merge(Setting(key="clinic.director", value='"Dr. Helen Park, MD"', updated_by=actor))

    agencies = [
        Agency(
            name="Summit Imaging Staffing",
            contact_name="Carla Diaz",
            phone="916-555-0142",
            email="scheduling@summitimaging.example",
            created_by=actor,
            updated_by=actor,
        ),
        Agency(
            name="Keystone Rad Tech Partners",
            contact_name="Bill Harmon",
            phone="916-555-0187",
            email="ops@keystonerad.example",
            created_by=actor,
            updated_by=actor,
        ),
    ]
    session.add_all(agencies)

    techs: list[Technician] = []
    credentials = 0
    for index, (first, last, employment, agency_index, birth_month) in enumerate(_TECHS):
        start = today - timedelta(days=rng.randint(200, 2200))
        tech = Technician(
            first_name=first,
            last_name=last,
            employment_type=employment,
            agency=agencies[agency_index] if agency_index is not None else None,
            email=f"{first.lower()}.{last.lower()}@example.com",
            phone=f"916-555-{1000 + index * 37:04d}",
            arrt_id=f"{500000 + index * 7919}",
            birth_month=birth_month,
            start_date=start,
            created_by=actor,
            updated_by=actor,
        )
        session.add(tech)
        techs.append(tech)
        credentials += _credentials(session, tech, index, today, rng)
    techs[7].retired_on = today - timedelta(days=40)
    techs[7].retired_reason = "Moved out of state"

    contracts = _contracts(session, agencies, techs, today)
    garments, inspections = _garments(session, techs, today, rng)
    units, checks = _units(session, today, rng)
    build_dose_demo(session, techs, today)
    session.flush()
    return DemoSummary(len(techs), credentials, contracts, garments, inspections, units, checks)


def _cred(
    session: Session,
    tech: Technician,
    ctype: CredentialType,
    issued: date,
    expires: date | None,
    *,
    verified: bool = True,
    **extra: str,
) -> None:
    session.add(
        Credential(
            technician=tech,
            type=ctype,
            issued_on=issued,
            expires_on=expires,
            verified_on=issued + timedelta(days=2) if verified else None,
            verified_by="Front desk (L. Ortiz)" if verified else "",
            verification_method={
                CredentialType.ARRT: "ARRT online credential verification",
                CredentialType.STATE_LICENSE: "State board online lookup",
                CredentialType.FLUORO_PERMIT: "CDPH RHB online lookup",
            }.get(ctype, "Copy on file")
            if verified
            else "",
            created_by="demo",
            updated_by="demo",
            **extra,
        )
    )


def _credentials(session: Session, tech: Technician, index: int, today: date, rng: random.Random) -> int:
    birth = tech.birth_month or 1
    # Renewed in the last window: runs to the next end of birth month at least a month away.
    arrt_exp = end_of_month(date(today.year, birth, 1))
    if arrt_exp < today + timedelta(days=31):
        arrt_exp = end_of_month(date(today.year + 1, birth, 1))
    if index == 4:  # ARRT renewal deadline close
        arrt_exp = today + timedelta(days=25)
    arrt_issued = add_months(arrt_exp, -12) - timedelta(days=rng.randint(5, 40))
    _cred(session, tech, CredentialType.ARRT, arrt_issued, arrt_exp, number=tech.arrt_id or "", issuer="ARRT")
    lic_issued = today - timedelta(days=rng.randint(60, 600))
    _cred(
        session,
        tech,
        CredentialType.STATE_LICENSE,
        lic_issued,
        end_of_month(add_months(lic_issued, 24)),
        verified=index != 6,
        number=f"CRT {80000 + index * 311}",
        issuer="California CDPH-RHB",
    )
    _cred(
        session,
        tech,
        CredentialType.FLUORO_PERMIT,
        lic_issued,
        end_of_month(add_months(lic_issued, 24)),
        number=f"RTF {90000 + index * 173}",
        issuer="California CDPH-RHB",
    )
    bls_issued = today - timedelta(days=rng.randint(100, 600))
    if index == 2:  # BLS lapsed three weeks ago
        bls_issued = add_months(today - timedelta(days=21), -24)
    _cred(
        session,
        tech,
        CredentialType.BLS,
        bls_issued,
        end_of_month(add_months(bls_issued, 24)),
        issuer="American Heart Association",
    )
    count = 5
    if index != 8:  # one technician's TB baseline is missing
        _cred(
            session,
            tech,
            CredentialType.TB_SCREENING,
            (tech.start_date or today) - timedelta(days=10),
            None,
            result="negative (IGRA)",
        )
        count += 1
    _cred(
        session,
        tech,
        CredentialType.BACKGROUND_CHECK,
        (tech.start_date or today) - timedelta(days=20),
        None,
        result="clear",
    )
    exclusion_day = today - timedelta(days=45 if index == 9 else rng.randint(2, 20))
    _cred(
        session,
        tech,
        CredentialType.EXCLUSION_CHECK,
        exclusion_day,
        exclusion_day + timedelta(days=31),
        result="clear",
        issuer="OIG LEIE + SAM.gov",
    )
    _cred(
        session,
        tech,
        CredentialType.HEPATITIS_B,
        (tech.start_date or today) - timedelta(days=15),
        None,
        result="vaccinated (3 doses)",
    )
    training = today - timedelta(days=325 if index == 10 else rng.randint(20, 250))
    _cred(session, tech, CredentialType.FLUORO_TRAINING, training, add_months(training, 12))
    _cred(session, tech, CredentialType.COMPETENCY, training, add_months(training, 12))
    _cred(session, tech, CredentialType.ORIENTATION, tech.start_date or today, None)
    _cred(
        session,
        tech,
        CredentialType.DOSIMETER_BADGE,
        tech.start_date or today,
        None,
        number=f"LX-{3100 + index}",
        issuer="Landauer",
    )
    return count + 6


def _contracts(session: Session, agencies: list[Agency], techs: list[Technician], today: date) -> int:
    clauses = session.scalars(select(ClauseDefinition).order_by(ClauseDefinition.position)).all()
    procedures = session.scalars(select(ProcedureType).limit(12)).all()
    specs = [
        # party, start offset days, term months, renewal, signed?, clauses left missing
        (agencies[0], -400, 24, RenewalType.AUTO, True, ()),
        (agencies[1], -300, 12, RenewalType.MANUAL, True, ("qc_duties", "fault_reporting")),
        (techs[9], -320, 12, RenewalType.FIXED, True, ()),
        (techs[10], -20, 12, RenewalType.FIXED, False, ()),
        (techs[11], -150, 12, RenewalType.MANUAL, True, ()),
        (techs[12], -300, 24, RenewalType.FIXED, True, ()),
    ]
    for party, offset, months, renewal, signed, missing in specs:
        effective = today + timedelta(days=offset)
        is_agency = isinstance(party, Agency)
        contract = Contract(
            party_type=ContractParty.AGENCY if is_agency else ContractParty.TECHNICIAN,
            agency=party if is_agency else None,
            technician=None if is_agency else party,
            title="Per diem radiologic technologist services"
            if not is_agency
            else "Staffing services agreement",
            effective_on=effective,
            expires_on=add_months(effective, months) - timedelta(days=1)
            if party is not techs[9]
            else today + timedelta(days=45),
            renewal_type=renewal,
            notice_days=60 if renewal is RenewalType.AUTO else 0,
            signed_on=effective - timedelta(days=7) if signed else None,
            clinic_signatory="Dr. Helen Park, Medical Director" if signed else "",
            party_signatory=(party.contact_name if is_agency else party.full_name) if signed else "",
            rate_amount=(62.0 if is_agency else 58.0),
            rate_basis=RateBasis.PER_HOUR,
            cancellation_terms="24 hours' notice; four hours paid if cancelled later.",
            overtime_terms="1.5x after 8 hours in a day.",
            insurance_expires_on=add_months(today, 5) if is_agency else None,
            created_by="demo",
            updated_by="demo",
        )
        session.add(contract)
        for clause in clauses:
            if clause.applies_to not in ("all", contract.party_type.value):
                status = ClauseStatus.NOT_APPLICABLE
            elif clause.key in missing:
                status = ClauseStatus.MISSING
            elif clause.key == "baa":
                status = ClauseStatus.NOT_APPLICABLE
            else:
                status = ClauseStatus.PRESENT
            contract.clause_checks.append(ContractClauseCheck(clause=clause, status=status))
        for procedure in procedures:
            contract.procedures.append(ContractProcedure(procedure_type_id=procedure.id))
        if signed and offset < -365:
            contract.evaluations.append(
                ContractEvaluation(
                    evaluated_on=effective + timedelta(days=360),
                    evaluator="Dr. Helen Park",
                    outcome="satisfactory",
                    notes="Reliable cover; QC logs complete.",
                    created_by="demo",
                    updated_by="demo",
                )
            )
    return len(specs)


def _garments(session: Session, techs: list[Technician], today: date, rng: random.Random) -> tuple[int, int]:
    kinds = (
        [GarmentType.APRON] * 12
        + [GarmentType.VEST_SKIRT] * 8
        + [GarmentType.THYROID] * 8
        + [GarmentType.WRAP] * 2
    )
    makers = [("Infab", "Revolution"), ("Burlington Medical", "Xenolite"), ("Bar-Ray", "Maxi-Flex")]
    inspectors = ["Grace Chen, RT(R)", "Maria Alvarez, RT(R)", "Kevin Brooks, RT(R)"]
    inspections = 0
    for index, kind in enumerate(kinds):
        prefix = "T" if kind is GarmentType.THYROID else "A"
        maker, model = makers[index % len(makers)]
        received = today - timedelta(days=rng.randint(400, 1500))
        garment = Garment(
            code=f"{prefix}-{index + 1:03d}",
            type=kind,
            manufacturer=maker,
            model=model,
            serial=f"{maker[:2].upper()}{rng.randint(100000, 999999)}",
            size=rng.choice(["S", "M", "L", "XL"]) if kind is not GarmentType.THYROID else "",
            lead_front_mm=0.5 if kind is not GarmentType.THYROID else 0.5,
            lead_back_mm=0.25 if kind in (GarmentType.APRON, GarmentType.WRAP) else None,
            location=rng.choice(["OR 1", "OR 2", "Procedure room", "Lead rack, hallway"]),
            owner=techs[9] if index == 5 else None,
            received_on=received,
            status=GarmentStatus.IN_SERVICE,
            created_by="demo",
            updated_by="demo",
        )
        session.add(garment)
        # Acceptance inspection on receipt, then yearly; the last one inside the past year.
        last_offset = 395 if index in (3, 17) else rng.randint(15, 330)  # two overdue garments
        last = today - timedelta(days=last_offset)
        dates = [received]
        step = last
        while step > received + timedelta(days=30):
            dates.append(step)
            step = add_months(step, -12)
        for number, day in enumerate(sorted(set(dates))):
            garment.inspections.append(
                GarmentInspection(
                    inspected_on=day,
                    inspector=rng.choice(inspectors),
                    methods="visual+tactile",
                    acceptance=number == 0,
                    result=InspectionResult.PASS,
                    disposition=Disposition.RETURN_TO_SERVICE,
                    created_by="demo",
                    updated_by="demo",
                )
            )
            inspections += 1
        if index == 9:  # a failed apron: crack over the chest, pulled from service
            failed = GarmentInspection(
                inspected_on=today - timedelta(days=12),
                inspector="Grace Chen, RT(R)",
                methods="visual+tactile+fluoroscopic",
                kvp=80,
                result=InspectionResult.FAIL,
                disposition=Disposition.REMOVE,
                notes="Crack found under fluoroscopy, left chest panel.",
                created_by="demo",
                updated_by="demo",
            )
            failed.defects.append(
                GarmentDefect(zone=DefectZone.CRITICAL, area_mm2=42.0, description="Crack, left chest panel")
            )
            garment.inspections.append(failed)
            garment.status = GarmentStatus.REMOVED
            garment.status_changed_on = today - timedelta(days=12)
            inspections += 1
    return len(kinds), inspections


def _units(session: Session, today: date, rng: random.Random) -> tuple[int, int]:
    meter = Meter(
        name="RaySafe X2 #1",
        manufacturer="RaySafe",
        model="X2 R/F",
        serial="X2-44817",
        created_by="demo",
        updated_by="demo",
    )
    meter.calibrations.append(
        MeterCalibration(
            calibrated_on=today - timedelta(days=300),
            due_on=today - timedelta(days=300) + timedelta(days=730),
            laboratory="Fluke Biomedical calibration lab",
            certificate_number="CAL-2025-1187",
            created_by="demo",
            updated_by="demo",
        )
    )
    session.add(meter)
    specs = [
        # code, name, maker, model, room, made, aerc, hlc, baseline, unit, survey days ago, missed weeks
        (
            "CA-1",
            "OR 1 C-arm",
            "GE OEC",
            "OEC 9900 Elite",
            "OR 1",
            date(2016, 4, 1),
            True,
            True,
            38.0,
            RateUnit.MGY_PER_MIN,
            200,
            (),
        ),
        (
            "CA-2",
            "OR 2 C-arm",
            "Siemens Healthineers",
            "Cios Alpha",
            "OR 2",
            date(2020, 9, 1),
            True,
            True,
            34.0,
            RateUnit.MGY_PER_MIN,
            390,
            (9, 10, 31),
        ),
        (
            "CA-3",
            "Procedure room C-arm",
            "Ziehm",
            "Vision RFD",
            "Procedure room",
            date(2012, 2, 1),
            True,
            False,
            4.1,
            RateUnit.R_PER_MIN,
            120,
            (22,),
        ),
    ]
    performers = ["Grace Chen", "Maria Alvarez", "Tom Nguyen", "Kevin Brooks"]
    checks = 0
    first_week = week_start(today - timedelta(days=364))
    for code, name, maker, model, room, made, aerc, hlc, baseline, unit_of, survey_ago, missed in specs:
        unit = FluoroUnit(
            code=code,
            name=name,
            manufacturer=maker,
            model=model,
            serial=f"{code}-{rng.randint(10000, 99999)}",
            room=room,
            registration_number=f"CA-REG-{rng.randint(100000, 999999)}",
            registration_expires_on=add_months(today, rng.randint(3, 18)),
            manufactured_on=made,
            has_aerc=aerc,
            has_hlc=hlc,
            baseline_rate=baseline,
            baseline_unit=unit_of,
            baseline_kvp=78,
            baseline_ma=2.1,
            in_service_on=first_week,
            created_by="demo",
            updated_by="demo",
        )
        session.add(unit)
        unit.surveys.append(
            PhysicistSurvey(
                surveyed_on=today - timedelta(days=survey_ago),
                physicist="Alan Marsh, MS, DABR",
                result=SurveyResult.PASS,
                recommendations="Replace worn collimator label." if code == "CA-3" else "",
                recommendations_closed_on=None,
                created_by="demo",
                updated_by="demo",
            )
        )
        week = 0
        day = first_week
        while day + timedelta(days=6) < today:
            if week not in missed:
                checked = day + timedelta(days=rng.randint(0, 4))
                rate = round(baseline * rng.uniform(0.93, 1.07), 2 if unit_of is RateUnit.R_PER_MIN else 1)
                check = ExposureCheck(
                    unit=unit,
                    checked_on=checked,
                    performed_by=rng.choice(performers),
                    meter=meter,
                    phantom="20 cm acrylic",
                    mode=ExposureMode.NORMAL,
                    kvp=round(78 * rng.uniform(0.97, 1.03)),
                    ma=round(2.1 * rng.uniform(0.95, 1.05), 2),
                    rate=rate,
                    rate_unit=unit_of,
                    entered_at=datetime.combine(checked, time(17, 30)),
                    created_by="demo",
                    updated_by="demo",
                )
                if code == "CA-1" and week == 47:  # over the 88 mGy/min limit, not yet dealt with
                    check.rate = 93.5
                    check.notes = "Max-rate test with lead over receptor."
                if code == "CA-2" and week == 20:  # out of tolerance, fixed by service
                    check.rate = round(baseline * 1.4, 1)
                    check.corrective_actions.append(
                        CorrectiveAction(
                            action="Service recalibrated the AERC; re-check within tolerance.",
                            service_ticket="SIE-448120",
                            performed_by="Siemens field engineer",
                            performed_on=checked + timedelta(days=2),
                            closed_on=checked + timedelta(days=3),
                            created_by="demo",
                            updated_by="demo",
                        )
                    )
                session.add(check)
                checks += 1
            week += 1
            day += timedelta(days=7)
    return len(specs), checks
