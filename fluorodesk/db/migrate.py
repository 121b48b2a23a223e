"""Schema migrations, applied at start-up with a backup first and foreign keys off.

Why foreign keys off: Alembic's batch mode recreates a table to alter it on SQLite.  With foreign
keys ON, dropping the old parent table fires ``ON DELETE CASCADE`` and silently deletes every child
row.  So the migration connection switches them off (outside any transaction, where the PRAGMA
works), and ``PRAGMA foreign_key_check`` runs before the migration commits (see env.py).

Alembic itself is imported only when the schema is behind: it costs ~0.3 s of start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fluorodesk.db.sqlite_tools import connect_read_only, copy_database
from fluorodesk.errors import SchemaTooNewError

# The newest revision this build knows.  tests/unit/test_migrations.py proves it matches the scripts.
HEAD_REVISION = "0013_password_throttle"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate hook: write our enum columns as plain strings, so migrations never import app code."""
    from fluorodesk.db.base import EnumText

    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.impl.length})"
    return False


def alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(path: Path) -> str | None:
    """Revision stamped in the file, or None for a new or empty database."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    con = connect_read_only(path)
    try:
        has_table = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has_table:
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def known_revisions() -> list[str]:
    """Every revision id in the scripts folder, oldest first (imports Alembic)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def build_at(path: Path, revision: str) -> None:
    """A new database at ``path`` migrated from nothing to ``revision``: that revision's schema and
    the reference data its migrations add, nothing else (to judge or rebuild a backup made there)."""
    if path.exists():
        raise FileExistsError(path)
    run_alembic(path, "upgrade", revision)


def needs_upgrade(path: Path) -> bool:
    return current_revision(path) != HEAD_REVISION


def upgrade(path: Path, backups_dir: Path, target: str = "head") -> Path | None:
    """Bring the database at ``path`` to ``target``; returns the pre-migration backup, if one was made."""
    revision = current_revision(path)
    if revision is not None and revision not in known_revisions():
        raise SchemaTooNewError(
            f"This database ({path}) was written by a newer FluoroDesk (schema {revision}). "
            "Install the newer version; the file was not changed."
        )
    backup = None
    if revision is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        backup = backups_dir / f"before-migration-{revision}-{stamp}.sqlite3"
        copy_database(path, backup)
    run_alembic(path, "upgrade", target)
    return backup


@contextmanager
def migration_connection(path: Path) -> Iterator[Any]:
    """A connection to ``path`` with foreign keys off for its whole life (see the module docstring)."""
    from fluorodesk.db.engine import make_engine, set_wal

    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path)
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            try:
                yield connection
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()
    set_wal(path)


def run_alembic(path: Path, command_name: str, target: str) -> None:
    """Run an Alembic command (upgrade, downgrade, stamp) on ``path`` with foreign keys off."""
    from alembic import command

    with migration_connection(path) as connection:
        getattr(command, command_name)(alembic_config(connection), target)
        connection.commit()
