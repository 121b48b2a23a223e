from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.enums import DefectZone as Z
from fluorodesk.domain.enums import Disposition as D
from fluorodesk.domain.enums import GarmentStatus as S
from fluorodesk.domain.enums import GarmentType as G
from fluorodesk.domain.enums import InspectionMethod as M
from fluorodesk.domain.enums import InspectionResult as R
from fluorodesk.domain.garments import (
    MAX_AREA_MM2,
    Defect,
    RejectionThresholds,
    StatusAction,
    StatusChange,
    available_actions,
    awaiting_reinspection,
    check_disposition,
    check_result,
    check_technique,
    describe_methods,
    found_on,
    inspection_refusal,
    join_methods,
    next_inspection_due,
    parse_area_mm2,
    parse_kvp,
    parse_methods,
    propose_result,
    status_action_refusal,
    status_after_inspection,
    status_on,
    status_since,
)
from fluorodesk.errors import ValidationError

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


# --------------------------------------------------------------------------- the criteria at their exact boundaries


@pytest.mark.parametrize(
    ("garment", "zone", "area", "expected"),
    [
        (G.APRON, Z.CRITICAL, 15, R.PASS),
        (G.APRON, Z.CRITICAL, 15.0001, R.FAIL),
        (G.APRON, Z.CRITICAL, 14.9999, R.PASS),
        (G.APRON, Z.NONCRITICAL, 670, R.PASS),
        (G.APRON, Z.NONCRITICAL, 670.0001, R.FAIL),
        (G.APRON, Z.THYROID, 11, R.PASS),
        (G.APRON, Z.THYROID, 11.0001, R.FAIL),
        (G.THYROID, Z.CRITICAL, 11, R.PASS),
        (G.THYROID, Z.CRITICAL, 12, R.FAIL),  # a thyroid shield is judged by 11 mm² even when "critical"
        (G.VEST_SKIRT, Z.NONCRITICAL, 669.99, R.PASS),
        (G.WRAP, Z.CRITICAL, 16, R.FAIL),
    ],
)
def test_lambert_mckeon_boundaries(garment, zone, area, expected):
    assert propose_result(garment, [Defect(zone, area)], LIMITS).result is expected


def test_the_proposal_says_why_for_every_defect():
    result = propose_result(G.APRON, [Defect(Z.CRITICAL, 20), Defect(Z.NONCRITICAL, 100)], LIMITS)
    assert result.summary == "Fail: Critical area defect 20 mm² exceeds 15 mm²."
    assert [v.fails for v in result.verdicts] == [True, False]
    assert result.verdicts[1].words == "Seam/overlap/back defect 100 mm² is within 670 mm²"
    ok = propose_result(G.THYROID, [Defect(Z.NONCRITICAL, 11)], LIMITS)
    assert ok.summary == "Pass: every defect is within its limit (Thyroid defect 11 mm² is within 11 mm²)."
    assert propose_result(G.APRON, [], LIMITS).summary == "Pass: no defects entered."


def test_the_inspector_may_be_stricter_never_more_lenient():
    failing = propose_result(G.APRON, [Defect(Z.CRITICAL, 16)], LIMITS)
    passing = propose_result(G.APRON, [Defect(Z.CRITICAL, 15)], LIMITS)
    assert "cannot pass" in check_result(failing, R.PASS, "looks fine")["result"]
    assert check_result(failing, R.FAIL, "") == {}
    assert check_result(passing, R.PASS, "") == {}
    assert "notes" in check_result(passing, R.FAIL, "  ")  # a fail below the limits needs a reason
    assert check_result(passing, R.FAIL, "Torn shoulder strap") == {}


@pytest.mark.parametrize(
    ("text", "mm2"),
    [
        ("15", 15.0),
        (" 15.5 mm² ", 15.5),
        ("15 mm2", 15.0),
        ("1,5", 1.5),
        ("3 x 5", 15.0),
        ("3×5 mm", 15.0),
        ("2.5*4", 10.0),
        ("ø4", 12.6),
        ("d 4", 12.6),
        (".5", 0.5),
        (7, 7.0),
        (MAX_AREA_MM2, MAX_AREA_MM2),
    ],
)
def test_defect_sizes_as_typed(text, mm2):
    assert parse_area_mm2(text) == pytest.approx(mm2)


@pytest.mark.parametrize(
    "text", ["", "  ", None, "0", "-3", "abc", "3 x", "x 4", "1e9", "nan", "inf", True, 0, -1.0]
)
def test_bad_defect_sizes_are_refused_with_a_sentence(text):
    with pytest.raises(ValidationError) as info:
        parse_area_mm2(text, field="defect_1_area")
    assert list(info.value.fields) == ["defect_1_area"]
    assert info.value.fields["defect_1_area"].endswith((".", "m²)."))


@given(st.text(max_size=20))
def test_any_typed_size_is_either_a_sane_area_or_a_validation_error(text):
    try:
        value = parse_area_mm2(text)
    except ValidationError:
        return
    assert 0 < value <= MAX_AREA_MM2


def test_methods_round_trip_and_words():
    assert parse_methods("tactile+visual") == (M.VISUAL, M.TACTILE)
    assert parse_methods(["fluoroscopic", M.VISUAL]) == (M.VISUAL, M.FLUOROSCOPIC)
    assert join_methods([M.TACTILE, M.VISUAL]) == "visual+tactile"
    assert describe_methods((M.VISUAL, M.TACTILE)) == "Visual + tactile"
    assert parse_methods("") == ()
    with pytest.raises(ValidationError, match="sniffing"):
        parse_methods("visual+sniffing")


def test_imaging_needs_a_kvp_and_only_imaging_has_one():
    assert check_technique((M.VISUAL, M.TACTILE), None) == {}
    assert "methods" in check_technique((), None)
    assert "kvp" in check_technique((M.FLUOROSCOPIC,), None)
    assert "kvp" in check_technique((M.VISUAL,), 80)
    assert check_technique((M.RADIOGRAPHIC,), 70) == {}
    assert check_technique((M.FLUOROSCOPIC,), 40) == {} and check_technique((M.FLUOROSCOPIC,), 150) == {}
    assert "kvp" in check_technique((M.FLUOROSCOPIC,), 39.9)
    assert "kvp" in check_technique((M.FLUOROSCOPIC,), 150.1)
    assert parse_kvp(" 80 kVp") == 80 and parse_kvp("") is None
    with pytest.raises(ValidationError):
        parse_kvp("eighty")


@pytest.mark.parametrize(
    ("result", "disposition", "status"),
    [
        (R.PASS, None, S.IN_SERVICE),
        (R.PASS, D.RETURN_TO_SERVICE, S.IN_SERVICE),
        (R.PASS, D.REMOVE, S.REMOVED),
        (R.PASS, D.REPAIR, S.QUARANTINED),
        (R.FAIL, None, S.QUARANTINED),
        (R.FAIL, D.REPAIR, S.QUARANTINED),
        (R.FAIL, D.REMOVE, S.REMOVED),
        (R.FAIL, D.DISCARD, S.REMOVED),
    ],
)
def test_a_failed_garment_always_leaves_service(result, disposition, status):
    assert status_after_inspection(result, disposition) is status


def test_a_failed_garment_cannot_be_returned_to_service():
    assert "cannot go back" in check_disposition(R.FAIL, D.RETURN_TO_SERVICE)
    assert check_disposition(R.FAIL, None) is None
    assert check_disposition(R.PASS, D.RETURN_TO_SERVICE) is None


def test_status_actions_and_their_guards():
    assert available_actions(S.IN_SERVICE) == [
        StatusAction.QUARANTINE,
        StatusAction.REPORT_LOST,
        StatusAction.REMOVE,
        StatusAction.DISPOSE,
    ]
    assert available_actions(S.LOST) == [StatusAction.FOUND, StatusAction.REMOVE]
    assert available_actions(S.DISPOSED) == []
    assert StatusAction.FOUND.target is S.QUARANTINED  # held until it passes a re-inspection
    back = StatusAction.RETURN_TO_SERVICE
    assert status_action_refusal(back, S.QUARANTINED, last_result=R.PASS, awaiting_reinspection=False) is None
    assert "re-inspection" in status_action_refusal(
        back, S.QUARANTINED, last_result=R.PASS, awaiting_reinspection=True
    )
    assert "failed" in status_action_refusal(back, S.REMOVED, last_result=R.FAIL, awaiting_reinspection=False)
    assert "never" in status_action_refusal(
        back, S.QUARANTINED, last_result=None, awaiting_reinspection=False
    )
    assert "does not apply" in status_action_refusal(
        StatusAction.FOUND, S.IN_SERVICE, last_result=R.PASS, awaiting_reinspection=False
    )


def test_inspection_refusals_name_the_way_out():
    assert inspection_refusal("A-1", S.IN_SERVICE, None) is None
    assert inspection_refusal("A-1", S.QUARANTINED, None) is None
    assert "Mark it found" in inspection_refusal("A-1", S.LOST, date(2026, 1, 1))
    assert "quarantine" in inspection_refusal("A-1", S.REMOVED, date(2026, 1, 1))
    assert "disposed" in inspection_refusal("A-1", S.DISPOSED, None)


def test_an_inspection_dated_before_the_garment_left_is_a_late_entry_not_refused():
    left = date(2026, 6, 1)
    for status in (S.LOST, S.REMOVED, S.DISPOSED):
        assert inspection_refusal("A-1", status, left, on=date(2026, 5, 31)) is None
        assert inspection_refusal("A-1", status, left, on=left) is not None
    assert inspection_refusal("A-1", S.LOST, None, on=date(2026, 5, 31)) is not None


HISTORY = [
    StatusChange(date(2026, 3, 1), S.IN_SERVICE, S.LOST),
    StatusChange(date(2026, 5, 10), S.LOST, S.QUARANTINED),
    StatusChange(date(2026, 5, 12), S.QUARANTINED, S.IN_SERVICE),
]


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (date(2026, 2, 28), S.IN_SERVICE),
        (date(2026, 3, 1), S.LOST),
        (date(2026, 5, 9), S.LOST),
        (date(2026, 5, 10), S.QUARANTINED),
        (date(2026, 5, 11), S.QUARANTINED),
        (date(2026, 5, 12), S.IN_SERVICE),
    ],
)
def test_status_on_a_past_date_replays_the_history(as_of, status):
    assert status_on(HISTORY, S.IN_SERVICE, date(2026, 5, 12), as_of) is status


@pytest.mark.parametrize(
    ("as_of", "since"),
    [
        (date(2026, 2, 28), None),
        (date(2026, 3, 1), date(2026, 3, 1)),
        (date(2026, 5, 9), date(2026, 3, 1)),
        (date(2026, 5, 11), date(2026, 5, 10)),
        (date(2026, 12, 1), date(2026, 5, 12)),
    ],
)
def test_status_since_is_the_day_it_took_the_status_it_had_then(as_of, since):
    assert status_since(HISTORY, date(2026, 5, 12), as_of) == since


def test_status_without_history_counts_from_its_change_date():
    assert status_since([], date(2026, 6, 1), date(2026, 6, 1)) == date(2026, 6, 1)
    assert status_since([], date(2026, 6, 1), date(2026, 5, 31)) is None
    assert status_on([], S.REMOVED, date(2026, 6, 1), date(2026, 6, 1)) is S.REMOVED
    assert status_on([], S.REMOVED, date(2026, 6, 1), date(2026, 5, 31)) is S.IN_SERVICE
    assert status_on([], S.LOST, None, date(2000, 1, 1)) is S.LOST


def test_a_found_garment_awaits_re_inspection_until_inspected_on_or_after_that_day():
    assert found_on(HISTORY, date(2026, 5, 9)) is None
    found = found_on(HISTORY, date(2026, 5, 10))
    assert found == date(2026, 5, 10)
    assert awaiting_reinspection(found, [date(2026, 1, 5), date(2026, 5, 9)])
    assert not awaiting_reinspection(found, [date(2026, 5, 10)])  # inspected the day it turned up
    assert not awaiting_reinspection(None, [])


def test_a_found_garment_is_due_the_day_it_turned_up():
    assert next_inspection_due(date(2025, 1, 1), date(2026, 1, 10), 12, found=date(2026, 5, 10)) == date(
        2026, 5, 10
    )
    assert next_inspection_due(date(2025, 1, 1), date(2026, 5, 10), 12, found=date(2026, 5, 10)) == date(
        2027, 5, 10
    )
    assert next_inspection_due(None, None, 12, found=date(2026, 5, 10)) == date(2026, 5, 10)


@pytest.mark.parametrize(
    ("last", "months", "due"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # end of month clamps
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 2, 29 - 1), 12, date(2028, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # 29 February
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
    ],
)
def test_reinspection_interval_boundaries(last, months, due):
    assert next_inspection_due(date(2020, 1, 1), last, months) == due
