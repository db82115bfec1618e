"""Campaign audiences: who may receive a campaign, and why every other contact may not.

A contact is included through its first phone contact point (primary first) that passes
every check; otherwise it is excluded with the reason its first point failed on. Checks, in
order: the point is active (not reassigned or unreachable), its region is in the campaign's
regions, its line type can receive the channel, it was verified recently enough (when the
campaign asks), consent for the channel, purpose and brand at send time, no suppression
(national registries for marketing only; a stale registry stops the whole audience), and the
send time falls in the window in the number's local time — for a number whose area spans
several time zones, in every one of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ringfence.compliance.consent import ConsentLedger, check_brand
from ringfence.compliance.model import ComplianceError, ContactChannel, ContactPurpose
from ringfence.compliance.suppression import INTERNAL, Suppressions
from ringfence.contacts.model import Contact, PhonePoint
from ringfence.contacts.store import ContactStore
from ringfence.phone import NumberType, describe
from ringfence.store.models import ContactRow

# Line types that can receive each channel.
RECEIVES = {
    ContactChannel.SMS: frozenset(
        {
            NumberType.MOBILE,
            NumberType.FIXED_LINE_OR_MOBILE,
            NumberType.VOIP,
            NumberType.PERSONAL_NUMBER,
        }
    ),
    ContactChannel.WHATSAPP: frozenset(
        {
            NumberType.MOBILE,
            NumberType.FIXED_LINE_OR_MOBILE,
            NumberType.VOIP,
            NumberType.PERSONAL_NUMBER,
        }
    ),
    ContactChannel.VOICE: frozenset(
        {
            NumberType.MOBILE,
            NumberType.FIXED_LINE,
            NumberType.FIXED_LINE_OR_MOBILE,
            NumberType.VOIP,
            NumberType.PERSONAL_NUMBER,
        }
    ),
}
REASONS = (
    "no_phone",
    "reassigned",
    "unreachable",
    "inactive",
    "region_excluded",
    "line_type",
    "stale",
    "no_consent",
    "suppressed",
    "do_not_call_registry",
    "unknown_time_zone",
    "outside_send_window",
)


@dataclass(frozen=True)
class Campaign:
    """What is sent, to whom, when.

    Attributes:
        regions: only numbers of these regions (empty: every region).
        at: when it goes out (default: now).
        window: the local times it may arrive, start inclusive, end exclusive.
        verified_within: exclude numbers not verified within this long (``None``: do not).
    """

    channel: ContactChannel
    purpose: ContactPurpose
    brand: str
    regions: tuple[str, ...] = ()
    at: datetime | None = None
    window: tuple[time, time] = (time(8, 0), time(21, 0))
    verified_within: timedelta | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", ContactChannel(self.channel))
        object.__setattr__(self, "purpose", ContactPurpose(self.purpose))
        object.__setattr__(self, "brand", check_brand(self.brand))
        object.__setattr__(self, "regions", tuple(r.upper() for r in self.regions))
        if not self.window[0] < self.window[1]:
            raise ComplianceError("a send window starts before it ends", reason="bad_window")


@dataclass
class Audience:
    """Included contacts with the contact point to use, and every excluded one with why."""

    included: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    excluded: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "included": [str(contact) for contact, _point in self.included],
            "excluded": [
                {"id": str(contact), "reason": reason} for contact, reason in self.excluded
            ],
        }


def eligible_recipients(store: ContactStore, campaign: Campaign) -> Audience:
    """The audience of ``campaign`` among the store's active contacts."""
    ledger = ConsentLedger(store.engine, store.sealer.keyring, clock=store.clock)
    suppressions = Suppressions(store.engine, store.sealer.keyring, clock=store.clock)
    at = campaign.at or store.clock.now()
    audience = Audience()
    for contact in _active_contacts(store):
        point, reason = _first_eligible(contact, campaign, at, ledger, suppressions)
        if point is not None:
            audience.included.append((contact.id, point.id))
        else:
            audience.excluded.append((contact.id, reason))
    return audience


def _active_contacts(store: ContactStore, batch: int = 500) -> Iterator[Contact]:
    with store.engine.connect() as connection:
        ids = (
            connection.execute(
                select(ContactRow.id).where(ContactRow.status == "active").order_by(ContactRow.id)
            )
            .scalars()
            .all()
        )
    for start in range(0, len(ids), batch):
        for contact_id in ids[start : start + batch]:
            yield store.get_contact(contact_id)


def _first_eligible(
    contact: Contact,
    campaign: Campaign,
    at: datetime,
    ledger: ConsentLedger,
    suppressions: Suppressions,
) -> tuple[PhonePoint | None, str]:
    points = sorted(contact.phone_points, key=lambda p: not p.is_primary)
    first_reason = "no_phone"
    for index, point in enumerate(points):
        reason = _refusal(point, campaign, at, ledger, suppressions)
        if reason is None:
            return point, ""
        if index == 0:
            first_reason = reason
    return None, first_reason


def _refusal(
    point: PhonePoint,
    campaign: Campaign,
    at: datetime,
    ledger: ConsentLedger,
    suppressions: Suppressions,
) -> str | None:
    number = point.number
    if point.status != "active":
        return point.status if point.status in ("reassigned", "unreachable") else "inactive"
    if campaign.regions and number.region not in campaign.regions:
        return "region_excluded"
    if number.number_type not in RECEIVES[campaign.channel]:
        return "line_type"
    if campaign.verified_within is not None and _stale(point, at - campaign.verified_within):
        return "stale"
    selectors = {"channel": campaign.channel, "purpose": campaign.purpose, "brand": campaign.brand}
    if not ledger.state(number, at=at, **selectors).granted:
        return "no_consent"
    registries = campaign.purpose is ContactPurpose.MARKETING
    found = suppressions.check(
        number, brand=campaign.brand, channel=campaign.channel, registries=registries
    )
    if found:
        internal = any(entry.list_name in (INTERNAL, "erasure") for entry in found)
        return "suppressed" if internal else "do_not_call_registry"
    return _window_refusal(point, campaign, at)


def _stale(point: PhonePoint, cutoff: datetime) -> bool:
    verified = point.last_verified_at
    if verified is None:
        return True
    # SQLite gives back naive datetimes: they were stored in UTC.
    return (verified.replace(tzinfo=UTC) if verified.tzinfo is None else verified) < cutoff


def _window_refusal(point: PhonePoint, campaign: Campaign, at: datetime) -> str | None:
    zones = describe(point.number).time_zones
    if not zones:
        return "unknown_time_zone"
    start, end = campaign.window
    for zone in zones:
        local = at.astimezone(ZoneInfo(zone)).time()
        if not start <= local < end:
            return "outside_send_window"
    return None
