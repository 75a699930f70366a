"""a staff page's realtime token ends with the sign-in it was given to

Revision ID: 0023
Revises: 0022

A signed-in staff page opens its socket with a two-minute token of its own
(caller.realtime_token). The socket stays past those two minutes for as long as the sign-in behind
it holds, so the token now names that sign-in (`parent_id`): signing out revokes both, and the
hall's sockets are checked against the sign-in, not against the two-minute token's own expiry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_staff_tokens_parent_id", "staff_tokens", ["parent_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_staff_tokens_parent_id", ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_tokens_parent_id")
        batch_op.drop_constraint("fk_staff_tokens_parent_id", type_="foreignkey")
        batch_op.drop_column("parent_id")
