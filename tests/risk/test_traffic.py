"""Traffic counters on each engine, fed by the verification service: sends, approvals and
refusals counted under keyed keys, baselines, conversion metrics; and the pumping defence
refusing a walk through one number block, over HTTP too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from ringfence.crypto import BlindIndexer, Keyring
from ringfence.phone import normalize
from ringfence.phone.describe import destination_prefix
from ringfence.risk import RiskGate
from ringfence.risk.policy import PumpingPolicy, RiskPolicy
from ringfence.risk.traffic import TrafficCounters, traffic_keys
from ringfence.store import make_engine, upgrade
from ringfence.store.models import TrafficCounterRow
from ringfence.verify.errors import RiskDenied
from tests.verify.conftest import last_code

DAY = date(2026, 3, 2)
BLOCK = "+3361234"  # ten thousand numbers: +33 6 12 34 00 00 to 99 99


@pytest.fixture
def counters(db_url, keyring):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield TrafficCounters(engine, BlindIndexer(keyring))
    engine.dispose()


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        ("+33612345678", "+33 6"),
        ("+442079460000", "+44 20"),
        ("+14155550123", "+1 415"),
        ("+4915112345678", "+49 1511"),
        ("+80012345678", "+800 1234"),
    ],
)
def test_destination_prefix(raw: str, prefix: str) -> None:
    assert destination_prefix(normalize(raw)) == prefix


def test_keys_hide_numbers_and_addresses(keyring) -> None:  # type: ignore[no-untyped-def]
    keys = traffic_keys(BlindIndexer(keyring), normalize("+33612345678"), "203.0.113.7")
    flat = str(keys.pairs())
    assert keys.country == "FR" and keys.prefix == "+33 6"
    assert "1234" not in flat and "203.0" not in flat
    same_block = traffic_keys(BlindIndexer(keyring), normalize("+33612349999"), None)
    assert same_block.block == keys.block and same_block.ip is None
    assert [scope for scope, _ in same_block.pairs()] == ["country", "prefix", "block"]


def test_a_counter_spread_over_shards_reads_as_one(counters) -> None:  # type: ignore[no-untyped-def]
    # Each count lands on one of SHARDS rows at random (so concurrent sends to a country do
    # not queue on one row lock); snapshot and conversion read their sums.
    keys = counters.keys(normalize("+33612345678"), "203.0.113.7")
    with counters.engine.begin() as connection:
        for _ in range(60):
            counters.count(connection, keys.pairs(), DAY, sent=1)
        for _ in range(25):
            counters.count(connection, keys.pairs(), DAY, verified=1)
        counters.count(connection, keys.pairs(), DAY - timedelta(days=1), verified=7)
    with counters.engine.connect() as connection:
        shards = connection.execute(
            select(TrafficCounterRow.shard).where(
                TrafficCounterRow.scope == "country", TrafficCounterRow.day == DAY
            )
        ).all()
    assert len(shards) > 1
    snapshot = counters.snapshot(keys, DAY)
    assert (snapshot.country.sent, snapshot.country.verified) == (60, 25)
    assert (snapshot.block.sent, snapshot.block.verified) == (60, 25)
    assert snapshot.ip is not None and snapshot.ip.sent == 60
    assert snapshot.country_baseline == 7 and snapshot.ip_countries == 1
    (france,) = counters.conversion(DAY, DAY)
    assert (france.key, france.sent, france.verified) == ("FR", 60, 25)


def test_counts_snapshot_and_baseline(counters) -> None:  # type: ignore[no-untyped-def]
    keys = counters.keys(normalize("+33612345678"), "203.0.113.7")
    with counters.engine.begin() as connection:
        for back, verified in ((1, 40), (5, 90), (14, 60), (15, 500)):
            counters.count(connection, keys.pairs(), DAY - timedelta(days=back), verified=verified)
        counters.count(connection, keys.pairs(), DAY, sent=7)
        counters.count(connection, keys.pairs(), DAY, verified=2)
        counters.count(connection, keys.pairs(), DAY, blocked=1)
        other = counters.keys(normalize("+4915112345678"), "203.0.113.7")
        counters.count(connection, other.pairs(), DAY, sent=1)
    snap = counters.snapshot(keys, DAY)
    assert (snap.country.sent, snap.country.verified, snap.country.unverified) == (7, 2, 5)
    assert snap.block.unverified == 5 and snap.ip is not None and snap.ip.unverified == 6
    assert snap.ip_countries == 2  # FR and DE from this address
    assert snap.country_baseline == 90  # day 15 is outside the 14-day window
    assert counters.snapshot(keys, DAY, baseline_days=15).country_baseline == 500
    fresh = counters.snapshot(counters.keys(normalize("+33798765432"), None), DAY)
    assert fresh.country.sent == 7  # the same country, another block, no address
    assert fresh.block.sent == 0 and fresh.ip is None and fresh.ip_countries == 0
    rates = counters.conversion(DAY, DAY)
    assert [r.to_dict() for r in rates] == [
        {"key": "FR", "sent": 7, "verified": 2, "blocked": 1, "conversion_rate": 0.2857},
        {"key": "DE", "sent": 1, "verified": 0, "blocked": 0, "conversion_rate": 0.0},
    ]
    assert [r.key for r in counters.conversion(DAY, DAY, scope="prefix")] == ["+33 6", "+49 1511"]
    with pytest.raises(ValueError):
        counters.conversion(DAY, DAY, scope="block")


def test_the_service_counts_sends_approvals_and_refusals(service, clock) -> None:  # type: ignore[no-untyped-def]
    service.risk = RiskGate(clock=clock)
    first = service.start("+33612345678", purpose="signup", client_ip="198.51.100.4")
    service.check(first.id, last_code(service))
    service.start("+33612340000", purpose="signup", client_ip="198.51.100.4")
    today = clock.now().date()
    rates = {r.key: r for r in service.traffic.conversion(today, today)}
    assert (rates["FR"].sent, rates["FR"].verified) == (2, 1)
    with service.engine.connect() as connection:
        rows = connection.execute(select(TrafficCounterRow.__table__)).all()
        stored = connection.execute(text("SELECT traffic FROM verifications")).all()
    scopes = sorted({row.scope for row in rows})
    assert scopes == ["block", "country", "ip", "ip_country", "prefix"]
    dump = str(rows) + str(stored)
    assert "612345678" not in dump and "1234" not in dump and "198.51" not in dump


def test_enforced_pumping_refuses_a_walk_through_one_block(service, clock) -> None:  # type: ignore[no-untyped-def]
    service.risk = RiskGate(RiskPolicy(pumping=PumpingPolicy(mode="enforce")), clock=clock)
    for last in range(5):
        service.start(f"{BLOCK}{last:04d}", purpose="signup")
    with pytest.raises(RiskDenied) as denied:
        service.start(f"{BLOCK}0005", purpose="signup")
    assert denied.value.reason == "pumping_block"
    # another block of the same country still gets codes; refusals are counted
    service.start("+33798765432", purpose="signup")
    today = clock.now().date()
    france = service.traffic.conversion(today, today)[0]
    assert (france.sent, france.verified, france.blocked) == (6, 0, 1)
    # the next day starts afresh, with no verified baseline to lift the limit
    clock.advance(days=1)
    service.start(f"{BLOCK}0006", purpose="signup")


def test_simulated_recoveries_count_nothing(service, clock) -> None:  # type: ignore[no-untyped-def]
    service.risk = RiskGate(clock=clock)
    service.known_number = lambda number: False
    service.start("+33612345678", purpose="recovery")
    today = clock.now().date()
    assert service.traffic.conversion(today, today)[0].sent == 0


def test_the_shard_migration_keeps_and_folds_the_counts(db_url) -> None:  # type: ignore[no-untyped-def]
    # Counts written before migration 0013 become shard 0; going back folds the shards.
    from ringfence.store import downgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0012")
        insert = text(
            "INSERT INTO traffic_counters (scope, key, day, sent, verified, blocked)"
            " VALUES ('country', 'FR', :day, 7, 3, 1)"
        )
        with engine.begin() as connection:
            connection.execute(insert, {"day": DAY})
        upgrade(engine)
        counters = TrafficCounters(engine, BlindIndexer(Keyring({1: bytes(32)})))
        keys = counters.keys(normalize("+33612345678"), None)
        with engine.begin() as connection:
            for _ in range(20):
                counters.count(connection, keys.pairs(), DAY, sent=1)
        assert counters.snapshot(keys, DAY).country.sent == 27
        downgrade(engine, "0012")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT sent, verified FROM traffic_counters WHERE scope = 'country'")
            ).all()
        assert [tuple(row) for row in rows] == [(27, 3)]
    finally:
        engine.dispose()
