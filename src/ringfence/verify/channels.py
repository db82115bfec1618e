"""Delivery channels: where a composed message goes. Channels are plugins: the built-ins
(``outbox``, ``log``) are registered with :func:`register_channel` exactly as a third-party
provider adapter would be."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from ringfence.clock import Clock
from ringfence.crypto import Keyring
from ringfence.phone import PhoneNumber
from ringfence.settings import Settings
from ringfence.verify.errors import DeliveryFailed, UnknownChannel
from ringfence.verify.model import Channel

log = logging.getLogger("ringfence.verify")


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one number. Its repr shows neither the number nor the body."""

    to: PhoneNumber
    body: str
    channel: Channel
    verification_id: str | None = None
    language: str | None = None  # for voice: the text-to-speech language tag

    def __repr__(self) -> str:
        return f"OutgoingMessage(to={self.to.masked()!r}, channel={self.channel.value!r})"


@dataclass(frozen=True)
class DeliveryReceipt:
    """What a channel answered: its name and the provider's message id."""

    channel: str
    provider_id: str | None = None


class ChannelError(Exception):
    """A channel could not take the message (the next channel is tried)."""


class DeliveryChannel(Protocol):
    """A way to send messages."""

    name: str

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        """Hand the message over; raise :class:`ChannelError` when it was not accepted."""
        ...


@dataclass(frozen=True)
class ChannelContext:
    """What a channel factory may use."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    clock: Clock


ChannelFactory = Callable[[ChannelContext], DeliveryChannel]
_FACTORIES: dict[str, ChannelFactory] = {}


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Make a channel available under ``name`` (for ``RINGFENCE_SMS_CHANNEL``)."""
    _FACTORIES[name] = factory


def available_channels() -> list[str]:
    return sorted(_FACTORIES)


def build_channels(names: str | Sequence[str], context: ChannelContext) -> list[DeliveryChannel]:
    """The channels named (comma-separated or a list), in failover order."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in _FACTORIES]
    if unknown or not names:
        raise UnknownChannel(
            f"unknown delivery channel(s) {unknown or names}; available: {available_channels()}"
        )
    return [_FACTORIES[name](context) for name in names]


def deliver(channels: Sequence[DeliveryChannel], message: OutgoingMessage) -> DeliveryReceipt:
    """Send through the first channel that accepts the message (failover in order)."""
    for channel in channels:
        try:
            return channel.send(message)
        except ChannelError as exc:
            log.warning(
                "channel %s refused a message to %s: %s", channel.name, message.to.masked(), exc
            )
    raise DeliveryFailed("every delivery channel refused the message")


class LogChannel:
    """Records that a message would go out — destination masked, never the body (it holds
    the code)."""

    name = "log"

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        log.info(
            "%s to %s: %d characters", message.channel.value, message.to.masked(), len(message.body)
        )
        return DeliveryReceipt(channel=self.name)


def _log_channel(_context: ChannelContext) -> DeliveryChannel:
    return LogChannel()


register_channel("log", _log_channel)
