"""The vocabulary of risk decisions: what is assessed, and the explained answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ringfence.phone import PhoneNumber


class RiskAction(StrEnum):
    """The decision, from most to least permissive."""

    ALLOW = "allow"
    CHALLENGE = "challenge"
    DENY = "deny"


SEVERITY = {RiskAction.ALLOW: 0, RiskAction.CHALLENGE: 1, RiskAction.DENY: 2}


@dataclass(frozen=True)
class RiskReason:
    """Why a rule asked for more than ``allow``: a stable code and a readable detail (never
    a number)."""

    code: str
    detail: str
    action: RiskAction = RiskAction.CHALLENGE


@dataclass(frozen=True)
class Tally:
    """Codes sent and verified under one counter today."""

    sent: int = 0
    verified: int = 0

    @property
    def unverified(self) -> int:
        """Codes sent today that nobody entered (yet)."""
        return max(0, self.sent - self.verified)


@dataclass(frozen=True)
class TrafficSnapshot:
    """Today's counts under the counters a send would count against, and the verified
    baselines (see :mod:`ringfence.risk.traffic`).

    Attributes:
        ip_countries: destination countries asked for from this IP today, this one included.
        country_baseline, block_baseline: the largest daily verified count over the
            baseline period (the days before today).
    """

    country: Tally = field(default_factory=Tally)
    block: Tally = field(default_factory=Tally)
    ip: Tally | None = None
    ip_countries: int = 0
    country_baseline: int = 0
    block_baseline: int = 0


@dataclass(frozen=True)
class RiskContext:
    """Everything a rule may look at.

    Attributes:
        action: what is being attempted (signup, login, recovery, step_up, phone_change).
        phone: the number, normalized.
        channel: how a code would travel (sms, voice, whatsapp).
        phone_added_at: when the account got this number (``None``: unknown or new).
        number_known: whether any contact or account holds the number (``None``: unknown).
        accounts_with_phone: how many accounts hold the number now (``None``: unknown).
        ip, ip_country, user_agent: the request, as far as the caller knows it.
        traffic: the SMS-pumping counters for this send (``None``: not counted).
        device_token: a CAMARA Number Verification access token the application obtained
            for the user's device by network-based authentication (a secret: not in repr).
    """

    action: str
    phone: PhoneNumber
    channel: str = "sms"
    account_id: str | None = None
    phone_added_at: datetime | None = None
    number_known: bool | None = None
    accounts_with_phone: int | None = None
    ip: str | None = None
    ip_country: str | None = None
    user_agent: str | None = None
    traffic: TrafficSnapshot | None = None
    device_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class TraceEntry:
    """What one rule found: ``ok``, ``flagged`` or ``unavailable``, with its reasons."""

    rule: str
    outcome: str
    reasons: tuple[RiskReason, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RiskDecision:
    """The answer: the strictest action any rule asked for, all the reasons, a score in
    [0, 1] and the full trace of every rule consulted."""

    action: RiskAction
    reasons: list[RiskReason]
    score: float
    trace: list[TraceEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "action": self.action.value,
            "score": round(self.score, 3),
            "reasons": [
                {"code": r.code, "detail": r.detail, "action": r.action.value} for r in self.reasons
            ],
            "trace": [
                {
                    "rule": t.rule,
                    "outcome": t.outcome,
                    "note": t.note,
                    "reasons": [r.code for r in t.reasons],
                }
                for t in self.trace
            ],
        }
