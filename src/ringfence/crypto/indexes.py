"""HMAC-SHA256 blind indexes of phone numbers.

* Exact index: ``HMAC(exact key, "e164:" + E.164)`` truncated to 16 bytes — equality
  lookups (login, dedupe) without storing the number.
* Suffix tokens: ``HMAC(search key, "suffix<L>:" + last L digits)`` truncated to a few bits,
  for L in :data:`SUFFIX_LENGTHS`. Truncation is deliberate: each token stands for many
  suffixes, so the index alone never pins a number down; candidates are confirmed after
  decryption. Both tokens are packed into one integer, ``suffix_key = t4 << 17 | t6``, so one
  B-tree serves both searches: the last 4 digits give a range of keys, 6 or more an exact
  key.

Every value depends on the key version; lookups compute it under every live version.
"""

from __future__ import annotations

import hmac
from typing import Any

from ringfence.crypto.keyring import Keyring, Purpose

EXACT_INDEX_BYTES = 16
SUFFIX_LENGTHS = (4, 6)
# Bits kept per suffix length: about 10**L / 2**bits >= 4 suffixes share each token.
SUFFIX_BITS = {4: 11, 6: 17}


class BlindIndexer:
    """Computes exact and suffix blind indexes under a keyring's versions."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._macs: dict[tuple[Purpose, int | None], Any] = {}

    def _mac(self, purpose: Purpose, version: int | None, message: bytes) -> bytes:
        # Called for every row of a bulk insert: keep each key's HMAC state keyed and ready,
        # and copy it (cheaper than keying a new HMAC each time).
        base = self._macs.get((purpose, version))
        if base is None:
            key = self._keyring.key(purpose, version)
            base = self._macs[(purpose, version)] = hmac.new(key, digestmod="sha256")
        mac = base.copy()
        mac.update(message)
        return bytes(mac.digest())

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def exact(self, e164: str, version: int | None = None) -> bytes:
        """16-byte exact-match index of an E.164 number."""
        return self._mac(Purpose.EXACT_INDEX, version, b"e164:" + e164.encode())[:EXACT_INDEX_BYTES]

    def exact_all_versions(self, e164: str) -> list[bytes]:
        """The exact index under every live version (for lookups during rotation)."""
        return [self.exact(e164, version) for version in self._keyring.versions]

    def suffix(self, digits: str, length: int, version: int | None = None) -> int:
        """Truncated token of the last ``length`` digits of ``digits``."""
        if length not in SUFFIX_BITS:
            raise ValueError(f"suffix length must be one of {SUFFIX_LENGTHS}")
        if len(digits) < length or not digits.isascii() or not digits.isdigit():
            raise ValueError("not enough digits for this suffix length")
        return self._token(digits, length, version)

    def _token(self, digits: str, length: int, version: int | None) -> int:
        message = b"suffix%d:%s" % (length, digits[-length:].encode())
        mac = self._mac(Purpose.SEARCH_INDEX, version, message)
        return int.from_bytes(mac[:4], "big") >> (32 - SUFFIX_BITS[length])

    def suffix_key(self, national_number: str, version: int | None = None) -> int | None:
        """The packed suffix key of a national number (``None`` below 4 digits)."""
        if len(national_number) < 4:
            return None
        if not national_number.isascii() or not national_number.isdigit():
            raise ValueError("a national number is digits only")
        t4 = self._token(national_number, 4, version)
        t6 = self._token(national_number, 6, version) if len(national_number) >= 6 else 0
        return (t4 << SUFFIX_BITS[6]) | t6

    def suffix_key_range(self, digits: str, version: int | None = None) -> tuple[int, int]:
        """Inclusive range of suffix keys a number ending in ``digits`` (4+) can have."""
        t4 = self.suffix(digits, 4, version) << SUFFIX_BITS[6]
        if len(digits) >= 6:
            key = t4 | self.suffix(digits, 6, version)
            return key, key
        return t4, t4 | ((1 << SUFFIX_BITS[6]) - 1)

    def suffixes(self, national_number: str, version: int | None = None) -> dict[int, int | None]:
        """Tokens for every suffix length the national number is long enough for."""
        return {
            length: (
                self.suffix(national_number, length, version)
                if len(national_number) >= length
                else None
            )
            for length in SUFFIX_LENGTHS
        }
