"""ratings from phones, rectification clocks, complaints, manual assessment scores

Revision ID: 0017
Revises: 0011

- `evaluations.channel` says where the visitor rated (counter or phone); one rating per ticket stays
  the unique `ticket_id`, so a visit rated on one channel cannot be rated on the other.
- A bad rating's 回访 and 整改反馈 deadlines (working days), its 回访 records and the clerk's 申诉.
- `complaints`: complaints and suggestions with routing, reply deadline, reply and closure.
- `assessment_scores`: the monthly manual scores of the center and of each department's window manager.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.storage.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = server.storage.types.UTCDateTime()
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="counter")
        )
        batch.add_column(sa.Column("callback_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("feedback_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("callbacks", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("appeal", sa.JSON(), nullable=True))
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("public_id", sa.String(length=32), nullable=False, unique=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("assigned_at", dt, nullable=True),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", dt, nullable=True),
        sa.Column("replied_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", dt, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_complaints_site_state", "complaints", ["site_id", "state"])
    op.create_table(
        "assessment_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("rater", sa.String(length=16), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=100), nullable=False),
        sa.Column("at", dt, nullable=False),
        sa.UniqueConstraint("site_id", "month", "subject_kind", "subject_id", "rater"),
    )


def downgrade() -> None:
    op.drop_table("assessment_scores")
    op.drop_index("ix_complaints_site_state", table_name="complaints")
    op.drop_table("complaints")
    with op.batch_alter_table("evaluations") as batch:
        for col in ("appeal", "callbacks", "feedback_due", "callback_due", "channel"):
            batch.drop_column(col)
