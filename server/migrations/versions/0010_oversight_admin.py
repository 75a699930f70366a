"""oversight and administration: first-call wait, rectification workflow, window history kept,
item hours, publicity schedule and screens

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00

- `ticket_events.wait_s` is the report's wait: on a ticket's first `called` event only, the time
  from its issue (arrival) to that call. Old events get it from `elapsed_s` of each ticket's first
  call. The daily roll-ups summed the per-call queue wait; they are dropped so the next report
  rebuilds them with the new definition.
- `window_events.clerk_id` is the window's clerk during the state the event starts (the actor in
  `staff_id` may be a supervisor pausing someone's window); old rows take the actor.
- A window's event log is no longer deleted with the window: the foreign key loses its
  ON DELETE CASCADE (the API refuses to delete a window with history; deactivate it instead).
- Rectification of bad ratings keeps a note, who changed it and when, and its history.
- A service item may have its own hours; publicity has dates, daily hours and target screens.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
    "service_id",
    "window_id",
    "staff_id",
    "hour",
    "duration_s",
    "elapsed_s",
    "wait_s",
]
OLD_REPORT_COLUMNS = ["service_id", "window_id", "staff_id", "hour", "duration_s", "elapsed_s"]
# every ticket_events column but seq (which is filled in at commit), as migration 0009 guards them, and wait_s
GUARDED = (
    "id",
    "site_id",
    "ticket_id",
    "type",
    "from_state",
    "to_state",
    "at",
    "day",
    "hour",
    "service_id",
    "window_id",
    "staff_id",
    "device_id",
    "duration_s",
    "elapsed_s",
    "data",
    "wait_s",
)
FK_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("ticket_events") as batch:
        batch.add_column(sa.Column("wait_s", sa.Float(), nullable=True))
    first_calls = "SELECT min(id) FROM ticket_events WHERE type = 'called' GROUP BY ticket_id"
    # the backfill derives a new column from the row itself; if an append-only trigger on the event
    # log is already installed (whichever order the migrations run in), it is paused around it
    guard = pg and bool(
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_trigger WHERE tgname = 'ticket_events_no_change'"))
        .first()
    )
    if guard:
        op.execute("ALTER TABLE ticket_events DISABLE TRIGGER ticket_events_no_change")
    op.execute(f"UPDATE ticket_events SET wait_s = elapsed_s WHERE id IN ({first_calls})")
    if guard:
        op.execute("ALTER TABLE ticket_events ENABLE TRIGGER ticket_events_no_change")
    if (
        not pg
        and op.get_bind()
        .execute(
            sa.text(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'ticket_events_no_update'"
            )
        )
        .first()
    ):
        # SQLite's append-only trigger names the columns it guards: guard the new one too
        op.execute("DROP TRIGGER ticket_events_no_update")
        op.execute(
            f"CREATE TRIGGER ticket_events_no_update BEFORE UPDATE OF {', '.join(GUARDED)} ON ticket_events "
            "BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END"
        )
    if pg:
        op.drop_index("ix_events_report", table_name="ticket_events")
        op.create_index(
            "ix_events_report",
            "ticket_events",
            ["site_id", "day", "type"],
            postgresql_include=REPORT_COLUMNS,
        )
    op.execute("DELETE FROM report_rollups")
    op.execute("DELETE FROM report_rollup_state")

    if pg:
        op.add_column("window_events", sa.Column("clerk_id", sa.Integer(), nullable=True))
        op.drop_constraint("window_events_window_id_fkey", "window_events", type_="foreignkey")
        op.create_foreign_key(
            "fk_window_events_window_id_windows", "window_events", "windows", ["window_id"], ["id"]
        )
    else:
        with op.batch_alter_table(
            "window_events", naming_convention=FK_NAMES, recreate="always"
        ) as batch:
            batch.add_column(sa.Column("clerk_id", sa.Integer(), nullable=True))
            batch.drop_constraint("fk_window_events_window_id_windows", type_="foreignkey")
            batch.create_foreign_key(
                "fk_window_events_window_id_windows", "windows", ["window_id"], ["id"]
            )
    op.execute("UPDATE window_events SET clerk_id = staff_id")
    op.create_index("ix_window_events_window_at", "window_events", ["window_id", "at"])

    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("rectification_note", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("rectified_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rectified_at", dt, nullable=True))
        batch.add_column(
            sa.Column("rectification_log", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("hours", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("publicity") as batch:
        batch.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("daily_from", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("daily_to", sa.String(length=5), nullable=True))
        batch.add_column(
            sa.Column("screens", sa.String(length=16), nullable=False, server_default="hall")
        )
        batch.add_column(sa.Column("device_ids", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("publicity") as batch:
        for col in ("device_ids", "screens", "daily_to", "daily_from", "ends_on", "starts_on"):
            batch.drop_column(col)
    with op.batch_alter_table("services") as batch:
        batch.drop_column("hours")
    with op.batch_alter_table("evaluations") as batch:
        for col in ("rectification_log", "rectified_at", "rectified_by", "rectification_note"):
            batch.drop_column(col)
    op.drop_index("ix_window_events_window_at", table_name="window_events")
    if pg:
        op.drop_constraint(
            "fk_window_events_window_id_windows", "window_events", type_="foreignkey"
        )
        op.create_foreign_key(
            "window_events_window_id_fkey",
            "window_events",
            "windows",
            ["window_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.drop_column("window_events", "clerk_id")
    else:
        with op.batch_alter_table(
            "window_events", naming_convention=FK_NAMES, recreate="always"
        ) as batch:
            batch.drop_constraint("fk_window_events_window_id_windows", type_="foreignkey")
            batch.create_foreign_key(
                "fk_window_events_window_id_windows",
                "windows",
                ["window_id"],
                ["id"],
                ondelete="CASCADE",
            )
            batch.drop_column("clerk_id")
    if pg:
        op.drop_index("ix_events_report", table_name="ticket_events")
        op.create_index(
            "ix_events_report",
            "ticket_events",
            ["site_id", "day", "type"],
            postgresql_include=OLD_REPORT_COLUMNS,
        )
    op.execute("DELETE FROM report_rollups")
    op.execute("DELETE FROM report_rollup_state")
    if (
        not pg
        and op.get_bind()
        .execute(
            sa.text(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'ticket_events_no_update'"
            )
        )
        .first()
    ):
        op.execute("DROP TRIGGER ticket_events_no_update")
        op.execute(
            f"CREATE TRIGGER ticket_events_no_update BEFORE UPDATE OF {', '.join(GUARDED[:-1])} "
            "ON ticket_events BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END"
        )
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("wait_s")
