"""The consent ledger on each engine: grants and revocations per number x channel x
purpose x brand, evidence sealed, states at a moment, revocation deadlines in US business
days, merges that cannot lose a revocation, and no number in clear anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from ringfence.compliance import (
    ComplianceError,
    ConsentKind,
    ConsentLedger,
    Evidence,
    LawfulBasis,
)
from ringfence.compliance.deadlines import add_business_days, revocation_deadline
from ringfence.contacts import ContactStore
from ringfence.contacts.merge import merge_contacts, unmerge
from ringfence.errors import InvalidPhoneNumber
from ringfence.store import make_engine, upgrade
from ringfence.store.audit import list_events, verify_chain
from ringfence.testing import FakeClock

US = "+1 201 555 0123"
US_E164 = "+12015550123"
FR = "+33612345678"
MARKETING = {"channel": "sms", "purpose": "marketing", "brand": "Acme"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))  # a Friday


@pytest.fixture
def ledger(db_url, keyring, clock):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield ConsentLedger(engine, keyring, clock=clock)
    engine.dispose()


EVIDENCE = Evidence(
    method="web_form",
    lawful_basis=LawfulBasis.CONSENT,
    disclosure_text="I agree to receive marketing texts from Acme. Reply STOP to end.",
    disclosure_version="2026-10",
    source="https://acme.example/signup",
    ip="203.0.113.8",
    user_agent="Mozilla/5.0",
)


def test_grant_then_revoke_then_grant_again(ledger, clock) -> None:  # type: ignore[no-untyped-def]
    assert not ledger.state(US, **MARKETING).granted  # never asked: no consent
    granted = ledger.grant(US, evidence=EVIDENCE, actor="agent-7", **MARKETING)
    assert ledger.state(US, **MARKETING).granted
    assert ledger.state(US, channel="voice", purpose="marketing", brand="Acme").granted is False
    assert ledger.state(US, channel="sms", purpose="marketing", brand="Other").granted is False
    clock.advance(days=3)
    revoked = ledger.revoke(US, **MARKETING)
    state = ledger.state(US, **MARKETING)
    assert not state.granted and state.event_id == revoked.id
    assert ledger.state(US, at=clock.now() - timedelta(days=1), **MARKETING).granted
    clock.advance(days=30)
    ledger.grant("2015550123", region="US", **MARKETING)
    assert ledger.state(US, **MARKETING).granted
    history = ledger.history(US)
    assert [e.kind for e in history] == [ConsentKind.GRANT, ConsentKind.REVOKE, ConsentKind.GRANT]
    assert history[0].id == granted.id
    assert history[0].evidence == EVIDENCE and history[0].actor == "agent-7"


def test_a_late_entered_revocation_counts_from_when_it_was_received(ledger, clock) -> None:  # type: ignore[no-untyped-def]
    ledger.grant(US, received_at=clock.now() - timedelta(days=40), **MARKETING)
    received = clock.now() - timedelta(days=20)
    revocation = ledger.revoke(US, received_at=received, **MARKETING)
    assert revocation.deadline == add_business_days(received, 10, "US")
    assert not ledger.state(US, **MARKETING).granted
    with ledger.engine.connect() as connection:
        events = list_events(connection, limit=1)
    assert events[0]["action"] == "consent.revoked" and events[0]["details"]["late"] is True
    with pytest.raises(ComplianceError) as future:
        ledger.grant(US, received_at=clock.now() + timedelta(hours=1), **MARKETING)
    assert future.value.reason == "received_in_future"


def test_revocation_deadlines_are_us_business_days() -> None:
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    # 10 business days from Friday 20 November 2026, Thanksgiving (26th) excluded
    assert add_business_days(friday, 10, "US").date().isoformat() == "2026-12-07"
    assert revocation_deadline(friday, "US") == add_business_days(friday, 10, "US")
    assert revocation_deadline(friday, "FR") is None


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_a_deadline_lands_on_a_business_day_after_at_least_two_weeks(start: datetime) -> None:
    deadline = add_business_days(start.replace(tzinfo=UTC), 10, "US")
    assert deadline.weekday() < 5
    assert timedelta(days=11) < deadline - start.replace(tzinfo=UTC) < timedelta(days=22)


@pytest.mark.parametrize(
    ("selectors", "reason"),
    [
        ({"channel": "fax", "purpose": "marketing", "brand": "Acme"}, "bad_channel"),
        ({"channel": "sms", "purpose": "spam", "brand": "Acme"}, "bad_purpose"),
        ({"channel": "sms", "purpose": "marketing", "brand": ""}, "bad_brand"),
        ({"channel": "sms", "purpose": "marketing", "brand": "x" * 101}, "bad_brand"),
        ({"channel": "sms", "purpose": "marketing", "brand": "tab\there"}, "bad_brand"),
    ],
)
def test_bad_selectors_are_refused(ledger, selectors, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ComplianceError) as refused:
        ledger.grant(US, **selectors)
    assert refused.value.reason == reason
    assert "201" not in str(refused.value)


def test_bad_numbers_and_evidence_are_refused(ledger) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidPhoneNumber):
        ledger.grant("not a number", **MARKETING)
    with pytest.raises(ComplianceError) as long_text:
        ledger.grant(US, evidence=Evidence(disclosure_text="x" * 5000), **MARKETING)
    assert long_text.value.reason == "bad_evidence"
    with pytest.raises(ComplianceError):
        ledger.grant(US, evidence=Evidence(method=""), **MARKETING)
    assert ledger.history(US) == []


def test_nothing_in_clear_and_the_audit_chain_holds(ledger) -> None:  # type: ignore[no-untyped-def]
    ledger.grant(US, evidence=EVIDENCE, **MARKETING)
    ledger.revoke(US, **MARKETING)
    with ledger.engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM consent_events")).all())
        dump += str(connection.execute(text("SELECT * FROM audit_events")).all())
        assert verify_chain(connection).ok
    for secret in ("2015550123", "555 0123", "203.0.113.8", "Mozilla", "Reply STOP"):
        assert secret not in dump


def test_consent_follows_the_number_through_merge_and_unmerge(db_url, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    """Consent is bound to numbers, so merging two records of one person keeps every
    revocation: the most restrictive state of each number survives."""
    with ContactStore.open(db_url, keyring=keyring, clock=clock) as store:
        ledger = ConsentLedger(store.engine, keyring, clock=clock)
        first = store.add_contact(name="Ann Lee", phones=[US]).id
        second = store.add_contact(name="Ann Lee", phones=[US, FR]).id
        ledger.grant(US, **MARKETING)
        ledger.grant(FR, **MARKETING)
        clock.advance(hours=1)
        ledger.revoke(FR, **MARKETING)

        def states(contact_id):  # type: ignore[no-untyped-def]
            phones = store.get_contact(contact_id).phones
            return {p.e164: ledger.state(p, **MARKETING).granted for p in phones}

        record = merge_contacts(store, survivor_id=first, merged_id=second)
        assert states(first) == {US_E164: True, FR: False}
        unmerge(store, record)
        assert states(first) == {US_E164: True}
        assert states(second) == {US_E164: True, FR: False}
        with store.engine.connect() as connection:
            actions = [e["action"] for e in list_events(connection, limit=2)]
            assert verify_chain(connection).ok
        assert actions == ["contact.unmerged", "contact.merged"]


def test_moments_with_any_offset_compare_as_instants(ledger, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timezone

    new_york = timezone(timedelta(hours=-5))
    ledger.grant(US, received_at=clock.now().astimezone(new_york), **MARKETING)
    same_instant = clock.now().astimezone(new_york)
    assert ledger.state(US, at=same_instant, **MARKETING).granted
    assert not ledger.state(US, at=same_instant - timedelta(seconds=1), **MARKETING).granted
    assert ledger.history(US)[0].received_at == clock.now()
    assert ledger.state(US, **MARKETING).since == clock.now()


@pytest.mark.parametrize(
    ("text", "opt_out"),
    [
        ("STOP", True),
        ("stop", True),
        (" Stop All ", True),
        ("UNSUBSCRIBE", True),
        ("opt out", True),
        ("stop texting me at night", False),
        ("STOPPED", False),
        ("", False),
    ],
)
def test_opt_out_keywords(text: str, opt_out: bool) -> None:
    from ringfence.compliance.optout import is_opt_out

    assert is_opt_out(text) is opt_out
