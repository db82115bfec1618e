"""Storage of verifications. Every counter changes through one conditional UPDATE whose
WHERE clause is the policy, so that concurrent checks on SQLite (serialized writers) and on
PostgreSQL (row locks, WHERE re-evaluated after the wait) can never count more failures than
allowed nor approve twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ringfence.store.models import VerificationAccountRow, VerificationRow
from ringfence.verify.model import Status

VERIFICATIONS = cast(Table, VerificationRow.__table__)
ACCOUNTS = cast(Table, VerificationAccountRow.__table__)
V = VERIFICATIONS.c
PENDING = Status.PENDING.value


# Statements are built once, with parameters: reused statements skip SQLAlchemy's
# construction and cache-key work, which costs more than a round trip on a busy server.
_INSERT = insert(VERIFICATIONS)
_LOAD = select(VERIFICATIONS).where(V.id == bindparam("verification_id"))
_LIVE = (
    (V.id == bindparam("verification_id"))
    & (V.status == PENDING)
    & (V.expires_at > bindparam("now", type_=V.expires_at.type))
)
_NEWEST = V.created_at.desc()
_LATEST = (
    select(VERIFICATIONS)
    .where(
        V.to_index == bindparam("to_index"),
        V.status == PENDING,
        V.expires_at > bindparam("now", type_=V.expires_at.type),
    )
    .order_by(_NEWEST)
    .limit(1)
)
_LATEST_FOR_PURPOSE = _LATEST.where(V.purpose == bindparam("purpose"))
_RESEND = (
    update(VERIFICATIONS)
    .where(_LIVE, V.sends == bindparam("sends_seen"))
    .values(
        sends=V.sends + 1,
        code_hash=bindparam("code_digest"),
        code_key_version=bindparam("version"),
        last_sent_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(VERIFICATIONS)
)
_APPROVE = (
    update(VERIFICATIONS)
    .where(
        _LIVE,
        V.code_hash == bindparam("code_digest"),
        V.failed_checks < bindparam("max_checks"),
    )
    .values(status=Status.APPROVED.value, updated_at=bindparam("now"))
    .returning(VERIFICATIONS)
)
_COUNT_FAILURE = (
    update(VERIFICATIONS)
    .where(_LIVE, V.failed_checks < bindparam("max_checks"))
    .values(
        failed_checks=V.failed_checks + 1,
        status=case(
            (
                V.failed_checks + 1 >= bindparam("max_checks"),
                Status.MAX_ATTEMPTS_REACHED.value,
            ),
            else_=PENDING,
        ),
        updated_at=bindparam("now"),
    )
    .returning(VERIFICATIONS)
)
_FINISH = (
    update(VERIFICATIONS)
    .where(V.id == bindparam("verification_id"), V.status == PENDING)
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_CANCEL = _FINISH.where(V.expires_at > bindparam("now", type_=V.expires_at.type))


def insert_verification(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(_INSERT, values)


def load(connection: Connection, verification_id: str) -> Row[Any] | None:
    return connection.execute(_LOAD, {"verification_id": verification_id}).first()


def latest_pending(
    connection: Connection, to_index: bytes, purpose: str | None, now: datetime
) -> Row[Any] | None:
    """The newest live verification of a number (for a purpose, if given)."""
    if purpose is None:
        return connection.execute(_LATEST, {"to_index": to_index, "now": now}).first()
    parameters = {"to_index": to_index, "now": now, "purpose": purpose}
    return connection.execute(_LATEST_FOR_PURPOSE, parameters).first()


def record_resend(
    connection: Connection, row: Row[Any], code_hash: bytes, version: int, now: datetime
) -> Row[Any] | None:
    """Replace the code after a resend, unless someone else resent meanwhile; returns the
    updated row."""
    parameters = {
        "verification_id": row.id,
        "now": now,
        "sends_seen": row.sends,
        "code_digest": code_hash,
        "version": version,
    }
    return connection.execute(_RESEND, parameters).first()


def approve(
    connection: Connection, verification_id: str, code_hash: bytes, max_checks: int, now: datetime
) -> Row[Any] | None:
    """Approve, if still pending, unexpired, under the check limit and with the same code;
    returns the approved row."""
    parameters = {
        "verification_id": verification_id,
        "now": now,
        "code_digest": code_hash,
        "max_checks": max_checks,
    }
    return connection.execute(_APPROVE, parameters).first()


def count_failure(
    connection: Connection, verification_id: str, max_checks: int, now: datetime
) -> Row[Any] | None:
    """Count a wrong code (the last allowed one ends the verification); returns the
    updated row, or ``None`` when the verification was no longer live."""
    parameters = {"verification_id": verification_id, "now": now, "max_checks": max_checks}
    return connection.execute(_COUNT_FAILURE, parameters).first()


def finish(connection: Connection, verification_id: str, status: Status, now: datetime) -> bool:
    """Move a pending verification to a final status (cancel, expire)."""
    statement = _CANCEL if status is Status.CANCELED else _FINISH
    parameters = {"verification_id": verification_id, "new_status": status.value, "now": now}
    return connection.execute(statement, parameters).rowcount == 1


# -- accounts ---------------------------------------------------------------------------

A = ACCOUNTS.c
_LOCKED_UNTIL = select(A.locked_until).where(A.account_id == bindparam("account"))
_ENSURE_ACCOUNT = {
    name: dialect.insert(ACCOUNTS)
    .values(account_id=bindparam("account"), consecutive_failures=0)
    .on_conflict_do_nothing(index_elements=["account_id"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ADD_FAILURE = (
    update(ACCOUNTS)
    .where(A.account_id == bindparam("account"))
    .values(
        consecutive_failures=A.consecutive_failures + 1,
        locked_until=case(
            (A.consecutive_failures + 1 >= bindparam("max_failures"), bindparam("lock_until")),
            else_=A.locked_until,
        ),
    )
)
_RESET_ACCOUNT = (
    update(ACCOUNTS).where(A.account_id == bindparam("account")).values(consecutive_failures=0)
)


def locked_until(connection: Connection, account_id: str, now: datetime) -> datetime | None:
    until = connection.execute(_LOCKED_UNTIL, {"account": account_id}).scalar()
    if until is not None and until.tzinfo is None:  # SQLite returns naive UTC
        until = until.replace(tzinfo=now.tzinfo)
    return until if until is not None and until > now else None


def add_account_failure(
    connection: Connection, account_id: str, max_failures: int, lock_until: datetime
) -> None:
    """Count a wrong code against the account; reaching the limit locks it. The count goes
    on after the lock ends, so each further wrong code locks it again at once: only a
    right code resets it."""
    connection.execute(_ENSURE_ACCOUNT[connection.dialect.name], {"account": account_id})
    parameters = {
        "account": account_id,
        "max_failures": max_failures,
        "lock_until": lock_until,
    }
    connection.execute(_ADD_FAILURE, parameters)


def reset_account(connection: Connection, account_id: str) -> None:
    connection.execute(_RESET_ACCOUNT, {"account": account_id})
