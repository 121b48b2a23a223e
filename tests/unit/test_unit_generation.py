"""One counter per fluoroscopy unit (``db/generation.py``): a change to a unit's records moves that
unit's counter only, and the units' records are read again for that unit only."""

from __future__ import annotations

import sqlite3

import pytest

from fluorodesk.db import generation, migrate
from fluorodesk.db.database import DATA_GENERATION
from fluorodesk.services import exposure
from fluorodesk.services.exposure import CheckDraft
from fluorodesk.services.units import UnitDraft


def unit_counters(db) -> dict[str, int]:
    with db.read() as session:
        return {k: v for k, v in session.info[DATA_GENERATION].items() if k.startswith("unit:")}


def raw(db, sql: str) -> None:
    con = sqlite3.connect(db.path)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute(sql)
    con.commit()
    con.close()


def two_units(db) -> tuple[int, int]:
    con = sqlite3.connect(db.path)
    first, second = (i for (i,) in con.execute("SELECT id FROM fluoro_units ORDER BY id LIMIT 2"))
    con.close()
    return first, second


@pytest.fixture
def read_again(monkeypatch):
    """The unit ids whose records were read from the database (``None``: every unit at once)."""
    read: list[int | None] = []
    real = exposure._unit_records

    def counting(session, unit_id):
        read.append(unit_id)
        return real(session, unit_id)

    monkeypatch.setattr(exposure, "_unit_records", counting)
    return read


#: Every unit table changed, and deleted where a row can be (a unit or a check with records of its own
#: cannot: foreign keys).
CHANGES = [(table, "UPDATE") for table in sorted(generation.UNIT_ROWS)] + [
    (table, "DELETE")
    for table in sorted(generation.UNIT_ROWS)
    if table not in ("fluoro_units", "exposure_checks")
]


@pytest.mark.parametrize(("table", "event"), CHANGES)
def test_a_change_to_a_units_records_moves_that_units_counter_only(demo_services, table, event):
    """By another program too (plain SQL): the triggers, not the app, move the counters."""
    db = demo_services.db
    con = sqlite3.connect(db.path)
    unit_of = generation.UNIT_ROWS[table].format(row=table)
    rowid, unit = con.execute(f"SELECT rowid, {unit_of} FROM {table} LIMIT 1").fetchone()
    others = [i for (i,) in con.execute("SELECT id FROM fluoro_units WHERE id != ?", (unit,))]
    con.close()
    before = unit_counters(db)
    if event == "UPDATE":
        raw(db, f"UPDATE {table} SET id = id WHERE rowid = {rowid}")  # a change of nothing still counts
    else:
        raw(db, f"DELETE FROM {table} WHERE rowid = {rowid}")
    after = unit_counters(db)
    assert after[f"unit:{unit}"] > before[f"unit:{unit}"]
    assert others and all(after[f"unit:{o}"] == before[f"unit:{o}"] for o in others)


def test_a_check_moved_to_another_unit_moves_both_counters(demo_services):
    db = demo_services.db
    unit, other = two_units(db)
    before = unit_counters(db)
    raw(
        db,
        f"UPDATE exposure_checks SET unit_id = {other} WHERE id = "
        f"(SELECT max(id) FROM exposure_checks WHERE unit_id = {unit})",
    )
    after = unit_counters(db)
    assert after[f"unit:{unit}"] > before[f"unit:{unit}"] and after[f"unit:{other}"] > before[f"unit:{other}"]


def test_saving_a_check_reads_only_its_unit_again(demo_services, read_again):
    services = demo_services
    units = exposure.load_units  # (through the services: what the tabs and findings call)
    rows = services.units.list_units(include_retired=True)
    assert len(rows) >= 2 and read_again  # every unit read once, each on its own
    assert None not in read_again and sorted(read_again) == sorted(r.id for r in rows)
    with services.db.read() as session:
        kept = {u.id: u for u in units(session)}
    unit = rows[0]
    read_again.clear()
    meter_id = services.exposure.check_defaults(unit.id).meter_id
    services.exposure.record_check(
        CheckDraft(unit.id, "2026-11-25", "Grace Chen", meter_id, "normal", "9", "mGy/min")
    )
    after = services.units.list_units(include_retired=True)
    assert read_again == [unit.id]
    with services.db.read() as session:
        now = {u.id: u for u in units(session)}
    assert all(now[i] is kept[i] for i in kept if i != unit.id)  # the others' records, reused
    assert now[unit.id] is not kept[unit.id] and len(now[unit.id].checks) == len(kept[unit.id].checks) + 1
    services.db.shared_memo.clear()
    assert services.units.list_units(include_retired=True) == after  # what a fresh read gives


def test_a_new_unit_has_its_own_counter_and_is_listed(demo_services, read_again):
    services = demo_services
    services.units.list_units()
    created = services.units.create(UnitDraft(code="CA-9", name="New C-arm"))
    assert f"unit:{created.id}" in unit_counters(services.db)
    read_again.clear()
    assert "CA-9" in [r.code for r in services.units.list_units()]
    assert read_again == [created.id]


def test_without_unit_counters_every_unit_is_read_at_once(demo_services, read_again):
    """A file whose counters are not known (an older file being upgraded) still gives every unit."""
    services = demo_services
    raw(services.db, "DELETE FROM data_generation WHERE name LIKE 'unit:%'")
    services.db.shared_memo.clear()
    rows = services.units.list_units(include_retired=True)
    assert read_again == [None] and len(rows) >= 2


def test_the_upgrade_seeds_the_counters_and_a_downgrade_removes_them(demo_dir):
    path = demo_dir.database
    units = sqlite3.connect(path).execute("SELECT count(*) FROM fluoro_units").fetchone()[0]
    migrate.run_alembic(path, "downgrade", "0010_physician_index")
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM data_generation WHERE name LIKE 'unit:%'").fetchone() == (0,)
    assert not con.execute(
        "SELECT name FROM sqlite_master WHERE name LIKE 'data_generation_unit_%'"
    ).fetchall()
    con.close()
    migrate.run_alembic(path, "upgrade", "head")
    con = sqlite3.connect(path)
    names = [n for (n,) in con.execute("SELECT name FROM data_generation WHERE name LIKE 'unit:%'")]
    triggers = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    con.close()
    assert units >= 2 and len(names) == units
    assert generation.unit_trigger_name("exposure_checks", "UPDATE") in triggers
