"""A data-generation counter per fluoroscopy unit (issue 12: a saved check re-reads one unit).

No table changes: the ``unit:<id>`` counters in data_generation and the triggers that move them are
created by ``fluorodesk.db.migrate`` after each upgrade (``db.generation.ensure_triggers``), as for
0009; this revision makes every database at 0010 pass through that step.

History: 0012_drop_data_generation drops the table and every trigger; this build no longer adds them.

Revision ID: 0011_unit_generation
Revises: 0010_physician_index
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0011_unit_generation"
down_revision = "0010_physician_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # see the docstring: the released migrate.run_alembic added the counters and triggers after this


def downgrade() -> None:
    bind = op.get_bind()
    triggers = bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data_generation_unit_%'"
    ).all()
    for (name,) in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    op.execute("DELETE FROM data_generation WHERE name LIKE 'unit:%'")
