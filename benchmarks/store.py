"""Benchmark: the encrypted contact store against the same schema storing plaintext.

For SQLite and PostgreSQL, in one run:

* bulk insert of N contacts with one phone each (default 1,000,000), in batches of 10,000:
  ``ContactStore.add_contacts`` (AES-256-GCM seal + exact and suffix blind indexes) against a
  plaintext twin of the same tables (E.164 in an indexed column). Target: at least 50% of the
  plaintext rate.
* ``find_by_phone`` latency (p50/p99 over 2,000 lookups of stored numbers, each query
  normalized first) against the indexed plaintext lookup returning the same contact and
  phones. Target: p50 at most 2x plaintext.

Numbers are normalized once, up front, for both sides: the comparison isolates what
encryption and blind indexes cost.

    uv run python benchmarks/store.py                  # full size
    uv run python benchmarks/store.py --scale 0.01
    RINGFENCE_BENCH_PG=postgresql://postgres@127.0.0.1:5432/test (default)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Column, ForeignKey, MetaData, String, Table, Uuid, insert, select

from ringfence import normalize, normalize_many
from ringfence.contacts import ContactStore
from ringfence.contacts.store import CONTACTS, PHONES
from ringfence.crypto import Keyring
from ringfence.phone import NumberType, PhoneNumber
from ringfence.store import make_engine

BATCH = 10_000
PG_ADMIN = os.environ.get("RINGFENCE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")

CRYPTO_COLUMNS = {"sealed", "key_version", "exact_index", "suffix4", "suffix6"}


def plaintext_twin() -> tuple[MetaData, Table, Table]:
    """The store's own tables, with the phone's crypto columns replaced by an indexed
    plaintext E.164 and extension: the schema a CRM without encryption would have."""
    metadata = MetaData()
    contacts = Table(
        "plain_contacts",
        metadata,
        *(
            Column(c.name, c.type, primary_key=c.primary_key, index=c.index)
            for c in CONTACTS.columns
        ),
    )
    phones = Table(
        "plain_phones",
        metadata,
        *(
            Column(c.name, c.type, primary_key=c.primary_key, index=c.index)
            if c.name != "contact_id"
            else Column("contact_id", Uuid, ForeignKey("plain_contacts.id"), index=True)
            for c in PHONES.columns
            if c.name not in CRYPTO_COLUMNS
        ),
        Column("e164", String(20), index=True),
        Column("extension", String(20)),
    )
    return metadata, contacts, phones


plain, plain_contacts, plain_phones = plaintext_twin()


def make_numbers(n: int) -> list[PhoneNumber]:
    """``n`` distinct valid numbers (US, GB, DE, FR, IN), built from one bulk normalization."""
    rng = random.Random(3)
    prefixes = ["+1 415 ", "+1 650 ", "+1 212 ", "+44 7700 ", "+49 151 ", "+33 6 ", "+91 98"]
    seen: dict[str, PhoneNumber] = {}
    while len(seen) < n:
        raw = [rng.choice(prefixes) + f"{rng.randrange(10**8):08d}" for _ in range(n)]
        rows = normalize_many(raw).to_pylist()
        for row in rows:
            if row["valid"] and row["e164"] not in seen and len(seen) < n:
                e164 = row["e164"]
                seen[e164] = PhoneNumber(
                    e164=e164,
                    country_code=row["country_code"],
                    national_number=e164[1 + len(str(row["country_code"])) :],
                    extension=None,
                    region=row["region"],
                    number_type=NumberType(row["number_type"]),
                    is_valid=True,
                    is_possible=True,
                    metadata_version="bench",
                    backend="bench",
                )
    return list(seen.values())


def insert_plain(engine: Any, numbers: list[PhoneNumber]) -> float:
    now = datetime.now(UTC)
    start = time.perf_counter()
    for offset in range(0, len(numbers), BATCH):
        contacts, phones = [], []
        for i, number in enumerate(numbers[offset : offset + BATCH]):
            cid = uuid.uuid4()
            contacts.append(
                {
                    "id": cid,
                    "display_name": f"person {offset + i}",
                    "emails": [],
                    "country": None,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
            )
            phones.append(
                {
                    "id": uuid.uuid4(),
                    "contact_id": cid,
                    "e164": number.e164,
                    "label": "mobile",
                    "country_code": number.country_code,
                    "region": number.region,
                    "number_type": number.number_type.value,
                    "metadata_version": number.metadata_version,
                    "status": "active",
                    "valid_from": now,
                    "created_at": now,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(plain_contacts), contacts)
            conn.execute(insert(plain_phones), phones)
    return time.perf_counter() - start


def insert_sealed(store: ContactStore, numbers: list[PhoneNumber]) -> float:
    start = time.perf_counter()
    for offset in range(0, len(numbers), BATCH):
        store.add_contacts(
            [
                {"name": f"person {offset + i}", "phones": [number]}
                for i, number in enumerate(numbers[offset : offset + BATCH])
            ]
        )
    return time.perf_counter() - start


def plain_lookup(engine: Any, raw: str) -> list[dict[str, Any]]:
    """What a plaintext CRM does: normalize, look up the indexed E.164, load the contact."""
    e164 = normalize(raw).e164
    with engine.connect() as conn:
        ids = (
            conn.execute(select(plain_phones.c.contact_id).where(plain_phones.c.e164 == e164))
            .scalars()
            .all()
        )
        contacts = conn.execute(select(plain_contacts).where(plain_contacts.c.id.in_(ids))).all()
        phones = conn.execute(select(plain_phones).where(plain_phones.c.contact_id.in_(ids))).all()
    return [{"contact": c._asdict(), "phones": [p._asdict() for p in phones]} for c in contacts]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def lookups(fn: Any, queries: list[str]) -> list[float]:
    times = []
    for query in queries:
        start = time.perf_counter()
        found = fn(query)
        times.append(time.perf_counter() - start)
        assert len(found) == 1
    return times


def run_engine(name: str, url: str, numbers: list[PhoneNumber], n_lookups: int) -> None:
    print(f"\n== {name}: {len(numbers):,} contacts ==", flush=True)
    store = ContactStore.open(url, keyring=Keyring({1: os.urandom(32)}))
    plain.create_all(store.engine)
    plain_engine = make_engine(url)
    plain_time = insert_plain(plain_engine, numbers)
    sealed_time = insert_sealed(store, numbers)
    n = len(numbers)
    print(f"insert plaintext: {n / plain_time:10,.0f} contacts/s ({plain_time:.1f} s)")
    print(f"insert sealed:    {n / sealed_time:10,.0f} contacts/s ({sealed_time:.1f} s)")
    print(f"sealed / plaintext rate: {plain_time / sealed_time:.0%} (target >= 50%)", flush=True)
    rng = random.Random(5)
    queries = [rng.choice(numbers).format("international") for _ in range(n_lookups)]
    lookups(lambda q: plain_lookup(plain_engine, q), queries[:50])  # warm caches
    lookups(store.find_by_phone, queries[:50])
    plain_p50, plain_p99 = percentiles(lookups(lambda q: plain_lookup(plain_engine, q), queries))
    ours_p50, ours_p99 = percentiles(lookups(store.find_by_phone, queries))
    print(f"lookup plaintext: p50 {plain_p50 * 1e3:.2f} ms  p99 {plain_p99 * 1e3:.2f} ms")
    print(f"find_by_phone:    p50 {ours_p50 * 1e3:.2f} ms  p99 {ours_p99 * 1e3:.2f} ms")
    print(
        f"p50 ratio: {ours_p50 / plain_p50:.2f}x (target <= 2x); "
        f"p99 ratio: {ours_p99 / plain_p99:.2f}x",
        flush=True,
    )
    store.close()
    plain_engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    n = int(1_000_000 * args.scale)
    print(f"generating {n:,} numbers ...", flush=True)
    numbers = make_numbers(n)
    workdir = f"/tmp/ringfence-bench-{uuid.uuid4().hex[:8]}"
    os.makedirs(workdir)
    if "sqlite" in args.engines:
        run_engine("SQLite", f"sqlite:///{workdir}/store.db", numbers, args.lookups)
    if "postgresql" in args.engines:
        name = f"ringfence_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            run_engine("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/" + name, numbers, args.lookups)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
