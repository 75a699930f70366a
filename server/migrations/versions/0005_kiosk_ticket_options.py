"""kiosk ticket options: paper width and ticket language per kiosk

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00

Each kiosk prints on its own roll (58 or 80 mm) in the hall's choice of language: Chinese,
English, or bilingual (each Chinese line with its English beneath). Existing kiosks get
80 mm and bilingual tickets.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paper_mm", sa.SmallInteger(), nullable=False, server_default="80")
        )
        batch_op.add_column(
            sa.Column("ticket_lang", sa.String(length=8), nullable=False, server_default="zh+en")
        )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("ticket_lang")
        batch_op.drop_column("paper_mm")
