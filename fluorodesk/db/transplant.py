"""Taking a backup's rows, and only its rows, into a database the migrations made.

A backup's database file is never adopted as it is: its schema could carry triggers that fire on
the next write, views that never finish, missing tables or columns.  Instead:

1. ``ReferenceDatabases`` migrates an empty database to the backup's revision, in a scratch
   folder, and reads its schema (``schema_shape``): the backup's must be exactly that.
2. ``copy_rows`` copies every table's rows from the backup's file (attached read-only, with a
   time limit) into a copy of that fresh database.  Nothing of the backup's schema is created
   there, so none of its triggers can ever run; the fresh database's own constraints (not null,
   unique, foreign keys) are enforced on every copied row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from fluorodesk.db import migrate
from fluorodesk.db.schema_shape import SchemaShape, dependency_order, read_shape
from fluorodesk.db.sqlite_tools import copy_database, limit_time, untrusted_time_limit, untrusted_uri
from fluorodesk.errors import StorageError, storage_error_from

#: Kept as the fresh database has it: the revision is the one the backup was checked against.
NOT_COPIED = frozenset({"alembic_version"})


class ReferenceDatabases:
    """Empty databases migrated to a revision, made on first use in ``folder`` for one operation
    (a restore, one search for the newest good backup), which removes the folder afterwards."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._shapes: dict[str, SchemaShape] = {}

    def path(self, revision: str) -> Path:
        path = self.folder / f"reference-{revision}.sqlite3"
        if not path.exists():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                migrate.build_at(path, revision)
            except (OSError, sqlite3.Error, DBAPIError) as exc:  # the scratch folder's disk, not the backup
                raise storage_error_from(exc, path=self.folder) or StorageError(
                    f"FluoroDesk could not make a scratch database in {self.folder} ({exc})."
                ) from exc
        return path

    def shape(self, revision: str) -> SchemaShape:
        if revision not in self._shapes:
            con = sqlite3.connect(f"file:{self.path(revision)}?mode=ro", uri=True)
            try:
                self._shapes[revision] = read_shape(con)
            finally:
                con.close()
        return self._shapes[revision]

    def fresh_copy(self, revision: str, destination: Path) -> None:
        """A new database file at ``destination`` exactly as the migrations make it."""
        copy_database(self.path(revision), destination)


class RowsRefused(Exception):
    """The backup's rows break a rule of the fresh database's schema; ``str()`` says which."""


def copy_rows(source: Path, target: Path, shape: SchemaShape) -> dict[str, int]:
    """Replace the rows of every table of ``target`` by those of ``source``; rows copied per table.

    ``source`` is an untrusted file whose schema was found equal to ``shape``, the schema of
    ``target``.  All or nothing: on RowsRefused (or any error) ``target`` is unchanged.
    """
    tables = [t for t in dependency_order(shape) if t not in NOT_COPIED]
    con = sqlite3.connect(target.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        limit_time(con, 2 * untrusted_time_limit(source))
        con.execute("PRAGMA trusted_schema=OFF")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("ATTACH DATABASE ? AS untrusted", (untrusted_uri(source),))
        con.execute("BEGIN IMMEDIATE")
        try:
            # Links are checked once every table is in: a row may point at a later row of its table.
            con.execute("PRAGMA defer_foreign_keys=ON")
            for table in reversed(tables):  # the rows the migrations added (reference data) go first
                con.execute(f"DELETE FROM main.{_quoted(table)}")
            copied = {table: _copy_table(con, table, shape) for table in tables}
            broken = con.execute("PRAGMA main.foreign_key_check").fetchall()
            if broken:
                table, rowid, parent, _fk = broken[0]
                raise RowsRefused(
                    f"a row of the table “{table}” (row {rowid}) points at a missing row of “{parent}”"
                )
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        return copied
    finally:
        con.close()


def _copy_table(con: sqlite3.Connection, table: str, shape: SchemaShape) -> int:
    columns = ", ".join(_quoted(c) for c in shape.tables[table].column_names())
    name = _quoted(table)
    try:
        cursor = con.execute(f"INSERT INTO main.{name} ({columns}) SELECT {columns} FROM untrusted.{name}")
    except sqlite3.IntegrityError as exc:
        raise RowsRefused(
            f"the table “{table}” holds rows FluoroDesk's schema does not allow ({exc})"
        ) from exc
    return cursor.rowcount


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
