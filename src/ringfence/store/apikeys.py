"""API keys: created with scopes, shown once, stored as digests, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, bindparam, insert, select, update

from ringfence.clock import Clock, system_clock
from ringfence.compliance.roles import Principal
from ringfence.crypto.tokens import api_key_digest, new_api_key
from ringfence.errors import RingfenceError
from ringfence.store.audit import record_event
from ringfence.store.models import ApiKeyRow

API_KEYS = cast(Table, ApiKeyRow.__table__)
_LIVE_KEY = select(API_KEYS).where(  # built once: every API request runs it
    API_KEYS.c.key_hash == bindparam("digest"), API_KEYS.c.revoked_at.is_(None)
)
# Roles (see ringfence.compliance.roles); the earlier scope names still work.
SCOPES = ("admin", "agent", "analyst", "service", "verify", "contacts", "analytics")


class InvalidScope(RingfenceError, ValueError):
    default_reason = "invalid_scope"


@dataclass(frozen=True)
class ApiKeyInfo:
    """What is known of a key (never the key itself)."""

    id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None

    def principal(self) -> Principal:
        """The key as a principal with its roles."""
        return Principal.of(f"apikey:{self.id}", *self.scopes)


def create_api_key(
    engine: Engine,
    *,
    scopes: list[str],
    name: str = "",
    clock: Clock = system_clock,
    actor: str | None = None,
) -> tuple[str, ApiKeyInfo]:
    """Create a key; returns the key (to show once) and its stored description."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidScope(f"unknown or missing scopes {unknown}; known: {', '.join(SCOPES)}")
    key = new_api_key()
    info = ApiKeyInfo(
        id=str(uuid.uuid4()),
        name=name[:100],
        prefix=key[:10],
        scopes=tuple(dict.fromkeys(scopes)),
        created_at=clock.now(),
        revoked_at=None,
    )
    with engine.begin() as connection:
        connection.execute(
            insert(API_KEYS).values(
                id=uuid.UUID(info.id),
                name=info.name,
                prefix=info.prefix,
                key_hash=api_key_digest(key),
                scopes=list(info.scopes),
                created_at=info.created_at,
            )
        )
        record_event(
            connection,
            at=info.created_at,
            action="apikey.created",
            subject_type="apikey",
            subject_id=info.id,
            actor=actor,
            details={"roles": sorted(r.value for r in info.principal().roles), "name": info.name},
        )
    return key, info


def authenticate(engine: Engine, key: str) -> ApiKeyInfo | None:
    """The live key matching ``key``, or ``None``. The lookup is by digest: an equality on
    a 256-bit digest leaks nothing an attacker can use to guess a key."""
    if not key or len(key) > 100:
        return None
    # One read on its own: autocommit spares the BEGIN and ROLLBACK round trips that
    # every API request would otherwise pay.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(_LIVE_KEY, {"digest": api_key_digest(key)}).first()
    if row is None:
        return None
    return ApiKeyInfo(
        id=str(row.id),
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def revoke_api_key(
    engine: Engine, key_id: str, *, clock: Clock = system_clock, actor: str | None = None
) -> bool:
    now = clock.now()
    with engine.begin() as connection:
        result = connection.execute(
            update(API_KEYS)
            .where(API_KEYS.c.id == uuid.UUID(key_id), API_KEYS.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if result.rowcount == 1:
            record_event(
                connection,
                at=now,
                action="apikey.revoked",
                subject_type="apikey",
                subject_id=key_id,
                actor=actor,
            )
    return result.rowcount == 1
