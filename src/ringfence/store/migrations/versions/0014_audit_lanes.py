"""audit lanes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 11:45:00.000000

The audit log becomes 16 independent hash chains (lanes), each with its own head row, so
that concurrent transactions stop queueing on one row lock until commit. The existing chain
is lane 1, unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANES = 16
GENESIS = bytes(32)
HEAD = sa.table(
    "audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer), sa.column("hash")
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lane", sa.SmallInteger(), server_default="1", nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_lane_seq"), ["lane", "seq"])
    op.get_bind().execute(
        HEAD.insert(), [{"id": lane, "seq": 0, "hash": GENESIS} for lane in range(2, LANES + 1)]
    )


def downgrade() -> None:
    # One chain again: only possible while the other lanes are empty (re-chaining them
    # into lane 1 would rewrite hashes that may be anchored elsewhere).
    bind = op.get_bind()
    used = bind.execute(
        sa.select(sa.func.count()).select_from(HEAD).where(HEAD.c.id > 1, HEAD.c.seq > 0)
    ).scalar_one()
    if used:
        raise RuntimeError("audit lanes 2-16 hold entries: the log cannot go back to one lane")
    bind.execute(HEAD.delete().where(HEAD.c.id > 1))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_lane_seq"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
        batch_op.drop_column("lane")
