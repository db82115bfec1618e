"""Domain objects of the CRM: what the store returns. No SQL, no ciphertext."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ringfence.phone import PhoneNumber

PHONE_LABELS = ("mobile", "work", "home", "other")
CONTACT_STATUSES = ("active", "merged", "erased")
PHONE_STATUSES = ("active", "stale", "unreachable", "reassigned")


@dataclass(frozen=True)
class PhonePoint:
    """A phone contact point of a contact: the number and what we know about its use."""

    id: uuid.UUID
    number: PhoneNumber
    label: str
    is_primary: bool
    status: str
    valid_from: datetime
    valid_to: datetime | None
    last_verified_at: datetime | None
    source: str | None
    key_version: int


@dataclass(frozen=True)
class Contact:
    """A customer profile. ``phones`` are :class:`PhoneNumber` objects (masked in repr)."""

    id: uuid.UUID
    name: str
    given_name: str | None = None
    family_name: str | None = None
    organization: str | None = None
    emails: tuple[str, ...] = ()
    addresses: tuple[dict[str, Any], ...] = ()
    country: str | None = None
    tags: tuple[str, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    status: str = "active"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    phone_points: tuple[PhonePoint, ...] = ()

    @property
    def phones(self) -> tuple[PhoneNumber, ...]:
        """The contact's numbers, primary first."""
        return tuple(point.number for point in self.phone_points)

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """JSON-ready form; phone numbers masked unless ``reveal``."""
        return {
            "id": str(self.id),
            "name": self.name,
            "emails": list(self.emails),
            "country": self.country,
            "organization": self.organization,
            "tags": list(self.tags),
            "external_id": self.external_id,
            "status": self.status,
            "phones": [p.number.e164 if reveal else p.number.masked() for p in self.phone_points],
            "phone_points": [
                {
                    "id": str(point.id),
                    "number": point.number.e164 if reveal else point.number.masked(),
                    **({"extension": point.number.extension} if reveal else {}),
                    "label": point.label,
                    "primary": point.is_primary,
                    "type": point.number.number_type.value,
                    "region": point.number.region,
                    "status": point.status,
                }
                for point in self.phone_points
            ],
        }
