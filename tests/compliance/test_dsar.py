"""Data-subject requests on each engine: the export finds the person everywhere (contacts,
free-text mentions, consent, suppressions, verifications, accounts); rectification; and an
erasure after which a scan of the whole database finds no trace of the number — in clear in
any form, or as its blind index — apart from the keyed suppression entry (and the audit
chain's keyed subject ids)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from ringfence.compliance import ConsentLedger, Suppressions
from ringfence.compliance.dsar import SubjectRequests, add_months, list_requests
from ringfence.contacts import ContactStore
from ringfence.crypto import BlindIndexer
from ringfence.settings import load_settings
from ringfence.store.audit import verify_chain
from ringfence.testing import FakeClock
from ringfence.verify import VerificationService, read_outbox
from ringfence.verify.accounts import AccountBindings
from ringfence.verify.totp import TotpFactors
from tests.verify.conftest import last_code

SUBJECT = "+12015550123"
FORMS = ("+12015550123", "2015550123", "(201) 555-0123", "201-555-0123", "201 555 0123")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(db_url, keyring):  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    store = ContactStore.open(db_url, keyring=keyring, clock=clock)
    subject = store.add_contact(
        name="Ann Lee",
        phones=[SUBJECT, "+12015550124"],
        emails=["ann@example.com"],
        custom={"notes": "prefers texts"},
    )
    other = store.add_contact(
        name="Bob Roe",
        phones=["+12015550199"],
        custom={"notes": "his sister Ann: (201) 555-0123, call after 6", "vip": True},
    )
    ledger = ConsentLedger(store.engine, keyring, clock=clock)
    ledger.grant(SUBJECT, channel="sms", purpose="marketing", brand="Acme")
    Suppressions(store.engine, keyring, clock=clock).add(SUBJECT, brand="Acme", channel="voice")
    settings = load_settings(env="test", sms_channel="outbox")
    service = VerificationService.open(
        db_url, settings=settings, keyring=keyring, clock=clock, limiter=None
    )
    started = service.start(SUBJECT, purpose="signup", account_id="acct-ann")
    service.check(started.id, last_code(service))
    bindings = AccountBindings(service, TotpFactors(service.engine, keyring, clock=clock))
    bindings.bind_phone("acct-ann", started.id)
    yield store, subject.id, other.id, service
    service.close()
    store.close()


def scan(engine, keyring) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every table, every row: where the number appears in clear, or as its blind index."""
    indexes = BlindIndexer(keyring).exact_all_versions(SUBJECT)
    needles = [*FORMS, *(i.hex() for i in indexes)]
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in row._mapping.items():
                    if isinstance(value, (bytes, memoryview)):
                        raw = bytes(value)
                        hits = any(index in raw for index in indexes)
                        hits = hits or any(form.encode() in raw for form in FORMS)
                    else:
                        rendered = json.dumps(value, default=str) if value is not None else ""
                        hits = any(needle in rendered for needle in needles)
                    if hits:
                        found.setdefault(table, []).append(column)
    return found


def test_export_finds_the_person_everywhere(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, subject_id, other_id, _service = world
    bundle = SubjectRequests(store).export(SUBJECT, actor="dpo")
    assert [c["id"] for c in bundle["contacts"]] == [str(subject_id)]
    assert SUBJECT in bundle["contacts"][0]["phones"]
    assert bundle["mentioned_in"] == [{"contact": str(other_id), "field": "custom"}]
    assert [e["kind"] for e in bundle["consent"]] == ["grant"]
    assert [(s["list"], s["channel"]) for s in bundle["suppressions"]] == [("internal", "voice")]
    assert [v["purpose"] for v in bundle["verifications"]] == ["signup"]
    assert bundle["accounts"] == ["acct-ann"]
    requests = list_requests(store.engine)
    assert requests[0]["kind"] == "export"
    assert requests[0]["due_at"].startswith("2026-12-20")
    assert SUBJECT not in json.dumps(requests)


def test_erasure_leaves_only_the_keyed_suppression_entry(world, keyring) -> None:  # type: ignore[no-untyped-def]
    store, _subject_id, other_id, service = world
    before = scan(store.engine, keyring)
    assert {"phone_contact_points", "verifications", "consent_events", "account_contacts"} <= set(
        before
    )
    assert "contacts" in before  # the other contact's note
    counts = SubjectRequests(store).erase(SUBJECT, actor="dpo")
    assert counts["contacts"] == 1 and counts["free_text_mentions"] == 1
    assert counts["verifications"] == 1 and counts["development_messages"] >= 1
    after = scan(store.engine, keyring)
    assert set(after) == {"suppressions", "audit_events"}, after
    assert set(after["audit_events"]) == {"subject_id"}  # keyed ids; masked details only
    # the other contact stays, its note redacted; the subject's second number went with it
    note = store.get_contact(other_id).custom["notes"]
    assert note == "his sister Ann: [erased], call after 6"
    assert store.find_by_phone("+12015550124") == []
    outbox = read_outbox(service.engine, service.keyring, service.settings, limit=100)
    assert all(message.to != SUBJECT for message in outbox)
    lists = Suppressions(store.engine, keyring)
    assert [
        s.list_name for s in lists.check(SUBJECT, brand="Any", channel="sms", registries=False)
    ] == ["erasure"]
    with store.engine.connect() as connection:
        assert verify_chain(connection).ok
    kinds = [r["kind"] for r in list_requests(store.engine)]
    assert kinds == ["erase"]


def test_rectification(world) -> None:  # type: ignore[no-untyped-def]
    store, subject_id, _other_id, _service = world
    assert SubjectRequests(store).rectify(SUBJECT, "+12015550125") == 1
    phones = [p.e164 for p in store.get_contact(subject_id).phones]
    assert SUBJECT not in phones and "+12015550125" in phones


def test_due_dates_are_one_calendar_month() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).date().isoformat() == "2026-02-28"
    assert add_months(datetime(2026, 12, 15, tzinfo=UTC), 1).date().isoformat() == "2027-01-15"


def test_dsar_cli(world, db_url, keyring, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ringfence.cli import app

    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("ringfence.contacts.store.load_keyring", lambda settings: keyring)
    runner = CliRunner()
    out = tmp_path / "bundle.json"
    exported = runner.invoke(
        app, ["dsar", "export", "--phone", "(201) 555-0123", "--region", "US", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["subject"]["phone"] == SUBJECT
    assert out.stat().st_mode & 0o077 == 0
    assert "555" not in re.sub(r"bundle\.json", "", exported.stdout)
    refused = runner.invoke(app, ["dsar", "erase", "--phone", SUBJECT])
    assert refused.exit_code == 2 and "confirmation_needed" in refused.stderr
    erased = runner.invoke(app, ["dsar", "erase", "--phone", SUBJECT, "--yes", "--json"])
    assert erased.exit_code == 0 and json.loads(erased.stdout)["contacts"] == 1
    bad = runner.invoke(app, ["dsar", "erase", "--phone", "nonsense", "--yes"])
    assert bad.exit_code == 2 and "not_a_number" in bad.stderr
    listed = runner.invoke(app, ["dsar", "list", "--json"])
    assert [r["kind"] for r in json.loads(listed.stdout)] == ["erase", "export"]
