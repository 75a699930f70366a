"""report speed: elapsed time on events, daily roll-ups, a covering report index on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:00:00

`ticket_events.elapsed_s` is the time from the ticket's issue to the event. The "finished within
the promised time" figure needed a join of every finished event to its ticket for `issued_at`;
with the value on the event the summary is one pass over the event log. On PostgreSQL the report
index also carries the columns the reports read. `report_rollups` holds each closed day's counts
and duration sums (built lazily by `server.services.oversight.rollup`), so a year's summary reads a few
hundred thousand rows instead of millions of events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REPORT_COLUMNS = ["service_id", "window_id", "staff_id", "hour", "duration_s", "elapsed_s"]


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "report_rollups",
        sa.Column("id", big_id, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("duration_n", sa.Integer(), nullable=False),
        sa.Column("duration_sum", sa.Float(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_rollups_day", "report_rollups", ["site_id", "day"])
    op.create_table(
        "report_rollup_state",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=True),
        sa.Column("max_event_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("site_id"),
    )
    with op.batch_alter_table("ticket_events") as batch:
        batch.add_column(sa.Column("elapsed_s", sa.Float(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE ticket_events e SET elapsed_s = extract(epoch FROM e.at - t.issued_at) "
            "FROM tickets t WHERE t.id = e.ticket_id"
        )
        op.drop_index("ix_events_report", table_name="ticket_events")
        op.create_index(
            "ix_events_report",
            "ticket_events",
            ["site_id", "day", "type"],
            postgresql_include=REPORT_COLUMNS,
        )
    else:
        op.execute(
            "UPDATE ticket_events SET elapsed_s = (julianday(at) - julianday("
            "(SELECT issued_at FROM tickets WHERE tickets.id = ticket_events.ticket_id))) * 86400.0"
        )


def downgrade() -> None:
    op.drop_table("report_rollup_state")
    op.drop_index("ix_report_rollups_day", table_name="report_rollups")
    op.drop_table("report_rollups")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_events_report", table_name="ticket_events")
        op.create_index("ix_events_report", "ticket_events", ["site_id", "day", "type"])
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("elapsed_s")
