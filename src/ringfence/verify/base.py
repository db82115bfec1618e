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
from ringfence.store.audit import record_event
from ringfence.verify import records
from ringfence.verify.channels import DeliveryChannel
from ringfence.verify.composer import compose, compose_voice
from ringfence.verify.email import SmtpEmailSender
from ringfence.verify.errors import AccountLocked, VerificationNotFound
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
        row = self._load(verification_id)
        return self._view(row, self._settle(row, self.clock.now()))

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

    def _load(self, verification_id: str) -> Row[Any]:
        if not isinstance(verification_id, str) or len(verification_id) > 34:
            raise VerificationNotFound()
        with self.engine.connect() as connection:
            row = records.load(connection, verification_id)
        if row is None:
            raise VerificationNotFound()
        return row

    def _settle(self, row: Row[Any], now: datetime) -> Status:
        """The status now: a pending verification past its lifetime is expired (and stored
        as such the first time this is noticed)."""
        status = Status(row.status)
        if status is Status.PENDING and aware(row.expires_at, now) <= now:
            with self._transaction() as connection:
                if records.finish(connection, row.id, Status.EXPIRED, now):
                    self._record(connection, "verification.expired", row.id, now, {})
            return Status.EXPIRED
        return status

    def _view(self, row: Row[Any], status: Status) -> Verification:
        return view_of(row, status, cipher=self._cipher, policy=self.policy, now=self.clock.now())

    def _refuse_locked(self, account_id: str | None, now: datetime) -> None:
        if account_id is None:
            return
        with self.engine.connect() as connection:
            until = records.locked_until(connection, account_id, now)
        if until is not None:
            raise AccountLocked(until)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A transaction whose audit events reach the listeners once it has committed."""
        events: list[Event] = []
        with self.engine.begin() as connection:
            connection.info[_EVENTS] = events
            try:
                yield connection
            finally:
                connection.info.pop(_EVENTS, None)
        for event in events:
            for listener in self.listeners:
                try:
                    listener(event)
                except Exception as exc:  # a listener must never break a verification
                    log.error("event listener failed: %s", type(exc).__name__)

    def _record(
        self, connection: Connection, action: str, subject: str, now: datetime, details: Event
    ) -> None:
        record_event(
            connection,
            at=now,
            action=action,
            subject_type="verification",
            subject_id=subject,
            details=details,
        )
        event = {"type": action, "verification_id": subject, "at": now.isoformat(), **details}
        connection.info[_EVENTS].append(event)

    def _audit(self, action: str, subject: str, details: Event) -> None:
        with self._transaction() as connection:
            self._record(connection, action, subject, self.clock.now(), details)
