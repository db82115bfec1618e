"""Read models of the verification log, the development outbox, the risk page, the audit
log and the data-quality page. Numbers leave here masked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, select

from ringfence.clock import Clock
from ringfence.compliance.roles import Permission, Principal, authorize
from ringfence.contacts.quality import quality_report
from ringfence.contacts.store import ContactStore
from ringfence.crypto import BlindIndexer, FieldCipher, Keyring
from ringfence.phone import normalize
from ringfence.risk.metrics import conversion_report
from ringfence.risk.traffic import TrafficCounters
from ringfence.settings import Settings
from ringfence.store.audit import AUDIT, verify_chain
from ringfence.store.models import VerificationRow
from ringfence.verify import read_outbox

VERIFICATIONS = cast(Table, VerificationRow.__table__)


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def verification_log(
    engine: Engine, keyring: Keyring, principal: Principal, *, limit: int = 50
) -> dict[str, Any]:
    """The newest verifications: masked destination, purpose, channel and status."""
    authorize(principal, Permission.CONTACTS_READ)
    cipher = FieldCipher(keyring)
    query = select(VERIFICATIONS).order_by(VERIFICATIONS.c.created_at.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {
        "verifications": [
            {
                "id": row.id,
                "to": normalize(
                    cipher.open(row.to_sealed, table="verifications", column="to", row_id=row.id)
                ).masked(),
                "channel": row.channel,
                "purpose": row.purpose,
                "status": row.status,
                "failed_checks": row.failed_checks,
                "sends": row.sends,
                "simulated": row.simulated,
                "created_at": _iso(row.created_at),
            }
            for row in rows
        ]
    }


def outbox(
    engine: Engine, keyring: Keyring, settings: Settings, principal: Principal, *, limit: int = 50
) -> dict[str, Any]:
    """The development channel's messages (refused in production), destinations masked."""
    authorize(principal, Permission.OUTBOX)
    messages = read_outbox(engine, keyring, settings, limit=limit)
    return {"messages": [{**message.to_dict(), "to": _masked(message.to)} for message in messages]}


def _masked(value: str) -> str:
    try:
        return normalize(value).masked()
    except ValueError:  # an e-mail address of the outbox's mail channel
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"


def risk_overview(
    engine: Engine, keyring: Keyring, clock: Clock, principal: Principal, *, days: int = 14
) -> dict[str, Any]:
    """Conversion per country over ``days`` and the latest decisions with their reasons."""
    authorize(principal, Permission.ANALYTICS)
    counters = TrafficCounters(engine, BlindIndexer(keyring))
    conversion = conversion_report(counters, clock.now().date(), days=days)
    query = (
        select(AUDIT.c.at, AUDIT.c.details)
        .where(AUDIT.c.action == "risk.decision")
        .order_by(AUDIT.c.id.desc())
        .limit(50)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    decisions = [
        {
            "at": _iso(row.at),
            "purpose": row.details.get("purpose"),
            "action": row.details.get("action"),
            "score": row.details.get("score"),
            "reasons": [r.get("code") for r in row.details.get("reasons", [])],
        }
        for row in rows
    ]
    return {"conversion": conversion, "decisions": decisions}


def audit_log(engine: Engine, principal: Principal, *, limit: int = 100) -> dict[str, Any]:
    """The newest audit entries and the verification of the whole chain."""
    authorize(principal, Permission.AUDIT_READ)
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        chain = verify_chain(connection)
        rows = connection.execute(query).all()
    return {
        "chain": chain.to_dict(),
        "events": [
            {
                "lane": row.lane,
                "seq": row.seq,
                "at": _iso(row.at),
                "action": row.action,
                "subject_type": row.subject_type,
                "subject_id": row.subject_id,
                "actor": row.actor,
                "details": row.details,
            }
            for row in rows
        ],
    }


def data_quality(store: ContactStore, principal: Principal) -> dict[str, Any]:
    """The quality report of the contact store (#4), examples masked."""
    authorize(principal, Permission.CONTACTS_READ)
    return quality_report(store).to_dict()
