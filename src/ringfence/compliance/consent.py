"""The consent ledger: append-only grant and revocation events per number x channel x
purpose x brand, each with its evidence (sealed). Consent is bound to the number through its
blind index, not to a person, so merging or unmerging contacts neither loses nor widens it.

The state at a moment is decided by the latest event received by then; a revocation takes
effect when it is recorded, and where a law sets a deadline to honour it (US TCPA: 10
business days) the deadline is stored with it, and a revocation recorded after its deadline
is flagged in the audit log.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, insert, select

from ringfence.clock import Clock, system_clock
from ringfence.compliance.deadlines import revocation_deadline
from ringfence.compliance.model import (
    ComplianceError,
    ConsentEvent,
    ConsentKind,
    ConsentState,
    ContactChannel,
    ContactPurpose,
    Evidence,
    LawfulBasis,
)
from ringfence.crypto import BlindIndexer, FieldCipher, Keyring
from ringfence.phone import PhoneNumber, normalize
from ringfence.store.audit import record_event
from ringfence.store.models import ConsentEventRow

EVENTS = cast(Table, ConsentEventRow.__table__)
E = EVENTS.c
_SEALED = ("consent_events", "evidence")
MAX_TEXT = 4000


class ConsentLedger:
    """Appends to and reads the consent ledger of one store."""

    def __init__(self, engine: Engine, keyring: Keyring, *, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._indexer = BlindIndexer(keyring)
        self._cipher = FieldCipher(keyring)
        self._keyring = keyring

    def grant(
        self, phone: PhoneNumber | str, *, region: str | None = None, **selectors: Any
    ) -> ConsentEvent:
        """Record consent (see :meth:`record` for the arguments)."""
        return self.record(phone, ConsentKind.GRANT, region=region, **selectors)

    def revoke(
        self, phone: PhoneNumber | str, *, region: str | None = None, **selectors: Any
    ) -> ConsentEvent:
        """Record a revocation (see :meth:`record`)."""
        return self.record(phone, ConsentKind.REVOKE, region=region, **selectors)

    def record(
        self,
        phone: PhoneNumber | str,
        kind: ConsentKind,
        *,
        channel: ContactChannel | str,
        purpose: ContactPurpose | str,
        brand: str,
        evidence: Evidence | None = None,
        received_at: datetime | None = None,
        region: str | None = None,
        actor: str | None = None,
    ) -> ConsentEvent:
        """Append an event.

        Args:
            received_at: when the person gave or withdrew consent (default: now); never in
                the future.
            evidence: how, under which basis, shown what, from where.

        Raises:
            InvalidPhoneNumber: ``phone`` is not a valid number.
            ComplianceError: an unknown channel or purpose, a bad brand, evidence too long,
                a future ``received_at``.
        """
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        channel, purpose = _channel(channel), _purpose(purpose)
        evidence = evidence or Evidence()
        _check_evidence(evidence)
        # UTC throughout: SQLite stores wall times without their offset.
        now = _utc(self.clock.now())
        received = _utc(received_at or now)
        if received > now:
            raise ComplianceError("received_at is in the future", reason="received_in_future")
        deadline = (
            revocation_deadline(received, number.region) if kind is ConsentKind.REVOKE else None
        )
        ref, phone_index = uuid.uuid4(), self._indexer.exact(number.e164)
        values: dict[str, Any] = {
            "ref": ref,
            "phone_index": phone_index,
            "key_version": self._keyring.current,
            "channel": channel.value,
            "purpose": purpose.value,
            "brand": check_brand(brand),
            "kind": kind.value,
            "received_at": received,
            "recorded_at": now,
            "deadline": deadline,
            "lawful_basis": evidence.lawful_basis.value,
            "method": evidence.method,
            "disclosure_version": evidence.disclosure_version,
            "evidence_sealed": self._cipher.seal(
                json.dumps(evidence.sealed_part()),
                table=_SEALED[0],
                column=_SEALED[1],
                row_id=str(ref),
            ),
            "actor": actor,
        }
        with self._transaction() as connection:
            event_id = connection.execute(
                insert(EVENTS).values(**values).returning(E.id)
            ).scalar_one()
            late = deadline is not None and now > deadline
            record_event(
                connection,
                at=now,
                action=f"consent.{'granted' if kind is ConsentKind.GRANT else 'revoked'}",
                subject_type="phone",
                subject_id=phone_index.hex(),
                actor=actor,
                details={
                    "event": event_id,
                    "channel": channel.value,
                    "purpose": purpose.value,
                    "brand": values["brand"],
                    "to": number.masked(),
                    **({"late": True} if late else {}),
                },
            )
        return self._event({**values, "id": event_id})

    def revoke_everything(
        self,
        phone: PhoneNumber | str,
        *,
        channel: ContactChannel | str,
        evidence: Evidence,
        region: str | None = None,
        received_at: datetime | None = None,
        actor: str | None = None,
    ) -> int:
        """Revoke every consent the number holds for ``channel`` (all purposes and brands),
        as an opt-out such as an SMS ``STOP`` asks; returns how many were revoked."""
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        channel = _channel(channel)
        held = {
            (event.purpose, event.brand)
            for event in self.history(number)
            if event.channel is channel
        }
        revoked = 0
        for purpose, brand in sorted(held):
            if self.state(number, channel=channel, purpose=purpose, brand=brand).granted:
                self.revoke(
                    number,
                    channel=channel,
                    purpose=purpose,
                    brand=brand,
                    evidence=evidence,
                    received_at=received_at,
                    actor=actor,
                )
                revoked += 1
        return revoked

    def state(
        self,
        phone: PhoneNumber | str,
        *,
        channel: ContactChannel | str,
        purpose: ContactPurpose | str,
        brand: str,
        at: datetime | None = None,
        region: str | None = None,
    ) -> ConsentState:
        """Whether the number may be contacted so at ``at`` (default: now)."""
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        moment = _utc(at or self.clock.now())
        query = (
            select(E.id, E.kind, E.received_at)
            .where(
                E.phone_index.in_(self._indexer.exact_all_versions(number.e164)),
                E.channel == _channel(channel).value,
                E.purpose == _purpose(purpose).value,
                E.brand == check_brand(brand),
                E.received_at <= moment,
                E.recorded_at <= moment,
            )
            .order_by(E.received_at.desc(), E.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            latest = connection.execute(query).first()
        if latest is None:
            return ConsentState(False)
        granted = latest.kind == ConsentKind.GRANT.value
        return ConsentState(granted, _utc(latest.received_at), latest.id)

    def history(self, phone: PhoneNumber | str, *, region: str | None = None) -> list[ConsentEvent]:
        """Every event of the number, oldest first, evidence unsealed."""
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        query = (
            select(EVENTS)
            .where(E.phone_index.in_(self._indexer.exact_all_versions(number.e164)))
            .order_by(E.received_at, E.id)
        )
        with self.engine.connect() as connection:
            return [self._event(dict(row._mapping)) for row in connection.execute(query)]

    def _event(self, values: dict[str, Any]) -> ConsentEvent:
        sealed = json.loads(
            self._cipher.open(
                values["evidence_sealed"],
                table=_SEALED[0],
                column=_SEALED[1],
                row_id=str(values["ref"]),
            )
        )
        evidence = Evidence(
            method=values["method"],
            lawful_basis=LawfulBasis(values["lawful_basis"]),
            disclosure_version=values["disclosure_version"],
            **sealed,
        )
        return ConsentEvent(
            id=values["id"],
            kind=ConsentKind(values["kind"]),
            channel=ContactChannel(values["channel"]),
            purpose=ContactPurpose(values["purpose"]),
            brand=values["brand"],
            received_at=_utc(values["received_at"]),
            recorded_at=_utc(values["recorded_at"]),
            deadline=_utc(values["deadline"]) if values["deadline"] else None,
            evidence=evidence,
            actor=values["actor"],
        )

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _channel(value: ContactChannel | str) -> ContactChannel:
    try:
        return ContactChannel(value)
    except ValueError:
        raise ComplianceError("channel is sms, voice or whatsapp", reason="bad_channel") from None


def _purpose(value: ContactPurpose | str) -> ContactPurpose:
    try:
        return ContactPurpose(value)
    except ValueError:
        raise ComplianceError(
            "purpose is marketing, informational or transactional", reason="bad_purpose"
        ) from None


def check_brand(brand: str) -> str:
    """A brand name: 1 to 100 printable characters, no phone number in it."""
    text = str(brand).strip()
    if not 1 <= len(text) <= 100 or not text.isprintable():
        raise ComplianceError("a brand is 1 to 100 printable characters", reason="bad_brand")
    return text


def _check_evidence(evidence: Evidence) -> None:
    for name, value in evidence.sealed_part().items():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            raise ComplianceError(
                f"evidence {name} is text of at most {MAX_TEXT} characters", reason="bad_evidence"
            )
    for name, value, limit in (
        ("method", evidence.method, 32),
        ("disclosure_version", evidence.disclosure_version, 64),
    ):
        if value is not None and not 1 <= len(value) <= limit:
            raise ComplianceError(
                f"evidence {name} is 1 to {limit} characters", reason="bad_evidence"
            )
