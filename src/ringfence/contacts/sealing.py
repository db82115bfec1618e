"""Turn a :class:`PhoneNumber` into the sealed, indexed columns of a contact point, and back."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from ringfence.crypto import BlindIndexer, FieldCipher, Keyring
from ringfence.phone import NumberType, PhoneNumber
from ringfence.store.models import PhoneRow

TABLE = PhoneRow.__tablename__
COLUMN = "sealed"
_EXT = ";ext="


class SealedPhone(NamedTuple):
    """The stored form of one number under one key version."""

    sealed: bytes
    key_version: int
    exact_index: bytes
    suffix_key: int | None


class PhoneSealer:
    """Seals numbers into contact-point columns and opens them again."""

    def __init__(self, keyring: Keyring, cipher: FieldCipher | None = None) -> None:
        self.keyring = keyring
        self.cipher = cipher or FieldCipher(keyring)
        self.indexer = BlindIndexer(keyring)

    def seal(self, number: PhoneNumber, row_id: uuid.UUID) -> SealedPhone:
        """Seal and index ``number`` for the row ``row_id`` under the current key version."""
        plaintext = number.e164 + (_EXT + number.extension if number.extension else "")
        return SealedPhone(
            sealed=self.cipher.seal(plaintext, table=TABLE, column=COLUMN, row_id=str(row_id)),
            key_version=self.keyring.current,
            exact_index=self.indexer.exact(number.e164),
            suffix_key=self.indexer.suffix_key(number.national_number),
        )

    def open(self, row: Any) -> PhoneNumber:
        """Rebuild the number of a stored row — an ORM ``PhoneRow`` or a Core row with the
        same columns (raises ``DecryptionError`` if tampered)."""
        plaintext = self.cipher.open(row.sealed, table=TABLE, column=COLUMN, row_id=str(row.id))
        e164, _, extension = plaintext.partition(_EXT)
        return PhoneNumber(
            e164=e164,
            country_code=row.country_code,
            national_number=e164[1 + len(str(row.country_code)) :],
            extension=extension or None,
            region=row.region,
            number_type=NumberType(row.number_type),
            is_valid=True,
            is_possible=True,
            metadata_version=row.metadata_version,
            backend="store",
        )

    def apply(self, row: PhoneRow, sealed: SealedPhone) -> None:
        """Write sealed columns onto a row."""
        row.sealed = sealed.sealed
        row.key_version = sealed.key_version
        row.exact_index = sealed.exact_index
        row.suffix_key = sealed.suffix_key
