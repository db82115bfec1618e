"""Retention on each engine: each rule deletes what is older than its period and nothing
else, a dry run deletes nothing, every deletion is audited, policies are checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from ringfence.compliance import ComplianceError
from ringfence.compliance.retention import Age, RetentionPolicy, run_retention
from ringfence.contacts import ContactStore
from ringfence.contacts.freshness import record_verified
from ringfence.settings import load_settings
from ringfence.store.audit import list_events, verify_chain
from ringfence.store.models import DeliveryRow, PhoneRow, VerificationRow
from ringfence.testing import FakeClock
from ringfence.verify import VerificationService
from tests.verify.conftest import last_code

START = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def world(db_url, keyring):  # type: ignore[no-untyped-def]
    clock = FakeClock(START)
    store = ContactStore.open(db_url, keyring=keyring, clock=clock)
    old = store.add_contact(name="Old", phones=["+33612345678", "+33612345679"])
    record_verified(store, old.phone_points[1].id, method="otp")
    settings = load_settings(env="test", sms_channel="outbox")
    service = VerificationService.open(
        db_url, settings=settings, keyring=keyring, clock=clock, limiter=None
    )
    first = service.start("+33612345678", purpose="login")
    service.check(first.id, last_code(service))
    clock.advance(days=100)
    fresh = store.add_contact(name="Fresh", phones=["+33698765432"])
    service.start("+33698765432", purpose="login")
    yield store, clock, old, fresh
    service.close()
    store.close()


def counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar()
            for model in (PhoneRow, VerificationRow, DeliveryRow)
        }


def test_dry_run_then_for_real(world) -> None:  # type: ignore[no-untyped-def]
    store, clock, old, fresh = world
    before = counts(store.engine)
    assert before == {"phone_contact_points": 3, "verifications": 2, "deliveries": 2}
    preview = run_retention(store.engine, RetentionPolicy(), now=clock.now(), dry_run=True)
    assert preview["unverified_numbers"]["deleted"] == 1  # the old, never verified number
    assert preview["verifications"]["deleted"] == 1
    assert counts(store.engine) == before
    report = run_retention(store.engine, RetentionPolicy(), now=clock.now(), actor="dpo")
    assert report["unverified_numbers"]["deleted"] == 1
    assert counts(store.engine) == {"phone_contact_points": 2, "verifications": 1, "deliveries": 1}
    phones = [p.e164 for p in store.get_contact(old.id).phones]
    assert phones == ["+33612345679"]  # the verified one stays
    assert store.get_contact(fresh.id).phones[0].e164 == "+33698765432"
    with store.engine.connect() as connection:
        events = [
            e for e in list_events(connection, limit=20) if e["action"] == "retention.deleted"
        ]
        assert verify_chain(connection).ok
    assert sorted(e["subject_id"] for e in events) == ["unverified_numbers", "verifications"]
    assert all(e["actor"] == "dpo" and e["details"]["count"] == 1 for e in events)
    assert "612345678" not in json.dumps([e["details"] for e in events])
    again = run_retention(store.engine, RetentionPolicy(), now=clock.now())
    assert all(rule["deleted"] == 0 for rule in again.values())


def test_periods_and_policy_files(tmp_path: Path) -> None:
    now = datetime(2026, 3, 31, tzinfo=UTC)
    assert Age.parse("13mo").before(now) == datetime(2025, 2, 28, tzinfo=UTC)
    assert Age.parse("1y").before(now) == datetime(2025, 3, 31, tzinfo=UTC)
    assert Age.parse("2w").before(now) == now - timedelta(days=14)
    path = tmp_path / "retention.toml"
    path.write_text('[verifications]\nafter = "7d"\n')
    policy = RetentionPolicy.load(path)
    assert str(policy.rules["verifications"]) == "7d"
    assert str(policy.rules["unverified_numbers"]) == "90d"
    for bad in (
        '[verifications]\nafter = "soon"\n',
        '[verifications]\nafter = "0d"\n',
        '[everything]\nafter = "1d"\n',
        '[verifications]\nafter = "7d"\nalso = 1\n',
        "not toml [",
    ):
        path.write_text(bad)
        with pytest.raises(ComplianceError):
            RetentionPolicy.load(path)


def test_retention_cli(world, db_url, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ringfence.cli import app

    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    dry = runner.invoke(app, ["retention", "run", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert report["dry_run"] and report["rules"]["verifications"]["deleted"] == 2  # real clock
    table = runner.invoke(app, ["retention", "run"])
    assert table.exit_code == 0 and "deleted 2" in table.stdout
    policy = tmp_path / "bad.toml"
    policy.write_text('[verifications]\nafter = "forever"\n')
    bad = runner.invoke(app, ["retention", "run", "--policy", str(policy)])
    assert bad.exit_code == 2 and "bad_retention_period" in bad.stderr
    with world[0].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM verifications")).scalar() == 0
