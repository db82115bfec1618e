"""Known-answer vectors for the key derivation, ciphertext and index formats.

tests/vectors/crypto.json pins the formats; the key derivation is also checked against an
independent RFC 5869 HKDF written here with the standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ringfence.crypto import BlindIndexer, FieldCipher, Keyring, Purpose

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "crypto.json").read_text())


def rfc5869_hkdf(key: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    prk = hmac.new(salt, key, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


@pytest.fixture
def keyring() -> Keyring:
    return Keyring({int(v): bytes.fromhex(k) for v, k in VECTORS["root_keys"].items()})


@pytest.mark.parametrize("case", VECTORS["derived_keys"], ids=lambda c: c["purpose"])
def test_purpose_keys(keyring, case):
    purpose = Purpose(case["purpose"])
    root = bytes.fromhex(VECTORS["root_keys"][str(case["version"])])
    info = f"ringfence/{purpose.value}/v{case['version']}".encode()
    independent = rfc5869_hkdf(root, b"ringfence keyring v1", info)
    assert keyring.key(purpose, case["version"]).hex() == case["key"] == independent.hex()


@pytest.mark.parametrize("case", VECTORS["field_ciphertexts"], ids=lambda c: c["plaintext"][:8])
def test_field_ciphertexts(keyring, case):
    nonce = bytes.fromhex(case["nonce"])
    ring = Keyring(
        {
            v: bytes.fromhex(k)
            for v, k in ((int(a), b) for a, b in VECTORS["root_keys"].items())
            if v <= case["version"]
        }
    )
    cipher = FieldCipher(ring, nonce_source=lambda n: nonce)
    where = {"table": case["table"], "column": case["column"], "row_id": case["row_id"]}
    sealed = cipher.seal(case["plaintext"], **where)
    assert sealed.hex() == case["sealed"]
    assert FieldCipher(keyring).open(sealed, **where) == case["plaintext"]
    # The layout, checked with the raw primitive: header | nonce | AES-GCM(ct + tag).
    header = sealed[:3]
    aad = header + "\x1f".join((case["table"], case["column"], case["row_id"])).encode()
    key = keyring.key(Purpose.FIELD, case["version"])
    assert AESGCM(key).decrypt(sealed[3:15], sealed[15:], aad).decode() == case["plaintext"]


@pytest.mark.parametrize("case", VECTORS["indexes"], ids=lambda c: c["e164"])
def test_blind_indexes(keyring, case):
    indexer = BlindIndexer(keyring)
    assert indexer.exact(case["e164"], case["version"]).hex() == case["exact"]
    key = keyring.key(Purpose.EXACT_INDEX, case["version"])
    expected = hmac.new(key, b"e164:" + case["e164"].encode(), hashlib.sha256).digest()[:16]
    assert expected.hex() == case["exact"]
    tokens = indexer.suffixes(case["national_number"], case["version"])
    assert {str(k): v for k, v in tokens.items()} == case["suffixes"]
    assert indexer.suffix_key(case["national_number"], case["version"]) == case["suffix_key"]
    assert case["suffix_key"] == (case["suffixes"]["4"] << 17) | case["suffixes"]["6"]
    low, high = indexer.suffix_key_range(case["national_number"][-4:], case["version"])
    assert low <= case["suffix_key"] <= high
