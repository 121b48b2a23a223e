"""A unit's QC judgement is reused while that unit's own records are unchanged (``evaluate_unit``)."""

from __future__ import annotations

import pytest

from fluorodesk.services import exposure
from fluorodesk.services.exposure import CheckDraft
from fluorodesk.services.meters import CalibrationDraft


@pytest.fixture
def evaluated(monkeypatch):
    """The unit ids each new UnitEvaluation was made for."""
    made: list[int] = []

    class Counting(exposure.UnitEvaluation):
        def __init__(self, unit, settings, as_of):
            made.append(unit.id)
            super().__init__(unit, settings, as_of)

    monkeypatch.setattr(exposure, "UnitEvaluation", Counting)
    return made


def fresh_rows(services):
    services.db.shared_memo.clear()
    return services.units.list_units(include_retired=True)


def record(services, unit_id: int, meter_id: int | None) -> None:
    services.exposure.record_check(
        CheckDraft(unit_id, "2026-11-25", "Grace Chen", meter_id, "normal", "99", "mGy/min")
    )


def test_saving_a_check_judges_again_only_its_unit(demo_services, evaluated):
    services = demo_services
    rows = services.units.list_units(include_retired=True)
    assert len(rows) >= 2 and len(evaluated) == len(rows)
    services.units.list_units(include_retired=True)
    assert len(evaluated) == len(rows)  # nothing changed: nothing judged again
    unit = rows[0]
    meter_id = services.exposure.check_defaults(unit.id).meter_id
    record(services, unit.id, meter_id)
    evaluated.clear()  # (the save judged its new row in its own transaction)
    after = services.units.list_units(include_retired=True)
    assert evaluated == [unit.id]
    assert after == fresh_rows(services)  # and what was reused is what a fresh look gives
    assert next(r for r in after if r.id == unit.id).last_check_on.isoformat() == "2026-11-25"


def test_a_meter_calibration_or_a_setting_is_seen_by_every_unit(demo_services, evaluated):
    services = demo_services
    rows = services.units.list_units(include_retired=True)
    meter_id = services.exposure.check_defaults(rows[0].id).meter_id
    assert meter_id is not None
    evaluated.clear()
    services.meters.add_calibration(CalibrationDraft(meter_id, "2026-11-20", laboratory="Lab"))
    assert services.units.list_units(include_retired=True) == fresh_rows(services)
    assert evaluated  # the meter's calibrations are part of every unit's content
    director_today = services.units.list_units(include_retired=True)
    evaluated.clear()
    services.settings.update({"exposure.check_interval_days": 14})
    changed = services.units.list_units(include_retired=True)
    assert sorted(evaluated) == sorted(r.id for r in rows)
    assert changed == fresh_rows(services) and changed != director_today


def test_a_check_with_a_new_meter_judges_again_only_its_unit(demo_services, evaluated):
    from fluorodesk.services.meters import MeterDraft

    services = demo_services
    rows = services.units.list_units(include_retired=True)
    evaluated.clear()
    meter = services.meters.create_meter(MeterDraft("Spare meter"))
    services.meters.add_calibration(CalibrationDraft(meter.id, "2026-11-01", laboratory="Lab"))
    services.units.list_units(include_retired=True)
    assert evaluated == []  # no check uses the new meter yet: nothing judged again
    record(services, rows[0].id, meter.id)
    evaluated.clear()
    after = services.units.list_units(include_retired=True)
    assert evaluated == [rows[0].id]
    assert after == fresh_rows(services)
