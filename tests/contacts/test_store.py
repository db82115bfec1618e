"""ContactStore on SQLite and PostgreSQL: every test body runs on both engines."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from ringfence import InvalidPhoneNumber
from ringfence.contacts import ContactNotFound, ContactStore
from ringfence.crypto import DecryptionError, Keyring
from ringfence.store.models import PhoneRow
from tests.conftest import TEST_ROOT_KEY

# One number of each contact below, typed as people type them.
QUERIES = [
    ("+16502530000", None),
    ("+1 650-253-0000", None),
    ("(650) 253-0000", "US"),
    ("650.253.0000", "US"),
    ("1 650 253 0000", "US"),
    ("011 1 650 253 0000", "FR"),  # 011 is not France's IDD: read as a national number
    ("001 650 253 0000", "FR"),
    ("+1 (650) 253-0000 ext. 99", None),
    ("tel:+1-650-253-0000", None),
]


@pytest.fixture
def ada(store: ContactStore):
    return store.add_contact(
        name="Ada Lovelace",
        phones=["(650) 253-0000", "+44 20 7946 0018"],
        emails=["ada@example.com"],
        country="US",
    )


def test_add_and_get(store, ada):
    assert ada.name == "Ada Lovelace"
    assert [p.e164 for p in ada.phones] == ["+16502530000", "+442079460018"]
    got = store.get_contact(ada.id)
    assert got.id == ada.id
    assert got.phones[0].e164 == "+16502530000"
    assert got.phone_points[0].is_primary and not got.phone_points[1].is_primary


def test_second_number_uses_the_contact_country_as_default_region(store):
    contact = store.add_contact(name="Alan", phones=["020 7946 0018"], country="GB")
    assert contact.phones[0].e164 == "+442079460018"


def test_add_contact_refuses_invalid_numbers_and_writes_nothing(store):
    with pytest.raises(InvalidPhoneNumber):
        store.add_contact(name="Bad", phones=["+16502530000", "12"], country="US")
    assert store.list_contacts() == []


@pytest.mark.parametrize(("query", "region"), [q for q in QUERIES if "011" not in q[0]])
def test_find_by_phone_in_any_format(store, ada, query, region):
    found = store.find_by_phone(query, region)
    assert [c.id for c in found] == [ada.id]


def test_find_by_national_forms_with_and_without_trunk_prefix(store):
    alan = store.add_contact(name="Alan", phones=["+44 20 7946 0018"])
    for query in ("020 7946 0018", "20 7946 0018", "0044 20 7946 0018", "+44 (0)20 7946 0018"):
        assert [c.id for c in store.find_by_phone(query, "GB")] == [alan.id], query


def test_find_misses_and_refuses(store, ada):
    assert store.find_by_phone("+16502530001") == []
    with pytest.raises(InvalidPhoneNumber):
        store.find_by_phone("not a number", "US")


def test_suffix_search_removes_false_positives(store):
    wanted = store.add_contact(name="Wanted", phones=["+16502531234"])
    for n in range(60):  # share the 4-digit token by chance, or not at all
        store.add_contact(name=f"other {n}", phones=[f"+1650253{(n * 37) % 10000:04d}"])
    found = store.search_phone_suffix("1234")
    assert [c.id for c in found] == [wanted.id]
    assert [c.id for c in store.search_phone_suffix("253-1234")] == [wanted.id]
    assert [c.id for c in store.search_phone_suffix("6502531234")] == [wanted.id]
    assert store.search_phone_suffix("99999") == []
    with pytest.raises(ValueError):
        store.search_phone_suffix("123")


def test_update_add_remove_phone_and_delete(store, ada):
    updated = store.update_contact(ada.id, add_tags=["vip"], emails=["a@example.org"])
    assert updated.tags == ("vip",) and updated.emails == ("a@example.org",)
    with_phone = store.add_phone(ada.id, "+1 415 555 2671", label="work", primary=True)
    assert with_phone.phones[0].e164 == "+14155552671"
    assert [c.id for c in store.find_by_phone("+14155552671")] == [ada.id]
    removed = store.remove_phone(ada.id, "(415) 555-2671")
    assert "+14155552671" not in [p.e164 for p in removed.phones]
    assert removed.phone_points[0].is_primary
    store.delete_contact(ada.id)
    with pytest.raises(ContactNotFound):
        store.get_contact(ada.id)
    assert store.find_by_phone("+16502530000") == []


@pytest.mark.parametrize("bad_id", ["nope", str(uuid.uuid4()), "' OR 1=1 --"])
def test_unknown_ids(store, bad_id):
    with pytest.raises(ContactNotFound) as caught:
        store.get_contact(bad_id)
    assert caught.value.reason == "contact_not_found"


def test_phone_label_is_checked(store, ada):
    with pytest.raises(ValueError, match="label"):
        store.add_phone(ada.id, "+14155552671", label="pager")


def test_sealed_value_copied_to_another_row_does_not_open(store, ada):
    bob = store.add_contact(name="Bob", phones=["+14155552671"])
    with store.engine.begin() as conn:
        stolen = conn.execute(
            select(PhoneRow.sealed).where(PhoneRow.contact_id == ada.id).limit(1)
        ).scalar_one()
        conn.execute(update(PhoneRow).where(PhoneRow.contact_id == bob.id).values(sealed=stolen))
    with pytest.raises(DecryptionError):
        store.get_contact(bob.id)


def test_rotation_keeps_lookups_working_and_reencrypt_resumes(db_url, store, ada):
    for n in range(30):
        store.add_contact(name=f"c{n}", phones=[f"+1415555{n:04d}"])
    rotated = ContactStore.open(db_url, keyring=Keyring({1: TEST_ROOT_KEY, 2: bytes([42]) * 32}))
    try:
        # Lookups find old-version rows, and new rows use version 2.
        assert [c.id for c in rotated.find_by_phone("+16502530000")] == [ada.id]
        fresh = rotated.add_contact(name="new", phones=["+14155559999"])
        assert rotated.get_contact(fresh.id).phone_points[0].key_version == 2
        assert rotated.key_status() == {1: 32, 2: 1}

        class Killed(Exception):
            pass

        def die_after_first_batch(done: int) -> None:
            raise Killed

        with pytest.raises(Killed):
            rotated.reencrypt(batch_size=10, on_progress=die_after_first_batch)
        assert rotated.key_status() == {1: 22, 2: 11}  # the batch committed, nothing else
        assert [c.id for c in rotated.find_by_phone("(650) 253-0000", "US")] == [ada.id]
        assert [c.id for c in rotated.search_phone_suffix("2530000")] == [ada.id]
        assert rotated.reencrypt(batch_size=10) == 22
        assert rotated.key_status() == {2: 33}
        assert [c.id for c in rotated.find_by_phone("+16502530000")] == [ada.id]
        assert rotated.get_contact(ada.id).phones[0].e164 == "+16502530000"
    finally:
        rotated.close()
