"""traffic counter shards

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:30:00.000000

A counter becomes a few rows (``shard``), summed on reading, so that concurrent sends to
one country stop queueing on one row lock. Existing counts become shard 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("traffic_counters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shard", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint("pk_traffic_counters", type_="primary")
        batch_op.create_primary_key("pk_traffic_counters", ["scope", "key", "day", "shard"])


def downgrade() -> None:
    # Fold the shards back into one row per counter before the column goes.
    op.execute(
        "CREATE TABLE traffic_counters_folded AS SELECT scope, key, day, SUM(sent) AS sent, "
        "SUM(verified) AS verified, SUM(blocked) AS blocked FROM traffic_counters "
        "GROUP BY scope, key, day"
    )
    op.execute("DELETE FROM traffic_counters")
    op.execute(
        "INSERT INTO traffic_counters (scope, key, day, shard, sent, verified, blocked) "
        "SELECT scope, key, day, 0, sent, verified, blocked FROM traffic_counters_folded"
    )
    op.drop_table("traffic_counters_folded")
    with op.batch_alter_table("traffic_counters", schema=None) as batch_op:
        batch_op.drop_constraint("pk_traffic_counters", type_="primary")
        batch_op.create_primary_key("pk_traffic_counters", ["scope", "key", "day"])
        batch_op.drop_column("shard")
