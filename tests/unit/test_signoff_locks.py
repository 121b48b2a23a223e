"""Signed-off periods lock the exposure checks and garment inspections in them (issue 9 wired into
issues 5 and 6): new records, voids and dispositions are refused; an amendment is the way to correct."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fluorodesk.db.models import ExposureCheck, GarmentInspection
from fluorodesk.errors import ConflictError
from fluorodesk.services.exposure.rows import CheckDraft
from fluorodesk.services.garment_inspections import InspectionDraft
from fluorodesk.services.integrity import IntegrityService

SIGNED_DAY = date(2025, 12, 10)  # the demo's exposure sign-off covers 2025-11-01 to 2026-01-31


def signed_check(services) -> ExposureCheck:
    with services.db.read() as session:
        return session.scalars(
            select(ExposureCheck)
            .where(ExposureCheck.checked_on.between(date(2025, 11, 1), date(2026, 1, 31)))
            .where(ExposureCheck.voided_at.is_(None))
            .limit(1)
        ).one()


def draft_like(check: ExposureCheck, **changes) -> CheckDraft:
    values = dict(
        unit_id=check.unit_id,
        checked_on=check.checked_on,
        performed_by=check.performed_by,
        meter_id=check.meter_id,
        mode=check.mode,
        rate=check.rate,
        rate_unit=check.rate_unit,
        kvp=check.kvp,
        ma=check.ma,
    )
    values.update(changes)
    return CheckDraft(**values)


def test_no_new_check_and_no_void_in_a_signed_period(demo_services):
    check = signed_check(demo_services)
    with pytest.raises(ConflictError, match="locked"):
        demo_services.exposure.record_check(draft_like(check, checked_on=SIGNED_DAY))
    with pytest.raises(ConflictError, match="locked"):
        demo_services.exposure.void_check(check.id, "typo")
    # outside the signed period everything still works
    row = demo_services.exposure.record_check(draft_like(check, checked_on=date(2026, 11, 20)))
    assert row.id


def test_a_signed_check_is_corrected_by_an_amendment_and_the_signature_still_verifies(demo_services):
    check = signed_check(demo_services)
    amended = demo_services.exposure.amend_check(
        check.id, draft_like(check, rate=check.rate + 0.5), "meter read wrong"
    )
    assert amended.id != check.id
    report = IntegrityService(demo_services.db, "t").run()
    assert report.ok, report.lines()


def test_garment_inspections_in_a_signed_year_are_locked(demo_services):
    year = demo_services.technicians.today().year - 2  # the demo signs off the year before last
    with demo_services.db.read() as session:
        inspection = session.scalars(
            select(GarmentInspection)
            .where(GarmentInspection.inspected_on.between(date(year, 1, 1), date(year, 12, 31)))
            .where(GarmentInspection.voided_at.is_(None))
            .limit(1)
        ).one()
    with pytest.raises(ConflictError, match="locked"):
        demo_services.garment_inspections.void(inspection.id, reason="duplicate")
    with pytest.raises(ConflictError, match="locked"):
        demo_services.garment_inspections.record(
            InspectionDraft(inspection.garment_id, "G. Chen", inspected_on=date(year, 6, 1))
        )
