"""Storage: SQLAlchemy 2 tables, engine set-up and Alembic migrations (SQLite, PostgreSQL).

Repositories live with their domain (``ringfence.contacts``); this package holds no business
rule.
"""

from ringfence.store.engine import make_engine, normalize_url
from ringfence.store.migrate import downgrade, upgrade

__all__ = ["downgrade", "make_engine", "normalize_url", "upgrade"]
