"""Alembic environment: the engine comes from ringfence, never from an ini file."""

from __future__ import annotations

from alembic import context

from ringfence.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
