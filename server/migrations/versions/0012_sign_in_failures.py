"""failed sign-ins counted per account and address

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:20:00

Five wrong passwords used to lock an account for everyone, admin included, so anyone could lock
the hall's admin out, and unknown usernames never locked, which told an attacker which names
exist. Failures are now counted per (username, address), for any username typed, and each
lockout of a pair lasts longer than the last.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("locked_until", dt, nullable=True),
        sa.Column("last_failure_at", dt, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "address", name="uq_sign_in_failures_pair"),
    )
    op.create_index("ix_sign_in_failures_last", "sign_in_failures", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_last", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
