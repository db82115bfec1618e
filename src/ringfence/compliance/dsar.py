"""Data-subject requests by phone number: find everything about the person, export it as
one JSON bundle, rectify the number, or erase — each request tracked with its legal due date
(one month, GDPR Art. 12(3)) and recorded in the audit log.

Erasure deletes every contact holding the number (with its contact points, import
fingerprints and merge records), redacts the number where other contacts' free text mentions
it, deletes its consent events, verifications (with their deliveries and development
messages) and account bindings, and adds a keyed-hash ``erasure`` suppression entry so the
person is not contacted again. ringfence keeps no per-subject key (data is sealed under
purpose keys), so deleting the rows is the erasure. Audit entries stay: the chain is
append-only and names a phone only by a keyed hash and a masked form. The requests stay
tracked (kind, dates, counts) but are unlinked from the person.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.suppression import Suppressions
from ringfence.contacts.store import ContactStore
from ringfence.crypto import FieldCipher
from ringfence.phone import PhoneNumber, find_numbers, normalize
from ringfence.store.audit import AUDIT, record_event
from ringfence.store.models import (
    AccountContactRow,
    ConsentEventRow,
    ContactRow,
    DeliveryRow,
    OutboxMessageRow,
    PhoneRow,
    SubjectRequestRow,
    SuppressionRow,
    VerificationRow,
)

REQUESTS = cast(Table, SubjectRequestRow.__table__)
ERASED = "[erased]"
UNLINKED = bytes(16)
_FREE_TEXT = ("custom", "addresses", "organization", "display_name")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass
class Findings:
    """What the store holds about a number, by table (ids and counts only)."""

    contact_ids: list[uuid.UUID] = field(default_factory=list)
    mentions: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    verification_ids: list[str] = field(default_factory=list)
    account_ids: list[str] = field(default_factory=list)
    consent_events: int = 0
    suppressions: int = 0
    audit_events: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "contacts": len(self.contact_ids),
            "free_text_mentions": len(self.mentions),
            "verifications": len(self.verification_ids),
            "accounts": len(self.account_ids),
            "consent_events": self.consent_events,
            "suppressions": self.suppressions,
            "audit_events": self.audit_events,
        }


class SubjectRequests:
    """Data-subject requests over one contact store."""

    def __init__(self, store: ContactStore) -> None:
        self.store = store
        self.engine = store.engine
        self.indexer = store.sealer.indexer
        self.ledger = ConsentLedger(store.engine, store.sealer.keyring, clock=store.clock)
        self.suppressions = Suppressions(store.engine, store.sealer.keyring, clock=store.clock)

    # -- find -------------------------------------------------------------------------

    def find(self, number: PhoneNumber) -> Findings:
        indexes = self.indexer.exact_all_versions(number.e164)
        with self.engine.connect() as connection:
            found = Findings(
                contact_ids=list(
                    connection.execute(
                        select(PhoneRow.contact_id)
                        .where(PhoneRow.exact_index.in_(indexes))
                        .distinct()
                    ).scalars()
                ),
                verification_ids=list(
                    connection.execute(
                        select(VerificationRow.id).where(VerificationRow.to_index.in_(indexes))
                    ).scalars()
                ),
                account_ids=sorted(
                    set(
                        connection.execute(
                            select(AccountContactRow.account_id).where(
                                AccountContactRow.exact_index.in_(indexes)
                            )
                        ).scalars()
                    )
                ),
                consent_events=_count(connection, ConsentEventRow.phone_index.in_(indexes)),
                suppressions=_count(connection, SuppressionRow.phone_index.in_(indexes)),
                audit_events=_count(connection, AUDIT.c.subject_id.in_([i.hex() for i in indexes])),
            )
            found.mentions = self._mentions(connection, number, set(found.contact_ids))
        return found

    def _mentions(
        self, connection: Connection, number: PhoneNumber, holders: set[uuid.UUID]
    ) -> list[tuple[uuid.UUID, str]]:
        """Contacts whose free text mentions the number (``find_numbers``), holders aside."""
        found = []
        columns = [ContactRow.id, *(getattr(ContactRow, name) for name in _FREE_TEXT)]
        for row in connection.execute(select(*columns)):
            if row.id in holders:
                continue
            for name in _FREE_TEXT:
                if _mentions(getattr(row, name), number):
                    found.append((row.id, name))
        return found

    # -- export -----------------------------------------------------------------------

    def export(
        self, phone: PhoneNumber | str, *, region: str | None = None, actor: str | None = None
    ) -> dict[str, Any]:
        """Everything about the number, as one JSON-ready bundle (the number in clear: it
        goes to its own subject)."""
        number = _number(phone, region)
        found = self.find(number)
        contacts = [self.store.get_contact(cid).to_dict(reveal=True) for cid in found.contact_ids]
        with self.engine.connect() as connection:
            verifications = [
                {
                    "id": row.id,
                    "purpose": row.purpose,
                    "channel": row.channel,
                    "status": row.status,
                    "created_at": row.created_at.isoformat(),
                    "account_id": row.account_id,
                }
                for row in connection.execute(
                    select(VerificationRow).where(VerificationRow.id.in_(found.verification_ids))
                )
            ]
        bundle = {
            "subject": {"phone": number.e164, "masked": number.masked()},
            "exported_at": self.store.clock.now().isoformat(),
            "contacts": contacts,
            "mentioned_in": [{"contact": str(cid), "field": name} for cid, name in found.mentions],
            "consent": [event.to_dict() for event in self.ledger.history(number)],
            "suppressions": [entry.to_dict() for entry in self.suppressions.entries_for(number)],
            "verifications": verifications,
            "accounts": found.account_ids,
            "counts": found.counts(),
        }
        self._track("export", number, found.counts(), actor)
        return bundle

    # -- rectify ----------------------------------------------------------------------

    def rectify(
        self,
        phone: PhoneNumber | str,
        correct: PhoneNumber | str,
        *,
        region: str | None = None,
        actor: str | None = None,
    ) -> int:
        """Replace a wrong number by the right one in every contact holding it; returns
        how many contacts changed."""
        number, right = _number(phone, region), _number(correct, region)
        found = self.find(number)
        for contact_id in found.contact_ids:
            point = next(
                p for p in self.store.get_contact(contact_id).phone_points if p.number == number
            )
            self.store.add_phone(contact_id, right, label=point.label, primary=point.is_primary)
            self.store.remove_phone(contact_id, number)
        self._track("rectify", number, {"contacts": len(found.contact_ids)}, actor)
        return len(found.contact_ids)

    # -- erase ------------------------------------------------------------------------

    def erase(
        self, phone: PhoneNumber | str, *, region: str | None = None, actor: str | None = None
    ) -> dict[str, int]:
        """Erase everything about the number but a keyed-hash suppression entry."""
        number = _number(phone, region)
        found = self.find(number)
        indexes = self.indexer.exact_all_versions(number.e164)
        with self.engine.begin() as connection:
            self._redact_mentions(connection, number, found.mentions)
            outbox = self._outbox_to(connection, number, found.verification_ids)
            for statement in (
                delete(DeliveryRow).where(DeliveryRow.verification_id.in_(found.verification_ids)),
                delete(OutboxMessageRow).where(OutboxMessageRow.id.in_(outbox)),
                delete(VerificationRow).where(VerificationRow.id.in_(found.verification_ids)),
                delete(ConsentEventRow).where(ConsentEventRow.phone_index.in_(indexes)),
                delete(AccountContactRow).where(AccountContactRow.exact_index.in_(indexes)),
                delete(ContactRow).where(ContactRow.id.in_(found.contact_ids)),
            ):
                connection.execute(statement)
        self.suppressions.add(number, list_name="erasure", reason="erased on request", actor=actor)
        counts = {**found.counts(), "development_messages": len(outbox)}
        self._track("erase", number, counts, actor)
        with self.engine.begin() as connection:
            # the requests stay tracked, no longer linked to the person
            connection.execute(
                update(REQUESTS)
                .where(REQUESTS.c.subject_index.in_(indexes))
                .values(subject_index=UNLINKED)
            )
        return counts

    def _redact_mentions(
        self, connection: Connection, number: PhoneNumber, mentions: list[tuple[uuid.UUID, str]]
    ) -> None:
        for contact_id, name in mentions:
            value = connection.execute(
                select(getattr(ContactRow, name)).where(ContactRow.id == contact_id)
            ).scalar()
            connection.execute(
                update(ContactRow)
                .where(ContactRow.id == contact_id)
                .values({name: _redact(value, number), "revision": ContactRow.revision + 1})
            )

    def _outbox_to(
        self, connection: Connection, number: PhoneNumber, verification_ids: list[str]
    ) -> list[int]:
        """Development messages of the subject's verifications or addressed to the number."""
        cipher = FieldCipher(self.store.sealer.keyring)
        ids = []
        for row in connection.execute(select(OutboxMessageRow)):
            to = cipher.open(
                row.to_sealed, table="outbox_messages", column="to", row_id=str(row.ref)
            )
            if row.verification_id in verification_ids or to == number.e164:
                ids.append(row.id)
        return ids

    # -- tracking ---------------------------------------------------------------------

    def _track(
        self, kind: str, number: PhoneNumber, summary: dict[str, int], actor: str | None
    ) -> None:
        now = self.store.clock.now().astimezone(UTC)
        subject = self.indexer.exact(number.e164)
        with self.engine.begin() as connection:
            connection.execute(
                insert(REQUESTS).values(
                    id=uuid.uuid4(),
                    kind=kind,
                    subject_index=subject,
                    received_at=now,
                    due_at=add_months(now, 1),
                    completed_at=now,
                    actor=actor,
                    summary=summary,
                )
            )
            record_event(
                connection,
                at=now,
                action=f"dsar.{kind}",
                subject_type="phone",
                subject_id=subject.hex(),
                actor=actor,
                details={"to": number.masked(), **summary},
            )


def _number(phone: PhoneNumber | str, region: str | None) -> PhoneNumber:
    return phone if isinstance(phone, PhoneNumber) else normalize(phone, region)


def _count(connection: Connection, condition: Any) -> int:
    table = condition.left.table
    return int(
        connection.execute(select(func.count()).select_from(table).where(condition)).scalar_one()
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _mentions(value: Any, number: PhoneNumber) -> bool:
    region = number.region
    return any(
        found.number.e164 == number.e164
        for text in _strings(value)
        for found in find_numbers(text, region, "possible")
    )


def _redact(value: Any, number: PhoneNumber) -> Any:
    if isinstance(value, str):
        for found in sorted(
            find_numbers(value, number.region, "possible"), key=lambda f: f.start, reverse=True
        ):
            if found.number.e164 == number.e164:
                value = value[: found.start] + ERASED + value[found.end :]
        return value
    if isinstance(value, dict):
        return {key: _redact(item, number) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, number) for item in value]
    return value


def list_requests(engine: Any, limit: int = 100) -> list[dict[str, Any]]:
    """Requests, newest first: kind, received, due, completed, counts (no subject)."""
    query = select(REQUESTS).order_by(REQUESTS.c.received_at.desc()).limit(limit)
    with engine.connect() as connection:
        return [
            {
                "id": str(row.id),
                "kind": row.kind,
                "received_at": row.received_at.isoformat(),
                "due_at": row.due_at.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "summary": row.summary,
            }
            for row in connection.execute(query)
        ]
