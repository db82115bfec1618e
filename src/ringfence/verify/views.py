"""Turning stored verification rows into what callers see, and small time helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ringfence.crypto import BlindIndexer, FieldCipher
from ringfence.phone import PhoneNumber, normalize
from ringfence.verify.model import Channel, Purpose, Status, Verification
from ringfence.verify.policy import VerificationPolicy
from ringfence.verify.ratelimit import RateKeys

TABLE = "verifications"


def aware(moment: datetime, like: datetime) -> datetime:
    """SQLite hands datetimes back naive (they were stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def whole_seconds(delta: timedelta) -> int:
    """At least one second, rounded up (for Retry-After)."""
    return max(1, int(delta.total_seconds() + 0.999))


def view_of(
    row: Any, status: Status, *, cipher: FieldCipher, policy: VerificationPolicy, now: datetime
) -> Verification:
    """The public view of a stored verification: the number opened only to be masked."""
    e164 = cipher.open(row.to_sealed, table=TABLE, column="to", row_id=row.id)
    expires_at = aware(row.expires_at, now)
    return Verification(
        id=row.id,
        to=normalize(e164).masked(),
        channel=Channel(row.channel),
        purpose=Purpose(row.purpose),
        status=status,
        locale=row.locale,
        account_id=row.account_id,
        created_at=aware(row.created_at, now),
        expires_at=expires_at,
        attempts_left=max(0, policy.max_checks - row.failed_checks),
        sends=row.sends,
        resend_at=min(expires_at, aware(row.last_sent_at, now) + policy.cooldown_after(row.sends)),
    )


def rate_keys(
    indexer: BlindIndexer, number: PhoneNumber, account_id: str | None, client_ip: str | None
) -> RateKeys:
    """What a send counts against; the number and its block only as blind indexes."""
    return RateKeys(
        destination=indexer.exact(number.e164).hex(),
        ip=client_ip,
        account=account_id,
        country=str(number.country_code),
        block=indexer.exact(number.e164[:-4]).hex(),
    )
