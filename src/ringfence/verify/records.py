"""Storage of verifications. Every counter changes through one conditional UPDATE whose
WHERE clause is the policy, so that concurrent checks on SQLite (serialized writers) and on
PostgreSQL (row locks, WHERE re-evaluated after the wait) can never count more failures than
allowed nor approve twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ringfence.store.models import VerificationAccountRow, VerificationRow
from ringfence.verify.model import Status

VERIFICATIONS = cast(Table, VerificationRow.__table__)
ACCOUNTS = cast(Table, VerificationAccountRow.__table__)
V = VERIFICATIONS.c
PENDING = Status.PENDING.value


def insert_verification(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(insert(VERIFICATIONS).values(**values))


def load(connection: Connection, verification_id: str) -> Row[Any] | None:
    return connection.execute(select(VERIFICATIONS).where(V.id == verification_id)).first()


def latest_pending(
    connection: Connection, to_index: bytes, purpose: str | None, now: datetime
) -> Row[Any] | None:
    """The newest live verification of a number (for a purpose, if given)."""
    query = select(VERIFICATIONS).where(
        V.to_index == to_index, V.status == PENDING, V.expires_at > now
    )
    if purpose is not None:
        query = query.where(V.purpose == purpose)
    return connection.execute(query.order_by(V.created_at.desc()).limit(1)).first()


def _live(verification_id: str, now: datetime) -> Any:
    return (V.id == verification_id) & (V.status == PENDING) & (V.expires_at > now)


def record_resend(
    connection: Connection, row: Row[Any], code_hash: bytes, version: int, now: datetime
) -> Row[Any] | None:
    """Replace the code after a resend, unless someone else resent meanwhile; returns the
    updated row."""
    return connection.execute(
        update(VERIFICATIONS)
        .where(_live(row.id, now), V.sends == row.sends)
        .values(
            sends=V.sends + 1,
            code_hash=code_hash,
            code_key_version=version,
            last_sent_at=now,
            updated_at=now,
        )
        .returning(VERIFICATIONS)
    ).first()


def approve(
    connection: Connection, verification_id: str, code_hash: bytes, max_checks: int, now: datetime
) -> Row[Any] | None:
    """Approve, if still pending, unexpired, under the check limit and with the same code;
    returns the approved row."""
    return connection.execute(
        update(VERIFICATIONS)
        .where(
            _live(verification_id, now),
            V.code_hash == code_hash,
            V.failed_checks < max_checks,
        )
        .values(status=Status.APPROVED.value, updated_at=now)
        .returning(VERIFICATIONS)
    ).first()


def count_failure(
    connection: Connection, verification_id: str, max_checks: int, now: datetime
) -> Row[Any] | None:
    """Count a wrong code (the last allowed one ends the verification); returns the
    updated row, or ``None`` when the verification was no longer live."""
    return connection.execute(
        update(VERIFICATIONS)
        .where(_live(verification_id, now), V.failed_checks < max_checks)
        .values(
            failed_checks=V.failed_checks + 1,
            status=case(
                (V.failed_checks + 1 >= max_checks, Status.MAX_ATTEMPTS_REACHED.value),
                else_=PENDING,
            ),
            updated_at=now,
        )
        .returning(VERIFICATIONS)
    ).first()


def finish(connection: Connection, verification_id: str, status: Status, now: datetime) -> bool:
    """Move a pending verification to a final status (cancel, expire)."""
    query = update(VERIFICATIONS).where(V.id == verification_id, V.status == PENDING)
    if status is Status.CANCELED:
        query = query.where(V.expires_at > now)
    result = connection.execute(query.values(status=status.value, updated_at=now))
    return result.rowcount == 1


# -- accounts ---------------------------------------------------------------------------


def locked_until(connection: Connection, account_id: str, now: datetime) -> datetime | None:
    until = connection.execute(
        select(ACCOUNTS.c.locked_until).where(ACCOUNTS.c.account_id == account_id)
    ).scalar()
    if until is not None and until.tzinfo is None:  # SQLite returns naive UTC
        until = until.replace(tzinfo=now.tzinfo)
    return until if until is not None and until > now else None


def _ensure_account(connection: Connection, account_id: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(ACCOUNTS)
        .values(account_id=account_id, consecutive_failures=0)
        .on_conflict_do_nothing(index_elements=["account_id"])
    )


def add_account_failure(
    connection: Connection, account_id: str, max_failures: int, lock_until: datetime
) -> None:
    """Count a wrong code against the account; reaching the limit locks it. The count goes
    on after the lock ends, so each further wrong code locks it again at once: only a
    right code resets it."""
    _ensure_account(connection, account_id)
    reached = ACCOUNTS.c.consecutive_failures + 1 >= max_failures
    connection.execute(
        update(ACCOUNTS)
        .where(ACCOUNTS.c.account_id == account_id)
        .values(
            consecutive_failures=ACCOUNTS.c.consecutive_failures + 1,
            locked_until=case((reached, lock_until), else_=ACCOUNTS.c.locked_until),
        )
    )


def reset_account(connection: Connection, account_id: str) -> None:
    connection.execute(
        update(ACCOUNTS).where(ACCOUNTS.c.account_id == account_id).values(consecutive_failures=0)
    )
