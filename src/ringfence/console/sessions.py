"""Dashboard sessions, kept server-side: the browser holds a random token, the store only
its SHA-256 digest (a leaked table signs no one in). A new token at every sign-in, so a
token planted before sign-in is worth nothing (session fixation)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, delete, select

from ringfence.clock import Clock, system_clock
from ringfence.compliance.roles import Principal, Role
from ringfence.console.users import USERS, DashboardUser
from ringfence.store.models import DashboardSessionRow
from ringfence.verify.views import aware

SESSIONS = cast(Table, DashboardSessionRow.__table__)
LIFETIME = timedelta(hours=8)  # a working day; then sign in again


@dataclass(frozen=True)
class DashboardSession:
    user_id: uuid.UUID
    username: str
    role: Role
    csrf_token: str = field(repr=False)
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        return Principal(f"user:{self.username}", frozenset({self.role}))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Sessions:
    """Starts, resolves and ends dashboard sessions."""

    def __init__(
        self, engine: Engine, *, clock: Clock = system_clock, lifetime: timedelta = LIFETIME
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.lifetime = lifetime

    def start(self, user: DashboardUser) -> tuple[str, DashboardSession]:
        """A new session for ``user``: the cookie token (shown once) and the session."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = DashboardSession(
            user.id, user.username, user.role, secrets.token_urlsafe(32), now + self.lifetime
        )
        with self.engine.begin() as connection:
            connection.execute(SESSIONS.delete().where(SESSIONS.c.expires_at <= now))
            connection.execute(
                SESSIONS.insert().values(
                    token_hash=_digest(token),
                    user_id=user.id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    expires_at=session.expires_at,
                )
            )
        return token, session

    def resolve(self, token: str | None) -> DashboardSession | None:
        """The live session of ``token``; ``None`` when unknown, expired or the user is
        disabled."""
        if not token or len(token) > 100:
            return None
        query = (
            select(SESSIONS, USERS.c.username, USERS.c.role, USERS.c.disabled)
            .join(USERS, USERS.c.id == SESSIONS.c.user_id)
            .where(SESSIONS.c.token_hash == _digest(token))
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row.disabled:
            return None
        now = self.clock.now()
        expires_at = aware(row.expires_at, now)
        if expires_at <= now:
            return None
        return DashboardSession(
            row.user_id, row.username, Role(row.role), row.csrf_token, expires_at
        )

    def end(self, token: str | None) -> None:
        if token:
            with self.engine.begin() as connection:
                connection.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == _digest(token)))
