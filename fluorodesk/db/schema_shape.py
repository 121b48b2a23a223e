"""A database's schema as comparable data, and the differences between two schemas in words.

Used to judge a backup's database before anything is copied out of it: its schema must be exactly
what the migrations make for its revision (tables, columns with their types and constraints,
indexes, foreign keys, triggers, views).  Reading the shape only reads ``sqlite_master`` and PRAGMAs
on tables: it never runs a view or a trigger, so a view built never to finish is reported, not run.

Tables are compared through PRAGMAs rather than by their ``CREATE TABLE`` text, which differs with
the SQLAlchemy version that rendered a migration (quoting, spacing) for the very same table.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

#: Triggers the released builds of schemas 0009-0011 added after every upgrade (data-generation
#: counters, see migration 0012).  A backup of those schemas carries them; they are never copied.
LEGACY_TRIGGER_PREFIX = "data_generation"
_LEGACY_TABLE = "data_generation"


@dataclass(frozen=True)
class TableShape:
    columns: tuple[tuple[object, ...], ...]  # (name, type, not null, default, primary key rank, hidden)
    foreign_keys: frozenset[tuple[object, ...]]
    indexes: frozenset[tuple[object, ...]]  # (name, unique, origin, partial, key columns)
    checks: tuple[str, ...]
    kind: str  # "table", "virtual table", "table without rowid", "strict table"...

    def column_names(self) -> list[str]:
        return [str(c[0]) for c in self.columns if not c[5]]


@dataclass(frozen=True)
class SchemaShape:
    objects: dict[str, str] = field(default_factory=dict)  # name -> "table", "index", "view", "trigger"
    tables: dict[str, TableShape] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)  # views and triggers: name -> normalised SQL
    trigger_tables: dict[str, str] = field(default_factory=dict)  # trigger name -> its table


def _normalised(sql: str | None) -> str:
    """SQL text with case, quotes and spacing that do not change its meaning taken out."""
    text = re.sub(r"[\"`\[\]]", "", sql or "")
    return " ".join(re.sub(r"\s*([(),;=])\s*", r" \1 ", text).split()).upper()


def _checks(sql: str) -> tuple[str, ...]:
    """The CHECK constraints' expressions in a CREATE TABLE statement, normalised."""
    found = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, start = 0, match.end() - 1
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                found.append(_normalised(sql[start : end + 1]))
                break
    return tuple(sorted(found))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_kind(con: sqlite3.Connection, name: str, sql: str) -> str:
    if re.match(r"\s*CREATE\s+VIRTUAL\s", sql, re.IGNORECASE):
        return "virtual table"
    try:
        row = con.execute("SELECT type, wr, strict FROM pragma_table_list(?) WHERE schema = 'main'", (name,))
        kind, without_rowid, strict = row.fetchone() or ("table", 0, 0)
    except sqlite3.OperationalError:  # an SQLite older than 3.37: no table_list
        kind, without_rowid, strict = "table", 0, 0
    return " ".join(
        p for p in ("strict" if strict else "", kind, "without rowid" if without_rowid else "") if p
    )


def _table_shape(con: sqlite3.Connection, name: str, sql: str) -> TableShape:
    kind = _table_kind(con, name, sql)
    if kind == "virtual table":  # its PRAGMAs would call the module's code: the kind alone tells
        return TableShape((), frozenset(), frozenset(), (), kind)
    q = _quoted(name)
    columns = tuple(
        (col, (ctype or "").upper(), bool(notnull), default, pk, hidden)
        for _cid, col, ctype, notnull, default, pk, hidden in con.execute(f"PRAGMA table_xinfo({q})")
    )
    foreign_keys = frozenset(
        (parent, src, dst, on_update, on_delete, match)
        for _id, _seq, parent, src, dst, on_update, on_delete, match in con.execute(
            f"PRAGMA foreign_key_list({q})"
        )
    )
    indexes = []
    for _seq, index, unique, origin, partial in con.execute(f"PRAGMA index_list({q})"):
        keys = tuple(
            (col, desc, coll)
            for _n, _cid, col, desc, coll, key in con.execute(f"PRAGMA index_xinfo({_quoted(index)})")
            if key
        )
        indexes.append((index, bool(unique), origin, bool(partial), keys))
    return TableShape(columns, foreign_keys, frozenset(indexes), _checks(sql), kind)


def read_shape(con: sqlite3.Connection) -> SchemaShape:
    """The schema of the ``main`` database of ``con``.  SQLite's own tables (``sqlite_*``) are left out."""
    shape = SchemaShape()
    entries = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    for kind, name, table, sql in entries:
        shape.objects[name] = kind
        if kind == "table":
            shape.tables[name] = _table_shape(con, name, sql or "")
        elif kind in ("view", "trigger"):
            shape.code[name] = _normalised(sql)
            if kind == "trigger":
                shape.trigger_tables[name] = table
    return shape


def _column_text(column: tuple[object, ...]) -> str:
    _name, ctype, notnull, default, pk, hidden = column
    parts = [str(ctype) or "untyped", "NOT NULL" if notnull else "NULL"]
    if default is not None:
        parts.append(f"DEFAULT {default}")
    if pk:
        parts.append("PRIMARY KEY")
    if hidden:
        parts.append("GENERATED" if hidden in (2, 3) else "HIDDEN")
    return " ".join(parts)


def _table_differences(name: str, expected: TableShape, actual: TableShape) -> list[str]:
    if expected.kind != actual.kind:
        return [f"“{name}” is a {actual.kind} instead of a {expected.kind}"]
    found = []
    want = {str(c[0]): c for c in expected.columns}
    have = {str(c[0]): c for c in actual.columns}
    found += [f"the table “{name}” lacks the column “{c}”" for c in want if c not in have]
    found += [f"the table “{name}” has an extra column “{c}”" for c in have if c not in want]
    for column, shape in want.items():
        if column in have and have[column] != shape:
            found.append(
                f"the column “{name}.{column}” is {_column_text(have[column])} "
                f"instead of {_column_text(shape)}"
            )
    if not found and [c[0] for c in expected.columns] != [c[0] for c in actual.columns]:
        found.append(f"the columns of the table “{name}” are in another order")
    if expected.foreign_keys != actual.foreign_keys:
        found.append(f"the table “{name}” has other links to other tables (foreign keys)")
    if expected.indexes != actual.indexes:
        found.append(f"the table “{name}” has other indexes or unique constraints")
    if expected.checks != actual.checks:
        found.append(f"the table “{name}” has other CHECK constraints")
    return found


def shape_differences(expected: SchemaShape, actual: SchemaShape) -> list[str]:
    """What in ``actual`` differs from ``expected``, one phrase each (empty: the same schema).

    The legacy data-generation triggers are accepted where ``expected`` has their counter table.
    """
    legacy = _LEGACY_TABLE in expected.tables
    found = []
    for name, kind in expected.objects.items():
        if name not in actual.objects:
            found.append(f"the {kind} “{name}” is missing")
        elif actual.objects[name] != kind:
            found.append(f"“{name}” is a {actual.objects[name]} instead of a {kind}")
    for name, kind in actual.objects.items():
        if name in expected.objects:
            continue
        if legacy and kind == "trigger" and name.startswith(LEGACY_TRIGGER_PREFIX):
            continue
        on = f" on the table “{actual.trigger_tables[name]}”" if kind == "trigger" else ""
        found.append(f"it has an extra {kind} “{name}”{on}")
    for name, table in expected.tables.items():
        if actual.objects.get(name) == "table" and name in actual.tables:
            found += _table_differences(name, table, actual.tables[name])
    for name, sql in expected.code.items():
        if actual.objects.get(name) == expected.objects[name] and actual.code.get(name) != sql:
            found.append(f"the {expected.objects[name]} “{name}” does something else")
    return found


def dependency_order(shape: SchemaShape) -> list[str]:
    """The tables of ``shape``, each after the tables its foreign keys point at (where the links
    allow it; a table that points at itself, or a cycle, is placed where it falls)."""
    parents = {
        name: {str(fk[0]) for fk in table.foreign_keys} - {name} for name, table in shape.tables.items()
    }
    ordered: list[str] = []
    remaining = sorted(parents)
    while remaining:
        waiting = set(remaining)
        batch = [t for t in remaining if not parents[t] & waiting] or remaining[:1]
        ordered += batch
        remaining = [t for t in remaining if t not in batch]
    return ordered
