"""Counters in the database that every change to the clinic's records moves on, one per table.

``data_generation`` holds one row per table; triggers on that table add one to it on each insert,
update and delete, whoever writes (this window, the command line, another program).  A read session
reads them inside its own snapshot, so the numbers name exactly the data that snapshot shows: a result
worked out from some tables can be reused by any later read session that reads the same numbers for
those tables (``db.shared_memo``, ``services.base.read_memo(reads=...)``) -- saving an exposure check
leaves the technicians' and the garments' work valid.

Not counted, because nothing worked out from the records reads them: the audit trail (appended on
every action, and on every sign-in) and the users' sign-in bookkeeping (``last_login_at``, the
password hash). A sign-in therefore leaves the work done before it valid.

Finer counters, one per fluoroscopy unit (``unit:<id>``): a change to a unit or to one of its checks,
corrective actions, surveys, baselines or period notes moves that unit's counter too, so a saved
check re-reads one unit's ten years of records, not every unit's (``services.exposure.load_units``).

Alembic's batch mode recreates a table to alter it, which drops its triggers; ``ensure_triggers``
runs after every upgrade and puts back any that are missing.
"""

from __future__ import annotations

from typing import Any

TABLE = "data_generation"

#: Tables whose changes do not move the counter.
NOT_COUNTED = frozenset({"alembic_version", TABLE, "audit_events"})

#: For these tables, only updates of these columns count.
COUNTED_UPDATES = {"users": ("username", "full_name", "role", "active", "must_change_password")}

EVENTS = ("INSERT", "UPDATE", "DELETE")

#: Tables whose rows belong to one fluoroscopy unit: the SQL naming that unit's id in a row (``{row}``:
#: NEW or OLD).  A corrective action belongs to the unit of the check it is about.
UNIT_ROWS = {
    "fluoro_units": "{row}.id",
    "exposure_checks": "{row}.unit_id",
    "corrective_actions": "(SELECT unit_id FROM exposure_checks WHERE id = {row}.check_id)",
    "physicist_surveys": "{row}.unit_id",
    "unit_baselines": "{row}.unit_id",
    "exposure_period_notes": "{row}.unit_id",
}


def unit_counter(unit_id: int) -> str:
    """The name of a unit's own counter."""
    return f"unit:{unit_id}"


READ_SQL = f"SELECT name, n FROM {TABLE}"


def trigger_name(table: str, event: str) -> str:
    return f"{TABLE}_{table}_{event.lower()}"


def trigger_sql(table: str, event: str) -> str:
    columns = COUNTED_UPDATES.get(table) if event == "UPDATE" else None
    what = f"UPDATE OF {', '.join(columns)}" if columns else event
    return (
        f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(table, event)}" AFTER {what} ON "{table}" '
        f"BEGIN UPDATE {TABLE} SET n = n + 1 WHERE name = '{table}'; END"
    )


def unit_trigger_sql(table: str, event: str) -> str:
    """A trigger moving the counter of the unit a changed row belongs to (both units if an update
    moves the row); the counter row is made on first use (a unit added later)."""
    rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
    steps = []
    for row in rows:
        name = f"'unit:' || {UNIT_ROWS[table].format(row=row)}"
        steps.append(f"INSERT OR IGNORE INTO {TABLE} (name, n) VALUES ({name}, 0);")
        steps.append(f"UPDATE {TABLE} SET n = n + 1 WHERE name = {name};")
    return (
        f'CREATE TRIGGER IF NOT EXISTS "{unit_trigger_name(table, event)}" AFTER {event} ON "{table}" '
        f"BEGIN {' '.join(steps)} END"
    )


def unit_trigger_name(table: str, event: str) -> str:
    return f"{TABLE}_unit_{table}_{event.lower()}"


def table_names(connection: Any) -> list[str]:
    """Every table in the file (``connection``: a DB-API or SQLAlchemy connection)."""
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(name for (name,) in _execute(connection, sql))


def counted_tables(connection: Any) -> list[str]:
    return [name for name in table_names(connection) if name not in NOT_COUNTED]


def ensure_triggers(connection: Any) -> None:
    """Create the counters and triggers that are missing (after a migration); the table must exist."""
    tables = counted_tables(connection)
    for table in tables:
        _execute(connection, f"INSERT OR IGNORE INTO {TABLE} (name, n) VALUES ('{table}', 0)")
        for event in EVENTS:
            _execute(connection, trigger_sql(table, event))
    if "fluoro_units" in tables:
        seed = f"INSERT OR IGNORE INTO {TABLE} (name, n) SELECT 'unit:' || id, 0 FROM fluoro_units"
        _execute(connection, seed)
        for table in sorted(UNIT_ROWS.keys() & set(tables)):
            for event in EVENTS:
                _execute(connection, unit_trigger_sql(table, event))


def _execute(connection: Any, sql: str) -> list[Any]:
    if hasattr(connection, "exec_driver_sql"):
        result = connection.exec_driver_sql(sql)
        return list(result) if result.returns_rows else []
    return list(connection.execute(sql))
