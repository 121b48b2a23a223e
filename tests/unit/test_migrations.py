"""Migrations: they match the models, they keep every row, and they are safe on SQLite."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from fluorodesk.db import migrate
from fluorodesk.db.base import Base
from fluorodesk.db.database import open_database
from fluorodesk.db.engine import make_engine
from fluorodesk.db.migrate import render_item
from fluorodesk.errors import DatabaseCorruptError, SchemaTooNewError, ValidationError
from fluorodesk.paths import DataDir

REVISIONS = migrate.known_revisions()


def test_head_constant_matches_the_scripts():
    assert REVISIONS[-1] == migrate.HEAD_REVISION
    assert len(REVISIONS) >= 2


def test_models_and_migrations_agree(tmp_path):
    """The `alembic check` equivalent: autogenerate finds nothing to do on a migrated database."""
    path = tmp_path / "db.sqlite3"
    migrate.run_alembic(path, "upgrade", "head")
    engine = make_engine(path)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_item": render_item, "target_metadata": Base.metadata}
        )
        from alembic.autogenerate import compare_metadata

        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


# --------------------------------------------------------------------------- keep every row


def _value(column: sa.Column, n: int, table: str) -> object:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.DateTime):
        return datetime(2025, 1, 1 + n, 12, 0)
    if isinstance(kind, sa.Date):
        return date(2025, 2, 1 + n)
    if isinstance(kind, sa.Integer):
        return 100 + n
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.5 + n
    text = f"{table[:8]}-{column.name[:10]}-{n}"
    length = getattr(kind, "length", None)
    return text[-length:] if length else text


def fill_every_table(path: Path, rows_per_table: int = 3) -> dict[str, list[dict]]:
    """Insert rows into every table that exists in the file, parents first, FKs pointing at real rows."""
    engine = make_engine(path)
    meta = sa.MetaData()
    meta.reflect(engine)
    written: dict[str, list[dict]] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            existing = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            rows = []
            for n in range(rows_per_table):
                row: dict[str, object] = {}
                for column in table.columns:
                    fks = list(column.foreign_keys)
                    if fks:
                        parent = fks[0].column.table.name
                        if parent == table.name:
                            row[column.name] = None
                            continue
                        parent_rows = written.get(parent) or []
                        row[column.name] = parent_rows[n % len(parent_rows)]["id"] if parent_rows else None
                    elif column.primary_key and isinstance(column.type, sa.Integer):
                        row[column.name] = 1000 + existing + n
                    else:
                        row[column.name] = _value(column, n, table.name)
                conn.execute(table.insert().values(**row))
                rows.append(row)
            written[table.name] = rows
    engine.dispose()
    return written


#: Tables a later migration drops on purpose (0012: the cache's counters).
DROPPED = {"data_generation"}


def assert_rows_kept(path: Path, written: dict[str, list[dict]]) -> None:
    engine = make_engine(path)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table_name, rows in written.items():
            if table_name in DROPPED:
                continue
            table = meta.tables[table_name]
            stored = [dict(r._mapping) for r in conn.execute(sa.select(table))]
            for row in rows:
                match = [
                    s for s in stored if all(s.get(k) == v for k, v in row.items() if k in table.columns)
                ]
                assert match, f"{table_name} lost {row}"
    engine.dispose()


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_database_filled_at_an_earlier_revision_keeps_every_row(tmp_path, start):
    path = tmp_path / "db.sqlite3"
    migrate.run_alembic(path, "upgrade", start)
    written = fill_every_table(path)
    backup = migrate.upgrade(path, tmp_path / "backups")
    assert migrate.current_revision(path) == migrate.HEAD_REVISION
    assert backup is not None and backup.exists() and migrate.current_revision(backup) == start
    assert_rows_kept(path, written)


# --------------------------------------------------------------------------- 0012: the counters go

# The counters and triggers as the released migrate.py made them after each upgrade to 0009-0011
# (db/generation.py, removed with them): one counter per table, three triggers per table, and a
# counter per unit moved by triggers on the unit tables.
_UNIT_ROWS = {
    "fluoro_units": "{row}.id",
    "exposure_checks": "{row}.unit_id",
    "corrective_actions": "(SELECT unit_id FROM exposure_checks WHERE id = {row}.check_id)",
    "physicist_surveys": "{row}.unit_id",
    "unit_baselines": "{row}.unit_id",
    "exposure_period_notes": "{row}.unit_id",
}
_NOT_COUNTED = {"alembic_version", "data_generation", "audit_events"}


def add_released_counters(path: Path) -> None:
    con = sqlite3.connect(path)
    tables = [
        name
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if name not in _NOT_COUNTED
    ]
    for table in tables:
        con.execute(f"INSERT OR IGNORE INTO data_generation (name, n) VALUES ('{table}', 0)")
        for event in ("INSERT", "UPDATE", "DELETE"):
            what = (
                "UPDATE OF username, full_name, role, active, must_change_password"
                if (table, event) == ("users", "UPDATE")
                else event
            )
            con.execute(
                f'CREATE TRIGGER "data_generation_{table}_{event.lower()}" AFTER {what} ON "{table}" '
                f"BEGIN UPDATE data_generation SET n = n + 1 WHERE name = '{table}'; END"
            )
    con.execute("INSERT OR IGNORE INTO data_generation (name, n) SELECT 'unit:' || id, 0 FROM fluoro_units")
    for table, unit_of in _UNIT_ROWS.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            steps = []
            for row in rows:
                name = f"'unit:' || {unit_of.format(row=row)}"
                steps.append(f"INSERT OR IGNORE INTO data_generation (name, n) VALUES ({name}, 0);")
                steps.append(f"UPDATE data_generation SET n = n + 1 WHERE name = {name};")
            con.execute(
                f'CREATE TRIGGER "data_generation_unit_{table}_{event.lower()}" AFTER {event} ON "{table}" '
                f"BEGIN {' '.join(steps)} END"
            )
    con.commit()
    con.close()


def schema_names(path: Path, kind: str) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))}
    finally:
        con.close()


def test_upgrading_a_database_with_the_counters_drops_them_and_keeps_every_row(tmp_path):
    path = tmp_path / "db.sqlite3"
    migrate.run_alembic(path, "upgrade", "0011_unit_generation")
    add_released_counters(path)
    written = fill_every_table(path)  # the triggers count these rows, as they did in the field
    con = sqlite3.connect(path)
    counted = dict(con.execute("SELECT name, n FROM data_generation"))
    con.close()
    assert counted["technicians"] == 3 and counted["unit:1001"] >= 1  # the triggers were live
    triggers = schema_names(path, "trigger")
    assert len(triggers) > 100 and all(name.startswith("data_generation_") for name in triggers)
    assert {"technicians", "exposure_checks", "procedure_records"} <= written.keys()

    migrate.upgrade(path, tmp_path / "backups")

    assert migrate.current_revision(path) == migrate.HEAD_REVISION
    assert "data_generation" not in schema_names(path, "table")
    assert schema_names(path, "trigger") == set()
    assert_rows_kept(path, written)


def test_a_fresh_database_runs_0009_and_0011_and_ends_without_the_counters(tmp_path):
    path = tmp_path / "db.sqlite3"
    migrate.run_alembic(path, "upgrade", "head")
    assert "data_generation" not in schema_names(path, "table")
    assert schema_names(path, "trigger") == set()
    migrate.run_alembic(path, "downgrade", "0011_unit_generation")  # 0012 can be undone
    assert "data_generation" in schema_names(path, "table")


# --------------------------------------------------------------------------- 0013: the password throttle


def test_0013_adds_the_password_throttle_to_a_copy_at_0012_and_keeps_every_row(tmp_path, monkeypatch):
    from fluorodesk.db.sqlite_tools import copy_database
    from fluorodesk.services import auth
    from fluorodesk.services.registry import Services

    at_0012 = tmp_path / "at-0012.sqlite3"
    migrate.run_alembic(at_0012, "upgrade", "0012_drop_data_generation")
    written = fill_every_table(at_0012)
    folder = DataDir(tmp_path / "clinic")
    copy_database(at_0012, folder.database)
    assert "password_throttle" not in schema_names(folder.database, "table")

    migrate.upgrade(folder.database, tmp_path / "backups")

    assert migrate.current_revision(folder.database) == "0013_password_throttle"
    assert migrate.current_revision(at_0012) == "0012_drop_data_generation"  # the original is untouched
    assert_rows_kept(folder.database, written)
    con = sqlite3.connect(folder.database)
    try:
        columns = [row[1] for row in con.execute("PRAGMA table_info(password_throttle)")]
        assert con.execute("SELECT count(*) FROM password_throttle").fetchone() == (0,)
        (name,) = con.execute("SELECT username FROM users ORDER BY id").fetchone()
        con.execute("UPDATE users SET role = 'front_desk'")  # the filler's text is no role
        con.commit()
        for row in written["users"]:
            row["role"] = "front_desk"
    finally:
        con.close()
    assert columns == ["name", "failures", "locked_until"]
    # The accounts that were there are throttled from the first wrong password on.
    monkeypatch.setattr(auth, "CLOCK", lambda: datetime(2026, 12, 2, 9, 0))
    db = open_database(folder)
    try:
        for _ in range(4):
            with pytest.raises(ValidationError):
                Services(db, "FluoroDesk").auth.login(name, "a wrong guess")
        with pytest.raises(auth.PasswordThrottled):
            Services(db, "FluoroDesk").auth.login(name, "a wrong guess")
    finally:
        db.close()
    migrate.run_alembic(folder.database, "downgrade", "0012_drop_data_generation")  # 0013 can be undone
    assert "password_throttle" not in schema_names(folder.database, "table")
    assert_rows_kept(folder.database, written)


# --------------------------------------------------------------------------- the SQLite cascade trap


def _parent_child(path: Path) -> None:
    migrate.run_alembic(path, "upgrade", "head")
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute(
        "INSERT INTO technicians (id, first_name, last_name, email, phone, employment_type, notes,"
        " retired_reason, created_at, created_by, updated_at, updated_by) VALUES (1, 'A', 'B', '', '', 'per_diem', '', '',"
        " '2026-01-01', '', '2026-01-01', '')"
    )
    for n in range(3):
        con.execute(
            "INSERT INTO credentials (technician_id, type, number, issuer, result, verified_by,"
            " verification_method, notes, created_at, created_by, updated_at, updated_by) VALUES (1, 'bls', ?, '', '', '', '', '',"
            " '2026-01-01', '', '2026-01-01', '')",
            (str(n),),
        )
    con.commit()
    con.close()


def _recreate_parent(connection: sa.Connection) -> None:
    ops = Operations(MigrationContext.configure(connection))
    with ops.batch_alter_table("technicians", recreate="always") as batch:
        batch.alter_column("notes", existing_type=sa.Text(), nullable=True)


def _count_children(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM credentials").fetchone()[0]
    finally:
        con.close()


def test_batch_migration_with_foreign_keys_on_really_deletes_children(tmp_path):
    """The trap exists on this SQLite: this is why migrations switch foreign keys off."""
    path = tmp_path / "trap.sqlite3"
    _parent_child(path)
    engine = make_engine(path)  # our engine switches foreign keys ON
    with engine.connect() as connection:
        _recreate_parent(connection)
        connection.commit()
    engine.dispose()
    assert _count_children(path) == 0


def test_migration_connection_keeps_children_through_a_table_rebuild(tmp_path):
    path = tmp_path / "safe.sqlite3"
    _parent_child(path)
    with migrate.migration_connection(path) as connection:
        _recreate_parent(connection)
        connection.commit()
    assert _count_children(path) == 3


# --------------------------------------------------------------------------- refusing what we cannot handle


def test_database_from_a_newer_version_is_refused_untouched(tmp_path, migrated_template):
    folder = DataDir(tmp_path)
    folder.database.write_bytes(migrated_template.read_bytes())
    con = sqlite3.connect(folder.database)
    con.execute("UPDATE alembic_version SET version_num='9999_from_the_future'")
    con.commit()
    con.close()
    before = folder.database.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer FluoroDesk"):
        open_database(folder)
    assert folder.database.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path):
    folder = DataDir(tmp_path)
    folder.database.write_bytes(b"this is a spreadsheet, not a database" * 100)
    with pytest.raises(DatabaseCorruptError, match="not a FluoroDesk database"):
        open_database(folder)
    assert folder.database.read_bytes().startswith(b"this is a spreadsheet")
