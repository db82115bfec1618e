"""Write tests/vectors/crypto.json: known answers for ringfence's key and format recipes.

Run only when a format deliberately changes (and bump its version byte):
    uv run python scripts/crypto_vectors.py > tests/vectors/crypto.json
"""

from __future__ import annotations

import json
import sys

from ringfence.crypto import BlindIndexer, FieldCipher, Keyring, Purpose

ROOT_KEYS = {1: bytes(range(32)), 2: bytes(range(32, 64))}


def main() -> None:
    keyring = Keyring(ROOT_KEYS)
    vectors: dict[str, object] = {
        "root_keys": {str(v): k.hex() for v, k in ROOT_KEYS.items()},
        "derived_keys": [
            {"purpose": p.value, "version": v, "key": keyring.key(p, v).hex()}
            for v in ROOT_KEYS
            for p in Purpose
        ],
    }
    ciphertexts = []
    for version, plaintext, row in (
        (1, "+16502530000", "row-1"),
        (2, "+442083661177;ext=12", "r2"),
    ):
        nonce = bytes([version]) * 12
        ring = Keyring({v: k for v, k in ROOT_KEYS.items() if v <= version})
        sealed = FieldCipher(ring, nonce_source=lambda n, nonce=nonce: nonce).seal(
            plaintext, table="phone_contact_points", column="sealed", row_id=row
        )
        ciphertexts.append(
            {
                "version": version,
                "plaintext": plaintext,
                "table": "phone_contact_points",
                "column": "sealed",
                "row_id": row,
                "nonce": nonce.hex(),
                "sealed": sealed.hex(),
            }
        )
    vectors["field_ciphertexts"] = ciphertexts
    indexer = BlindIndexer(keyring)
    vectors["indexes"] = [
        {
            "version": v,
            "e164": e164,
            "national_number": nsn,
            "exact": indexer.exact(e164, v).hex(),
            "suffixes": {str(k): t for k, t in indexer.suffixes(nsn, v).items()},
            "suffix_key": indexer.suffix_key(nsn, v),
        }
        for v in ROOT_KEYS
        for e164, nsn in (("+16502530000", "6502530000"), ("+390612345678", "0612345678"))
    ]
    json.dump(vectors, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
