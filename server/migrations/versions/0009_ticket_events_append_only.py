"""Make ticket_events append-only in the database, as audit_entries already is.

Every oversight figure is computed from these rows, so nothing may edit or delete one. The single
change allowed is the one the realtime layer makes inside the writing transaction: filling in the
site event number (`seq`) of a row that has none yet, taken at commit (storage/seqs.py).

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ticket_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND (to_jsonb(NEW) - 'seq') = (to_jsonb(OLD) - 'seq') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ticket_events is append-only';
END;
$$ LANGUAGE plpgsql;
"""

# every column but seq: SQLite's UPDATE OF names the columns whose change fires the trigger
SQLITE_COLUMNS = (
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
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER ticket_events_no_change BEFORE UPDATE OR DELETE ON ticket_events "
            "FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()"
        )
        return
    raise_ = "BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END"
    op.execute(
        f"CREATE TRIGGER ticket_events_no_update BEFORE UPDATE OF {', '.join(SQLITE_COLUMNS)} "
        f"ON ticket_events {raise_}"
    )
    op.execute(
        f"CREATE TRIGGER ticket_events_no_reseq BEFORE UPDATE OF seq ON ticket_events "
        f"WHEN OLD.seq IS NOT NULL {raise_}"
    )
    op.execute(f"CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events {raise_}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_events_no_change ON ticket_events")
        op.execute("DROP FUNCTION IF EXISTS ticket_events_append_only()")
        return
    for name in ("ticket_events_no_update", "ticket_events_no_reseq", "ticket_events_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
