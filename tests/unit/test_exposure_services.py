"""Exposure-rate QC services on a real database: units, checks, corrective actions, meters, surveys,
calendars and findings.  Bad input writes nothing; every change leaves an audit event."""

from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from fluorodesk.db.models import (
    AuditEvent,
    CorrectiveAction,
    ExposureCheck,
    FluoroUnit,
    Meter,
    PhysicistSurvey,
    UnitBaseline,
)
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit, Severity
from fluorodesk.domain.exposure import CalibrationState, CorrectiveState, DueState, PeriodState
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services.exposure.rows import CheckDraft, CorrectiveActionDraft
from fluorodesk.services.meters import CalibrationDraft, MeterDraft
from fluorodesk.services.surveys import SurveyDraft
from fluorodesk.services.units import BaselineDraft, UnitDraft

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def counts(db) -> tuple[int, ...]:
    return tuple(
        count(db, m)
        for m in (
            AuditEvent,
            ExposureCheck,
            CorrectiveAction,
            FluoroUnit,
            UnitBaseline,
            Meter,
            PhysicistSurvey,
        )
    )


def exposure_findings(services, as_of=TODAY, code=None):
    found = [f for f in services.compliance.findings(as_of) if f.area.value == "exposure"]
    return [f for f in found if code is None or f.code == code]


@pytest.fixture
def clinic(services):
    meter = services.meters.create_meter(MeterDraft("Meter A", "RaySafe", "X2", "X2-1"))
    services.meters.add_calibration(CalibrationDraft(meter.id, "2026-01-02", laboratory="Lab"))
    unit = services.units.create(
        UnitDraft(
            "CA-9",
            "Test C-arm",
            manufactured_on="2018-03-01",
            has_hlc=True,
            in_service_on="2026-01-05",
            registration_number="R-1",
            registration_expires_on="2027-06-30",
        ),
        baseline=BaselineDraft(None, None, "40", "mGy/min", set_by="A. Physicist"),
    )
    services.surveys.create(SurveyDraft(unit.id, "2026-06-01", "A. Physicist, DABR", "pass"))
    return SimpleNamespace(unit=unit, meter=meter)


def draft(clinic, **changes) -> CheckDraft:
    values = dict(
        unit_id=clinic.unit.id,
        checked_on="2026-11-23",
        performed_by="Grace Chen",
        meter_id=clinic.meter.id,
        mode="normal",
        rate="41",
        rate_unit="mGy/min",
        kvp="78",
        ma="2.1",
        phantom="20 cm acrylic",
    )
    values.update(changes)
    return CheckDraft(**values)


def weekly(services, clinic, first: date, last: date, skip=(), **changes):
    day = first
    while day <= last:
        if day not in skip:
            services.exposure.record_check(draft(clinic, checked_on=day, **changes))
        day += timedelta(days=7)


# --------------------------------------------------------------------------- units & baselines


def test_unit_is_created_with_its_first_baseline(services, clinic):
    row = clinic.unit
    assert row.code == "CA-9" and row.in_service_on == date(2026, 1, 5)
    assert (
        row.baseline is not None
        and row.baseline.rate == 40
        and row.baseline.rate_unit is RateUnit.MGY_PER_MIN
    )
    assert row.baseline.effective_on == date(2026, 1, 5) and row.baseline.tolerance_effective == 25
    with services.db.read() as session:
        entities = [e.entity for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert entities[-3:] == ["fluoro_units", "unit_baselines", "physicist_surveys"]
    assert "HLC" in row.hlc_words or "high-level" in row.hlc_words.lower()


def test_bad_unit_input_writes_nothing(services, clinic):
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.units.create(
            UnitDraft(" ", "", manufactured_on="2030-01-01", in_service_on="31/02/2026"),
            baseline=BaselineDraft(None, "2026-01-01", "fast", "furlongs", set_by=""),
        )
    fields = info.value.fields
    assert {"code", "name", "manufactured_on", "in_service_on"} <= set(fields)
    assert {"baseline_rate", "baseline_rate_unit", "baseline_set_by"} <= set(fields)
    with pytest.raises(ConflictError, match="CA-9"):
        services.units.create(UnitDraft("CA-9", "Another"))
    assert counts(services.db) == before


def test_unit_update_is_audited_and_guards_its_history(services, clinic):
    services.exposure.record_check(draft(clinic, checked_on="2026-02-03"))
    with pytest.raises(ValidationError) as info:
        services.units.update(clinic.unit.id, UnitDraft("CA-9", "Test C-arm", in_service_on="2026-03-01"))
    assert "checks from 2026-02-03" in info.value.fields["in_service_on"]
    before = count(services.db, AuditEvent)
    row = services.units.update(
        clinic.unit.id, UnitDraft("CA-9", "Renamed", room="OR 4", has_hlc=True, in_service_on="2026-01-05")
    )
    assert row.name == "Renamed" and row.room == "OR 4"
    assert count(services.db, AuditEvent) == before + 1


def test_rebaselining_keeps_old_verdicts(services, clinic):
    old = services.exposure.record_check(draft(clinic, checked_on="2026-05-04", rate="48"))  # +20%: pass
    assert old.verdict is ExposureVerdict.PASS and old.baseline_rate == 40
    services.units.add_baseline(
        BaselineDraft(
            clinic.unit.id, "2026-06-01", "30", "mGy/min", tolerance_pct="10", set_by="A. Physicist"
        )
    )
    new = services.exposure.record_check(draft(clinic, checked_on="2026-06-02", rate="34"))  # +13% of 30
    assert new.verdict is ExposureVerdict.OUTSIDE_TOLERANCE and new.tolerance_pct == 10
    again = services.exposure.get_check(old.id)
    assert again.verdict is ExposureVerdict.PASS and again.baseline_rate == 40  # judged by its own baseline
    assert [b.rate for b in services.units.baselines(clinic.unit.id)] == [30, 40]
    with pytest.raises(ConflictError):
        services.units.add_baseline(BaselineDraft(clinic.unit.id, "2026-06-01", "31", "mGy/min", set_by="X"))
    with pytest.raises(ValidationError) as info:
        services.units.add_baseline(
            BaselineDraft(clinic.unit.id, "2027-01-01", "-3", None, mode="x", set_by="")
        )
    assert set(info.value.fields) == {"effective_on", "rate", "rate_unit", "mode", "set_by"}


def test_baseline_per_mode_and_the_unit_records_own_baseline(services, clinic):
    with services.db.write() as session:
        unit = FluoroUnit(
            code="OLD",
            name="Legacy unit",
            baseline_rate=4.0,
            baseline_unit=RateUnit.R_PER_MIN,
            in_service_on=date(2026, 1, 5),
        )
        session.add(unit)
        session.flush()
        unit_id = unit.id
    legacy = SimpleNamespace(unit=SimpleNamespace(id=unit_id), meter=clinic.meter)
    row = services.exposure.record_check(draft(legacy, rate="5.5", rate_unit="R/min"))
    assert row.verdict is ExposureVerdict.OUTSIDE_TOLERANCE and row.baseline_rate == 4.0
    # pulsed mode on the CA-9 has no baseline of its own: compared with the limit only
    pulsed = services.exposure.record_check(draft(clinic, mode="pulsed", rate="12"))
    assert pulsed.verdict is ExposureVerdict.PASS and "no baseline for pulsed mode" in pulsed.detail


# --------------------------------------------------------------------------- unit handling and limits


@pytest.mark.parametrize(
    ("rate", "rate_unit", "mode", "verdict", "limit"),
    [
        (
            "88",
            "mGy/min",
            "normal",
            ExposureVerdict.OUTSIDE_TOLERANCE,
            88.0,
        ),  # exactly at the limit: not over
        ("88.01", "mGy/min", "normal", ExposureVerdict.OVER_LIMIT, 88.0),
        ("10", "R/min", "normal", ExposureVerdict.PASS, 10.0),  # R/min never compared with a mGy/min baseline
        ("10.01", "R/min", "normal", ExposureVerdict.OVER_LIMIT, 10.0),
        ("11", "R/min", "pulsed", ExposureVerdict.OVER_LIMIT, 10.0),  # 11 is far below 88, but it is R/min
        ("176", "mGy/min", "high_level", ExposureVerdict.PASS, 176.0),
        ("176.2", "mGy/min", "high_level", ExposureVerdict.OVER_LIMIT, 176.0),
        ("20", "R/min", "high_level", ExposureVerdict.PASS, 20.0),
    ],
)
def test_reading_is_stored_and_judged_in_its_own_unit(
    services, clinic, rate, rate_unit, mode, verdict, limit
):
    row = services.exposure.record_check(draft(clinic, rate=rate, rate_unit=rate_unit, mode=mode))
    assert row.verdict is verdict and row.limit == limit and row.rate_unit.value == rate_unit
    assert row.rate == float(rate)
    with services.db.read() as session:
        stored = session.execute(
            text("SELECT rate, rate_unit FROM exposure_checks WHERE id = :i"), {"i": row.id}
        ).one()
    assert stored == (float(rate), rate_unit)  # stored exactly as read, never converted
    if verdict is ExposureVerdict.PASS and rate_unit == "R/min" and mode == "normal":
        assert "not compared" in row.detail


def test_pre_1995_unit_has_no_limit_in_high_level_control(services, clinic):
    unit = services.units.create(UnitDraft("OLD-1", "1990 C-arm", manufactured_on="1995-05-18", has_hlc=True))
    row = services.exposure.record_check(draft(clinic, unit_id=unit.id, mode="high_level", rate="300"))
    assert row.verdict is ExposureVerdict.PASS and row.limit is None and "no limit" in row.detail
    made_on_the_day = services.units.create(
        UnitDraft("NEW-1", "C-arm", manufactured_on="1995-05-19", has_hlc=True)
    )
    row = services.exposure.record_check(
        draft(clinic, unit_id=made_on_the_day.id, mode="high_level", rate="300")
    )
    assert row.verdict is ExposureVerdict.OVER_LIMIT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_id": None}, "unit_id"),
        ({"checked_on": ""}, "checked_on"),
        ({"checked_on": "2026-11-27"}, "checked_on"),  # tomorrow
        ({"checked_on": "2026-01-04"}, "checked_on"),  # before the unit went into service
        ({"checked_on": "13/45/2026"}, "checked_on"),
        ({"performed_by": "  "}, "performed_by"),
        ({"meter_id": None}, "meter_id"),
        ({"mode": "turbo"}, "mode"),
        ({"rate": ""}, "rate"),
        ({"rate": "93,5"}, "rate"),
        ({"rate": "0"}, "rate"),
        ({"rate": "-4"}, "rate"),
        ({"rate": "nan"}, "rate"),
        ({"rate": "inf"}, "rate"),
        ({"rate_unit": "mSv/h"}, "rate_unit"),
        ({"rate_unit": None}, "rate_unit"),
        ({"kvp": "5"}, "kvp"),
        ({"ma": "abc"}, "ma"),
        ({"phantom": "x" * 161}, "phantom"),
    ],
)
def test_bad_check_input_gives_a_field_message_and_writes_nothing(services, clinic, changes, field):
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.exposure.record_check(draft(clinic, **changes))
    assert field in info.value.fields and info.value.fields[field].endswith(".")
    assert counts(services.db) == before


def test_high_level_mode_needs_high_level_control(services, clinic):
    unit = services.units.create(UnitDraft("NOHLC", "C-arm", has_hlc=False))
    with pytest.raises(ValidationError) as info:
        services.exposure.record_check(draft(clinic, unit_id=unit.id, mode="high_level"))
    assert "no high-level control" in info.value.fields["mode"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(typed=st.text(max_size=12))
def test_any_typed_rate_is_either_stored_exactly_or_refused(services, clinic, typed):
    before = count(services.db, ExposureCheck)
    try:
        value = float(typed.strip())
    except ValueError:
        value = None
    try:
        row = services.exposure.record_check(draft(clinic, rate=typed))
    except ValidationError as exc:
        assert set(exc.fields) == {"rate"}
        assert count(services.db, ExposureCheck) == before
        assert value is None or not math.isfinite(value) or not 0 < value <= 10000
    else:
        assert value is not None and row.rate == value
        assert count(services.db, ExposureCheck) == before + 1


# --------------------------------------------------------------------------- late entries, meters, defaults


def test_late_entry_records_when_it_was_entered(services, clinic):
    on_time = services.exposure.record_check(draft(clinic, checked_on=TODAY - timedelta(days=7)))
    late = services.exposure.record_check(draft(clinic, checked_on=TODAY - timedelta(days=20)))
    assert on_time.entered_on == TODAY and not on_time.late_entry and on_time.entry_delay_days == 7
    assert late.entered_on == TODAY and late.late_entry and late.entry_delay_days == 20
    assert late.checked_on == TODAY - timedelta(days=20)
    services.settings.update({"exposure.late_entry_days": 3})
    assert services.exposure.get_check(on_time.id).late_entry


def test_meter_calibration_on_the_check_date_is_recorded(services, clinic):
    old = services.meters.create_meter(MeterDraft("Old meter"))
    services.meters.add_calibration(CalibrationDraft(old.id, "2024-01-01", "2025-12-31"))
    row = services.exposure.record_check(draft(clinic, meter_id=old.id, checked_on="2026-01-06"))
    assert row.meter == "Old meter" and row.meter_calibration is CalibrationState.LAPSED
    assert "ran out on 2025-12-31" in row.meter_calibration_words
    preview = services.exposure.preview(draft(clinic, meter_id=old.id, checked_on="2026-01-06"))
    assert preview.meter_state is CalibrationState.LAPSED and "lapsed" in preview.meter_words
    good = services.exposure.preview(draft(clinic, checked_on="2026-01-06"))
    assert good.meter_state is CalibrationState.VALID and "valid until 2028-01-02" in good.meter_words
    assert good.verdict is ExposureVerdict.PASS and good.words.startswith("Pass")


def test_defaults_follow_the_last_check(services, clinic):
    first = services.exposure.check_defaults(clinic.unit.id)
    assert first.checked_on == TODAY and first.meter_id == clinic.meter.id  # the only meter
    assert first.mode is ExposureMode.NORMAL and first.rate_unit is RateUnit.MGY_PER_MIN
    services.exposure.record_check(
        draft(clinic, performed_by="Kevin Brooks", mode="pulsed", phantom="Cu + Pb", magnification="Mag 1")
    )
    second = services.exposure.check_defaults(clinic.unit.id)
    assert (second.performed_by, second.mode, second.phantom, second.magnification) == (
        "Kevin Brooks",
        ExposureMode.PULSED,
        "Cu + Pb",
        "Mag 1",
    )
    assert ("Kevin Brooks", None) in services.exposure.performers()


# --------------------------------------------------------------------------- void and amend (never delete)


def test_void_keeps_the_record_and_needs_a_reason(services, clinic):
    row = services.exposure.record_check(draft(clinic))
    before = counts(services.db)
    with pytest.raises(ValidationError):
        services.exposure.void_check(row.id, " ")
    assert counts(services.db) == before
    voided = services.exposure.void_check(row.id, "Wrong unit selected")
    assert voided.voided and voided.void_reason == "Wrong unit selected"
    assert count(services.db, ExposureCheck) == 1
    assert services.exposure.list_rows() == []
    assert [r.id for r in services.exposure.list_rows(include_voided=True)] == [row.id]
    with pytest.raises(ConflictError):
        services.exposure.void_check(row.id, "again")
    with pytest.raises(NotFoundError):
        services.exposure.void_check(9999, "gone")


def test_amend_replaces_a_check_and_moves_its_corrective_actions(services, clinic):
    wrong = services.exposure.record_check(draft(clinic, checked_on="2026-11-02", rate="935"))
    services.exposure.add_corrective_action(
        CorrectiveActionDraft(wrong.id, "Service called", "Grace Chen", "2026-11-03", "T-1")
    )
    before = count(services.db, AuditEvent)
    with pytest.raises(ValidationError) as info:
        services.exposure.amend_check(wrong.id, draft(clinic, checked_on="2026-11-02", rate="93.5"), "")
    assert "reason" in info.value.fields and count(services.db, AuditEvent) == before
    new = services.exposure.amend_check(
        wrong.id, draft(clinic, checked_on="2026-11-02", rate="93.5"), "Typed 935 for 93.5"
    )
    assert new.amends_id == wrong.id and new.rate == 93.5 and new.verdict is ExposureVerdict.OVER_LIMIT
    old = services.exposure.get_check(wrong.id)
    assert old.voided and f"Amended by check #{new.id}" in old.void_reason
    actions = services.exposure.corrective_actions(check_id=new.id)
    assert len(actions) == 1 and actions[0].check_rate == "93.5 mGy/min"
    assert count(services.db, AuditEvent) == before + 3  # amend, void, action moved
    with pytest.raises(ConflictError):
        services.exposure.amend_check(wrong.id, draft(clinic), "again")


# --------------------------------------------------------------------------- corrective actions and re-checks


def test_corrective_action_with_a_passing_recheck_clears_the_finding(services, clinic):
    over = services.exposure.record_check(draft(clinic, checked_on="2026-11-09", rate="95"))
    assert over.corrective is CorrectiveState.NEEDED
    [finding] = exposure_findings(services, code="exposure.over_limit")
    assert finding.severity is Severity.CRITICAL and "No corrective action recorded" in finding.message

    passing = services.exposure.record_check(draft(clinic, checked_on="2026-11-12"))
    assert services.exposure.recheck_candidates(over.id)[0].id == passing.id
    action = services.exposure.add_corrective_action(
        CorrectiveActionDraft(over.id, "AERC recalibrated", "Field engineer", "2026-11-10", "SIE-1")
    )
    assert action.state is CorrectiveState.IN_PROGRESS and action.closed_on is None
    [finding] = exposure_findings(services, code="exposure.over_limit")
    assert "passing re-check is still needed" in finding.message

    closed = services.exposure.update_corrective_action(
        action.id,
        CorrectiveActionDraft(
            over.id, "AERC recalibrated", "Field engineer", "2026-11-10", "SIE-1", passing.id
        ),
    )
    assert closed.state is CorrectiveState.CLOSED and closed.closed_on == date(2026, 11, 12)
    assert exposure_findings(services, code="exposure.over_limit") == []
    assert services.exposure.get_check(over.id).corrective_words == "Closed 2026-11-12 (re-check 2026-11-12)"
    # as of a date before the closure, the finding was open (reproducible packets)
    assert exposure_findings(services, as_of=date(2026, 11, 11), code="exposure.over_limit")
    # voiding the re-check reopens it
    services.exposure.void_check(passing.id, "Meter not zeroed")
    assert exposure_findings(services, code="exposure.over_limit")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"action": " "}, "action"),
        ({"performed_by": ""}, "performed_by"),
        ({"performed_on": "2026-11-08"}, "performed_on"),  # before the reading
        ({"performed_on": "2026-12-01"}, "performed_on"),
        ({"closed_on": "2026-11-20"}, "closed_on"),  # closing without a re-check
        ({"recheck": "failing"}, "recheck_id"),
        ({"recheck": "earlier"}, "recheck_id"),
        ({"recheck": "self"}, "recheck_id"),
    ],
)
def test_bad_corrective_actions_write_nothing(services, clinic, changes, field):
    earlier = services.exposure.record_check(draft(clinic, checked_on="2026-11-02"))
    over = services.exposure.record_check(draft(clinic, checked_on="2026-11-09", rate="95"))
    failing = services.exposure.record_check(draft(clinic, checked_on="2026-11-16", rate="90"))
    values = dict(check_id=over.id, action="Fixed", performed_by="Eng", performed_on="2026-11-10")
    recheck = changes.pop("recheck", None)
    values["recheck_id"] = {"failing": failing.id, "earlier": earlier.id, "self": over.id, None: None}[
        recheck
    ]
    values.update(changes)
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.exposure.add_corrective_action(CorrectiveActionDraft(**values))
    assert field in info.value.fields
    assert counts(services.db) == before


def test_a_passing_reading_needs_no_corrective_action(services, clinic):
    ok = services.exposure.record_check(draft(clinic))
    with pytest.raises(ValidationError) as info:
        services.exposure.add_corrective_action(CorrectiveActionDraft(ok.id, "x", "y", "2026-11-23"))
    assert "passed" in info.value.fields["check_id"]


def test_outside_tolerance_is_a_warning(services, clinic):
    services.exposure.record_check(draft(clinic, rate="55"))  # +37.5% of 40
    [finding] = exposure_findings(services, code="exposure.outside_tolerance")
    assert finding.severity is Severity.WARNING and "+38% from the baseline 40 mGy/min" in finding.message


# --------------------------------------------------------------------------- missed periods


def test_missed_weeks_across_the_year_end(services, clinic):
    unit = services.units.create(
        UnitDraft("YE", "Year-end unit", in_service_on="2025-12-17", registration_number="R")
    )
    target = SimpleNamespace(unit=unit, meter=clinic.meter)
    # weekly on Wednesdays, but not in the week of Mon 2025-12-29 .. Sun 2026-01-04
    weekly(services, target, date(2025, 12, 17), date(2026, 1, 21), skip={date(2025, 12, 31)})
    history = services.exposure.history(unit.id, as_of=date(2026, 1, 26))
    assert [(p.start, p.end) for p in history.missed] == [(date(2025, 12, 29), date(2026, 1, 4))]
    assert history.calendar[0].start == date(2025, 12, 15)  # in service on a Wednesday: that week counts
    assert history.calendar[-1].state is PeriodState.DUE
    found = [
        f
        for f in exposure_findings(services, date(2026, 1, 26), "exposure.missed_periods")
        if f.subject.startswith("YE")
    ]
    assert len(found) == 1 and "2025-12-29…2026-01-04" in found[0].message


def test_unit_put_in_service_mid_week_owes_that_weeks_check(services, clinic):
    unit = services.units.create(UnitDraft("MW", "Mid-week unit", in_service_on="2026-11-05"))  # Thursday
    history = services.exposure.history(unit.id)
    assert [(p.start, p.state) for p in history.calendar] == [
        (date(2026, 11, 2), PeriodState.MISSED),
        (date(2026, 11, 9), PeriodState.MISSED),
        (date(2026, 11, 16), PeriodState.MISSED),
        (date(2026, 11, 23), PeriodState.DUE),
    ]
    target = SimpleNamespace(unit=unit, meter=clinic.meter)
    services.exposure.record_check(draft(target, checked_on="2026-11-06"))
    assert services.exposure.history(unit.id).calendar[0].state is PeriodState.CHECKED
    with pytest.raises(ValidationError):  # before it went into service
        services.exposure.record_check(draft(target, checked_on="2026-11-04"))


def test_notes_explain_missed_periods_and_unit_not_used_excuses_them(services, clinic):
    weekly(services, clinic, date(2026, 1, 6), date(2026, 11, 24), skip={date(2026, 3, 3), date(2026, 3, 10)})
    [finding] = exposure_findings(services, code="exposure.missed_periods")
    assert finding.message.startswith("2 check periods")
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.exposure.note_period(clinic.unit.id, "2026-03-04", "", unit_not_used=True)
    assert "reason" in info.value.fields and counts(services.db) == before
    with pytest.raises(ValidationError):
        services.exposure.note_period(clinic.unit.id, "2025-06-01", "Closed", unit_not_used=True)
    row = services.exposure.note_period(
        clinic.unit.id, "2026-03-04", "Clinic closed for renovation", unit_not_used=True
    )
    assert row.state is PeriodState.EXCUSED and row.start == date(2026, 3, 2)
    explained = services.exposure.note_period(
        clinic.unit.id, "03/12/2026", "Tech forgot", unit_not_used=False
    )
    assert explained.state is PeriodState.MISSED and "Tech forgot" in explained.words
    [finding] = exposure_findings(services, code="exposure.missed_periods")
    assert finding.message.startswith("1 check period ") and "2026-03-09" in finding.message
    # the same period noted again replaces the note (audited), never duplicates it
    services.exposure.note_period(clinic.unit.id, "2026-03-12", "Tech on leave", unit_not_used=False)
    history = services.exposure.history(clinic.unit.id)
    assert [p.note for p in history.calendar if p.note] == ["Clinic closed for renovation", "Tech on leave"]


def test_retired_unit_has_no_periods_after_retirement(services, clinic):
    weekly(services, clinic, date(2026, 1, 6), date(2026, 5, 26))
    before = counts(services.db)
    with pytest.raises(ValidationError) as info:
        services.units.retire(clinic.unit.id, "2026-05-20", "")
    assert set(info.value.fields) == {"retired_on", "reason"} and counts(services.db) == before
    row = services.units.retire(clinic.unit.id, "2026-05-29", "Replaced by a new C-arm")
    assert row.retired_on == date(2026, 5, 29) and row.status_words == "Retired 2026-05-29"
    history = services.exposure.history(clinic.unit.id)
    assert history.calendar[-1].start == date(2026, 5, 25) and history.missed == ()
    assert all(f.subject != row.label for f in exposure_findings(services))
    assert row.id not in {u.id for u in services.units.list_units()}
    assert row.id in {u.id for u in services.units.list_units(include_retired=True)}
    with pytest.raises(ValidationError) as info:
        services.exposure.record_check(draft(clinic, checked_on="2026-06-02"))
    assert "retired" in info.value.fields["checked_on"]
    with pytest.raises(ConflictError):
        services.units.retire(clinic.unit.id, "2026-06-01", "again")
    # before the retirement date the unit's findings still show (as-of packets)
    assert any(f.subject == row.label for f in exposure_findings(services, date(2026, 4, 1)))
    back = services.units.return_to_service(clinic.unit.id)
    assert back.retired_on is None


# --------------------------------------------------------------------------- surveys, registration, meters


def test_survey_due_and_overdue_findings(services, clinic):
    def codes(as_of):
        return {f.code for f in exposure_findings(services, as_of) if f.subject.startswith("CA-9")}

    assert "unit.survey_due" not in codes(date(2027, 4, 30))
    assert "unit.survey_due" in codes(date(2027, 5, 2))  # 30 days before the 12 months
    assert "unit.survey_due" in codes(date(2027, 8, 1))  # the last day before the 14-month maximum
    assert {"unit.survey_overdue"} & codes(date(2027, 8, 2)) and "unit.survey_due" not in codes(
        date(2027, 8, 2)
    )
    assert services.surveys.due(clinic.unit.id, as_of=date(2027, 8, 2)).state is DueState.OVERDUE


def test_unit_without_survey(services, clinic):
    new = services.units.create(
        UnitDraft("NEW", "New unit", in_service_on="2026-11-20", registration_number="R")
    )
    [finding] = [f for f in exposure_findings(services, code="unit.no_survey") if f.subject.startswith("NEW")]
    assert finding.severity is Severity.WARNING and "2026-12-20" in finding.message
    later = [
        f
        for f in exposure_findings(services, date(2026, 12, 21), "unit.no_survey")
        if f.subject.startswith("NEW")
    ]
    assert later[0].severity is Severity.CRITICAL
    assert new.survey.state is DueState.NONE


def test_failed_survey_and_recommendations_until_closed(services, clinic):
    survey = services.surveys.create(
        SurveyDraft(
            clinic.unit.id, "2026-11-02", "A. Physicist", "fail", recommendations="Replace the AERC sensor."
        )
    )
    assert {"unit.survey_failed"} <= {f.code for f in exposure_findings(services)}
    before = counts(services.db)
    for bad, field in (
        (dict(recommendations_closed_on="2026-11-20"), "recommendations_closure"),
        (
            dict(recommendations_closed_on="2026-10-01", recommendations_closure="Done"),
            "recommendations_closed_on",
        ),
        (dict(recommendations_closure="Done"), "recommendations_closed_on"),
        (dict(physicist=""), "physicist"),
        (dict(result="so-so"), "result"),
    ):
        values = dict(
            unit_id=clinic.unit.id,
            surveyed_on="2026-11-02",
            physicist="A. Physicist",
            result="fail",
            recommendations="Replace the AERC sensor.",
        )
        values.update(bad)
        with pytest.raises(ValidationError) as info:
            services.surveys.update(survey.id, SurveyDraft(**values))
        assert field in info.value.fields
    assert counts(services.db) == before
    closed = services.surveys.update(
        survey.id,
        SurveyDraft(
            clinic.unit.id,
            "2026-11-02",
            "A. Physicist",
            "fail",
            recommendations="Replace the AERC sensor.",
            recommendations_closed_on="2026-11-20",
            recommendations_closure="Sensor replaced (ticket GE-1); physicist re-tested 2026-11-20.",
        ),
    )
    assert closed.recommendations_words == "Closed 2026-11-20"
    codes = {f.code for f in exposure_findings(services)}
    assert not {"unit.survey_failed", "unit.survey_recommendations_open"} & codes
    assert "unit.survey_failed" in {f.code for f in exposure_findings(services, date(2026, 11, 19))}
    assert [s.id for s in services.surveys.list_surveys(unit_id=clinic.unit.id)][0] == survey.id


def test_registration_findings(services, clinic):
    services.units.update(
        clinic.unit.id, UnitDraft("CA-9", "Test C-arm", has_hlc=True, registration_expires_on="2026-11-25")
    )
    [expired] = exposure_findings(services, code="unit.registration_expired")
    assert expired.severity is Severity.CRITICAL
    assert (
        exposure_findings(services, date(2026, 11, 25), "unit.registration_expired") == []
    )  # valid on the day
    assert exposure_findings(services, date(2026, 11, 1), "unit.registration_expiring")
    services.units.update(clinic.unit.id, UnitDraft("CA-9", "Test C-arm", has_hlc=True))
    assert exposure_findings(services, code="unit.registration_missing")


def test_meter_findings_and_calibration_rules(services, clinic):
    bare = services.meters.create_meter(MeterDraft("Bare meter"))
    assert {f.subject for f in exposure_findings(services, code="meter.no_calibration")} == {
        "Meter Bare meter"
    }
    cal = services.meters.add_calibration(CalibrationDraft(bare.id, "2024-12-01"))
    assert cal.due_on == date(2026, 12, 1)  # the clinic's 24-month interval
    assert exposure_findings(services, code="meter.calibration_due")
    services.exposure.record_check(draft(clinic, meter_id=bare.id))
    [overdue] = exposure_findings(services, date(2026, 12, 10), "meter.calibration_overdue")
    assert "expired 2026-12-01" in overdue.message
    before = counts(services.db)
    for bad, field in (
        (CalibrationDraft(bare.id, ""), "calibrated_on"),
        (CalibrationDraft(bare.id, "2026-12-01"), "calibrated_on"),  # future
        (CalibrationDraft(bare.id, "2026-01-01", "2025-12-01"), "due_on"),
    ):
        with pytest.raises(ValidationError) as info:
            services.meters.add_calibration(bad)
        assert field in info.value.fields
    with pytest.raises(ConflictError):
        services.meters.add_calibration(CalibrationDraft(bare.id, "2024-12-01"))
    with pytest.raises(ConflictError):
        services.meters.create_meter(MeterDraft("Meter A"))
    with pytest.raises(ValidationError):
        services.meters.retire_meter(bare.id, "2026-11-01")  # used on 2026-11-23
    assert counts(services.db) == before
    services.meters.retire_meter(bare.id, "2026-11-25")
    assert not exposure_findings(services, date(2026, 12, 10), "meter.calibration_overdue")
    assert [m.name for m in services.meters.list_meters()] == ["Meter A"]


# --------------------------------------------------------------------------- history and trend


def test_trend_never_mixes_units(services, clinic):
    weekly(services, clinic, date(2026, 6, 2), date(2026, 11, 24))
    services.exposure.record_check(draft(clinic, checked_on="2026-11-25", rate="4.4", rate_unit="R/min"))
    trend = services.exposure.trend(clinic.unit.id)
    assert trend.rate_unit is RateUnit.MGY_PER_MIN and trend.limit == 88
    assert len(trend.points) == 26 and all(p.rate == 41 for p in trend.points)
    assert any("1 other reading not shown (normal in R/min)" in n for n in trend.notes)
    in_r = services.exposure.trend(clinic.unit.id, mode=ExposureMode.NORMAL, rate_unit=RateUnit.R_PER_MIN)
    assert [p.rate for p in in_r.points] == [4.4] and in_r.limit == 10 and in_r.baselines == ()
    assert any("not drawn (never converted)" in n for n in in_r.notes)
    assert in_r.start == date(2025, 11, 26) and in_r.missed  # Jan..May had no checks


def test_history_as_of_a_past_date(services, clinic):
    weekly(services, clinic, date(2026, 1, 6), date(2026, 11, 24))
    history = services.exposure.history(clinic.unit.id, as_of=date(2026, 3, 1))
    assert max(c.checked_on for c in history.checks) <= date(2026, 3, 1)
    assert history.calendar[-1].start == date(2026, 2, 23)


# --------------------------------------------------------------------------- the demo clinic


def test_demo_exposure_records(demo_services):
    units = demo_services.units.list_units()
    assert [u.code for u in units] == ["CA-1", "CA-2", "CA-3"]
    for unit in units:
        history = demo_services.exposure.history(unit.id)
        assert len(history.calendar) >= 52  # a year of weekly periods
        assert len([c for c in history.checks if not c.voided]) >= 48
    by_code = {u.code: u for u in units}
    over = [
        r
        for r in demo_services.exposure.list_rows(unit_id=by_code["CA-1"].id)
        if r.verdict is ExposureVerdict.OVER_LIMIT
    ]
    assert len(over) == 1 and over[0].corrective is CorrectiveState.NEEDED
    ca2 = demo_services.exposure.history(by_code["CA-2"].id)
    assert any(p.state is PeriodState.EXCUSED for p in ca2.calendar) and len(ca2.missed) == 2
    assert [a.state for a in ca2.corrective_actions] == [CorrectiveState.CLOSED]
    assert len(demo_services.units.baselines(by_code["CA-2"].id)) == 2
    ca3 = demo_services.exposure.list_rows(unit_id=by_code["CA-3"].id)
    assert {r.rate_unit for r in ca3} == {RateUnit.R_PER_MIN}
    assert sum(r.late_entry for r in ca3) == 2
    assert any(r.meter_calibration is CalibrationState.LAPSED for r in ca3)
    meters = demo_services.meters.list_meters()
    assert {m.state for m in meters} == {CalibrationState.VALID, CalibrationState.LAPSED}
    codes = {f.code for f in exposure_findings(demo_services)}
    assert {
        "exposure.over_limit",
        "exposure.missed_periods",
        "exposure.outside_tolerance",
        "meter.calibration_overdue",
        "unit.survey_due",
        "unit.registration_expiring",
        "unit.survey_recommendations_open",
    } <= codes
    assert len(demo_services.surveys.list_surveys()) == 6


def test_packet_data_as_of_a_past_date(demo_services):
    """What the audit packet reads for a past date shows the state then: no later closure or calibration."""
    ca2 = next(u for u in demo_services.units.list_units() if u.code == "CA-2")
    [action] = demo_services.exposure.history(ca2.id).corrective_actions
    then = action.performed_on  # after the action, before its re-check
    [past] = demo_services.exposure.history(ca2.id, as_of=then).corrective_actions
    assert past.closed_on is None and past.recheck_id is None and past.state is CorrectiveState.IN_PROGRESS
    assert "Waiting" in past.words
    meter = next(m for m in demo_services.meters.list_meters() if m.name == "RaySafe X2 #1")
    assert demo_services.meters.calibrations(meter.id, as_of=date(2025, 12, 1)) == []
    assert len(demo_services.meters.calibrations(meter.id)) == 1
    assert demo_services.meters.list_meters(as_of=date(2025, 12, 1))[0].state is CalibrationState.NONE


def test_corrective_state_of_a_reading_as_of_a_date(demo_services):
    """A reading's corrective action is closed from its re-check on, not before; the packet reads the
    history as of its own date."""
    units = {u.code: u for u in demo_services.units.list_units()}
    [action] = demo_services.exposure.history(units["CA-2"].id).corrective_actions

    def state(code, as_of, predicate):
        [row] = [
            r for r in demo_services.exposure.history(units[code].id, as_of=as_of).checks if predicate(r)
        ]
        return row.corrective

    assert state("CA-2", TODAY, lambda r: r.id == action.check_id) is CorrectiveState.CLOSED
    assert (
        state("CA-2", action.performed_on, lambda r: r.id == action.check_id) is CorrectiveState.IN_PROGRESS
    )
    assert state("CA-1", TODAY, lambda r: r.rate == 93.5) is CorrectiveState.NEEDED


def test_a_rebaselined_unit_reads_the_same_baseline_everywhere(demo_services):
    """CA-2 was re-baselined on 2026-04-24 (35 mGy/min ±20 % after 34 ±25 %): the units list, the log
    and the packet's unit page all say which baseline and tolerance applied when."""
    from fluorodesk.reports.packet_data import PacketRequest, gather

    ca2 = next(u for u in demo_services.units.list_units() if u.code == "CA-2")
    assert ca2.baseline.words == "35 mGy/min at 77 kVp / 2.2 mA, ±20% since 2026-04-24"
    rows = [r for r in demo_services.exposure.history(ca2.id).checks if not r.voided]
    switch = date(2026, 4, 24)
    assert {(r.baseline_rate, r.tolerance_pct) for r in rows if r.checked_on >= switch} == {(35.0, 20.0)}
    assert {(r.baseline_rate, r.tolerance_pct) for r in rows if r.checked_on < switch} == {(34.0, 25.0)}
    [section] = gather(demo_services, PacketRequest(sections=("exposure",))).sections
    assert (
        "Physicist's baseline: 34 mGy/min at 78 kVp / 2.1 mA, ±25% since 2025-11-24; "
        "35 mGy/min at 77 kVp / 2.2 mA, ±20% since 2026-04-24"
    ) in section.text()
