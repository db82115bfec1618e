"""Whether any contact holds a number: decides if a recovery code is really sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import Connection, Engine, Table, bindparam, select

from ringfence.crypto import BlindIndexer, Keyring
from ringfence.phone import PhoneNumber
from ringfence.store.models import PhoneRow

PHONES = cast(Table, PhoneRow.__table__)


class ContactNumbers:
    """A ``known_number`` for :class:`VerificationService`: true when an active contact
    point of the contact store has the number (under any key version)."""

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self.engine = engine
        self._indexer = BlindIndexer(keyring)
        self._query = (
            select(PHONES.c.id)
            .where(
                PHONES.c.exact_index.in_(bindparam("indexes", expanding=True)),
                PHONES.c.status == "active",
            )
            .limit(1)
        )

    def __call__(self, number: PhoneNumber) -> bool:
        with self.engine.connect() as connection:
            return self.within(connection, number)

    def within(self, connection: Connection, number: PhoneNumber) -> bool:
        """The same answer, read in ``connection`` (a connection to :attr:`engine`)."""
        indexes = self._indexer.exact_all_versions(number.e164)
        return connection.execute(self._query, {"indexes": indexes}).first() is not None


def contact_numbers(engine: Engine, keyring: Keyring) -> Callable[[PhoneNumber], bool]:
    """A :class:`ContactNumbers` over ``engine``."""
    return ContactNumbers(engine, keyring)
