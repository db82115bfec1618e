"""One migration chain for SQLite and PostgreSQL: up, down, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ringfence.store import downgrade, make_engine, upgrade
from ringfence.store.models import Base


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


ALL_TABLES = {
    "dashboard_users",
    "dashboard_sessions",
    "contacts",
    "phone_contact_points",
    "import_fingerprints",
    "merge_records",
    "api_keys",
    "verifications",
    "verification_accounts",
    "outbox_messages",
    "audit_events",
    "totp_factors",
    "recovery_codes",
    "deliveries",
    "webhook_deliveries",
    "account_contacts",
    "traffic_counters",
    "audit_head",
    "consent_events",
    "suppressions",
    "registry_imports",
    "subject_requests",
}


def test_upgrade_downgrade_and_upgrade_again(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert _tables(engine) == ALL_TABLES
        downgrade(engine)
        assert _tables(engine) == set()
        upgrade(engine)
        assert _tables(engine) == ALL_TABLES
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_database_urls_are_checked():
    import pytest

    from ringfence.errors import ConfigurationError
    from ringfence.store import normalize_url

    assert normalize_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    for bad in ("nonsense", "mysql://u@h/db"):
        with pytest.raises(ConfigurationError):
            normalize_url(bad)
