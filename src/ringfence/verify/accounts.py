"""Phones and emails bound to accounts, and the phone change that binds a new authenticator.

A phone change needs two proofs, both fresh and each spent once:

1. the new number: a verification with purpose ``phone_change`` for this account, approved
   within the policy's lifetime;
2. an existing factor: an approved ``login``/``step_up`` verification of a number the
   account holds now, or a code from its authenticator app, or one of its recovery codes.

Then the old numbers are unbound (kept, with ``unbound_at``), the new one is bound, and every
number and email the account has ever had is told of the change — so that a SIM-swapper who
takes over an account cannot do it silently.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from ringfence.crypto import BlindIndexer, FieldCipher
from ringfence.errors import RingfenceError
from ringfence.phone import normalize
from ringfence.store.audit import record_event
from ringfence.store.models import AccountContactRow, VerificationRow
from ringfence.verify.channels import OutgoingMessage, deliver
from ringfence.verify.email import EmailFailed
from ringfence.verify.errors import DeliveryFailed
from ringfence.verify.model import Channel, Purpose, Status
from ringfence.verify.service import VerificationService
from ringfence.verify.totp import TotpFactors
from ringfence.verify.views import TABLE as VERIFICATION_TABLE
from ringfence.verify.views import aware

log = logging.getLogger("ringfence.verify")
CONTACTS = cast(Table, AccountContactRow.__table__)
VERIFICATIONS = cast(Table, VerificationRow.__table__)
_TABLE = AccountContactRow.__tablename__
NOTICE = (
    "The phone number of your {app} account was changed. If you did not do this, contact "
    "{app} support at once: someone may have taken over your account."
)


class PhoneChangeRefused(RingfenceError, PermissionError):
    """A proof is missing, stale, spent, or for another account (``reason`` says which)."""

    default_reason = "phone_change_refused"


@dataclass(frozen=True)
class PhoneChanged:
    phone: str  # masked
    notified_phones: int
    notified_emails: int


@dataclass(frozen=True)
class ReauthProof:
    """One existing factor: an approved verification, an app code or a recovery code."""

    verification_id: str | None = None
    totp_code: str | None = None
    recovery_code: str | None = None


class AccountBindings:
    """The numbers and emails of accounts, over a :class:`VerificationService`."""

    def __init__(self, service: VerificationService, factors: TotpFactors) -> None:
        self.service = service
        self.factors = factors
        self._cipher = FieldCipher(service.keyring)
        self._indexer = BlindIndexer(service.keyring)

    # -- binding ------------------------------------------------------------------------

    def bind_phone(self, account_id: str, verification_id: str) -> str:
        """Bind the number of an approved ``signup`` verification (the first phone)."""
        now = self.service.clock.now()
        with self.service.engine.begin() as connection:
            if self._bound(connection, account_id, "phone"):
                raise PhoneChangeRefused(
                    "the account has a phone already: change it with a phone change",
                    reason="phone_already_bound",
                )
            e164 = self._spend(connection, account_id, verification_id, (Purpose.SIGNUP,), now)
            self._bind(connection, account_id, "phone", e164, now)
            record_event(
                connection,
                at=now,
                action="account.phone_bound",
                subject_type="account",
                subject_id=account_id,
            )
        return normalize(e164).masked()

    def add_email(self, account_id: str, email: str) -> None:
        """Record an email of the account (it is told of phone changes)."""
        now = self.service.clock.now()
        with self.service.engine.begin() as connection:
            self._bind(connection, account_id, "email", email.strip()[:320], now)

    def change_phone(
        self, account_id: str, *, verification_id: str, reauth: ReauthProof
    ) -> PhoneChanged:
        """Replace the account's phone; see the module docstring for the proofs needed.

        Raises:
            PhoneChangeRefused: a proof is missing, stale, spent or for another account.
            AccountLocked: too many wrong codes (app or recovery code).
        """
        now = self.service.clock.now()
        if reauth.totp_code is not None:
            if not self.factors.verify(account_id, reauth.totp_code):
                raise PhoneChangeRefused("the app code is wrong", reason="reauthentication_failed")
        elif reauth.recovery_code is not None:
            if not self.factors.use_recovery_code(account_id, reauth.recovery_code):
                raise PhoneChangeRefused(
                    "the recovery code is wrong or spent", reason="reauthentication_failed"
                )
        elif reauth.verification_id is None:
            raise PhoneChangeRefused(
                "a phone change needs re-authentication with an existing factor",
                reason="reauthentication_required",
            )
        with self.service.engine.begin() as connection:
            current = self._bound(connection, account_id, "phone")
            if reauth.verification_id is not None:
                old = self._spend(
                    connection,
                    account_id,
                    reauth.verification_id,
                    (Purpose.LOGIN, Purpose.STEP_UP),
                    now,
                )
                if self._indexer.exact(old) not in {row.exact_index for row in current}:
                    raise PhoneChangeRefused(
                        "re-authentication must use a number the account holds now",
                        reason="reauthentication_failed",
                    )
            new = self._spend(connection, account_id, verification_id, (Purpose.PHONE_CHANGE,), now)
            connection.execute(
                update(CONTACTS)
                .where(CONTACTS.c.id.in_([row.id for row in current]))
                .values(unbound_at=now)
            )
            self._bind(connection, account_id, "phone", new, now)
            record_event(
                connection,
                at=now,
                action="account.phone_changed",
                subject_type="account",
                subject_id=account_id,
                details={"to": normalize(new).masked()},
            )
            everyone = self._history(connection, account_id)
        phones, emails = self._notify(everyone, exclude=new)
        return PhoneChanged(normalize(new).masked(), phones, emails)

    # -- helpers ------------------------------------------------------------------------

    def _spend(
        self,
        connection: Connection,
        account_id: str,
        verification_id: str,
        purposes: tuple[Purpose, ...],
        now: datetime,
    ) -> str:
        """Consume an approved, fresh verification of this account; returns its E.164."""
        row = connection.execute(
            update(VERIFICATIONS)
            .where(
                VERIFICATIONS.c.id == str(verification_id)[:34],
                VERIFICATIONS.c.account_id == account_id,
                VERIFICATIONS.c.status == Status.APPROVED.value,
                VERIFICATIONS.c.purpose.in_([p.value for p in purposes]),
                VERIFICATIONS.c.consumed_at.is_(None),
            )
            .values(consumed_at=now)
            .returning(VERIFICATIONS)
        ).first()
        if row is None or aware(row.updated_at, now) + self.service.policy.lifetime < now:
            raise PhoneChangeRefused(
                f"no fresh, unspent approved {'/'.join(p.value for p in purposes)} "
                "verification of this account with that id",
                reason="verification_not_usable",
            )
        return self._cipher.open(
            row.to_sealed, table=VERIFICATION_TABLE, column="to", row_id=row.id
        )

    def _bind(
        self, connection: Connection, account_id: str, kind: str, value: str, now: datetime
    ) -> None:
        ref = uuid.uuid4()
        connection.execute(
            insert(CONTACTS).values(
                ref=ref,
                account_id=account_id,
                kind=kind,
                sealed=self._cipher.seal(value, table=_TABLE, column="sealed", row_id=str(ref)),
                key_version=self.service.keyring.current,
                exact_index=self._indexer.exact(value) if kind == "phone" else None,
                bound_at=now,
            )
        )

    def _bound(self, connection: Connection, account_id: str, kind: str) -> list[Any]:
        return list(
            connection.execute(
                select(CONTACTS).where(
                    CONTACTS.c.account_id == account_id,
                    CONTACTS.c.kind == kind,
                    CONTACTS.c.unbound_at.is_(None),
                )
            )
        )

    def _history(self, connection: Connection, account_id: str) -> list[tuple[str, str]]:
        rows = connection.execute(select(CONTACTS).where(CONTACTS.c.account_id == account_id))
        opened = {
            (
                row.kind,
                self._cipher.open(row.sealed, table=_TABLE, column="sealed", row_id=str(row.ref)),
            )
            for row in rows
        }
        return sorted(opened)

    def _notify(self, everyone: list[tuple[str, str]], *, exclude: str) -> tuple[int, int]:
        text = NOTICE.format(app=self.service.app_name)
        phones = emails = 0
        for kind, value in everyone:
            if value == exclude:
                continue
            channel = Channel.SMS if kind == "phone" else "email"
            try:
                if kind == "phone":
                    deliver(
                        self.service.channels, OutgoingMessage(normalize(value), text, Channel.SMS)
                    )
                    phones += 1
                else:
                    self.service.send_email(value, text)
                    emails += 1
            except (DeliveryFailed, EmailFailed):
                log.warning("could not tell a previous %s of a phone change", channel)
        return phones, emails
