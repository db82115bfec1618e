"""Contacts as each role may see them: masked numbers for agents; a number in clear only
with a stated reason, checked and audited."""

from __future__ import annotations

import uuid
from typing import Any

from ringfence.compliance.model import ComplianceError
from ringfence.compliance.roles import Permission, Principal, authorize
from ringfence.contacts.store import ContactStore
from ringfence.phone import find_numbers
from ringfence.store.audit import record_event


def view_contact(
    store: ContactStore, principal: Principal, contact_id: uuid.UUID | str
) -> dict[str, Any]:
    """The contact with its numbers masked."""
    authorize(principal, Permission.CONTACTS_READ)
    return store.get_contact(contact_id).to_dict(reveal=False)


def reveal_numbers(
    store: ContactStore, principal: Principal, contact_id: uuid.UUID | str, *, reason: str
) -> list[str]:
    """The contact's numbers in E.164, for ``reason`` (5 to 200 characters, no number in
    it), recorded in the audit log with who asked."""
    authorize(principal, Permission.CONTACTS_REVEAL)
    text = (reason or "").strip()
    if not 5 <= len(text) <= 200 or not text.isprintable():
        raise ComplianceError("state a reason of 5 to 200 characters", reason="reason_required")
    if list(find_numbers(text, None, "possible")) or list(find_numbers(text, "US", "possible")):
        raise ComplianceError("a reason must not hold a phone number", reason="number_in_reason")
    contact = store.get_contact(contact_id)
    with store.engine.begin() as connection:
        record_event(
            connection,
            at=store.clock.now(),
            action="contact.revealed",
            subject_type="contact",
            subject_id=str(contact.id),
            actor=principal.id,
            details={"reason": text, "numbers": len(contact.phones)},
        )
    return [number.e164 for number in contact.phones]
