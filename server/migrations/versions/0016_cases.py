"""cases (办件): the case opened at the counter, its events and numbers, the hall's calendar

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-06 01:00:00

- `cases`: one row per accepted promised item (受理), from acceptance to delivery; its number
  `XL<day>-NNNN` comes from `case_counters` by one atomic statement, like ticket numbers.
- `case_events`: append-only (triggers refuse UPDATE and DELETE on both databases), one row per
  change with who, where and when; the due date, overdue and the report's case figures come from it.
- `calendar_years`: per hall and year, public holidays and adjusted working days (调休).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    op.create_table(
        "calendar_years",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("updated_at", dt, nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
    )
    op.create_table(
        "case_counters",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column(
            "ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False, unique=True
        ),
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("windows.id"), nullable=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("first_window_id", sa.Integer(), sa.ForeignKey("windows.id"), nullable=True),
        sa.Column("applicant_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("applicant_phone", sa.String(30), nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("promised_days", sa.SmallInteger(), nullable=False),
        sa.Column("accepted_at", dt, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paused_days", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("completed_at", dt, nullable=True),
        sa.Column("delivered_at", dt, nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.UniqueConstraint("site_id", "day", "seq_no"),
    )
    op.create_index("ix_cases_site_state", "cases", ["site_id", "state"])
    op.create_index("ix_cases_site_day", "cases", ["site_id", "day"])
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "case_events",
        sa.Column("id", big, primary_key=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("at", dt, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id"])
    op.create_index("ix_case_events_site_day", "case_events", ["site_id", "day"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION case_events_append_only()"
        )
    else:
        raise_ = "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END"
        op.execute(f"CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events {raise_}")
        op.execute(f"CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events {raise_}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_no_change ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_events_no_delete")
    op.drop_index("ix_case_events_site_day", "case_events")
    op.drop_index("ix_case_events_case", "case_events")
    op.drop_table("case_events")
    op.drop_index("ix_cases_site_day", "cases")
    op.drop_index("ix_cases_site_state", "cases")
    op.drop_table("cases")
    op.drop_table("case_counters")
    op.drop_table("calendar_years")
