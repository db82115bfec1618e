"""Failover on a delivery receipt: when a provider reports that a code never arrived, the
verification gets a new code through the next channel. Only the hash of the old code is
kept, so a new one is drawn; the failure count stays, the lifetime is not extended, and
the resend counts against the send limit like any other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row

from ringfence.phone import PhoneNumber, normalize
from ringfence.verify import deliveries, records
from ringfence.verify.base import ServiceCore
from ringfence.verify.channels import OutgoingMessage, deliver
from ringfence.verify.codes import new_code
from ringfence.verify.errors import DeliveryFailed
from ringfence.verify.model import Channel, Status
from ringfence.verify.views import TABLE, aware


class FailoverOperations(ServiceCore):
    """``fail_over`` of the verification service."""

    def fail_over(self, verification_id: str, failed_channel: str) -> bool:
        """Send a new code for ``verification_id`` through the channels after
        ``failed_channel``; ``False`` when there is none, or the verification is no longer
        pending, or its sends are used up."""
        row = self._fetch(verification_id)
        now = self.clock.now()
        remaining = self._after(failed_channel)
        if not remaining or not self._may_resend(row, now):
            self._audit("verification.failover_skipped", row.id, {"channel": failed_channel})
            return False
        code = new_code(self.policy.code_length)
        with self._transaction() as connection:
            updated = records.record_resend(
                connection, row, self._hasher.hash(code, row.id), self._hasher.current_version, now
            )
            if updated is None:
                return False  # changed meanwhile: a resend or a check won
        number = self._open_number(row)
        body, language = self._compose(code, Channel(row.channel), row.locale)
        message = OutgoingMessage(number, body, Channel(row.channel), row.id, language)
        try:
            receipt = deliver(remaining, message)
        except DeliveryFailed:
            self._audit("verification.delivery_failed", row.id, {"after": failed_channel})
            return False
        with self._transaction() as connection:
            deliveries.record_sent(
                connection,
                verification_id=row.id,
                channel=receipt.channel,
                provider_id=receipt.provider_id,
                at=now,
            )
            self._record(
                connection,
                "verification.failed_over",
                row.id,
                now,
                {"from": failed_channel, "to": receipt.channel, "send": row.sends + 1},
            )
        return True

    def _after(self, failed_channel: str) -> list[Any]:
        names = [channel.name for channel in self.channels]
        if failed_channel not in names:
            return []
        return self.channels[names.index(failed_channel) + 1 :]

    def _may_resend(self, row: Row[Any], now: datetime) -> bool:
        return (
            Status(row.status) is Status.PENDING
            and not row.simulated
            and aware(row.expires_at, now) > now
            and row.sends < self.policy.max_sends
        )

    def _open_number(self, row: Row[Any]) -> PhoneNumber:
        e164 = self._cipher.open(row.to_sealed, table=TABLE, column="to", row_id=row.id)
        return normalize(e164)
