"""The delivery log: which channel took each message, and what the provider reported later
(delivery receipts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from ringfence.store.audit import record_event
from ringfence.store.models import DeliveryRow

DELIVERIES = cast(Table, DeliveryRow.__table__)
_INSERT = insert(DELIVERIES)  # built once, run with parameters

# Provider statuses, folded into four: accepted (queued), sent, delivered, failed.
STATUS_OF = {
    "queued": "accepted",
    "accepted": "accepted",
    "buffered": "accepted",
    "sending": "accepted",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "expired": "failed",
    "rejected": "failed",
}


def record_sent(
    connection: Connection,
    *,
    verification_id: str | None,
    channel: str,
    provider_id: str | None,
    at: datetime,
) -> None:
    values = {
        "verification_id": verification_id,
        "channel": channel,
        "provider_id": provider_id,
        "status": "accepted",
        "created_at": at,
        "updated_at": at,
    }
    connection.execute(_INSERT, values)


@dataclass(frozen=True)
class Receipt:
    """An applied receipt: the folded status, the verification it concerns, and whether
    this receipt is the one that turned the delivery into a failure (a failover is due)."""

    status: str
    verification_id: str | None
    newly_failed: bool


def record_receipt(
    connection: Connection,
    *,
    channel: str,
    provider_id: str,
    provider_status: str,
    error_code: str | None,
    at: datetime,
) -> Receipt | None:
    """Apply a delivery receipt; ``None`` for a message we never sent (the receipt is
    ignored) or a status we do not know."""
    status = STATUS_OF.get(provider_status.lower())
    if status is None:
        return None
    row = connection.execute(
        select(DELIVERIES.c.id, DELIVERIES.c.verification_id, DELIVERIES.c.status).where(
            DELIVERIES.c.channel == channel, DELIVERIES.c.provider_id == provider_id
        )
    ).first()
    if row is None:
        return None
    connection.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == row.id)
        .values(status=status, error_code=(error_code or None) and error_code[:32], updated_at=at)
    )
    if row.verification_id and status in ("delivered", "failed"):
        record_event(
            connection,
            at=at,
            action=f"verification.{'delivered' if status == 'delivered' else 'undelivered'}",
            subject_type="verification",
            subject_id=row.verification_id,
            details={"channel": channel, "error_code": error_code},
        )
    newly_failed = status == "failed" and row.status != "failed"
    return Receipt(status, row.verification_id, newly_failed)


def deliveries_of(connection: Connection, verification_id: str) -> list[dict[str, Any]]:
    query = (
        select(DELIVERIES)
        .where(DELIVERIES.c.verification_id == verification_id)
        .order_by(DELIVERIES.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]
