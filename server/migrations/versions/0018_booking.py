"""预约 (bookings) and the notices outbox (issue 19)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-06 01:00:00

- `booking_rules`: per item, the bookable periods of a working day, slot length and capacity
  (a lower one on Saturdays worked).
- `booking_slot_counts`: bookings held per item and slot, taken by a compare-and-set below capacity.
- `appointments`: one row per booking, its code, slot, visitor, state and the ticket of its check-in
  (and a keyed digest of the visitor's ID number, never the number, for check-in by ID card).
- `notices`: the outbox; a row is stored before anything is sent and claimed before each attempt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    op.create_table(
        "booking_rules",
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("slot_min", sa.SmallInteger(), nullable=False),
        sa.Column("capacity", sa.SmallInteger(), nullable=False),
        sa.Column("saturday_capacity", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_booking_rules_site_id", "booking_rules", ["site_id"])
    op.create_table(
        "booking_slot_counts",
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("start", dt, primary_key=True),
        sa.Column("taken", sa.Integer(), nullable=False),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", dt, nullable=False),
        sa.Column("end", dt, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column(
            "ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=True, unique=True
        ),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", dt, nullable=True),
        sa.Column("cancelled_at", dt, nullable=True),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("id_digest", sa.String(64), nullable=True),
    )
    op.create_index("ix_appointments_id_digest", "appointments", ["id_digest"])
    op.create_index("ix_appointments_site_day", "appointments", ["site_id", "day", "state"])
    op.create_index("ix_appointments_phone_day", "appointments", ["site_id", "phone", "day"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_at", dt, nullable=False),
        sa.Column("claimed_until", dt, nullable=True),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("sent_at", dt, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("log", sa.JSON(), nullable=False),
    )
    op.create_index("ix_notices_due", "notices", ["state", "next_at"])
    op.create_index("ix_notices_ticket", "notices", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("appointments")
    op.drop_table("booking_slot_counts")
    op.drop_table("booking_rules")
