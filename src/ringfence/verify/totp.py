"""Authenticator apps (TOTP, RFC 6238, with ``pyotp``) and single-use recovery codes: the
alternative factor that no SIM swap can steal.

* Enrolment returns an ``otpauth://`` URI and its QR code (SVG, drawn by ``segno``); the
  factor counts only once a first code confirms it.
* A code is accepted in a window of one step (30 s) either side, and each time step only
  once: a replayed code is refused, even by concurrent requests (conditional UPDATE).
* Wrong codes count against the account's lock, as wrong SMS codes do.
* Recovery codes are shown once, stored as keyed hashes, and each works once.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import cast

import pyotp
import segno
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from ringfence.clock import Clock, system_clock
from ringfence.crypto import CodeHasher, FieldCipher, Keyring
from ringfence.errors import RingfenceError
from ringfence.store.audit import record_event
from ringfence.store.models import RecoveryCodeRow, TotpFactorRow
from ringfence.verify import records
from ringfence.verify.errors import AccountLocked
from ringfence.verify.policy import DEFAULT_POLICY, VerificationPolicy

FACTORS = cast(Table, TotpFactorRow.__table__)
RECOVERY = cast(Table, RecoveryCodeRow.__table__)
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed by hand


class FactorExists(RingfenceError, ValueError):
    """The account already has a confirmed authenticator; remove it first."""

    default_reason = "factor_exists"


@dataclass(frozen=True)
class Enrollment:
    """What the person sees once: the secret (for manual entry), the URI, its QR code, and
    the recovery codes."""

    secret: str
    uri: str
    qr_svg: str
    recovery_codes: list[str]

    def __repr__(self) -> str:
        return "Enrollment(<secret hidden>)"


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalize_recovery(code: str) -> str:
    raw = "".join(ch for ch in code.lower() if ch.isalnum())[:10]
    return f"{raw[:5]}-{raw[5:]}"


class TotpFactors:
    """Authenticator-app factors and recovery codes of accounts."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        clock: Clock = system_clock,
        policy: VerificationPolicy = DEFAULT_POLICY,
        issuer: str = "ringfence",
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.policy = policy
        self.issuer = issuer
        self._cipher = FieldCipher(keyring)
        self._hasher = CodeHasher(keyring)
        self._keyring = keyring

    def enroll(self, account_id: str, *, label: str | None = None) -> Enrollment:
        """Start (or restart) enrolment; refused while a confirmed factor exists."""
        now = self.clock.now()
        secret = pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=label or account_id, issuer_name=self.issuer)
        codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
        with self.engine.begin() as connection:
            existing = connection.execute(
                select(FACTORS.c.confirmed_at).where(FACTORS.c.account_id == account_id)
            ).first()
            if existing is not None and existing.confirmed_at is not None:
                raise FactorExists("this account already has an authenticator app")
            connection.execute(delete(FACTORS).where(FACTORS.c.account_id == account_id))
            connection.execute(delete(RECOVERY).where(RECOVERY.c.account_id == account_id))
            connection.execute(
                insert(FACTORS).values(
                    account_id=account_id,
                    secret_sealed=self._cipher.seal(
                        secret, table="totp_factors", column="secret", row_id=account_id
                    ),
                    key_version=self._keyring.current,
                    created_at=now,
                )
            )
            connection.execute(
                insert(RECOVERY),
                [
                    {
                        "code_hash": self._hasher.hash(c, account_id),
                        "account_id": account_id,
                        "created_at": now,
                    }
                    for c in codes
                ],
            )
            record_event(
                connection,
                at=now,
                action="totp.enrolled",
                subject_type="account",
                subject_id=account_id,
            )
        return Enrollment(secret=secret, uri=uri, qr_svg=_qr_svg(uri), recovery_codes=codes)

    def confirm(self, account_id: str, code: str) -> bool:
        """Activate the factor with a first code from the app."""
        return self._check(account_id, code, confirming=True)

    def verify(self, account_id: str, code: str) -> bool:
        """Check a code from the app (each time step accepted once).

        Raises:
            AccountLocked: too many wrong codes for this account.
        """
        return self._check(account_id, code, confirming=False)

    def remove(self, account_id: str) -> None:
        now = self.clock.now()
        with self.engine.begin() as connection:
            connection.execute(delete(FACTORS).where(FACTORS.c.account_id == account_id))
            connection.execute(delete(RECOVERY).where(RECOVERY.c.account_id == account_id))
            record_event(
                connection,
                at=now,
                action="totp.removed",
                subject_type="account",
                subject_id=account_id,
            )

    def use_recovery_code(self, account_id: str, code: str) -> bool:
        """Spend a recovery code; each works once."""
        now = self.clock.now()
        self._refuse_locked(account_id)
        normalized = _normalize_recovery(code)
        hashes = [self._hasher.hash(normalized, account_id, v) for v in self._keyring.versions]
        with self.engine.begin() as connection:
            used = (
                connection.execute(
                    update(RECOVERY)
                    .where(
                        RECOVERY.c.account_id == account_id,
                        RECOVERY.c.code_hash.in_(hashes),
                        RECOVERY.c.used_at.is_(None),
                    )
                    .values(used_at=now)
                ).rowcount
                == 1
            )
            self._count(connection, account_id, used, "recovery_code")
        return used

    def remaining_recovery_codes(self, account_id: str) -> int:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(RECOVERY.c.code_hash).where(
                    RECOVERY.c.account_id == account_id, RECOVERY.c.used_at.is_(None)
                )
            ).all()
        return len(rows)

    # -- helpers ------------------------------------------------------------------------

    def _check(self, account_id: str, code: str, *, confirming: bool) -> bool:
        self._refuse_locked(account_id)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(FACTORS).where(FACTORS.c.account_id == account_id)
            ).first()
        if row is None or (row.confirmed_at is None) != confirming:
            return False
        secret = self._cipher.open(
            row.secret_sealed, table="totp_factors", column="secret", row_id=account_id
        )
        step = _matching_step(pyotp.TOTP(secret), str(code), self.clock.now().timestamp())
        now = self.clock.now()
        with self.engine.begin() as connection:
            accepted = (
                step is not None
                and connection.execute(
                    update(FACTORS)
                    .where(
                        FACTORS.c.account_id == account_id,
                        (FACTORS.c.last_step.is_(None)) | (FACTORS.c.last_step < step),
                    )
                    .values(last_step=step, **({"confirmed_at": now} if confirming else {}))
                ).rowcount
                == 1
            )
            self._count(connection, account_id, accepted, "totp")
        return accepted

    def _count(self, connection: Connection, account_id: str, accepted: bool, factor: str) -> None:
        now = self.clock.now()
        if accepted:
            records.reset_account(connection, account_id)
        else:
            records.add_account_failure(
                connection,
                account_id,
                self.policy.max_account_failures,
                now + self.policy.account_lock,
            )
        record_event(
            connection,
            at=now,
            action=f"{factor}.{'accepted' if accepted else 'refused'}",
            subject_type="account",
            subject_id=account_id,
        )

    def _refuse_locked(self, account_id: str) -> None:
        now = self.clock.now()
        with self.engine.connect() as connection:
            until = records.locked_until(connection, account_id, now)
        if until is not None:
            raise AccountLocked(until)


def _matching_step(totp: pyotp.TOTP, code: str, at: float) -> int | None:
    """The time step whose code is ``code``, within one step either side of ``at``."""
    if len(code) != totp.digits or not (code.isascii() and code.isdigit()):
        return None
    current = totp.timecode(at)
    found = None
    for offset in (-1, 0, 1):  # no early exit: the same work whatever the code
        if secrets.compare_digest(totp.at(at, counter_offset=offset), code):
            found = current + offset
    return found


def _qr_svg(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()
