"""a call reads only what it needs, however long the waiting queue

Revision ID: 0022
Revises: 0021

Every call asks for the tickets transferred to its window and whether any waiting ticket of the
hall opted in to notices. SQLite answered both by walking the whole waiting queue:

- `ix_tickets_targeted` now covers what call-next reads of a transferred ticket. Without those
  columns SQLite preferred `ix_tickets_heads`, which covers them, and read every waiting ticket of
  the day to find the few sent to one window.
- `ix_notice_optins_site_created` lets the opt-in question start from the hall's opt-ins of the last
  days, which are few, rather than from the waiting tickets.
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TARGETED = ["site_id", "day", "state", "target_window_id"]
COVERED = ["service_id", "priority", "issued_at", "id"]


def upgrade() -> None:
    op.drop_index("ix_tickets_targeted", table_name="tickets")
    op.create_index("ix_tickets_targeted", "tickets", TARGETED + COVERED)
    op.create_index("ix_notice_optins_site_created", "notice_optins", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_notice_optins_site_created", table_name="notice_optins")
    op.drop_index("ix_tickets_targeted", table_name="tickets")
    op.create_index("ix_tickets_targeted", "tickets", TARGETED)
