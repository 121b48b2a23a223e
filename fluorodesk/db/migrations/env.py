"""Alembic environment: always run on a connection handed in by fluorodesk.db.migrate."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from fluorodesk.db import models  # noqa: F401  (registers every table on the metadata)
from fluorodesk.db.base import Base
from fluorodesk.db.migrate import render_item

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs copy-and-move for most ALTER TABLE
        render_item=render_item,
        compare_type=True,
        # We issue BEGIN ourselves (db/engine.py), so SQLite's DDL is transactional: a failed
        # migration rolls back whole instead of leaving a half-altered file.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        # Foreign keys are off during migrations (see db/migrate.py); prove nothing dangles
        # before committing.
        dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"migration left {len(dangling)} dangling foreign keys: {dangling[:5]}")


if context.is_offline_mode():
    raise SystemExit("FluoroDesk migrations run online only.")
run_migrations_online()
