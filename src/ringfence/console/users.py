"""Dashboard users: a username, an argon2id password hash and one role (see
:mod:`ringfence.compliance.roles`). Creation, role changes and disabling are audited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.exc import IntegrityError

from ringfence.clock import Clock, system_clock
from ringfence.compliance.roles import Role, role_of
from ringfence.errors import RingfenceError
from ringfence.store.audit import record_event
from ringfence.store.models import DashboardUserRow

USERS = cast(Table, DashboardUserRow.__table__)
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
# NIST SP 800-63B-4 §3.1.1.2: at least 15 characters for a password used as a single factor.
MIN_PASSWORD = 15
MAX_PASSWORD = 1024  # argon2 hashes any length; a bound keeps a hostile body cheap


class UserError(RingfenceError, ValueError):
    """A user could not be created or changed; ``reason`` says why."""

    default_reason = "bad_user"


@dataclass(frozen=True)
class DashboardUser:
    id: uuid.UUID
    username: str
    role: Role
    disabled: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "username": self.username,
            "role": self.role.value,
            "disabled": self.disabled,
        }


class DashboardUsers:
    """Creates, changes and authenticates the dashboard's users."""

    def __init__(self, engine: Engine, *, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._hasher = PasswordHasher()
        # Verified against when the username is unknown, so that both answers cost the same.
        self._decoy = self._hasher.hash(uuid.uuid4().hex)

    def create(
        self, username: str, password: str, role: Role | str, *, actor: str
    ) -> DashboardUser:
        _check_username(username)
        _check_password(password)
        user = DashboardUser(uuid.uuid4(), username, role_of(role), disabled=False)
        values = {
            "id": user.id,
            "username": username,
            "password_hash": self._hasher.hash(password),
            "role": user.role.value,
            "disabled": False,
            "created_at": self.clock.now(),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(USERS.insert().values(**values))
                self._audit(
                    connection, "user.created", user.id, username, actor, role=user.role.value
                )
        except IntegrityError:
            raise UserError("that username is taken", reason="username_taken") from None
        return user

    def set_role(self, username: str, role: Role | str, *, actor: str) -> DashboardUser:
        new_role = role_of(role)
        user = self._change(username, actor, "user.role_changed", role=new_role.value)
        return DashboardUser(user.id, user.username, new_role, user.disabled)

    def disable(self, username: str, *, actor: str) -> DashboardUser:
        user = self._change(username, actor, "user.disabled", disabled=True)
        return DashboardUser(user.id, user.username, user.role, True)

    def get(self, username: str) -> DashboardUser | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(USERS).where(USERS.c.username == username)).first()
        return _user(row) if row else None

    def list_users(self) -> list[DashboardUser]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(USERS).order_by(USERS.c.username)).all()
        return [_user(row) for row in rows]

    def authenticate(self, username: str, password: str) -> DashboardUser | None:
        """The user if the password is theirs and they are enabled, else ``None`` — after the
        same argon2 work either way."""
        with self.engine.connect() as connection:
            row = connection.execute(select(USERS).where(USERS.c.username == username)).first()
        stored = row.password_hash if row is not None else self._decoy
        try:
            self._hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled:
            return None
        if self._hasher.check_needs_rehash(stored):
            self._rehash(row.id, password)
        return _user(row)

    def _rehash(self, user_id: uuid.UUID, password: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(USERS)
                .where(USERS.c.id == user_id)
                .values(password_hash=self._hasher.hash(password))
            )

    def _change(self, username: str, actor: str, action: str, **values: object) -> DashboardUser:
        with self.engine.begin() as connection:
            row = connection.execute(select(USERS).where(USERS.c.username == username)).first()
            if row is None:
                raise UserError("no such user", reason="unknown_user")
            connection.execute(update(USERS).where(USERS.c.id == row.id).values(**values))
            self._audit(connection, action, row.id, row.username, actor, **values)
        return _user(row)

    def record(self, action: str, user_id: uuid.UUID, username: str, *, actor: str) -> None:
        """An audit event about a user that changes nothing here (a sign-in, a sign-out)."""
        with self.engine.begin() as connection:
            self._audit(connection, action, user_id, username, actor)

    def _audit(
        self,
        connection: Connection,
        action: str,
        user_id: uuid.UUID,
        username: str,
        actor: str,
        **details: object,
    ) -> None:
        record_event(
            connection,
            at=self.clock.now(),
            action=action,
            subject_type="dashboard_user",
            subject_id=str(user_id),
            actor=actor,
            details={"username": username, **details},
        )


def _user(row: Any) -> DashboardUser:
    return DashboardUser(row.id, row.username, Role(row.role), bool(row.disabled))


def _check_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise UserError(
            "a username is 3 to 64 letters, digits, dots, dashes or underscores",
            reason="bad_username",
        )


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise UserError(
            f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters", reason="weak_password"
        )
