"""AES-256-GCM field encryption, each ciphertext bound to its table, column and row.

Wire format (all integers big-endian)::

    0x01 | key version (2 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)

The associated data is ``table \\x1f column \\x1f row id`` plus the header, so a ciphertext
copied to another row, column or table, or given another version number, fails to open.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ringfence.crypto.keyring import Keyring, Purpose
from ringfence.errors import RingfenceError

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BH")
NONCE_BYTES = 12
_MIN_LENGTH = _HEADER.size + NONCE_BYTES + 16


class DecryptionError(RingfenceError, ValueError):
    """A ciphertext could not be opened. Deliberately says nothing about why."""

    default_reason = "decryption_failed"

    def __init__(self) -> None:
        super().__init__("the value could not be decrypted")


def associated_data(table: str, column: str, row_id: str) -> bytes:
    """The context a ciphertext is bound to."""
    return "\x1f".join((table, column, row_id)).encode()


class FieldCipher:
    """Seals and opens field values with the keyring's field-encryption keys.

    Args:
        keyring: the root keys.
        nonce_source: returns 12 random bytes; injectable for known-answer tests only.
    """

    def __init__(
        self, keyring: Keyring, *, nonce_source: Callable[[int], bytes] = os.urandom
    ) -> None:
        self._keyring = keyring
        self._nonce = nonce_source
        self._ciphers: dict[int, AESGCM] = {}

    def _cipher(self, version: int) -> AESGCM:
        cipher = self._ciphers.get(version)
        if cipher is None:
            cipher = AESGCM(self._keyring.key(Purpose.FIELD, version))
            self._ciphers[version] = cipher
        return cipher

    def seal(self, plaintext: str, *, table: str, column: str, row_id: str) -> bytes:
        """Encrypt ``plaintext`` under the current key version."""
        version = self._keyring.current
        header = _HEADER.pack(FORMAT_VERSION, version)
        nonce = self._nonce(NONCE_BYTES)
        aad = header + associated_data(table, column, row_id)
        return header + nonce + self._cipher(version).encrypt(nonce, plaintext.encode(), aad)

    def open(self, sealed: bytes, *, table: str, column: str, row_id: str) -> str:
        """Decrypt; raise :class:`DecryptionError` for any failure whatsoever."""
        if len(sealed) < _MIN_LENGTH:
            raise DecryptionError()
        fmt, version = _HEADER.unpack_from(sealed)
        if fmt != FORMAT_VERSION or version not in self._keyring.versions:
            raise DecryptionError()
        header = sealed[: _HEADER.size]
        nonce = sealed[_HEADER.size : _HEADER.size + NONCE_BYTES]
        aad = header + associated_data(table, column, row_id)
        try:
            plain = self._cipher(version).decrypt(nonce, sealed[_HEADER.size + NONCE_BYTES :], aad)
            return plain.decode()
        except (InvalidTag, UnicodeDecodeError):
            raise DecryptionError() from None


def key_version_of(sealed: bytes) -> int:
    """The root-key version a ciphertext names (0 when it is not one of ours)."""
    if len(sealed) < _HEADER.size:
        return 0
    fmt, version = _HEADER.unpack_from(sealed)
    return int(version) if fmt == FORMAT_VERSION else 0
