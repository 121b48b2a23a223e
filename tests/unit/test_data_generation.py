"""The counter every change to the records moves on (``db/generation.py``)."""

from __future__ import annotations

import sqlite3

import pytest

from fluorodesk.db import generation, migrate
from fluorodesk.db.database import DATA_GENERATION, Database
from fluorodesk.errors import ValidationError
from fluorodesk.services.auth import UserDraft

PW = "correct horse battery"


def counters(db: Database) -> dict[str, int]:
    with db.read() as session:
        return session.info[DATA_GENERATION]


def moved(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {table for table in after if after[table] != before.get(table)}


def raw(db: Database, sql: str, *params: object) -> None:
    con = sqlite3.connect(db.path)
    con.execute(sql, params)
    con.commit()
    con.close()


def audit_events(db: Database) -> int:
    with db.read() as session:
        return int(session.connection().exec_driver_sql("SELECT count(*) FROM audit_events").scalar_one())


def triggers(db: Database) -> set[str]:
    con = sqlite3.connect(db.path)
    names = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    con.close()
    return names


def test_every_counted_table_has_its_three_triggers_and_no_other_table_has_any(db):
    con = sqlite3.connect(db.path)
    tables = generation.counted_tables(con)
    con.close()
    assert "technicians" in tables and "users" in tables and "audit_events" not in tables
    expected = {generation.trigger_name(t, e) for t in tables for e in generation.EVENTS}
    expected |= {generation.unit_trigger_name(t, e) for t in generation.UNIT_ROWS for e in generation.EVENTS}
    assert set(generation.UNIT_ROWS) <= set(tables)
    assert triggers(db) == expected


def test_a_change_moves_the_counters_of_the_tables_it_wrote_and_no_other(services):
    before = counters(services.db)
    with services.db.engine.connect() as con:
        assert {name for name in before if not name.startswith("unit:")} == set(
            generation.counted_tables(con)
        )
    services.settings.update({"garments.warning_days": 45})
    assert moved(before, counters(services.db)) == {"settings"}  # its audit event does not count


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        (
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('x', '1', '2026-11-26', 'p')",
            "settings",
        ),
        ("UPDATE procedure_types SET name = name || ' (renamed)'", "procedure_types"),
        (
            "DELETE FROM clause_definitions WHERE id = (SELECT min(id) FROM clause_definitions)",
            "clause_definitions",
        ),
    ],
)
def test_insert_update_and_delete_by_another_program_move_the_counter(db, sql, table):
    before = counters(db)
    raw(db, sql)
    assert moved(before, counters(db)) == {table}


def test_a_sign_in_and_the_audit_trail_do_not_move_it(services):
    services.auth.create_first_director(UserDraft("HPark", "Dr. Helen Park", password=PW, confirm=PW))
    before, events = counters(services.db), audit_events(services.db)
    services.auth.login("HPark", PW)  # last sign-in time and an audit event
    with pytest.raises(ValidationError):
        services.auth.login("HPark", "wrong password")  # a failed sign-in is audited too
    assert audit_events(services.db) == events + 2
    assert counters(services.db) == before
    raw(services.db, "UPDATE users SET full_name = 'Dr. H. Park'")  # but a change to the account does
    assert moved(before, counters(services.db)) == {"users"}


def test_an_upgrade_puts_back_triggers_a_rebuilt_table_lost(db):
    expected = triggers(db)
    raw(db, 'DROP TRIGGER "data_generation_technicians_update"')
    db.close()
    migrate.run_alembic(db.path, "upgrade", "head")  # what runs after every migration
    assert triggers(db) == expected


def test_downgrading_removes_the_counter_and_its_triggers_and_writes_still_work(db):
    db.close()
    migrate.run_alembic(db.path, "downgrade", "0008_dose")
    assert triggers(db) == set()
    raw(db, "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('x', '1', '2026-11-26', 'p')")
