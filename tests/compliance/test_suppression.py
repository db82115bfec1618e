"""Suppression lists on each engine: internal do-not-contact entries per brand and channel,
national registry imports with reject reports, freshness limits (US 31 days, UK 28), and
keyed entries only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from ringfence.compliance import ComplianceError, RegistryStale, Suppressions
from ringfence.compliance.suppression import read_registry_file
from ringfence.store import make_engine, upgrade
from ringfence.store.audit import verify_chain
from ringfence.testing import FakeClock

DATA = Path(__file__).parents[1] / "data" / "registries"
US = "+12015550100"
TODAY = date(2026, 11, 20)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 10, tzinfo=UTC))


@pytest.fixture
def lists(db_url, keyring, clock):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield Suppressions(engine, keyring, clock=clock)
    engine.dispose()


def test_internal_entries_per_brand_and_channel(lists) -> None:  # type: ignore[no-untyped-def]
    assert lists.add("+33612345678", brand="Acme", channel="sms", reason="asked by phone")
    assert not lists.add("+33 6 12 34 56 78", brand="Acme", channel="sms")  # already
    found = lists.check("+33612345678", brand="Acme", channel="sms")
    assert [(s.list_name, s.brand, s.channel, s.reason) for s in found] == [
        ("internal", "Acme", "sms", "asked by phone")
    ]
    assert lists.check("+33612345678", brand="Acme", channel="voice") == []
    assert lists.check("+33612345678", brand="Other", channel="sms") == []
    lists.add("+33698765432")  # every brand, every channel
    assert lists.check("+33698765432", brand="Other", channel="whatsapp")


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"channel": "fax"}, "bad_channel"),
        ({"brand": ""}, "bad_brand"),
        ({"reason": "call him on +1 201 555 0199 instead"}, "number_in_reason"),
        ({"reason": "x" * 201}, "bad_reason"),
        ({"reason": "bell\x07"}, "bad_reason"),
    ],
)
def test_bad_entries_are_refused(lists, options, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ComplianceError) as refused:
        lists.add("+33612345678", **options)
    assert refused.value.reason == reason
    assert "555 0199" not in str(refused.value)


def test_us_registry_import_with_rejects_and_freshness(lists, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RegistryStale):
        lists.check(US, brand="Acme", channel="voice")  # never imported
    report = lists.import_registry(
        read_registry_file(DATA / "us_201_full.txt"),
        registry="US",
        version="full-201-2026-11-19",
        registry_date=TODAY - timedelta(days=1),
    )
    assert report.accepted == 4  # 0100, 0101 (twice), 0102
    assert report.rejects == [(5, "not_a_number"), (6, "invalid_number"), (7, "invalid_number")]
    assert [s.list_name for s in lists.check(US, brand="Acme", channel="voice")] == ["US"]
    assert lists.check("+12015550199", brand="Acme", channel="voice") == []
    # the next full list replaces the last one
    lists.import_registry(["201,5550199"], registry="US", version="v2", registry_date=TODAY)
    assert lists.check(US, brand="Acme", channel="voice") == []
    clock.advance(days=32)
    with pytest.raises(RegistryStale) as stale:
        lists.check(US, brand="Acme", channel="voice")
    assert "32 days old" in str(stale.value)
    # numbers of other countries do not need the US registry
    assert lists.check("+33612345678", brand="Acme", channel="voice") == []
    assert lists.check(US, brand="Acme", channel="voice", registries=False) == []


def test_uk_registry_import(lists, clock) -> None:  # type: ignore[no-untyped-def]
    report = lists.import_registry(
        read_registry_file(DATA / "uk_tps.txt"),
        registry="UK",
        version="tps-2026-11",
        registry_date=TODAY,
    )
    assert report.accepted == 3
    # a French number, junk, and a Guernsey number (not covered by the UK list)
    assert report.rejects == [(4, "not_a_number"), (5, "not_a_number"), (6, "wrong_region")]
    assert lists.check("+447400123457", brand="Acme", channel="sms")
    assert lists.check("+442079460001", brand="Acme", channel="sms")
    clock.advance(days=29)
    with pytest.raises(RegistryStale):
        lists.check("+447400123457", brand="Acme", channel="sms")


def test_bad_registry_imports_write_nothing(lists) -> None:  # type: ignore[no-untyped-def]
    for options, reason in (
        ({"registry": "FR"}, "bad_registry"),
        ({"registry": "US", "version": ""}, "bad_version"),
    ):
        with pytest.raises(ComplianceError) as refused:
            lists.import_registry(
                ["2015550100"], registry_date=TODAY, **{"version": "v", **options}
            )
        assert refused.value.reason == reason
    with pytest.raises(ComplianceError) as empty:
        lists.import_registry(
            ["junk", "\x00\x01", "9" * 5000], registry="US", version="v", registry_date=TODAY
        )
    assert empty.value.reason == "empty_registry"
    with lists.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM suppressions")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM registry_imports")).scalar() == 0


def test_a_large_registry_file(lists, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.txt"
    path.write_text("".join(f"201,555{n:04d}\n" for n in range(10_000)))
    report = lists.import_registry(
        read_registry_file(path), registry="US", version="big", registry_date=TODAY
    )
    assert report.accepted + len(report.rejects) == 10_000
    assert lists.check("+12015559999", brand="Acme", channel="sms") or any(
        line == 10_000 for line, _ in report.rejects
    )


def test_entries_are_keyed_hashes_only(lists) -> None:  # type: ignore[no-untyped-def]
    lists.add("+33612345678", brand="Acme", channel="sms", reason="complaint")
    lists.import_registry(["201,5550100"], registry="US", version="v", registry_date=TODAY)
    with lists.engine.connect() as connection:
        dump = str(connection.execute(text("SELECT * FROM suppressions")).all())
        dump += str(connection.execute(text("SELECT * FROM audit_events")).all())
        assert verify_chain(connection).ok
    for secret in ("612345678", "2015550100", "5550100"):
        assert secret not in dump
