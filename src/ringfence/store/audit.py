"""The audit log: one row per state change, written in the transaction that made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select

from ringfence.store.models import AuditEventRow

AUDIT = cast(Table, AuditEventRow.__table__)


def record_event(
    connection: Connection,
    *,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an event. ``details`` must hold no number or code in clear (masked only)."""
    connection.execute(
        insert(AUDIT).values(
            at=at,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            actor=actor,
            details=details or {},
        )
    )


def list_events(
    connection: Connection, *, subject_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest events first, optionally of one subject."""
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if subject_id is not None:
        query = query.where(AUDIT.c.subject_id == subject_id)
    return [dict(row._mapping) for row in connection.execute(query)]
