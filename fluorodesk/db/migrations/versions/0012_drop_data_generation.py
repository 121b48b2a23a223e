"""Drop the data-generation counters and their triggers (issue 19: no cross-session cache).

0009 and 0011 added a ``data_generation`` table and, through the released ``migrate.py``, a trigger
on every table that moved a counter on each insert, update and delete (``data_generation_<table>_*``,
``data_generation_unit_<table>_*``).  Nothing reads the counters any more: this drops every trigger
whose name starts with ``data_generation`` and then the table.  The clinic's rows are not touched.

Revision ID: 0012_drop_data_generation
Revises: 0011_unit_generation
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_drop_data_generation"
down_revision = "0011_unit_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    triggers = bind.exec_driver_sql(
        # ``_`` is a LIKE wildcard: compare the prefix itself.
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND substr(name, 1, length('data_generation')) = 'data_generation'"
    ).all()
    for (name,) in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    op.drop_table("data_generation")


def downgrade() -> None:
    # The table comes back empty and without triggers: the counters only ever served a cache.
    op.create_table(
        "data_generation",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_generation")),
    )
