"""The only package that touches cryptographic primitives.

* :mod:`keyring` — root-key versions and the purpose keys derived from them (HKDF-SHA256);
* :mod:`providers` — where root keys come from (env var, key file, or a registered KMS/Vault
  provider);
* :mod:`fields` — AES-256-GCM field encryption bound to table, column and row;
* :mod:`indexes` — HMAC-SHA256 blind indexes: exact match and truncated suffix tokens;
* :mod:`otp` — keyed hashes of one-time codes;
* :mod:`tokens` — API keys (random, stored as digests) and webhook signatures.

No unkeyed hash of a phone number is ever computed here: the number space is small enough to
enumerate.
"""

from ringfence.crypto.fields import DecryptionError, FieldCipher
from ringfence.crypto.indexes import BlindIndexer
from ringfence.crypto.keyring import Keyring, Purpose
from ringfence.crypto.otp import CodeHasher
from ringfence.crypto.providers import (
    KeyProvider,
    get_key_provider,
    load_keyring,
    register_key_provider,
)

__all__ = [
    "BlindIndexer",
    "CodeHasher",
    "DecryptionError",
    "FieldCipher",
    "KeyProvider",
    "Keyring",
    "Purpose",
    "get_key_provider",
    "load_keyring",
    "register_key_provider",
]
