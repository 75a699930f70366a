"""Notices a visitor opted in to (issue 19)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 04:00:00

- `notice_optins`: a walk-in's (or any ticket's) consent to be texted about its turn, with the phone
  given at the kiosk's ticket screen or on the ticket's own page; one per ticket.
- `cases.notify`: the applicant agreed at 受理 to be texted when the case is ready to collect.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    op.create_table(
        "notice_optins",
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", dt, nullable=False),
    )
    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cases") as b:
        b.drop_column("notify")
    op.drop_table("notice_optins")
