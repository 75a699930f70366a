"""a rating of a case after its delivery (办件送达后评价)

Revision ID: 0021
Revises: 0020

- `evaluations.case_id`: set on the rating of a case, empty on the rating of a visit.
- One rating per visit stays a unique index on `ticket_id`, now only over the visits' ratings
  (`case_id IS NULL`), since a case's rating belongs to the same ticket; `ux_evaluations_case`
  keeps one rating per case on any channel.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# SQLite keeps the old UNIQUE (ticket_id) unnamed: the batch copy names it by this convention
UQ_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
VISITS_ONLY = sa.text("case_id IS NULL")


def _ticket_unique_name() -> str | None:
    for uq in sa.inspect(op.get_bind()).get_unique_constraints("evaluations"):
        if uq.get("column_names") == ["ticket_id"]:
            return uq.get("name")
    return None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("evaluations", sa.Column("case_id", sa.Integer(), nullable=True))
        name = _ticket_unique_name()
        if name:
            op.drop_constraint(name, "evaluations", type_="unique")
    else:
        with op.batch_alter_table(
            "evaluations", naming_convention=UQ_NAMES, recreate="always"
        ) as batch:
            batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
            batch.drop_constraint("uq_evaluations_ticket_id", type_="unique")
    op.create_index(
        "ux_evaluations_visit",
        "evaluations",
        ["ticket_id"],
        unique=True,
        sqlite_where=VISITS_ONLY,
        postgresql_where=VISITS_ONLY,
    )
    op.create_index("ux_evaluations_case", "evaluations", ["case_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_evaluations_case", table_name="evaluations")
    op.drop_index("ux_evaluations_visit", table_name="evaluations")
    op.execute("DELETE FROM evaluations WHERE case_id IS NOT NULL")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("case_id")
        batch.create_unique_constraint("uq_evaluations_ticket_id", ["ticket_id"])
