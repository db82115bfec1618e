"""The vocabulary of consent and suppression."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ringfence.errors import RingfenceError


class ContactChannel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    WHATSAPP = "whatsapp"


class ContactPurpose(StrEnum):
    MARKETING = "marketing"
    INFORMATIONAL = "informational"
    TRANSACTIONAL = "transactional"


class ConsentKind(StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"


class LawfulBasis(StrEnum):
    """GDPR Art. 6(1) bases a contact can rest on."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class ComplianceError(RingfenceError, ValueError):
    """A consent or suppression request that cannot be carried out; ``reason`` says why."""

    default_reason = "compliance_error"


@dataclass(frozen=True)
class Evidence:
    """What proves a consent event. ``disclosure_text`` is what the person was shown;
    ``ip`` and ``user_agent`` are theirs; everything but the method, basis and disclosure
    version is stored sealed."""

    method: str = "api"
    lawful_basis: LawfulBasis = LawfulBasis.CONSENT
    disclosure_text: str | None = None
    disclosure_version: str | None = None
    source: str | None = None
    ip: str | None = field(default=None, repr=False)
    user_agent: str | None = field(default=None, repr=False)
    note: str | None = None

    def sealed_part(self) -> dict[str, Any]:
        return {
            "disclosure_text": self.disclosure_text,
            "source": self.source,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "note": self.note,
        }


@dataclass(frozen=True)
class ConsentEvent:
    """A ledger entry as read back (evidence unsealed)."""

    id: int
    kind: ConsentKind
    channel: ContactChannel
    purpose: ContactPurpose
    brand: str
    received_at: datetime
    recorded_at: datetime
    deadline: datetime | None
    evidence: Evidence
    actor: str | None

    def to_dict(self) -> dict[str, Any]:
        evidence = self.evidence
        return {
            "id": self.id,
            "kind": self.kind.value,
            "channel": self.channel.value,
            "purpose": self.purpose.value,
            "brand": self.brand,
            "received_at": self.received_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "evidence": {
                "method": evidence.method,
                "lawful_basis": evidence.lawful_basis.value,
                "disclosure_version": evidence.disclosure_version,
                **evidence.sealed_part(),
            },
            "actor": self.actor,
        }


@dataclass(frozen=True)
class ConsentState:
    """Whether a number may be contacted by a channel, for a purpose, for a brand, at a
    moment; ``event_id`` is the ledger entry that decided it (``None``: never asked)."""

    granted: bool
    since: datetime | None = None
    event_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "granted": self.granted,
            "since": self.since.isoformat() if self.since else None,
            "event_id": self.event_id,
        }
