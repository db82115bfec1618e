"""Pseudonyms for analytics: ``HMAC-SHA256(analytics key of the epoch, "pid:" + E.164)``,
truncated to 128 bits, hex. Stable within an epoch (the keyring version chosen), unlinkable
across epochs, never an unkeyed hash (the number space is small enough to enumerate)."""

from __future__ import annotations

import hmac

from ringfence.crypto.keyring import Keyring, Purpose
from ringfence.errors import ConfigurationError

PSEUDONYM_BYTES = 16


class Pseudonymizer:
    """Pseudonyms under one epoch of the keyring (default: the current version)."""

    def __init__(self, keyring: Keyring, epoch: int | None = None) -> None:
        self.epoch = keyring.current if epoch is None else epoch
        if self.epoch not in keyring.versions:
            raise ConfigurationError(
                f"no key for epoch {self.epoch}; the keyring holds {list(keyring.versions)}",
                reason="unknown_epoch",
            )
        self._key = keyring.key(Purpose.ANALYTICS, self.epoch)

    def pid(self, e164: str) -> str:
        # hmac.digest: the one-shot C path, several times faster than new/update/digest
        return hmac.digest(self._key, b"pid:" + e164.encode(), "sha256")[:PSEUDONYM_BYTES].hex()

    def __repr__(self) -> str:
        return f"Pseudonymizer(epoch={self.epoch})"
