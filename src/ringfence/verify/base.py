"""What every part of the verification service shares: its state, reading rows, settling
expiry, public views, account locks, and transactions whose audit events reach listeners
after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row

from ringfence.clock import Clock
from ringfence.crypto import BlindIndexer, CodeHasher, FieldCipher, Keyring
from ringfence.phone import PhoneNumber
from ringfence.risk import RiskGate
from ringfence.risk.traffic import TrafficCounters
from ringfence.settings import Settings
from ringfence.store.audit import record_events
from ringfence.verify import records
from ringfence.verify.channels import DeliveryChannel
from ringfence.verify.composer import compose, compose_voice
from ringfence.verify.email import SmtpEmailSender
from ringfence.verify.errors import AccountLocked, VerificationError, VerificationNotFound
from ringfence.verify.model import Channel, Status, Verification
from ringfence.verify.policy import VerificationPolicy
from ringfence.verify.ratelimit import RateLimiter
from ringfence.verify.views import aware, view_of

log = logging.getLogger("ringfence.verify")
Event = dict[str, Any]
_EVENTS = "ringfence_events"


class ServiceCore:
    """State and helpers of :class:`ringfence.verify.VerificationService`."""

    engine: Engine
    settings: Settings
    channels: list[DeliveryChannel]
    limiter: RateLimiter | None
    policy: VerificationPolicy
    clock: Clock
    known_number: Callable[[PhoneNumber], bool] | None
    app_name: str
    listeners: list[Callable[[Event], None]]
    risk: RiskGate | None
    traffic: TrafficCounters
    email_sender: SmtpEmailSender | Literal[False] | None
    _closers: list[Callable[[], None]]
    _cipher: FieldCipher
    _indexer: BlindIndexer
    _hasher: CodeHasher
    _keyring: Keyring

    def get(self, verification_id: str) -> Verification:
        """The verification's current state (an expired one reads as ``expired``)."""
        with self._transaction() as connection:
            row = self._load(connection, verification_id)
            status = self._settle(connection, row, self.clock.now())
        return self._view(row, status)

    # -- helpers ------------------------------------------------------------------------

    def _compose(self, code: str, channel: Channel, locale: str | None) -> tuple[str, str | None]:
        """The message carrying ``code`` (and, for voice, its speech language)."""
        if channel is Channel.VOICE:
            language, body = compose_voice(code, locale=locale, app_name=self.app_name)
            return body, language
        body = compose(
            code,
            locale=locale,
            app_name=self.app_name,
            minutes=int(self.policy.lifetime.total_seconds() // 60),
            domain=self.settings.otp_domain,
            app_hash=self.settings.android_app_hash,
            segment_budget=self.policy.segment_budget,
        ).body
        return body, None

    def _fetch(self, verification_id: str) -> Row[Any]:
        """A verification's stored row, read on its own connection."""
        with self.engine.connect() as connection:
            return self._load(connection, verification_id)

    def _load(self, connection: Connection, verification_id: str) -> Row[Any]:
        if not isinstance(verification_id, str) or len(verification_id) > 34:
            raise VerificationNotFound()
        row = records.load(connection, verification_id)
        if row is None:
            raise VerificationNotFound()
        return row

    def _settle(self, connection: Connection, row: Row[Any], now: datetime) -> Status:
        """The status now: a pending verification past its lifetime is expired (and stored
        as such, in ``connection``'s transaction, the first time this is noticed)."""
        status = Status(row.status)
        if status is Status.PENDING and aware(row.expires_at, now) <= now:
            if records.finish(connection, row.id, Status.EXPIRED, now):
                self._record(connection, "verification.expired", row.id, now, {})
            return Status.EXPIRED
        return status

    def _view(self, row: Row[Any], status: Status) -> Verification:
        return view_of(row, status, cipher=self._cipher, policy=self.policy, now=self.clock.now())

    def _refuse_locked(self, connection: Connection, account_id: str | None, now: datetime) -> None:
        if account_id is None:
            return
        until = records.locked_until(connection, account_id, now)
        if until is not None:
            raise AccountLocked(until)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction on one pooled connection, for all the reads and writes of one
        operation.

        Audit events recorded in it (:meth:`_record`) are appended together at the end, just
        before the commit, so their lane's head row stays locked for the shortest time; they
        reach the listeners once committed. A refusal raised inside (a
        :class:`VerificationError`: rate limit, risk denial, lock, unknown id) commits what
        was recorded before it — a refused request is audited — and is raised again; any
        other exception rolls everything back. Refusals are raised before an operation's
        writes, so a refusal never commits half of one."""
        events: list[Event] = []
        refusal: VerificationError | None = None
        with self.engine.begin() as connection:
            connection.info[_EVENTS] = events
            try:
                yield connection
            except VerificationError as exc:
                refusal = exc
            finally:
                connection.info.pop(_EVENTS, None)
            record_events(connection, [event["audit"] for event in events])
        for event in events:
            if event["public"] is None:
                continue
            for listener in self.listeners:
                try:
                    listener(event["public"])
                except Exception as exc:  # a listener must never break a verification
                    log.error("event listener failed: %s", type(exc).__name__)
        if refusal is not None:
            raise refusal

    def _record(
        self, connection: Connection, action: str, subject: str, now: datetime, details: Event
    ) -> None:
        """Record an audit event of a verification in ``connection``'s transaction (it
        reaches the listeners after the commit)."""
        audit = {
            "at": now,
            "action": action,
            "subject_type": "verification",
            "subject_id": subject,
            "details": details,
        }
        public = {"type": action, "verification_id": subject, "at": now.isoformat(), **details}
        connection.info[_EVENTS].append({"audit": audit, "public": public})

    def _record_private(self, connection: Connection, audit: Event) -> None:
        """Record an audit event that listeners do not receive (``audit`` holds
        :func:`ringfence.store.audit.record_events`' fields)."""
        connection.info[_EVENTS].append({"audit": audit, "public": None})

    def _audit(self, action: str, subject: str, details: Event) -> None:
        with self._transaction() as connection:
            self._record(connection, action, subject, self.clock.now(), details)
