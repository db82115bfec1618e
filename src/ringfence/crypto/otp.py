"""Keyed hashes of one-time codes: HMAC-SHA256 under the OTP key, bound to their
verification, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from ringfence.crypto.keyring import Keyring, Purpose


class CodeHasher:
    """Hashes codes for storage. A hash names no code and cannot be replayed onto another
    verification; the caller stores the key version next to it."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @property
    def current_version(self) -> int:
        return self._keyring.current

    def hash(self, code: str, verification_id: str, version: int | None = None) -> bytes:
        key = self._keyring.key(Purpose.OTP, version)
        message = f"{verification_id}\x1f{code}".encode()
        return hmac.new(key, message, hashlib.sha256).digest()

    def matches(self, code: str, verification_id: str, stored: bytes, version: int) -> bool:
        """Whether ``code`` is the code behind ``stored`` (constant time)."""
        return hmac.compare_digest(self.hash(code, verification_id, version), stored)
