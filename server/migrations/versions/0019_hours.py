"""延时 / 错时服务 and per-item booking limits (issue 19 items 6 and the catalogue's booking rules)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:30:00

- `service_periods`: extra service periods of the hall (lunchtime without a break, a Saturday
  morning): weekdays, times, the windows staffed and the items taken then.
- `booking_rules.days_ahead`, `booking_rules.per_phone_item`: an item's own booking limits over
  the hall's (null: the hall's setting), so the catalogue spreadsheet can carry them per item.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("start", sa.String(5), nullable=False),
        sa.Column("end", sa.String(5), nullable=False),
        sa.Column("window_ids", sa.JSON(), nullable=False),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_service_periods_site_id", "service_periods", ["site_id"])
    with op.batch_alter_table("booking_rules") as b:
        b.add_column(sa.Column("days_ahead", sa.SmallInteger(), nullable=True))
        b.add_column(sa.Column("per_phone_item", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_rules") as b:
        b.drop_column("per_phone_item")
        b.drop_column("days_ahead")
    op.drop_index("ix_service_periods_site_id", table_name="service_periods")
    op.drop_table("service_periods")
