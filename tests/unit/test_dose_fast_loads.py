"""Fast loads of the Dose Log and Dosimetry tabs give what the plain queries give."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, fields
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import ProcedureRecord
from fluorodesk.domain.dosimetry import quarter_of
from fluorodesk.domain.enums import KapUnit
from fluorodesk.services import dosimetry as dosimetry_service
from fluorodesk.services.records import frozen_row

from ..conftest import TODAY

_R = ProcedureRecord


def last_kap_units_by_one_query(session) -> dict[int, KapUnit]:
    newest = (
        select(func.max(_R.id))
        .where(_R.kap_unit.is_not(None), _R.voided_at.is_(None))
        .group_by(_R.unit_id)
        .scalar_subquery()
    )
    rows = session.execute(select(_R.unit_id, _R.kap_unit).where(_R.id.in_(newest)))
    return {unit_id: KapUnit(kap_unit) for unit_id, kap_unit in rows}


def test_the_last_kap_unit_per_unit_is_the_newest_live_cases(demo_services):
    services = demo_services
    with services.db.write() as session:
        before = last_kap_units_by_one_query(session)
        # The newest case of a unit is voided, with a KAP unit no live case of that unit has.
        newest = session.scalars(select(_R).where(_R.kap_unit.is_not(None)).order_by(_R.id.desc())).first()
        other = next(u for u in KapUnit if u is not before[newest.unit_id])
        newest.kap_unit, newest.voided_at, newest.void_reason = other, newest.created_at, "test"
        # Another unit's newest case has no KAP at all.
        later = session.scalars(
            select(_R).where(_R.unit_id != newest.unit_id, _R.kap_unit.is_(None)).order_by(_R.id.desc())
        ).first()
        assert later is not None
    with services.db.read() as session:
        expected = last_kap_units_by_one_query(session)
    assert expected == before
    units = services.procedures.entry_options().units
    assert units and {u.id: u.last_kap_unit for u in units} == {u.id: expected.get(u.id) for u in units}


def test_the_dosimetry_summary_matches_the_separate_lists(demo_services):
    dosimetry = demo_services.dosimetry
    first = dosimetry.readings()[0]
    dosimetry.void_reading(first.id, "Entered twice")
    for quarter in (quarter_of(TODAY), quarter_of(TODAY - timedelta(days=92))):
        summary = dosimetry.summary(quarter)
        assert summary.totals == dosimetry.totals(quarter)
        assert summary.findings == dosimetry.findings()
    assert dosimetry.summary().totals == dosimetry.totals(quarter_of(TODAY))
    voided = dosimetry.readings(include_voided=True)
    assert any(r.id == first.id and r.voided_at is not None for r in voided)
    assert all(r.id != first.id for r in dosimetry.readings())


def rebuilt(row):
    return type(row)(**{f.name: getattr(row, f.name) for f in fields(row)})


def test_rows_built_fast_are_the_rows_the_constructor_builds(demo_services):
    cases = demo_services.procedures.list_cases(include_voided=True)
    readings = demo_services.dosimetry.readings(include_voided=True)
    assert cases and readings
    for row in [*cases, *readings]:
        assert set(vars(row)) == {f.name for f in fields(row)}  # every field, nothing else
        copy = rebuilt(row)
        assert copy == row and hash(copy) == hash(row) and repr(copy) == repr(row)
    with pytest.raises(FrozenInstanceError):
        cases[0].case_ref = "changed"


@dataclass(frozen=True)
class Pair:
    left: int
    right: str = "r"


def test_frozen_row_is_the_constructed_object():
    fast = frozen_row(Pair, left=1, right="x")
    assert fast == Pair(1, "x") and hash(fast) == hash(Pair(1, "x")) and repr(fast) == repr(Pair(1, "x"))
    with pytest.raises(FrozenInstanceError):
        fast.left = 2


@pytest.mark.parametrize("deep_level", [None, 0.05, 0.3])
def test_level_findings_are_the_same_without_the_clear_cut_shortcut(demo_services, monkeypatch, deep_level):
    if deep_level is not None:  # low levels: many quarters and years above them
        demo_services.settings.update(
            {
                "dosimetry.alara1_quarter_deep_msv": deep_level,
                "dosimetry.alara2_quarter_deep_msv": deep_level * 2,
                "dosimetry.annual_deep_msv": deep_level * 4,
            }
        )
    fast = demo_services.dosimetry.findings()
    monkeypatch.setattr(dosimetry_service, "clearly_below", lambda readings, levels: False)
    assert demo_services.dosimetry.findings() == fast
    if deep_level == 0.05:
        assert sum(f.code == "dosimetry.investigation_needed" for f in fast) > 3
