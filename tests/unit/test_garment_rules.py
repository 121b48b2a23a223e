from datetime import date

import pytest

from fluorodesk.domain.enums import DefectZone as Z
from fluorodesk.domain.enums import GarmentType as G
from fluorodesk.domain.enums import InspectionResult as R
from fluorodesk.domain.garments import Defect, RejectionThresholds, next_inspection_due, propose_result

LIMITS = RejectionThresholds()


@pytest.mark.parametrize(("zone", "limit"), [(Z.CRITICAL, 15.0), (Z.NONCRITICAL, 670.0), (Z.THYROID, 11.0)])
def test_defect_exactly_at_the_limit_passes_and_just_above_fails(zone, limit):
    assert propose_result(G.APRON, [Defect(zone, limit)], LIMITS).result is R.PASS
    failed = propose_result(G.APRON, [Defect(zone, limit + 0.01)], LIMITS)
    assert failed.result is R.FAIL
    assert f"{limit:g} mm²" in failed.reasons[0]


def test_thyroid_shield_uses_the_thyroid_limit_whatever_zone_was_ticked():
    assert propose_result(G.THYROID, [Defect(Z.NONCRITICAL, 12)], LIMITS).result is R.FAIL
    assert propose_result(G.APRON, [Defect(Z.NONCRITICAL, 12)], LIMITS).result is R.PASS


def test_no_defects_pass_and_every_bad_defect_is_reported():
    assert propose_result(G.APRON, [], LIMITS).result is R.PASS
    result = propose_result(
        G.APRON, [Defect(Z.CRITICAL, 20), Defect(Z.NONCRITICAL, 700), Defect(Z.CRITICAL, 1)], LIMITS
    )
    assert len(result.reasons) == 2


def test_thresholds_are_settings():
    strict = RejectionThresholds(critical_mm2=5)
    assert propose_result(G.APRON, [Defect(Z.CRITICAL, 6)], strict).result is R.FAIL


def test_next_due():
    assert next_inspection_due(date(2026, 1, 10), None, 12) == date(2026, 1, 10)  # acceptance on receipt
    assert next_inspection_due(date(2026, 1, 10), date(2026, 2, 29 - 1), 12) == date(2027, 2, 28)
    assert next_inspection_due(None, date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert next_inspection_due(None, None, 12) is None
