"""Merge two contacts under survivorship rules, and undo it from the merge record.

Rules: every phone of the merged contact is kept, as a contact point of the survivor; the
most recently verified number becomes primary (the survivor's primary stays when none is
verified); emails are united. The merged contact stays, with status ``merged`` and
``merged_into`` set, so nothing is lost and :func:`unmerge` can restore it exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from ringfence.contacts.errors import ContactNotFound
from ringfence.contacts.store import ContactStore
from ringfence.errors import RingfenceError
from ringfence.store.audit import record_event
from ringfence.store.models import ContactRow, MergeRecord, PhoneRow


class MergeRefused(RingfenceError, ValueError):
    """The two contacts cannot be merged (the same contact, or not both active)."""

    default_reason = "merge_refused"


def _verified_key(phone: PhoneRow) -> datetime:
    moment = phone.last_verified_at
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def merge_contacts(
    store: ContactStore,
    survivor_id: uuid.UUID | str,
    merged_id: uuid.UUID | str,
    *,
    probability: float | None = None,
    reasons: Sequence[str] = (),
) -> uuid.UUID:
    """Merge ``merged_id`` into ``survivor_id``; returns the merge record's id."""
    with store._session() as session:
        survivor = store._load(session, survivor_id, lock=True)
        merged = store._load(session, merged_id, lock=True)
        if survivor.id == merged.id or survivor.status != "active" or merged.status != "active":
            raise MergeRefused("merge needs two different active contacts")
        previous = next((p for p in survivor.phones if p.is_primary), None)
        moved = list(merged.phones)
        for phone in moved:
            merged.phones.remove(phone)
            survivor.phones.append(phone)
        everything = list(survivor.phones)
        verified = [p for p in everything if p.last_verified_at is not None]
        primary: PhoneRow | None
        if verified:
            primary = max(verified, key=_verified_key)
        else:
            primary = previous or (everything[0] if everything else None)
        for phone in everything:
            phone.is_primary = phone is primary
        added = [e for e in merged.emails if e not in survivor.emails]
        survivor.emails = [*survivor.emails, *added]
        survivor.tags = list(dict.fromkeys([*survivor.tags, *merged.tags]))
        now = store.clock.now()
        survivor.updated_at = merged.updated_at = now
        merged.status, merged.merged_into = "merged", survivor.id
        record = MergeRecord(
            id=uuid.uuid4(),
            survivor_id=survivor.id,
            merged_id=merged.id,
            moved_phone_ids=[str(p.id) for p in moved],
            added_emails=added,
            previous_primary_id=str(previous.id) if previous else None,
            probability=probability,
            reasons=list(reasons),
            merged_at=now,
        )
        session.add(record)
        record_event(
            session.connection(),
            at=now,
            action="contact.merged",
            subject_type="contact",
            subject_id=str(survivor.id),
            details={
                "merged": str(merged.id),
                "record": str(record.id),
                "phones_moved": len(moved),
                "probability": probability,
            },
        )
        return record.id


def unmerge(store: ContactStore, merged_or_record_id: uuid.UUID | str) -> uuid.UUID:
    """Undo a merge, given the merged contact's id or the merge record's id.

    Returns the restored contact's id.
    """
    key = str(merged_or_record_id)
    with store._session() as session:
        try:
            wanted = uuid.UUID(key)
        except ValueError:
            raise ContactNotFound("no such merge") from None
        record = session.scalars(
            select(MergeRecord)
            .where(
                (MergeRecord.id == wanted) | (MergeRecord.merged_id == wanted),
                MergeRecord.undone_at.is_(None),
            )
            .order_by(MergeRecord.merged_at.desc())
            .with_for_update()
        ).first()
        if record is None:
            raise ContactNotFound("no merge to undo")
        survivor = session.get(ContactRow, record.survivor_id, with_for_update=True)
        merged = session.get(ContactRow, record.merged_id, with_for_update=True)
        if survivor is None or merged is None:
            raise ContactNotFound("a contact of this merge is gone")
        moved = set(record.moved_phone_ids)
        for phone in list(survivor.phones):
            if str(phone.id) in moved:
                survivor.phones.remove(phone)
                merged.phones.append(phone)
        for phone in survivor.phones:
            phone.is_primary = str(phone.id) == record.previous_primary_id
        if survivor.phones and not any(p.is_primary for p in survivor.phones):
            survivor.phones[0].is_primary = True
        if merged.phones and not any(p.is_primary for p in merged.phones):
            merged.phones[0].is_primary = True
        survivor.emails = [e for e in survivor.emails if e not in set(record.added_emails)]
        now = store.clock.now()
        merged.status, merged.merged_into = "active", None
        survivor.updated_at = merged.updated_at = record.undone_at = now
        record_event(
            session.connection(),
            at=now,
            action="contact.unmerged",
            subject_type="contact",
            subject_id=str(merged.id),
            details={"survivor": str(survivor.id), "record": str(record.id)},
        )
        return merged.id
