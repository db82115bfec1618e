"""Freshness of phone contact points: what to re-verify, and what has gone bad.

A number found reassigned, or undeliverable :data:`MAX_DELIVERY_FAILURES` times in a row,
becomes inactive with ``valid_to`` set; nothing is deleted, so history stays.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from ringfence.contacts.errors import ContactNotFound
from ringfence.contacts.store import ContactStore
from ringfence.phone import PhoneNumber
from ringfence.store.models import ContactRow, PhoneRow

MAX_DELIVERY_FAILURES = 3
REASSIGNMENT_RESULTS = ("yes", "no", "no_data")


@dataclass(frozen=True)
class StalePhone:
    """A contact point to re-verify."""

    contact_id: uuid.UUID
    contact_name: str
    phone_id: uuid.UUID
    number: PhoneNumber
    last_verified_at: str | None


def parse_age(text: str) -> timedelta:
    """``180d``, ``12h``, ``6w`` or a number of days."""
    text = text.strip().lower()
    units = {"d": 1, "w": 7, "h": 1 / 24}
    try:
        if text and text[-1] in units:
            return timedelta(days=float(text[:-1]) * units[text[-1]])
        return timedelta(days=float(text))
    except ValueError:
        raise ValueError("an age is a number with d, w or h, e.g. 180d") from None


def stale_phones(store: ContactStore, older_than: timedelta) -> list[StalePhone]:
    """Active numbers never verified, or verified before ``now - older_than``."""
    cutoff = store.clock.now() - older_than
    with store._session() as session:
        rows = session.execute(
            select(PhoneRow, ContactRow.display_name)
            .join(ContactRow, ContactRow.id == PhoneRow.contact_id)
            .where(
                PhoneRow.status == "active",
                ContactRow.status == "active",
                or_(PhoneRow.last_verified_at.is_(None), PhoneRow.last_verified_at < cutoff),
            )
            .order_by(PhoneRow.last_verified_at.is_not(None), PhoneRow.last_verified_at)
        ).all()
        return [
            StalePhone(
                contact_id=phone.contact_id,
                contact_name=name,
                phone_id=phone.id,
                number=store.sealer.open(phone),
                last_verified_at=phone.last_verified_at.isoformat()
                if phone.last_verified_at
                else None,
            )
            for phone, name in rows
        ]


def _phone(store: ContactStore, session: object, phone_id: uuid.UUID | str) -> PhoneRow:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    try:
        key = phone_id if isinstance(phone_id, uuid.UUID) else uuid.UUID(str(phone_id))
    except ValueError:
        raise ContactNotFound("no such phone contact point") from None
    row = session.get(PhoneRow, key, with_for_update=True)
    if row is None:
        raise ContactNotFound("no such phone contact point")
    return row


def record_verified(store: ContactStore, phone_id: uuid.UUID | str, *, method: str) -> None:
    """The person proved control of the number now (e.g. by one-time code)."""
    with store._session() as session:
        row = _phone(store, session, phone_id)
        row.last_verified_at = store.clock.now()
        row.verification_method = method
        row.delivery_failures = 0


def record_delivery_failure(store: ContactStore, phone_id: uuid.UUID | str) -> str:
    """Count a failed delivery; the number becomes ``unreachable`` after too many."""
    with store._session() as session:
        row = _phone(store, session, phone_id)
        now = store.clock.now()
        row.delivery_failures = (row.delivery_failures or 0) + 1
        row.last_delivery_failure_at = now
        if row.delivery_failures >= MAX_DELIVERY_FAILURES and row.status == "active":
            row.status, row.valid_to = "unreachable", now
        return row.status


def record_reassignment(store: ContactStore, phone_id: uuid.UUID | str, result: str) -> str:
    """Record a reassigned-number check: ``yes`` ends this person's hold on the number."""
    if result not in REASSIGNMENT_RESULTS:
        raise ValueError(f"result must be one of {', '.join(REASSIGNMENT_RESULTS)}")
    with store._session() as session:
        row = _phone(store, session, phone_id)
        now = store.clock.now()
        row.reassignment_result, row.reassignment_checked_at = result, now
        if result == "yes":
            row.status, row.valid_to, row.is_primary = "reassigned", now, False
        return row.status
