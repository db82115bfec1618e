"""Checking codes, cancelling and reading verifications."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

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
        row = self._load(verification_id)
        now = self.clock.now()
        status = self._settle(row, now)
        if status is Status.APPROVED:
            raise VerificationNotFound()
        if status is not Status.PENDING:
            return self._view(row, status)
        self._refuse_locked(row.account_id, now)
        if self._hasher.matches(str(code), row.id, row.code_hash, row.code_key_version):
            with self._transaction() as connection:
                approved = records.approve(
                    connection, row.id, row.code_hash, self.policy.max_checks, now
                )
                if approved is not None:
                    if row.account_id is not None:
                        records.reset_account(connection, row.account_id)
                    if row.traffic:
                        # counted on the day the code went out, to balance that day's sends
                        sent_on = aware(row.last_sent_at, now).astimezone(UTC).date()
                        self.traffic.count(connection, row.traffic, sent_on, verified=1)
                    self._record(connection, "verification.approved", row.id, now, {})
            if approved is not None:
                return self._view(approved, Status.APPROVED)
            # another check won the race, or a resend replaced the code: a wrong code now
        return self._fail(row, now)

    def _fail(self, row: Row[Any], now: datetime) -> Verification:
        with self._transaction() as connection:
            counted = records.count_failure(connection, row.id, self.policy.max_checks, now)
            if counted is not None:
                if row.account_id is not None:
                    records.add_account_failure(
                        connection,
                        row.account_id,
                        self.policy.max_account_failures,
                        now + self.policy.account_lock,
                    )
                self._record(connection, "verification.check_failed", row.id, now, {})
        if counted is not None:
            return self._view(counted, Status(counted.status))
        current = self.get(row.id)
        if current.status is Status.APPROVED:
            # another check approved it meanwhile: this one must not read as approved
            raise VerificationNotFound()
        return current

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
        row = self._load(verification_id)
        now = self.clock.now()
        with self._transaction() as connection:
            if records.finish(connection, row.id, Status.CANCELED, now):
                self._record(connection, "verification.canceled", row.id, now, {})
        return self.get(row.id)
