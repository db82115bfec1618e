"""Two processes writing the same contact on PostgreSQL lose no update."""

from __future__ import annotations

import multiprocessing

import pytest

from ringfence.contacts import ContactStore
from ringfence.crypto import Keyring
from tests.conftest import TEST_ROOT_KEY

ROUNDS = 15


def _writer(url: str, contact_id: str, worker: int) -> None:
    store = ContactStore.open(url, keyring=Keyring({1: TEST_ROOT_KEY}), migrate=False)
    try:
        for i in range(ROUNDS):
            store.add_phone(contact_id, f"+1 415 555 {worker}{i:03d}")
            store.update_contact(contact_id, add_tags=[f"w{worker}-{i}"])
    finally:
        store.close()


def test_concurrent_writers_lose_nothing(pg_database):
    url = pg_database
    with ContactStore.open(url, keyring=Keyring({1: TEST_ROOT_KEY})) as store:
        contact = store.add_contact(name="Shared", phones=["+14155550999"])
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(url, str(contact.id), n)) for n in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    with ContactStore.open(url, keyring=Keyring({1: TEST_ROOT_KEY})) as store:
        final = store.get_contact(contact.id)
    assert len(final.phones) == 1 + 2 * ROUNDS
    assert set(final.tags) == {f"w{w}-{i}" for w in (1, 2) for i in range(ROUNDS)}
    assert sum(p.is_primary for p in final.phone_points) == 1


@pytest.mark.parametrize("engine", ["sqlite"])
def test_stale_writer_is_refused_not_silently_merged(tmp_path, engine):
    """Without row locks (SQLite), the revision counter still refuses a lost update."""
    from sqlalchemy import update

    from ringfence.contacts import ConcurrentUpdate
    from ringfence.store.models import ContactRow

    url = f"sqlite:///{tmp_path / 'c.db'}"
    with ContactStore.open(url, keyring=Keyring({1: TEST_ROOT_KEY})) as store:
        contact = store.add_contact(name="Shared")

        def stale_write() -> None:
            with store._session() as session:
                row = store._load(session, contact.id)
                with store.engine.begin() as other:  # another writer commits meanwhile
                    other.execute(
                        update(ContactRow).where(ContactRow.id == contact.id).values(revision=5)
                    )
                row.display_name = "mine"

        with pytest.raises(ConcurrentUpdate):
            stale_write()
        assert store.get_contact(contact.id).name == "Shared"
