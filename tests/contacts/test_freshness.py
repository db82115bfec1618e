"""Freshness: stale numbers, delivery failures, reassignment; history kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringfence.contacts import ContactNotFound, ContactStore
from ringfence.contacts.freshness import (
    MAX_DELIVERY_FAILURES,
    parse_age,
    record_delivery_failure,
    record_reassignment,
    record_verified,
    stale_phones,
)
from ringfence.testing import FakeClock


@pytest.fixture
def clocked(db_url, keyring):
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    store = ContactStore.open(db_url, keyring=keyring, clock=clock)
    yield store, clock
    store.close()


def test_parse_age():
    assert parse_age("180d").days == 180
    assert parse_age("2w").days == 14
    assert parse_age("30").days == 30
    with pytest.raises(ValueError):
        parse_age("soon")


def test_stale_lists_never_and_long_ago_verified(clocked):
    store, clock = clocked
    a = store.add_contact(name="A", phones=["+16502530000"])
    b = store.add_contact(name="B", phones=["+16502530001"])
    record_verified(store, a.phone_points[0].id, method="sms_otp")
    clock.advance(days=100)
    record_verified(store, b.phone_points[0].id, method="sms_otp")
    clock.advance(days=100)
    stale = stale_phones(store, parse_age("180d"))
    assert [s.contact_id for s in stale] == [a.id]
    assert stale[0].number.e164 == "+16502530000"
    assert len(stale_phones(store, parse_age("10d"))) == 2


def test_repeated_delivery_failures_make_a_number_unreachable(clocked):
    store, _ = clocked
    contact = store.add_contact(name="A", phones=["+16502530000"])
    phone_id = contact.phone_points[0].id
    statuses = [record_delivery_failure(store, phone_id) for _ in range(MAX_DELIVERY_FAILURES)]
    assert statuses[-1] == "unreachable" and statuses[0] == "active"
    point = store.get_contact(contact.id).phone_points[0]
    assert point.status == "unreachable" and point.valid_to is not None
    assert stale_phones(store, parse_age("1d")) == []


def test_reassigned_number_is_kept_as_history(clocked):
    store, _ = clocked
    contact = store.add_contact(name="A", phones=["+16502530000", "+16502530001"])
    assert record_reassignment(store, contact.phone_points[0].id, "no") == "active"
    assert record_reassignment(store, contact.phone_points[0].id, "yes") == "reassigned"
    kept = store.get_contact(contact.id)
    assert len(kept.phone_points) == 2
    reassigned = [p for p in kept.phone_points if p.status == "reassigned"]
    assert reassigned and reassigned[0].valid_to is not None
    with pytest.raises(ValueError):
        record_reassignment(store, contact.phone_points[0].id, "maybe")
    with pytest.raises(ContactNotFound):
        record_verified(store, "not-a-uuid", method="x")
