"""The vocabulary of verifications: channels, purposes, statuses, and the public view of one
verification (the destination only masked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    """How the code travels."""

    SMS = "sms"
    VOICE = "voice"
    WHATSAPP = "whatsapp"


class Purpose(StrEnum):
    """Why the person proves control of the number; recovery and phone_change are guarded
    more closely (anti-enumeration, re-authentication)."""

    SIGNUP = "signup"
    LOGIN = "login"
    RECOVERY = "recovery"
    STEP_UP = "step_up"
    PHONE_CHANGE = "phone_change"


class Status(StrEnum):
    """States of a verification. ``pending`` is the only state that leaves; the others are
    final."""

    PENDING = "pending"
    APPROVED = "approved"
    EXPIRED = "expired"
    CANCELED = "canceled"
    MAX_ATTEMPTS_REACHED = "max_attempts_reached"


@dataclass(frozen=True)
class Verification:
    """What a caller may see of a verification.

    Attributes:
        id: ``VE`` followed by 32 hex digits.
        to: the destination, masked (``+3361•••••78``).
        attempts_left: wrong checks still allowed.
        resend_at: the earliest time another code may be sent.
    """

    id: str
    to: str
    channel: Channel
    purpose: Purpose
    status: Status
    locale: str
    account_id: str | None
    created_at: datetime
    expires_at: datetime
    attempts_left: int
    sends: int
    resend_at: datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "to": self.to,
            "channel": self.channel.value,
            "purpose": self.purpose.value,
            "status": self.status.value,
            "locale": self.locale,
            "account_id": self.account_id,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "attempts_left": self.attempts_left,
            "sends": self.sends,
            "resend_at": self.resend_at.isoformat(),
        }
