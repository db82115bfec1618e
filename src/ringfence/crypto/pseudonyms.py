"""Pseudonyms for analytics: ``HMAC-SHA256(analytics key of the epoch, "pid:" + E.164)``,
truncated to 128 bits, hex. Stable within an epoch (the keyring version chosen), unlinkable
across epochs, never an unkeyed hash (the number space is small enough to enumerate)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

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
        # the HMAC state after the key and the "pid:" prefix, computed once: each pseudonym
        # copies it (C code) instead of keying a new HMAC, a third faster in bulk
        self._keyed = hmac.new(keyring.key(Purpose.ANALYTICS, self.epoch), b"pid:", "sha256")

    def pid(self, e164: str) -> str:
        mac = self._keyed.copy()
        mac.update(e164.encode())
        return mac.digest()[:PSEUDONYM_BYTES].hex()

    def pids(self, numbers: Iterable[str | None]) -> list[str | None]:
        """The pseudonym of each E.164 number, ``None`` for ``None`` (or empty)."""
        keyed = self._keyed
        out: list[str | None] = []
        append = out.append
        for e164 in numbers:
            if not e164:
                append(None)
                continue
            mac = keyed.copy()
            mac.update(e164.encode())
            append(mac.digest()[:PSEUDONYM_BYTES].hex())
        return out

    def __repr__(self) -> str:
        return f"Pseudonymizer(epoch={self.epoch})"
