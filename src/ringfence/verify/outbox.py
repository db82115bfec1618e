"""The development channel: messages kept in the database, sealed like every number, and
read back only by ``ringfence outbox`` and the dashboard — never in production."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, insert, select

from ringfence.clock import Clock
from ringfence.crypto import FieldCipher, Keyring
from ringfence.errors import ConfigurationError
from ringfence.settings import Settings
from ringfence.store.models import OutboxMessageRow
from ringfence.verify.channels import (
    ChannelContext,
    DeliveryChannel,
    DeliveryReceipt,
    OutgoingMessage,
    register_channel,
)

OUTBOX = cast(Table, OutboxMessageRow.__table__)
_TABLE = OutboxMessageRow.__tablename__


def _refuse_in_production(settings: Settings) -> None:
    if settings.is_production:
        raise ConfigurationError(
            "the outbox is a development tool and is disabled when RINGFENCE_ENV=production",
            reason="outbox_in_production",
        )


class OutboxChannel:
    """Stores each message instead of sending it."""

    name = "outbox"

    def __init__(self, engine: Engine, keyring: Keyring, clock: Clock) -> None:
        self._engine = engine
        self._cipher = FieldCipher(keyring)
        self._keyring = keyring
        self._clock = clock

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        return self._store(
            message.to.e164, message.body, message.channel.value, message.verification_id
        )

    def send_email(self, address: str, body: str) -> DeliveryReceipt:
        """Store an email (development stand-in for an email provider)."""
        return self._store(address, body, "email", None)

    def _store(
        self, to: str, body: str, channel: str, verification_id: str | None
    ) -> DeliveryReceipt:
        ref = uuid.uuid4()
        row_id = str(ref)
        seal = self._cipher.seal
        with self._engine.begin() as connection:
            connection.execute(
                insert(OUTBOX).values(
                    ref=ref,
                    verification_id=verification_id,
                    channel=channel,
                    to_sealed=seal(to, table=_TABLE, column="to", row_id=row_id),
                    body_sealed=seal(body, table=_TABLE, column="body", row_id=row_id),
                    key_version=self._keyring.current,
                    created_at=self._clock.now(),
                )
            )
        return DeliveryReceipt(channel=self.name, provider_id=row_id)


def _outbox_channel(context: ChannelContext) -> DeliveryChannel:
    _refuse_in_production(context.settings)
    return OutboxChannel(context.engine, context.keyring, context.clock)


register_channel("outbox", _outbox_channel)


@dataclass(frozen=True)
class OutboxMessage:
    """A stored development message, opened."""

    id: str
    verification_id: str | None
    channel: str
    to: str
    body: str
    created_at: datetime

    def __repr__(self) -> str:
        return f"OutboxMessage(id={self.id!r}, channel={self.channel!r})"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "verification_id": self.verification_id,
            "channel": self.channel,
            "to": self.to,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
        }


def read_outbox(
    engine: Engine, keyring: Keyring, settings: Settings, *, limit: int = 50
) -> list[OutboxMessage]:
    """The newest development messages first, opened (refused in production)."""
    _refuse_in_production(settings)
    cipher = FieldCipher(keyring)
    query = select(OUTBOX).order_by(OUTBOX.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    messages = []
    for row in rows:
        row_id = str(row.ref)
        messages.append(
            OutboxMessage(
                id=row_id,
                verification_id=row.verification_id,
                channel=row.channel,
                to=cipher.open(row.to_sealed, table=_TABLE, column="to", row_id=row_id),
                body=cipher.open(row.body_sealed, table=_TABLE, column="body", row_id=row_id),
                created_at=row.created_at,
            )
        )
    return messages
