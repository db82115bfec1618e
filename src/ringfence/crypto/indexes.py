"""HMAC-SHA256 blind indexes of phone numbers.

* Exact index: ``HMAC(exact key, "e164:" + E.164)`` truncated to 16 bytes — equality
  lookups (login, dedupe) without storing the number.
* Suffix tokens: ``HMAC(search key, "suffix<L>:" + last L digits)`` truncated to a few bits,
  for L in :data:`SUFFIX_LENGTHS`. Truncation is deliberate: each token stands for many
  suffixes, so the index alone never pins a number down; candidates are confirmed after
  decryption.

Every value depends on the key version; lookups compute it under every live version.
"""

from __future__ import annotations

import hashlib
import hmac

from ringfence.crypto.keyring import Keyring, Purpose

EXACT_INDEX_BYTES = 16
SUFFIX_LENGTHS = (4, 6, 8)
# Bits kept per suffix length: about 10**L / 2**bits >= 4 suffixes share each token.
SUFFIX_BITS = {4: 11, 6: 17, 8: 22}


class BlindIndexer:
    """Computes exact and suffix blind indexes under a keyring's versions."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def exact(self, e164: str, version: int | None = None) -> bytes:
        """16-byte exact-match index of an E.164 number."""
        key = self._keyring.key(Purpose.EXACT_INDEX, version)
        return hmac.new(key, b"e164:" + e164.encode(), hashlib.sha256).digest()[:EXACT_INDEX_BYTES]

    def exact_all_versions(self, e164: str) -> list[bytes]:
        """The exact index under every live version (for lookups during rotation)."""
        return [self.exact(e164, version) for version in self._keyring.versions]

    def suffix(self, digits: str, length: int, version: int | None = None) -> int:
        """Truncated token of the last ``length`` digits of ``digits``."""
        if length not in SUFFIX_BITS:
            raise ValueError(f"suffix length must be one of {SUFFIX_LENGTHS}")
        if len(digits) < length or not digits.isascii() or not digits.isdigit():
            raise ValueError("not enough digits for this suffix length")
        key = self._keyring.key(Purpose.SEARCH_INDEX, version)
        message = f"suffix{length}:{digits[-length:]}".encode()
        mac = hmac.new(key, message, hashlib.sha256).digest()
        return int.from_bytes(mac[:4], "big") >> (32 - SUFFIX_BITS[length])

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
