"""one-time confirmation codes for priority and green-channel tickets at the kiosk

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00

Staff no longer sign in on the public kiosk to vouch for a priority ticket: they make a
six-digit code on their own page, valid for a few minutes and one use, and the visitor types
it at the kiosk. Only a keyed hash of each code is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    op.create_table(
        "confirm_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("expires_at", dt, nullable=False),
        sa.Column("used_at", dt, nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_confirm_codes_lookup", "confirm_codes", ["site_id", "code_hash"])
    op.create_index("ix_confirm_codes_staff_id", "confirm_codes", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_confirm_codes_staff_id", table_name="confirm_codes")
    op.drop_index("ix_confirm_codes_lookup", table_name="confirm_codes")
    op.drop_table("confirm_codes")
