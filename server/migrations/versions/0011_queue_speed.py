"""Queue speed: waiting counts kept by the database, and an index that finds each queue's head.

- `queue_counts` holds the number of waiting tickets per site, business day and item. Triggers on
  `tickets` keep it, in the same statement as every change of a ticket's state or item, whatever
  code makes the change, so it cannot drift from the tickets themselves. Screens, the kiosk and
  every issue and call read it instead of counting a busy morning's waiting tickets each time
  (which cost a call a few milliseconds more for every thousand waiting).
- `ix_tickets_heads` (site, day, state, item, class, target window, issue time, id) lets call-next
  read the oldest waiting ticket of each (item, class) queue with one index step each, and
  `ix_tickets_targeted` the tickets transferred to a window, and `ix_tickets_window` the ticket a
  window holds (checked before every call).

A later migration that rebuilds `tickets` on SQLite (a batch "move and copy") drops its triggers
and must create them again.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_queue_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'waiting' THEN
        UPDATE queue_counts SET waiting = waiting - 1
         WHERE site_id = OLD.site_id AND day = OLD.day AND service_id = OLD.service_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'waiting' THEN
        INSERT INTO queue_counts (site_id, day, service_id, waiting)
             VALUES (NEW.site_id, NEW.day, NEW.service_id, 1)
        ON CONFLICT (site_id, day, service_id) DO UPDATE SET waiting = queue_counts.waiting + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

_BUMP = (
    "INSERT INTO queue_counts (site_id, day, service_id, waiting) SELECT NEW.site_id, NEW.day, "
    "NEW.service_id, 1 WHERE NEW.state = 'waiting' "
    "ON CONFLICT (site_id, day, service_id) DO UPDATE SET waiting = waiting + 1;"
)
_DROP = (
    "UPDATE queue_counts SET waiting = waiting - 1 WHERE OLD.state = 'waiting' AND site_id = OLD.site_id "
    "AND day = OLD.day AND service_id = OLD.service_id;"
)
SQLITE_TRIGGERS = {
    "tickets_queue_insert": f"AFTER INSERT ON tickets BEGIN {_BUMP} END",
    "tickets_queue_update": f"AFTER UPDATE OF state, service_id, day, site_id ON tickets BEGIN {_DROP} {_BUMP} END",
    "tickets_queue_delete": f"AFTER DELETE ON tickets BEGIN {_DROP} END",
}


def upgrade() -> None:
    # plain index statements (not a batch, which may rebuild the table and lose its triggers)
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index(
        "ix_tickets_heads",
        "tickets",
        [
            "site_id",
            "day",
            "state",
            "service_id",
            "priority",
            "target_window_id",
            "issued_at",
            "id",
        ],
    )
    op.create_index(
        "ix_tickets_targeted", "tickets", ["site_id", "day", "state", "target_window_id"]
    )
    op.create_index("ix_tickets_window", "tickets", ["window_id", "state"])
    op.create_table(
        "queue_counts",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("service_id", sa.Integer(), primary_key=True),
        sa.Column("waiting", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "INSERT INTO queue_counts (site_id, day, service_id, waiting) SELECT site_id, day, service_id, "
        "count(*) FROM tickets WHERE state = 'waiting' GROUP BY site_id, day, service_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER tickets_queue_counts AFTER INSERT OR DELETE OR UPDATE OF state, service_id, day, "
            "site_id ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_queue_counts()"
        )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    op.drop_index("ix_tickets_window", table_name="tickets")
    op.drop_index("ix_tickets_targeted", table_name="tickets")
    op.drop_index("ix_tickets_heads", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["site_id", "day", "state", "service_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tickets_queue_counts ON tickets")
        op.execute("DROP FUNCTION IF EXISTS tickets_queue_counts()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("queue_counts")
