"""The contact pages' read models: search by number in any format or by name, and one
contact with its consent, verification and merge history — numbers masked throughout."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, or_, select

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.reveal import reveal_numbers
from ringfence.compliance.roles import Permission, Principal, authorize
from ringfence.contacts.model import Contact
from ringfence.contacts.store import ContactStore
from ringfence.errors import InvalidPhoneNumber
from ringfence.store.audit import list_events
from ringfence.store.models import MergeRecord, VerificationRow

VERIFICATIONS = cast(Table, VerificationRow.__table__)
MERGES = cast(Table, MergeRecord.__table__)
MAX_QUERY = 100


def search_contacts(
    store: ContactStore, principal: Principal, query: str, *, region: str | None = None
) -> dict[str, Any]:
    """Contacts matching ``query``: a number in any format (``region`` for national forms),
    the last digits of one (4 or more), or part of a name."""
    authorize(principal, Permission.CONTACTS_READ)
    text = " ".join((query or "").split())[:MAX_QUERY]
    how, found = _search(store, text, region)
    return {
        "query_kind": how,
        "results": [_summary(contact) for contact in found],
    }


def _search(store: ContactStore, text: str, region: str | None) -> tuple[str, list[Contact]]:
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 4:
        try:
            return "number", store.find_by_phone(text, region)
        except InvalidPhoneNumber:
            pass
        try:
            return "number_suffix", store.search_phone_suffix(text)
        except ValueError:
            return "number_suffix", []
    try:
        return "name", store.search_name(text)
    except ValueError:  # under 2 characters once control characters are gone
        return "empty", []


def _summary(contact: Contact) -> dict[str, Any]:
    return {
        "id": str(contact.id),
        "name": contact.name,
        "phones": [number.masked() for number in contact.phones],
        "country": contact.country,
    }


def contact_page(
    store: ContactStore, ledger: ConsentLedger, principal: Principal, contact_id: str
) -> dict[str, Any]:
    """One contact, masked, with its consent, verification, merge and reveal history."""
    authorize(principal, Permission.CONTACTS_READ)
    contact = store.get_contact(contact_id)  # loaded and opened once
    consent = [
        {"number": number.masked(), **event.to_dict()}
        for number in contact.phones
        for event in ledger.history(number)
    ]
    for entry in consent:
        entry["evidence"] = {
            k: v for k, v in entry["evidence"].items() if k not in ("ip", "user_agent")
        }
    return {
        **contact.to_dict(reveal=False),
        "consent": consent,
        "verifications": _verifications(store, contact),
        "merges": _merges(store, contact.id),
        "reveals": _reveals(store, contact.id),
    }


def reveal(
    store: ContactStore, principal: Principal, contact_id: str, *, reason: str
) -> dict[str, Any]:
    """The numbers in clear for a stated reason; the reveal is audited."""
    return {"numbers": reveal_numbers(store, principal, contact_id, reason=reason)}


def _verifications(store: ContactStore, contact: Contact) -> list[dict[str, Any]]:
    indexer = store.sealer.indexer
    masked = {}
    for number in contact.phones:
        for index in indexer.exact_all_versions(number.e164):
            masked[bytes(index)] = number.masked()
    if not masked:
        return []
    query = (
        select(VERIFICATIONS)
        .where(VERIFICATIONS.c.to_index.in_(list(masked)))
        .order_by(VERIFICATIONS.c.created_at.desc())
        .limit(50)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": row.id,
            "to": masked[bytes(row.to_index)],
            "channel": row.channel,
            "purpose": row.purpose,
            "status": row.status,
            "failed_checks": row.failed_checks,
            "created_at": row.created_at.isoformat(),
        }
        for row in rows
    ]


def _merges(store: ContactStore, contact_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        select(MERGES)
        .where(or_(MERGES.c.survivor_id == contact_id, MERGES.c.merged_id == contact_id))
        .order_by(MERGES.c.merged_at.desc())
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": str(row.id),
            "survivor_id": str(row.survivor_id),
            "merged_id": str(row.merged_id),
            "probability": row.probability,
            "reasons": list(row.reasons or []),
            "merged_at": row.merged_at.isoformat(),
            "undone_at": row.undone_at.isoformat() if row.undone_at else None,
        }
        for row in rows
    ]


def _reveals(store: ContactStore, contact_id: uuid.UUID) -> list[dict[str, Any]]:
    with store.engine.connect() as connection:
        events = list_events(connection, subject_id=str(contact_id), limit=50)
    return [
        {
            "at": event["at"].isoformat(),
            "actor": event["actor"],
            "reason": event["details"].get("reason"),
        }
        for event in events
        if event["action"] == "contact.revealed"
    ]
