"""A realistic small clinic for trying FluoroDesk: `fluorodesk demo` and `fluorodesk --demo`.

Everything is dated relative to ``today`` and drawn from a seeded random generator, so the same day
gives the same clinic, and the planted problems (an expired BLS, an unsigned contract, a failed
apron, an over-limit reading, missed weeks...) are always there for the Overview to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import (
    Agency,
    AgencyContact,
    Attachment,
    Base,
    CeActivity,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    ContractEvaluation,
    ContractProcedure,
    CorrectiveAction,
    Credential,
    CredentialExemption,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentDefect,
    GarmentInspection,
    GarmentStatusChange,
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

# Kept when --force replaces the clinic: reference data, people who sign in, and the audit trail.
_KEEP_TABLES = {
    "procedure_types",
    "clause_definitions",
    "settings",
    "users",
    "audit_events",
}

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
        written: list[Path] = []  # demo scans copied in; removed again if the load fails
        try:
            return self._load(force=force, written=written)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def _load(self, *, force: bool, written: list[Path]) -> DemoSummary:
        from fluorodesk.services.demo_documents import attach_demo_documents

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
            attach_demo_documents(session, self.db.data_dir.root, "demo", written)
            # On file by the demo's own today (a demo dated in the past, as in the tests, included).
            on_file = min(utcnow(), datetime.combine(self.today(), time(8)))
            session.execute(update(Attachment).where(Attachment.added_by == "demo").values(added_at=on_file))
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
    contracts += _contract_history(session, agencies, techs, today)
    garments, inspections = _garments(session, techs, today, rng)
    units, checks = _units(session, today, rng)
    more_garments, more_inspections = _garment_stories(session, techs, today)
    build_dose_demo(session, techs, today)
    session.flush()
    _technician_files(session, techs, today, random.Random(f"technicians-{today.isoformat()}"))
    session.flush()
    _exposure_records(session, today)
    _signoffs(session, today)
    return DemoSummary(
        len(techs),
        credentials,
        contracts,
        garments + more_garments,
        inspections + more_inspections,
        units,
        checks,
    )


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
                _evaluation(
                    effective + timedelta(days=360), "satisfactory", "Reliable cover; QC logs complete."
                )
            )
    return len(specs)


def _evaluation(evaluated_on: date, outcome: str, notes: str) -> ContractEvaluation:
    """The medical director's evaluation of a contractor's work."""
    return ContractEvaluation(
        evaluated_on=evaluated_on,
        evaluator="Dr. Helen Park",
        outcome=outcome,
        notes=notes,
        created_by="demo",
        updated_by="demo",
    )


def _contract_history(session: Session, agencies: list[Agency], techs: list[Technician], today: date) -> int:
    """Agency contacts, renewal history, a former agency, and the contract problems a clinic meets:
    an overdue evaluation, a lapsed insurance certificate, an auto-renewal past its notice date."""
    session.flush()
    clauses = session.scalars(select(ClauseDefinition).order_by(ClauseDefinition.position)).all()
    summit, keystone = agencies
    summit.address = "4410 Auburn Blvd, Sacramento, CA 95841"
    keystone.address = "77 Capitol Mall, Suite 900, Sacramento, CA 95814"
    for agency, name, role, phone, email in (
        (summit, "Dana Whitfield", "Billing", "916-555-0143", "billing@summitimaging.example"),
        (summit, "On-call scheduler", "After hours", "916-555-0199", ""),
        (
            keystone,
            "Priya Shah",
            "Credentialing coordinator",
            "916-555-0188",
            "credentials@keystonerad.example",
        ),
    ):
        agency.contacts.append(
            AgencyContact(
                name=name, role=role, phone=phone, email=email, created_by="demo", updated_by="demo"
            )
        )

    def contract_of(party: Agency | Technician) -> Contract:
        column = Contract.agency_id if isinstance(party, Agency) else Contract.technician_id
        return session.scalars(select(Contract).where(column == party.id)).one()

    procedures = session.scalars(select(ProcedureType).limit(12)).all()

    def checklist(contract: Contract, missing: tuple[str, ...] = ()) -> None:
        """Clause decisions as the contract dialog saves them, with the procedures it covers."""
        for procedure in procedures:
            contract.procedures.append(ContractProcedure(procedure_type_id=procedure.id))
        for clause in clauses:
            applies = clause.applies_to in ("all", contract.party_type.value)
            if not applies or clause.key == "baa":
                status = ClauseStatus.NOT_APPLICABLE
            else:
                status = ClauseStatus.MISSING if clause.key in missing else ClauseStatus.PRESENT
            note = (
                "Agency staff never handle PHI outside the clinic." if clause.key == "baa" and applies else ""
            )
            contract.clause_checks.append(ContractClauseCheck(clause=clause, status=status, note=note))

    # Keystone's current contract renewed an earlier one; the service was last evaluated 400 days ago.
    current = contract_of(keystone)
    previous = Contract(
        party_type=ContractParty.AGENCY,
        agency=keystone,
        title="Staffing services agreement",
        effective_on=add_months(current.effective_on, -12),
        expires_on=current.effective_on - timedelta(days=1),
        renewal_type=RenewalType.MANUAL,
        signed_on=add_months(current.effective_on, -12) - timedelta(days=10),
        clinic_signatory="Dr. Helen Park, Medical Director",
        party_signatory="Bill Harmon",
        rate_amount=58.0,
        rate_basis=RateBasis.PER_HOUR,
        cancellation_terms="24 hours' notice.",
        insurance_expires_on=current.effective_on,
        created_by="demo",
        updated_by="demo",
    )
    checklist(previous, ("qc_duties", "fault_reporting"))
    previous.evaluations.append(
        _evaluation(
            today - timedelta(days=400),
            "needs_improvement",
            "Two late arrivals; weekly exposure logs incomplete in March.",
        )
    )
    session.add(previous)
    session.flush()
    current.renews_contract_id = previous.id
    current.insurance_expires_on = today - timedelta(days=12)

    # Marcus Hill's contract renews itself every year; its notice date passed 11 days ago.
    marcus = contract_of(techs[11])
    marcus.effective_on = today - timedelta(days=345)
    marcus.expires_on = today + timedelta(days=19)
    marcus.signed_on = marcus.effective_on - timedelta(days=7)
    marcus.renewal_type = RenewalType.AUTO
    marcus.notice_days = 30
    marcus.evaluations.append(
        _evaluation(today - timedelta(days=20), "satisfactory", "Reliable; covers short-notice cases.")
    )

    # A former agency, deactivated after its contract was ended early.
    bayview = Agency(
        name="Bayview Radiology Staffing",
        contact_name="Ron Castillo",
        phone="510-555-0110",
        email="staffing@bayviewrad.example",
        notes="Replaced by Keystone.",
        active=False,
        created_by="demo",
        updated_by="demo",
    )
    session.add(bayview)
    ended = Contract(
        party_type=ContractParty.AGENCY,
        agency=bayview,
        title="Staffing services agreement",
        effective_on=today - timedelta(days=700),
        expires_on=today - timedelta(days=336),
        renewal_type=RenewalType.AUTO,
        notice_days=30,
        signed_on=today - timedelta(days=710),
        clinic_signatory="Dr. Helen Park, Medical Director",
        party_signatory="Ron Castillo",
        rate_amount=650.0,
        rate_basis=RateBasis.PER_DAY,
        terminated_on=today - timedelta(days=330),
        termination_reason="Notice given: repeated missed shifts.",
        created_by="demo",
        updated_by="demo",
    )
    checklist(ended)
    ended.evaluations.append(
        _evaluation(
            today - timedelta(days=360),
            "unsatisfactory",
            "Three missed shifts in two months; no replacement offered.",
        )
    )
    session.add(ended)
    return 2


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


# --------------------------------------------------------------------------- technicians' files

_CE_COURSES = [
    # title, provider, credits, fluoro safety, digital radiography
    ("Radiation Safety in Clinical Fluoroscopy", "ASRT", 2.0, True, False),
    ("Image Wisely: Dose Optimization for C-arm Fluoroscopy", "ASRT", 1.5, True, False),
    ("Scatter Radiation and Staff Protection", "AHRA", 1.0, True, False),
    ("Digital Radiography Exposure Indicators", "MIC Learning", 2.0, False, True),
    ("Fluoroscopic Guidance for Spinal Injections", "Radiology CE", 3.0, False, False),
    ("Spine Anatomy for Interventional Imaging", "MIC Learning", 2.0, False, False),
    ("Infection Control in the Procedure Room", "AHRA", 1.0, False, False),
    ("Patient Communication and Consent", "ASRT", 1.0, False, False),
    ("Radiation Biology Update", "Radiology CE", 2.5, False, False),
    ("C-arm Positioning for Pain Management", "Radiology CE", 2.0, False, False),
    ("ACLS Renewal (counts up to 6 credits)", "American Heart Association", 4.0, False, False),
]

_REFERENCES = {
    CredentialType.ARRT: "ARRT Verify Credentials: registered, no sanctions; page printed to the HR file",
    CredentialType.STATE_LICENSE: "CDPH RHB licence lookup: active, no discipline",
    CredentialType.FLUORO_PERMIT: "CDPH RHB permit lookup: RTF permit active",
}


def _ce_activities(tech: Technician, start: date, end: date, target: float, rng: random.Random) -> None:
    """CE activities spread between ``start`` and ``end`` adding up to about ``target`` credits,
    with at least 4 fluoroscopy-safety credits once the target is the whole requirement."""
    courses = list(_CE_COURSES)
    rng.shuffle(courses)
    fluoro_first = sorted(courses, key=lambda c: not c[3]) if target >= 24 else courses
    earned = 0.0
    span = max((end - start).days, 1)
    for title, provider, credits, fluoro, digital in fluoro_first * 2:
        if earned >= target:
            break
        tech.ce_activities.append(
            CeActivity(
                completed_on=start + timedelta(days=rng.randint(0, span)),
                title=title,
                provider=provider,
                credits=credits,
                category="A",
                fluoro_safety=fluoro,
                digital_radiography=digital,
                created_by="demo",
                updated_by="demo",
            )
        )
        earned += credits


def _technician_files(session: Session, techs: list[Technician], today: date, rng: random.Random) -> None:
    """CE bienniums and activities (one technician planted behind on CE late in the biennium, one
    without a biennium on file), the source checks' references, and a "not applicable" mark."""
    from fluorodesk.domain.ce import biennium_starting

    def next_end(tech: Technician) -> date:
        # The first biennium end (last day of the month before the birth month) a month or more away.
        month = ((tech.birth_month or 1) - 2) % 12 + 1
        end = end_of_month(date(today.year, month, 1))
        while end < today + timedelta(days=31):
            end = end_of_month(add_months(end, 12))
        return end

    active = [t for t in techs if t.retired_on is None]
    behind = min(active[:-1], key=next_end)  # the biennium that ends soonest: planted CE shortfall
    for index, tech in enumerate(techs):
        if tech is active[-1]:
            continue  # the newest employee's biennium is not on file yet (an info finding)
        end = next_end(tech)
        if index % 2 and tech is not behind:
            end = end_of_month(add_months(end, 12))  # in the first year of this biennium
        period = biennium_starting(add_months(end + timedelta(days=1), -24))
        tech.ce_biennium_start = period.start
        previous = biennium_starting(add_months(period.start, -24))
        _ce_activities(tech, previous.start, previous.end, 24.0, rng)
        elapsed = (min(today, period.end) - period.start).days / max((period.end - period.start).days, 1)
        if tech is behind:
            target = 13.0
        elif (period.end - today).days < 200:
            target = 24.0  # late in the biennium: done
        else:
            target = round(24 * elapsed)
        _ce_activities(tech, period.start, today - timedelta(days=3), target, rng)
    for cred in session.scalars(select(Credential).where(Credential.verified_on.is_not(None))):
        cred.verification_reference = _REFERENCES.get(cred.type, "")
    tom = techs[5]
    session.add(
        CredentialExemption(
            technician=tom,
            type=CredentialType.BACKGROUND_CHECK,
            reason="Keystone Rad Tech Partners runs the background check; attestation is in the agreement.",
            starts_on=(tom.start_date or today) - timedelta(days=20),
            created_by="demo",
            updated_by="demo",
        )
    )


def _signoffs(session: Session, today: date) -> None:
    """The director's sign-offs of the oldest periods, so the demo shows locked records.

    Only old periods are signed (exposure checks 10 to 12 months back, garment inspections of the
    year before last), so recent demo records stay editable.
    """
    from fluorodesk.domain.enums import SignoffArea
    from fluorodesk.services.signoff import record_signoff

    director = ("hpark", "Dr. Helen Park, MD")
    first = add_months(today.replace(day=1), -12)
    last = end_of_month(add_months(today.replace(day=1), -10))
    record_signoff(
        session,
        SignoffArea.EXPOSURE,
        first,
        last,
        signed_by=director[0],
        signer_name=director[1],
        actor="demo",
        statement="Reviewed the weekly exposure-rate checks of all C-arms for the quarter.",
        signed_at=datetime.combine(last + timedelta(days=5), time(9, 30)),
    )
    year = today.year - 2
    record_signoff(
        session,
        SignoffArea.GARMENTS,
        date(year, 1, 1),
        date(year, 12, 31),
        signed_by=director[0],
        signer_name=director[1],
        actor="demo",
        statement=f"Annual review of the {year} apron and thyroid shield inspections.",
        signed_at=datetime.combine(date(year + 1, 1, 15), time(14, 0)),
    )


def _exposure_records(session: Session, today: date) -> None:
    """Exposure QC beyond the weekly log: baselines, a second meter, re-checks, notes, late entries.

    Planted for the Exposure Logs tab: CA-2's out-of-tolerance reading closed by a re-check and
    re-baselined after service; one of its missed weeks excused (unit away for service) and one
    explained but still missed; CA-3 read in R/min with an ion chamber whose calibration lapsed three
    weeks ago (the last checks show the warning), two of its checks entered late, an out-of-tolerance
    reading waiting for its re-check, and a registration about to expire.  CA-1's over-limit reading
    keeps no corrective action.
    """
    from fluorodesk.db.models import ExposurePeriodNote, UnitBaseline

    rng = random.Random(6)
    units = {u.code: u for u in session.scalars(select(FluoroUnit))}
    techs = {t.full_name: t.id for t in session.scalars(select(Technician))}
    physicist = "Alan Marsh, MS, DABR"

    def tracked() -> dict[str, str]:
        return {"created_by": "demo", "updated_by": "demo"}

    for unit in units.values():
        for check in unit.checks:
            check.technician_id = techs.get(check.performed_by)
        session.add(
            UnitBaseline(
                unit=unit,
                effective_on=unit.in_service_on or today,
                mode=ExposureMode.NORMAL,
                rate=unit.baseline_rate or 0,
                rate_unit=unit.baseline_unit or RateUnit.MGY_PER_MIN,
                kvp=unit.baseline_kvp,
                ma=unit.baseline_ma,
                set_by=physicist,
                notes="Baseline from the acceptance survey",
                **tracked(),
            )
        )
        last = max(s.surveyed_on for s in unit.surveys)
        unit.surveys.append(
            PhysicistSurvey(
                surveyed_on=add_months(last, -12) - timedelta(days=rng.randint(3, 20)),
                physicist=physicist,
                result=SurveyResult.CONDITIONAL if unit.code == "CA-1" else SurveyResult.PASS,
                recommendations="Recalibrate the displayed air-kerma rate." if unit.code == "CA-1" else "",
                recommendations_closed_on=add_months(last, -11) if unit.code == "CA-1" else None,
                recommendations_closure="Service recalibrated the AKR display (ticket GE-20931)."
                if unit.code == "CA-1"
                else "",
                **tracked(),
            )
        )

    # CA-2: the out-of-tolerance reading was fixed; the next check is its re-check, then a new baseline.
    ca2 = units["CA-2"]
    checks = sorted(ca2.checks, key=lambda c: c.checked_on)
    for check in checks:
        for action in check.corrective_actions:
            recheck = next(c for c in checks if c.checked_on > action.performed_on)
            action.recheck_id = recheck.id
            action.closed_on = recheck.checked_on
            session.add(
                UnitBaseline(
                    unit=ca2,
                    effective_on=recheck.checked_on,
                    mode=ExposureMode.NORMAL,
                    rate=35.0,
                    rate_unit=RateUnit.MGY_PER_MIN,
                    kvp=77,
                    ma=2.2,
                    tolerance_pct=20.0,
                    set_by=physicist,
                    notes="Re-baselined after the AERC recalibration",
                    **tracked(),
                )
            )
    checked_weeks = {week_start(c.checked_on) for c in checks}
    monday = week_start(ca2.in_service_on or checks[0].checked_on)
    gaps = []
    while monday + timedelta(days=6) < today:
        if monday not in checked_weeks:
            gaps.append(monday)
        monday += timedelta(days=7)
    if len(gaps) >= 2:
        session.add(
            ExposurePeriodNote(
                unit=ca2,
                period_start=gaps[0],
                period_end=gaps[0] + timedelta(days=6),
                reason="C-arm away for tube replacement; not used this week.",
                unit_not_used=True,
                **tracked(),
            )
        )
        session.add(
            ExposurePeriodNote(
                unit=ca2,
                period_start=gaps[1],
                period_end=gaps[1] + timedelta(days=6),
                reason="Check not done: the technologist on duty was new and missed it.",
                unit_not_used=False,
                **tracked(),
            )
        )

    # CA-3: read in R/min with an ion chamber whose calibration ran out three weeks ago.
    ca3 = units["CA-3"]
    ion = Meter(
        name="Victoreen 451P #2",
        manufacturer="Fluke Biomedical",
        model="451P",
        serial="451P-20577",
        **tracked(),
    )
    ion.calibrations.append(
        MeterCalibration(
            calibrated_on=add_months(today - timedelta(days=21), -12),
            due_on=today - timedelta(days=21),
            laboratory="Fluke Biomedical calibration lab",
            certificate_number="CAL-2025-0932",
            **tracked(),
        )
    )
    session.add(ion)
    ca3_checks = sorted(ca3.checks, key=lambda c: c.checked_on)
    for check in ca3_checks:
        check.meter = ion
    for check in ca3_checks[-12:-10]:  # typed in from the paper log eleven days later
        check.entered_at = datetime.combine(check.checked_on + timedelta(days=11), time(9, 15))
        check.notes = "Entered from the paper log."
    drifted = ca3_checks[-6]
    drifted.rate = 5.4
    drifted.notes = "Reading high; service called."
    drifted.corrective_actions.append(
        CorrectiveAction(
            action="Service call placed; engineer to inspect the AERC sensor.",
            service_ticket="ZI-77102",
            performed_by="Grace Chen",
            performed_on=drifted.checked_on + timedelta(days=1),
            **tracked(),
        )
    )
    ca3.registration_expires_on = today + timedelta(days=20)
    session.flush()


def _garment_stories(session: Session, techs: list[Technician], today: date) -> tuple[int, int]:
    """The garment stories an inspector asks about: a new arrival, a lost apron, one found again,
    a disposal on record, a voided entry and an inspection day under way.  Uses no random numbers,
    so the rest of the demo stays as it was; the failed and the two overdue garments are untouched.
    """
    session.flush()
    by_code = {g.code: g for g in session.scalars(select(Garment))}
    inspections = 0

    def inspection(garment: Garment, day: date, **kw: object) -> GarmentInspection:
        nonlocal inspections
        kw.setdefault("inspector", "Grace Chen, RT(R)")
        kw.setdefault("methods", "visual+tactile")
        kw.setdefault("result", InspectionResult.PASS)
        kw.setdefault("disposition", Disposition.RETURN_TO_SERVICE)
        found = GarmentInspection(inspected_on=day, created_by="demo", updated_by="demo", **kw)
        garment.inspections.append(found)
        inspections += 1
        return found

    def move(garment: Garment, day: date, to: GarmentStatus, reason: str, **kw: object) -> None:
        garment.status_changes.append(
            GarmentStatusChange(
                changed_on=day,
                from_status=garment.status,
                to_status=to,
                reason=reason,
                created_by="demo",
                updated_by="demo",
                **kw,
            )
        )
        garment.status = to
        garment.status_changed_on = day

    # The failed apron's history: it left service the day it failed.
    failed = by_code.get("A-010")
    if failed is not None:
        last = max(failed.inspections, key=lambda i: i.inspected_on)
        failed.status = GarmentStatus.IN_SERVICE
        move(
            failed,
            last.inspected_on,
            GarmentStatus.REMOVED,
            f"Inspection of {last.inspected_on}: Fail: Critical area defect 42 mm² exceeds 15 mm². "
            "Disposition: Remove.",
        )
        session.flush()
        failed.status_changes[-1].inspection_id = last.id

    # A duplicate entry, voided with its reason (regulated records are voided, never deleted).
    duplicate_of = by_code.get("A-002")
    if duplicate_of is not None:
        last = max(duplicate_of.inspections, key=lambda i: i.inspected_on)
        inspection(
            duplicate_of,
            last.inspected_on,
            inspector=last.inspector,
            voided_at=datetime.combine(last.inspected_on, time(16, 5)),
            void_reason="Duplicate entry: the same inspection was typed in twice",
        )

    # Inspection day under way: two aprons already done this morning, one of them imaged.
    for code, extra in (("A-001", {}), ("A-005", {"methods": "visual+tactile+fluoroscopic", "kvp": 80})):
        garment = by_code.get(code)
        if garment is not None:
            inspection(garment, today, equipment="OR 1 C-arm" if extra else "", **extra)

    made = 0

    def garment(code: str, kind: GarmentType, received: date, **kw: object) -> Garment:
        nonlocal made
        new = Garment(
            code=code,
            type=kind,
            manufacturer=kw.pop("manufacturer", "Infab"),
            model=kw.pop("model", "Revolution"),
            received_on=received,
            status=GarmentStatus.IN_SERVICE,
            created_by="demo",
            updated_by="demo",
            **kw,
        )
        session.add(new)
        made += 1
        return new

    # A new vest/skirt delivered today: its acceptance inspection is due on receipt.
    garment(
        "A-031",
        GarmentType.VEST_SKIRT,
        today,
        serial="IN-778120",
        size="M",
        lead_front_mm=0.5,
        lead_back_mm=0.25,
        location="Lead rack, hallway",
    )
    # Lost three weeks ago.
    lost = garment(
        "A-032",
        GarmentType.APRON,
        today - timedelta(days=700),
        manufacturer="Bar-Ray",
        model="Maxi-Flex",
        size="L",
        lead_front_mm=0.5,
        lead_back_mm=0.25,
        location="OR 2",
    )
    inspection(lost, today - timedelta(days=700), acceptance=True)
    inspection(lost, today - timedelta(days=340))
    move(lost, today - timedelta(days=20), GarmentStatus.LOST, "Not on the rack after the OR 2 move")
    # A technician's own lightweight apron: lost, found two days ago, held for re-inspection.
    found = garment(
        "A-033",
        GarmentType.WRAP,
        today - timedelta(days=500),
        manufacturer="Burlington Medical",
        model="Xenolite NL",
        size="S",
        lead_front_mm=0.5,
        lead_back_mm=0.25,
        lead_free=True,
        owner=techs[10],
        location="Sofia Rossi's locker",
    )
    inspection(found, today - timedelta(days=500), acceptance=True, inspector="Sofia Rossi, RT(R)")
    inspection(found, today - timedelta(days=150))
    move(found, today - timedelta(days=60), GarmentStatus.LOST, "Left behind after a shift")
    move(
        found,
        today - timedelta(days=2),
        GarmentStatus.QUARANTINED,
        "Found; re-inspect before use (turned up in the recovery-room linen cart)",
    )
    # A thyroid shield that failed, was removed and has been disposed of.
    shield = garment(
        "T-034",
        GarmentType.THYROID,
        today - timedelta(days=1400),
        manufacturer="Bar-Ray",
        model="Thyroid collar",
        lead_front_mm=0.5,
        location="OR 1",
    )
    inspection(shield, today - timedelta(days=1400), acceptance=True)
    for years in (3, 2, 1):
        inspection(shield, today - timedelta(days=1400) + timedelta(days=365 * years - 30 * years))
    failed_on = today - timedelta(days=200)
    bad = inspection(
        shield,
        failed_on,
        methods="visual+tactile+fluoroscopic",
        kvp=80,
        equipment="CA-1 (OR 1 C-arm)",
        result=InspectionResult.FAIL,
        disposition=Disposition.DISCARD,
        notes="Crack along the fold line under fluoroscopy.",
    )
    bad.defects.append(GarmentDefect(zone=DefectZone.THYROID, area_mm2=14.0, description="Crack at the fold"))
    session.flush()
    move(
        shield,
        failed_on,
        GarmentStatus.REMOVED,
        f"Inspection of {failed_on}: Fail: Thyroid defect 14 mm² exceeds 11 mm². Disposition: Discard.",
        inspection_id=bad.id,
    )
    disposed_on = failed_on + timedelta(days=21)
    method = "Returned to the vendor for lead recycling (certificate on file)"
    move(shield, disposed_on, GarmentStatus.DISPOSED, method)
    shield.disposed_on = disposed_on
    shield.disposal_method = method
    return made, inspections
