"""Checking codes, cancelling and reading verifications."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row

from ringfence.phone import PhoneNumber, normalize
from ringfence.verify import records
from ringfence.verify.base import ServiceCore
from ringfence.verify.errors import VerificationNotFound
from ringfence.verify.model import Purpose, Status, Verification
from ringfence.verify.views import aware


class CheckOperations(ServiceCore):
    """``check``, ``check_latest`` and ``cancel`` of the verification service."""

    def check(self, verification_id: str, code: str) -> Verification:
        """Check ``code`` against a verification.

        Returns the verification with status ``approved`` (right code), ``pending`` (wrong
        code, attempts left), ``max_attempts_reached``, ``expired`` or ``canceled``.

        Raises:
            VerificationNotFound: no such verification — or it was already approved: a
                verification approves once, and then is gone (as in Twilio Verify).
            AccountLocked: the account had too many wrong codes.
        """
        now = self.clock.now()
        with self._transaction() as connection:
            row, status = self._checked(connection, verification_id, str(code), now)
        return self._view(row, status)

    def _checked(
        self, connection: Connection, verification_id: str, code: str, now: datetime
    ) -> tuple[Row[Any], Status]:
        """Check in ``connection``'s transaction; the row to show and its status."""
        row = self._load(connection, verification_id)
        status = self._settle(connection, row, now)
        if status is Status.APPROVED:
            raise VerificationNotFound()
        if status is not Status.PENDING:
            return row, status
        self._refuse_locked(connection, row.account_id, now)
        if self._hasher.matches(code, row.id, row.code_hash, row.code_key_version):
            approved = self._approve(connection, row, now)
            if approved is not None:
                return approved, Status.APPROVED
            # another check won the race, or a resend replaced the code: a wrong code now
        counted = self._fail(connection, row, now)
        if counted is not None:
            return counted, Status(counted.status)
        current = self._load(connection, row.id)
        status = self._settle(connection, current, now)
        if status is Status.APPROVED:
            # another check approved it meanwhile: this one must not read as approved
            raise VerificationNotFound()
        return current, status

    def _approve(self, connection: Connection, row: Row[Any], now: datetime) -> Row[Any] | None:
        approved = records.approve(connection, row.id, row.code_hash, self.policy.max_checks, now)
        if approved is None:
            return None
        if row.account_id is not None:
            records.reset_account(connection, row.account_id)
        if row.traffic:
            # counted on the day the code went out, to balance that day's sends
            sent_on = aware(row.last_sent_at, now).astimezone(UTC).date()
            self.traffic.count(connection, row.traffic, sent_on, verified=1)
        self._record(connection, "verification.approved", row.id, now, {})
        return approved

    def _fail(self, connection: Connection, row: Row[Any], now: datetime) -> Row[Any] | None:
        """Count a wrong code; ``None`` when the verification was no longer live."""
        counted = records.count_failure(connection, row.id, self.policy.max_checks, now)
        if counted is None:
            return None
        if row.account_id is not None:
            records.add_account_failure(
                connection,
                row.account_id,
                self.policy.max_account_failures,
                now + self.policy.account_lock,
            )
        self._record(connection, "verification.check_failed", row.id, now, {})
        return counted

    def check_latest(
        self,
        to: str | PhoneNumber,
        code: str,
        *,
        purpose: Purpose | str | None = None,
        region: str | None = None,
    ) -> Verification:
        """Check ``code`` against the newest live verification of a number."""
        number = to if isinstance(to, PhoneNumber) else normalize(to, region)
        with self.engine.connect() as connection:
            live = records.latest_pending(
                connection,
                self._indexer.exact(number.e164),
                Purpose(purpose).value if purpose else None,
                self.clock.now(),
            )
        if live is None:
            raise VerificationNotFound("no pending verification for this number")
        return self.check(live.id, code)

    def cancel(self, verification_id: str) -> Verification:
        """Cancel a pending verification (a final status is returned unchanged)."""
        now = self.clock.now()
        with self._transaction() as connection:
            row = self._load(connection, verification_id)
            if records.finish(connection, row.id, Status.CANCELED, now):
                self._record(connection, "verification.canceled", row.id, now, {})
        return self.get(row.id)
