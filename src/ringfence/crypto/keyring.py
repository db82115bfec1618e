"""Versioned root keys and the purpose keys derived from them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ringfence.errors import ConfigurationError

ROOT_KEY_BYTES = 32
MAX_KEY_VERSION = 65_535  # versions are stored in two bytes
_HKDF_SALT = b"ringfence keyring v1"


class Purpose(StrEnum):
    """Each purpose gets its own key, so that one leaking does not expose the others."""

    FIELD = "field-encryption"
    EXACT_INDEX = "exact-index"
    SEARCH_INDEX = "search-index"
    OTP = "otp-hash"
    ANALYTICS = "analytics-pseudonym"
    IMPORT_FINGERPRINT = "import-fingerprint"


class Keyring:
    """Root-key versions; derives a 32-byte key per (purpose, version) with HKDF-SHA256.

    New data uses :attr:`current` (the highest version); data is opened with the version it
    names. ``repr()`` never shows key material.
    """

    def __init__(self, versions: Mapping[int, bytes]) -> None:
        if not versions:
            raise ConfigurationError("the keyring has no root key", reason="no_root_key")
        for version, key in versions.items():
            if not 1 <= version <= MAX_KEY_VERSION:
                raise ConfigurationError(
                    f"root key version {version} out of range", reason="bad_key_version"
                )
            if len(key) != ROOT_KEY_BYTES:
                raise ConfigurationError(
                    f"root key version {version} must be {ROOT_KEY_BYTES} bytes",
                    reason="bad_root_key",
                )
        self._versions = dict(sorted(versions.items()))

    @property
    def current(self) -> int:
        """The newest version: every new ciphertext and index uses it."""
        return max(self._versions)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every live version, oldest first."""
        return tuple(self._versions)

    def key(self, purpose: Purpose, version: int | None = None) -> bytes:
        """The 32-byte key for ``purpose`` under root ``version`` (default: current)."""
        version = self.current if version is None else version
        if version not in self._versions:
            raise KeyError(version)
        return _derive(self._versions[version], purpose.value, version)

    def __repr__(self) -> str:
        return f"Keyring(versions={list(self._versions)}, current={self.current})"


@functools.lru_cache(maxsize=256)
def _derive(root: bytes, purpose: str, version: int) -> bytes:
    info = f"ringfence/{purpose}/v{version}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(root)
