"""Whether any contact holds a number: decides if a recovery code is really sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import Engine, Table, select

from ringfence.crypto import BlindIndexer, Keyring
from ringfence.phone import PhoneNumber
from ringfence.store.models import PhoneRow

PHONES = cast(Table, PhoneRow.__table__)


def contact_numbers(engine: Engine, keyring: Keyring) -> Callable[[PhoneNumber], bool]:
    """A ``known_number`` for :class:`VerificationService`: true when an active contact
    point of the contact store has the number (under any key version)."""
    indexer = BlindIndexer(keyring)

    def known(number: PhoneNumber) -> bool:
        indexes = indexer.exact_all_versions(number.e164)
        query = (
            select(PHONES.c.id)
            .where(PHONES.c.exact_index.in_(indexes), PHONES.c.status == "active")
            .limit(1)
        )
        with engine.connect() as connection:
            return connection.execute(query).first() is not None

    return known
