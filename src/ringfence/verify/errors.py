"""Errors of the verification service. Messages never hold a code or a full number."""

from __future__ import annotations

from datetime import datetime

from ringfence.errors import RingfenceError


class VerificationError(RingfenceError):
    """Root of the verification service's errors."""

    default_reason = "verification_error"


class VerificationNotFound(VerificationError, LookupError):
    """No verification has this id (or none is pending for this number)."""

    default_reason = "not_found"

    def __init__(self, message: str = "no such verification") -> None:
        super().__init__(message)


class TooManyRequests(VerificationError):
    """A rate limit or the resend cooldown refused the request.

    Attributes:
        retry_after: whole seconds to wait before trying again.
    """

    default_reason = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, reason: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.retry_after = max(1, retry_after)


class AccountLocked(VerificationError, PermissionError):
    """Too many consecutive wrong codes for this account.

    Attributes:
        locked_until: when checks and new verifications are accepted again.
    """

    default_reason = "account_locked"

    def __init__(self, locked_until: datetime) -> None:
        super().__init__(f"the account is locked until {locked_until.isoformat()}")
        self.locked_until = locked_until


class MessageTooLong(VerificationError, ValueError):
    """The composed message exceeds the SMS segment budget."""

    default_reason = "message_too_long"


class DeliveryFailed(VerificationError):
    """Every configured channel refused the message."""

    default_reason = "delivery_failed"


class UnknownChannel(VerificationError, ValueError):
    """No delivery channel is registered under this name."""

    default_reason = "unknown_channel"


class RateLimitUnavailable(VerificationError):
    """The rate-limit storage cannot be reached: requests are refused, not let through."""

    default_reason = "rate_limit_unavailable"


class RiskDenied(VerificationError, PermissionError):
    """The risk gate refused to send a code; ``reason`` is the deciding rule's code
    (``sim_swap``, ``line_type_no_sms``, ...) and ``decision`` the full explanation."""

    default_reason = "risk_denied"

    def __init__(self, decision: object, reason: str) -> None:
        super().__init__("refused by the risk policy", reason=reason)
        self.decision = decision
