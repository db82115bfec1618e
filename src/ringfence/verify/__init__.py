"""Phone verification: one-time codes under NIST SP 800-63B-4 rules, sent through pluggable
channels, checked safely under concurrency.

>>> service = VerificationService.open("sqlite:///app.db")       # doctest: +SKIP
>>> started = service.start("+33 6 12 34 56 78", purpose="login")  # doctest: +SKIP
>>> service.check(started.id, "123456").status                      # doctest: +SKIP
"""

from ringfence.verify import outbox as _outbox  # noqa: F401  (registers the outbox channel)
from ringfence.verify import providers as _providers  # noqa: F401  (registers provider channels)
from ringfence.verify.channels import (
    ChannelContext,
    ChannelError,
    DeliveryChannel,
    DeliveryReceipt,
    OutgoingMessage,
    register_channel,
)
from ringfence.verify.composer import ComposedMessage, compose
from ringfence.verify.errors import (
    AccountLocked,
    DeliveryFailed,
    MessageTooLong,
    RateLimitUnavailable,
    RiskDenied,
    TooManyRequests,
    UnknownChannel,
    VerificationError,
    VerificationNotFound,
)
from ringfence.verify.model import Channel, Purpose, Status, Verification
from ringfence.verify.outbox import OutboxMessage, read_outbox
from ringfence.verify.policy import DEFAULT_POLICY, VerificationPolicy
from ringfence.verify.ratelimit import RateKeys, RateLimiter
from ringfence.verify.service import (
    Started,
    VerificationService,
    check_verification,
    start_verification,
)

__all__ = [
    "DEFAULT_POLICY",
    "AccountLocked",
    "Channel",
    "ChannelContext",
    "ChannelError",
    "ComposedMessage",
    "DeliveryChannel",
    "DeliveryFailed",
    "DeliveryReceipt",
    "MessageTooLong",
    "OutboxMessage",
    "OutgoingMessage",
    "Purpose",
    "RateKeys",
    "RateLimitUnavailable",
    "RateLimiter",
    "RiskDenied",
    "Started",
    "Status",
    "TooManyRequests",
    "UnknownChannel",
    "Verification",
    "VerificationError",
    "VerificationNotFound",
    "VerificationPolicy",
    "VerificationService",
    "check_verification",
    "compose",
    "read_outbox",
    "register_channel",
    "start_verification",
]
