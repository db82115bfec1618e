"""The verification service: start a verification (send a code), check a code, cancel,
read. Policies are in :mod:`ringfence.verify.policy`; storage is in
:mod:`ringfence.verify.records`, whose conditional UPDATEs make every check safe under
concurrency."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, Literal

from pydantic import SecretStr
from sqlalchemy import Connection, Engine, Row

from ringfence.clock import Clock, system_clock
from ringfence.crypto import BlindIndexer, CodeHasher, FieldCipher, Keyring, load_keyring
from ringfence.errors import ConfigurationError
from ringfence.phone import PhoneNumber, normalize
from ringfence.risk import RiskAction, RiskContext, RiskDecision, RiskGate
from ringfence.risk.traffic import TrafficCounters, TrafficKeys
from ringfence.settings import Settings, load_settings
from ringfence.store import make_engine, upgrade
from ringfence.verify import deliveries, records
from ringfence.verify.base import Event
from ringfence.verify.bindings import phone_history
from ringfence.verify.channels import (
    ChannelContext,
    DeliveryChannel,
    OutgoingMessage,
    build_channels,
    deliver,
)
from ringfence.verify.checking import CheckOperations
from ringfence.verify.codes import new_code, new_verification_id
from ringfence.verify.email import SmtpEmailSender, smtp_from_env
from ringfence.verify.errors import RiskDenied, TooManyRequests
from ringfence.verify.failover import FailoverOperations
from ringfence.verify.known import ContactNumbers
from ringfence.verify.model import Channel, Purpose, Status, Verification
from ringfence.verify.policy import DEFAULT_POLICY, VerificationPolicy
from ringfence.verify.ratelimit import RateLimiter
from ringfence.verify.views import TABLE as _TABLE
from ringfence.verify.views import aware, rate_keys, whole_seconds
from ringfence.verify.webhooks import WebhookSender

log = logging.getLogger("ringfence.verify")


@dataclass(frozen=True)
class Started:
    """A started verification and the message still to deliver (``None`` when simulated:
    a recovery for a number no account holds gets no SMS, but looks the same)."""

    verification: Verification
    message: OutgoingMessage | None
    risk: RiskDecision | None = None


@dataclass(frozen=True)
class _Request:
    """Who asks: the account, the end user's address, the device's operator token."""

    account_id: str | None
    client_ip: str | None
    client_country: str | None = None
    user_agent: str | None = None
    device_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Assessed:
    decision: RiskDecision | None
    traffic: TrafficKeys | None


class VerificationService(CheckOperations, FailoverOperations):
    """Verifications over one store. Build it with :meth:`open`.

    Args:
        known_number: tells whether any account holds a number; recoveries to unknown
            numbers are simulated (nothing sent) and look exactly like real ones.
        listeners: called with each audit event after it is committed (webhooks).
    """

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        settings: Settings,
        channels: Sequence[DeliveryChannel],
        limiter: RateLimiter | None = None,
        policy: VerificationPolicy = DEFAULT_POLICY,
        clock: Clock = system_clock,
        known_number: Callable[[PhoneNumber], bool] | None = None,
        app_name: str = "ringfence",
        risk: RiskGate | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.channels = list(channels)
        self.limiter = limiter
        self.policy = policy
        self.clock = clock
        self.known_number = known_number
        self.app_name = app_name
        self.listeners: list[Callable[[Event], None]] = []
        self._closers: list[Callable[[], None]] = []
        # None: not looked up yet; False: no SMTP configured.
        self.email_sender: SmtpEmailSender | Literal[False] | None = None
        self.risk = risk
        self._cipher = FieldCipher(keyring)
        self._indexer = BlindIndexer(keyring)
        self.traffic = TrafficCounters(engine, self._indexer)
        self._hasher = CodeHasher(keyring)
        self._keyring = keyring

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        keyring: Keyring | None = None,
        clock: Clock = system_clock,
        policy: VerificationPolicy = DEFAULT_POLICY,
        migrate: bool = True,
        **kwargs: Any,
    ) -> VerificationService:
        """The service over the store at ``url``, with the channels and rate-limit storage
        the settings name."""
        settings = settings or load_settings()
        engine = make_engine(url or settings.database_url)
        if migrate:
            upgrade(engine)
        keyring = keyring or load_keyring(settings)
        context = ChannelContext(settings=settings, engine=engine, keyring=keyring, clock=clock)
        if "risk" not in kwargs:
            kwargs["risk"] = RiskGate.from_settings(clock)
        if "limiter" not in kwargs:
            kwargs["limiter"] = RateLimiter(settings.rate_limit_storage, settings.rate_limits)
        service = cls(
            engine,
            keyring,
            settings=settings,
            channels=build_channels(settings.sms_channel, context),
            policy=policy,
            clock=clock,
            **kwargs,
        )
        if settings.webhook_url:
            service.add_webhook(settings.webhook_url, settings.webhook_secret)
        return service

    def add_webhook(self, url: str, secret: SecretStr | None, **options: Any) -> WebhookSender:
        """Post every event to ``url``, signed with ``secret``."""
        if secret is None or len(secret.get_secret_value()) < 16:
            raise ConfigurationError(
                "RINGFENCE_WEBHOOK_SECRET must be set (16 characters or more) with a webhook URL"
            )
        sender = WebhookSender(
            self.engine, url, secret.get_secret_value().encode(), clock=self.clock, **options
        )
        self.listeners.append(sender)
        self._closers.append(sender.close)
        return sender

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def close(self) -> None:
        if self.risk is not None:
            self.risk.close()
        for closer in self._closers:
            closer()
        for channel in self.channels:
            close = getattr(channel, "close", None)
            if close is not None:
                close()
        self.engine.dispose()

    # -- start ------------------------------------------------------------------------

    def start(self, to: str | PhoneNumber, **options: Any) -> Verification:
        """Send a code to ``to`` and return the pending verification: :meth:`prepare` with
        the same keyword options, then delivery (``DeliveryFailed`` if no channel takes it)."""
        started = self.prepare(to, **options)
        self.dispatch(started)
        return started.verification

    def prepare(
        self,
        to: str | PhoneNumber,
        *,
        channel: Channel | str = Channel.SMS,
        purpose: Purpose | str = Purpose.LOGIN,
        locale: str | None = None,
        account_id: str | None = None,
        client_ip: str | None = None,
        region: str | None = None,
        device_token: str | None = None,
        client_country: str | None = None,
        user_agent: str | None = None,
    ) -> Started:
        """Create a verification, or resend a new code for the live one of the same number
        and purpose, without delivering yet.

        ``client_ip`` is the end user's address (rate limits and the pumping counters count
        per end user); ``client_country`` and ``user_agent`` describe the end user's request
        and ``device_token`` is a CAMARA Number Verification token for the user's device,
        all for the risk gate.

        Raises:
            InvalidPhoneNumber: ``to`` is not a valid number.
            AccountLocked: the account had too many wrong codes.
            TooManyRequests: a rate limit, the resend cooldown or the send limit.
            MessageTooLong: the message exceeds the segment budget.
        """
        channel, purpose = Channel(channel), Purpose(purpose)
        number = to if isinstance(to, PhoneNumber) else normalize(to, region)
        now = self.clock.now()
        request = _Request(account_id, client_ip, client_country, user_agent, device_token)
        code = new_code(self.policy.code_length)
        body, language = self._compose(code, channel, locale)
        # One transaction for every read and write: a pooled connection, a BEGIN and a
        # COMMIT per request instead of one per step.
        with self._transaction() as connection:
            self._refuse_locked(connection, account_id, now)
            known = self._known(connection, number, purpose)
            assessed = self._assess(connection, number, channel, purpose, request, known, now)
            if self.limiter is not None:
                self.limiter.hit(rate_keys(self._indexer, number, account_id, client_ip))
            to_index = self._indexer.exact(number.e164)
            live = records.latest_pending(connection, to_index, purpose.value, now)
            simulated = purpose is Purpose.RECOVERY and known is False
            if live is not None and live.account_id == account_id and live.channel == channel.value:
                row = self._resend(connection, live, code, now)
                simulated = live.simulated
            else:
                new = _New(number, to_index, channel, purpose, locale, account_id, code, simulated)
                row = self._create(connection, new, assessed.traffic, now)
        message = None if simulated else OutgoingMessage(number, body, channel, row.id, language)
        return Started(self._view(row, Status.PENDING), message, assessed.decision)

    def _assess(
        self,
        connection: Connection,
        number: PhoneNumber,
        channel: Channel,
        purpose: Purpose,
        request: _Request,
        known: bool | None,
        now: datetime,
    ) -> _Assessed:
        """Ask the risk gate (with today's traffic counters for this send); record its
        decision; refuse on ``deny``, counting the refusal."""
        if self.risk is None:
            return _Assessed(None, None)
        account_id = request.account_id
        keys = self.traffic.keys(number, request.client_ip)
        baseline_days = self.risk.deps.policy.pumping.baseline_days
        traffic = self.traffic.snapshot(keys, _day(now), baseline_days, connection=connection)
        added_at, holders = phone_history(
            connection, self._indexer.exact_all_versions(number.e164), account_id
        )
        context = RiskContext(
            action=purpose.value,
            phone=number,
            channel=channel.value,
            account_id=account_id,
            phone_added_at=aware(added_at, now) if added_at else None,
            accounts_with_phone=holders,
            number_known=True if holders else known,
            ip=request.client_ip,
            ip_country=request.client_country,
            user_agent=request.user_agent,
            traffic=traffic,
            device_token=request.device_token,
        )
        decision = self.risk.assess(context)
        self._record_private(
            connection,
            {
                "at": now,
                "action": "risk.decision",
                "subject_type": "phone",
                "subject_id": self._indexer.exact(number.e164).hex(),
                "details": {"purpose": purpose.value, **decision.to_dict()},
            },
        )
        if decision.action is RiskAction.DENY:
            self.traffic.count(connection, keys.pairs(), _day(now), blocked=1)
            denying = next(r for r in decision.reasons if r.action is RiskAction.DENY)
            raise RiskDenied(decision, denying.code)
        return _Assessed(decision, keys)

    def _known(self, connection: Connection, number: PhoneNumber, purpose: Purpose) -> bool | None:
        """Whether a contact holds the number, where it matters: a recovery to an unknown
        number is simulated, and the risk policy may challenge numbers new to the system.
        ``None``: not asked."""
        if self.known_number is None:
            return None
        asked = purpose is Purpose.RECOVERY or (
            self.risk is not None and purpose.value in self.risk.deps.policy.new_number_for
        )
        if not asked:
            return None
        known = self.known_number
        if isinstance(known, ContactNumbers) and known.engine is self.engine:
            return known.within(connection, number)  # same store: no second connection
        return known(number)

    def dispatch(self, started: Started) -> None:
        """Deliver the message of a started verification through the channels in order."""
        if started.message is None:
            return
        receipt = deliver(self.channels, started.message)
        now = self.clock.now()
        with self._transaction() as connection:
            deliveries.record_sent(
                connection,
                verification_id=started.verification.id,
                channel=receipt.channel,
                provider_id=receipt.provider_id,
                at=now,
            )
            self._record(
                connection,
                "verification.sent",
                started.verification.id,
                now,
                {"channel": receipt.channel},
            )

    def send_email(self, address: str, body: str) -> None:
        """Send a notice by email: over SMTP when ``RINGFENCE_SMTP_HOST`` is set, else into
        the development outbox if it is a channel; otherwise the notice is logged (without
        the address) and dropped."""
        if self.email_sender is None:
            self.email_sender = smtp_from_env() or False
        if self.email_sender:
            self.email_sender.send_email(address, body)
            return
        for channel in self.channels:
            send = getattr(channel, "send_email", None)
            if send is not None:
                send(address, body)
                return
        log.warning("no email channel is configured: a notice was not emailed")

    def record_delivery_failure(self, verification_id: str) -> None:
        """Note that no channel took a verification's message (background delivery)."""
        log.warning("no channel delivered the message of verification %s", verification_id)
        self._audit("verification.delivery_failed", verification_id, {})

    def _create(
        self, connection: Connection, new: _New, traffic: TrafficKeys | None, now: datetime
    ) -> Any:
        number, channel, purpose, code = new.number, new.channel, new.purpose, new.code
        verification_id = new_verification_id()
        values: dict[str, Any] = {
            "id": verification_id,
            "to_sealed": self._cipher.seal(
                number.e164, table=_TABLE, column="to", row_id=verification_id
            ),
            "key_version": self._keyring.current,
            "to_index": new.to_index,
            "country_code": number.country_code,
            "channel": channel.value,
            "purpose": purpose.value,
            "locale": new.locale or "en",
            "account_id": new.account_id,
            "status": Status.PENDING.value,
            "code_hash": self._hasher.hash(code, verification_id),
            "code_key_version": self._hasher.current_version,
            "failed_checks": 0,
            "sends": 1,
            "simulated": new.simulated,
            "traffic": traffic.pairs() if traffic is not None else None,
            "created_at": now,
            "expires_at": now + self.policy.lifetime,
            "last_sent_at": now,
            "updated_at": now,
        }
        records.insert_verification(connection, values)
        # the counters' rows are shared by every send to a country: updated last, so their
        # row locks are held only until the commit
        self._count_send(connection, values["traffic"], new.simulated, now)
        self._record(
            connection,
            "verification.created",
            verification_id,
            now,
            {"channel": channel.value, "purpose": purpose.value, "to": number.masked()},
        )
        return SimpleNamespace(**values)

    def _resend(self, connection: Connection, live: Row[Any], code: str, now: datetime) -> Row[Any]:
        if live.sends >= self.policy.max_sends:
            raise TooManyRequests(
                "no more codes for this verification",
                retry_after=whole_seconds(aware(live.expires_at, now) - now),
                reason="max_sends",
            )
        next_send = aware(live.last_sent_at, now) + self.policy.cooldown_after(live.sends)
        if now < next_send:
            raise TooManyRequests(
                "a code was sent moments ago",
                retry_after=whole_seconds(next_send - now),
                reason="resend_cooldown",
            )
        code_hash = self._hasher.hash(code, live.id)
        row = records.record_resend(connection, live, code_hash, self._hasher.current_version, now)
        if row is None:
            raise TooManyRequests(
                "a code was sent moments ago", retry_after=1, reason="resend_cooldown"
            )
        self._record(connection, "verification.resent", live.id, now, {"send": live.sends + 1})
        self._count_send(connection, live.traffic, live.simulated, now)
        return row

    def _count_send(
        self, connection: Connection, pairs: list[list[str]] | None, simulated: bool, now: datetime
    ) -> None:
        # A simulated send counts zero through the same statement, so that a recovery for
        # an unknown number costs what a real one costs.
        if pairs:
            self.traffic.count(connection, pairs, _day(now), sent=0 if simulated else 1)


@dataclass(frozen=True)
class _New:
    """What a new verification is made of."""

    number: PhoneNumber
    to_index: bytes
    channel: Channel
    purpose: Purpose
    locale: str | None
    account_id: str | None
    code: str
    simulated: bool


def _day(moment: datetime) -> date:
    """The UTC day the traffic counters file ``moment`` under."""
    return moment.astimezone(UTC).date()


def start_verification(service: VerificationService, to: str, **options: Any) -> Verification:
    """Send a code to ``to``: :meth:`VerificationService.start`."""
    return service.start(to, **options)


def check_verification(
    service: VerificationService, verification_id: str, code: str
) -> Verification:
    """Check a code: :meth:`VerificationService.check`."""
    return service.check(verification_id, code)
