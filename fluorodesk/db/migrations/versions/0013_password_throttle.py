"""The password throttle: wrong passwords in a row per user name (issue 20).

One row per name typed at a password check (an account or not): how many wrong passwords in a row,
and until when the next try is refused without checking it.  No existing row is touched.

Revision ID: 0013_password_throttle
Revises: 0012_drop_data_generation
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_password_throttle"
down_revision = "0012_drop_data_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_throttle",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_password_throttle")),
    )


def downgrade() -> None:
    op.drop_table("password_throttle")
