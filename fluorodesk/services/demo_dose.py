"""The demo clinic's patient-dose log and staff dosimetry (called from ``services.demo._build``).

Planted for the Overview to show: a kyphoplasty above the air-kerma trigger without follow-up, a
badge not returned, a quarter above ALARA level I without investigation, and a quarterly review
overdue.  Also on file: a flagged case with its follow-up done, a corrected and a voided case, a unit
that shows no dose (time and images only), "M" and "unused" readings, dose reported by another
facility, a closed investigation and a declared pregnancy with its fetal badge.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import (
    DeclaredPregnancy,
    DoseInvestigation,
    DosimeterBadge,
    DosimetryReading,
    DosimetryReview,
    FluoroUnit,
    ProcedureRecord,
    ProcedureType,
    Technician,
)
from fluorodesk.domain.dates import add_months, end_of_month
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import DoseQuantity, InvestigationLevel, ReviewerRole, quarter_of
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind, KapUnit

ACTOR = "demo"
PHYSICIANS = ["Dr. Helen Park", "Dr. Samuel Ortiz", "Dr. Anita Desai"]
PHYSICIST = "Alan Marsh, MS, DABR"
REPORT_LAG_DAYS = 18  # the vendor's report arrives this long after a wear period ends

# CPT: (weight, median fluoroscopy seconds, mGy of air kerma per second)
_MIX = {
    "64483": (25, 36, 0.30),
    "64493": (15, 40, 0.25),
    "64635": (12, 85, 0.25),
    "62323": (12, 22, 0.30),
    "27096": (10, 16, 0.25),
    "64479": (4, 45, 0.20),
    "64490": (4, 38, 0.20),
    "64633": (3, 80, 0.20),
    "62321": (4, 25, 0.20),
    "64454": (3, 20, 0.10),
    "64624": (3, 45, 0.10),
    "64520": (2, 50, 0.35),
    "64510": (1, 30, 0.15),
    "22514": (1, 320, 0.45),
    "63650": (1, 260, 0.30),
}


def _stamp(obj):  # type: ignore[no-untyped-def]
    obj.created_by = obj.updated_by = ACTOR
    return obj


def build_dose_demo(session: Session, techs: list[Technician], today: date) -> tuple[int, int]:
    """Add the dose log and the dosimetry records; returns (cases, readings)."""
    session.flush()
    rng = random.Random(7)
    units = {u.code: u for u in session.scalars(select(FluoroUnit))}
    if "CA-3" in units:  # an older C-arm whose display shows neither dose quantity
        units["CA-3"].shows_air_kerma = False
        units["CA-3"].shows_kap = False
    cases = _cases(session, techs, units, today, rng)
    readings = _dosimetry(session, techs, today, rng)
    return cases, readings


# --------------------------------------------------------------------------- the dose log


def _cases(
    session: Session, techs: list[Technician], units: dict[str, FluoroUnit], today: date, rng: random.Random
) -> int:
    types = {p.cpt_code: p for p in session.scalars(select(ProcedureType))}
    codes = [c for c in _MIX if c in types]
    if not codes or not units:
        return 0
    weights = [_MIX[c][0] for c in codes]
    kap_units = {"CA-1": KapUnit.GY_CM2, "CA-2": KapUnit.UGY_M2}
    first = add_months(today.replace(day=1), -3)
    count = 0
    serial = 1
    day = first
    records: list[ProcedureRecord] = []
    while day < today:
        if day.weekday() < 5 and rng.random() > 0.1:
            working = [t for t in techs if t.retired_on is None or t.retired_on > day]
            crew = rng.sample(working, k=min(3, len(working)))
            for index, code in enumerate(sorted(units)):
                unit = units[code]
                tech = crew[index % len(crew)]
                physician = PHYSICIANS[(day.toordinal() + index) % len(PHYSICIANS)]
                for _ in range(rng.randint(2, 4)):
                    cpt = rng.choices(codes, weights)[0]
                    _weight, median_s, rate = _MIX[cpt]
                    seconds = max(4, round(median_s * rng.lognormvariate(0, 0.45)))
                    kerma = round(seconds * rate * rng.uniform(0.7, 1.3), 1)
                    kap_gycm2 = kerma * rng.uniform(0.08, 0.14)
                    record = ProcedureRecord(
                        performed_on=day,
                        case_ref=f"C-{day:%y%m}-{serial:04d}",
                        procedure_type=types[cpt],
                        unit=unit,
                        physician=physician,
                        technician=tech,
                        fluoro_time_s=float(seconds),
                        images=rng.randint(2, 9),
                    )
                    if unit.shows_air_kerma:
                        record.air_kerma_mgy = kerma
                    if unit.shows_kap:
                        kap_unit = kap_units.get(code, KapUnit.GY_CM2)
                        record.kap_unit = kap_unit
                        record.kap_value = (
                            round(kap_gycm2 * 100, 1) if kap_unit is KapUnit.UGY_M2 else round(kap_gycm2, 2)
                        )
                    records.append(_stamp(record))
                    serial += 1
                    count += 1
        day += timedelta(days=1)
    session.add_all(records)
    unit1 = units.get("CA-1") or next(iter(units.values()))
    grace = techs[12] if len(techs) > 12 else techs[0]
    # Above the air-kerma trigger, no follow-up yet (a finding until it is documented).
    kypho_day = today - timedelta(days=6)
    session.add(
        _stamp(
            ProcedureRecord(
                performed_on=kypho_day,
                case_ref=f"C-{kypho_day:%y%m}-{serial:04d}",
                procedure_type=types.get("22514") or types[codes[0]],
                unit=unit1,
                physician=PHYSICIANS[0],
                technician=grace,
                fluoro_time_s=1420.0,
                air_kerma_mgy=3415.0,
                kap_value=412.5,
                kap_unit=KapUnit.GY_CM2,
                images=38,
            ),
        )
    )
    # Above the fluoroscopy-time trigger, follow-up documented.
    scs_day = today - timedelta(days=52)
    session.add(
        _stamp(
            ProcedureRecord(
                performed_on=scs_day,
                case_ref=f"C-{scs_day:%y%m}-{serial + 1:04d}",
                procedure_type=types.get("63650") or types[codes[0]],
                unit=unit1,
                physician=PHYSICIANS[1],
                technician=techs[0],
                fluoro_time_s=3725.0,
                air_kerma_mgy=1650.0,
                kap_value=181.0,
                kap_unit=KapUnit.GY_CM2,
                images=24,
                patient_informed_on=scs_day,
                skin_check_on=scs_day + timedelta(days=21),
                follow_up_on=scs_day + timedelta(days=21),
                follow_up_by=PHYSICIANS[1],
                follow_up_notes="Patient told about possible skin reddening at discharge. "
                "No erythema at the 3-week check.",
            ),
        )
    )
    session.flush()
    # A case typed twice: the copy is voided (never deleted).
    dupe_of = records[len(records) // 2]
    session.add(
        _stamp(
            ProcedureRecord(
                performed_on=dupe_of.performed_on,
                case_ref=dupe_of.case_ref + "A",
                procedure_type_id=dupe_of.procedure_type_id,
                unit_id=dupe_of.unit_id,
                physician=dupe_of.physician,
                technician_id=dupe_of.technician_id,
                fluoro_time_s=dupe_of.fluoro_time_s,
                air_kerma_mgy=dupe_of.air_kerma_mgy,
                kap_value=dupe_of.kap_value,
                kap_unit=dupe_of.kap_unit,
                images=dupe_of.images,
                voided_at=utcnow(),
                void_reason="Entered twice",
            ),
        )
    )
    return count + 3


# --------------------------------------------------------------------------- staff dosimetry


def _months(first: date, today: date) -> list[tuple[date, date]]:
    out = []
    start = first.replace(day=1)
    while start <= today:
        out.append((start, end_of_month(start)))
        start = add_months(start, 1)
    return out


def _quarters(first: date, today: date) -> list[tuple[date, date]]:
    out = []
    quarter: Period = quarter_of(first)
    while quarter.start <= today:
        out.append((quarter.start, quarter.end))
        quarter = quarter.next()
    return out


def _low(rng: random.Random, low: float = 0.01, high: float = 0.12) -> float | None:
    """A typical pain-clinic monthly collar reading: often below the reporting minimum (None = "M")."""
    return None if rng.random() < 0.5 else round(rng.uniform(low, high), 2)


def _reading(
    tech: Technician,
    badge: DosimeterBadge | None,
    start: date,
    end: date,
    deep: float | None,
    lens: float | None,
    shallow: float | None,
    *,
    unused: bool = False,
    other: str = "",
    cells: tuple[str, ...] = ("deep", "lens", "shallow"),
) -> DosimetryReading:
    """A report line; ``cells`` are the columns the badge reports (None in one of them is an "M")."""
    values = {"deep": deep, "lens": lens, "shallow": shallow}
    if unused:
        kind = DoseReadingKind.UNUSED
        values = dict.fromkeys(values)
    elif all(values[c] is None for c in cells):
        kind = DoseReadingKind.MINIMAL
    else:
        kind = DoseReadingKind.MEASURED
    marked = {c: kind is not DoseReadingKind.UNUSED and c in cells and values[c] is None for c in values}
    return _stamp(
        DosimetryReading(
            technician=tech,
            badge=badge,
            period_start=start,
            period_end=end,
            kind=kind,
            deep_msv=values["deep"],
            lens_msv=values["lens"],
            shallow_msv=values["shallow"],
            deep_minimal=marked["deep"],
            lens_minimal=marked["lens"],
            shallow_minimal=marked["shallow"],
            other_facility=other,
            received_on=end + timedelta(days=REPORT_LAG_DAYS + (12 if other else 0)),
        ),
    )


def _dosimetry(session: Session, techs: list[Technician], today: date, rng: random.Random) -> int:
    first = today.replace(day=1) - timedelta(days=330)
    months = _months(first, today)
    quarters = _quarters(first, today)
    reported = [(s, e) for s, e in quarters if e + timedelta(days=REPORT_LAG_DAYS) <= today]
    alara_quarter = reported[-1] if reported else None  # Maria: above ALARA I, not investigated
    closed_quarter = reported[-3] if len(reported) >= 3 else None  # Grace: above ALARA I, investigated
    late_tech = techs[1] if len(techs) > 1 else None
    late_period = max(
        ((s, e) for s, e in months if e + timedelta(days=14) < today), default=None, key=lambda p: p[0]
    )
    unused_tech = techs[5] if len(techs) > 5 else None
    unused_period = months[-4] if len(months) >= 4 else None
    readings: list[DosimetryReading] = []
    badges: list[DosimeterBadge] = []

    def issue(tech: Technician, code: str, position: BadgePosition, start: date, end: date) -> DosimeterBadge:
        badge = _stamp(
            DosimeterBadge(
                technician=tech,
                badge_code=code,
                position=position,
                vendor="Landauer Luxel+",
                assigned_on=start,
                period_end=end,
            ),
        )
        badges.append(badge)
        return badge

    for index, tech in enumerate(techs):
        per_diem = tech.employment_type.value == "per_diem"
        periods = quarters if per_diem else months
        code = f"LX-{3100 + index}"
        for start, end in periods:
            begin = max(start, tech.start_date or start)
            if begin > end or (tech.retired_on is not None and begin > tech.retired_on):
                continue
            badge = issue(tech, code, BadgePosition.COLLAR, begin, end)
            reportable = end + timedelta(days=REPORT_LAG_DAYS) <= today
            if tech is late_tech and (start, end) == late_period:
                continue  # never came back: no return, no reading
            if end < today:
                badge.returned_on = min(today, end + timedelta(days=rng.randint(2, 9)))
            if not reportable:
                continue
            if tech is unused_tech and (start, end) == unused_period:
                readings.append(_reading(tech, badge, begin, end, None, None, None, unused=True))
                continue
            deep = _low(rng)
            lens = None if deep is None else round(deep * rng.uniform(1.0, 1.4), 2)
            shallow = lens
            quarter = (quarter_of(end).start, quarter_of(end).end)
            if index == 0 and quarter == alara_quarter:
                deep, lens, shallow = [0.52, 0.41, 0.47][end.month % 3], 0.6, 0.6
            if index == 12 and quarter == closed_quarter:
                deep, lens, shallow = [0.6, 0.5, 0.45][end.month % 3], 0.7, 0.7
            readings.append(_reading(tech, badge, begin, end, deep, lens, shallow))
    if len(techs) > 12:  # Grace also wears a ring badge, exchanged quarterly
        grace = techs[12]
        for start, end in quarters:
            badge = issue(grace, "LX-3112R", BadgePosition.RING, start, end)
            if end < today:
                badge.returned_on = end + timedelta(days=4)
            if end + timedelta(days=REPORT_LAG_DAYS) <= today:
                readings.append(
                    _reading(
                        grace,
                        badge,
                        start,
                        end,
                        None,
                        None,
                        round(rng.uniform(0.4, 1.9), 2),
                        cells=("shallow",),
                    )
                )
    if len(techs) > 4:  # Aisha declared her pregnancy; a fetal badge under the apron, monthly
        aisha = techs[4]
        declared = today - timedelta(days=108)
        session.add(
            _stamp(
                DeclaredPregnancy(
                    technician=aisha,
                    declared_on=declared,
                    estimated_due_on=declared + timedelta(days=190),
                    notes="Written declaration on file; fetal badge issued; no kyphoplasty cases.",
                ),
            )
        )
        for start, end in months:
            if end < declared:
                continue
            begin = max(start, declared)
            badge = issue(aisha, "LX-3104F", BadgePosition.FETAL, begin, end)
            if end < today:
                badge.returned_on = end + timedelta(days=5)
            if end + timedelta(days=REPORT_LAG_DAYS) <= today:
                deep = None if rng.random() < 0.7 else 0.03
                readings.append(_reading(aisha, badge, begin, end, deep, None, None, cells=("deep",)))
    if len(techs) > 9 and alara_quarter:  # Kevin works at another site too and reports that dose
        start, end = alara_quarter
        readings.append(
            _reading(techs[9], None, start, end, 0.35, 0.41, 0.41, other="St. Mary's Outpatient Imaging")
        )
    if len(techs) > 12 and closed_quarter:
        year, number = quarter_of(closed_quarter[1]).year, quarter_of(closed_quarter[1]).number
        opened = closed_quarter[1] + timedelta(days=REPORT_LAG_DAYS + 4)
        session.add(
            _stamp(
                DoseInvestigation(
                    technician=techs[12],
                    year=year,
                    quarter=number,
                    level=InvestigationLevel.ALARA1,
                    quantity=DoseQuantity.DEEP,
                    dose_msv=1.55,
                    opened_on=opened,
                    investigator=PHYSICIST,
                    findings="Reading confirmed with Landauer. Three kyphoplasty series that quarter; "
                    "she stood on the tube side for lateral views.",
                    actions="Reviewed positioning (stand on the detector side for laterals) and the "
                    "ceiling-mounted shield. Next quarter back below level I.",
                    closed_on=opened + timedelta(days=16),
                ),
            )
        )
    session.add_all(badges)
    session.add_all(readings)
    # Quarterly reviews: signed, except the newest one whose due date has passed (overdue).
    complete = [(s, e) for s, e in quarters if e < today]
    overdue = [q for q in complete if q[1] + timedelta(days=60) < today]
    skip = overdue[-1] if overdue else None
    for start, end in complete:
        reviewed = end + timedelta(days=35)
        if skip is not None and start >= skip[0]:
            break
        quarter = quarter_of(start)
        session.add(
            _stamp(
                DosimetryReview(
                    year=quarter.year,
                    quarter=quarter.number,
                    reviewed_on=reviewed,
                    reviewer=PHYSICIST,
                    reviewer_role=ReviewerRole.MEDICAL_PHYSICIST,
                    notes="All readings reviewed; results shared with staff.",
                ),
            )
        )
    return len(readings)
