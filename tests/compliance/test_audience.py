"""Campaign audiences on each engine: every contact included or excluded with its reason,
through consent, suppression, registries, line types, regions, freshness and local send
windows (for a number spanning several time zones, the window common to all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.compliance import ConsentLedger, RegistryStale, Suppressions
from ringfence.compliance.audience import Campaign, eligible_recipients
from ringfence.contacts import ContactStore
from ringfence.contacts.freshness import record_reassignment, record_verified
from ringfence.testing import FakeClock

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 in New York, 00:00 in Tokyo
SMS = {"channel": "sms", "purpose": "marketing", "brand": "Acme"}


@pytest.fixture
def world(db_url, keyring):  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    store = ContactStore.open(db_url, keyring=keyring, clock=clock)
    ledger = ConsentLedger(store.engine, keyring, clock=clock)
    lists = Suppressions(store.engine, keyring, clock=clock)
    lists.import_registry(["201,5550104"], registry="US", version="v1", registry_date=NOW.date())
    ids = {}

    def person(name: str, *phones: str, consent: bool = True) -> None:
        contact = store.add_contact(name=name, phones=list(phones))
        ids[name] = contact.id
        if consent:
            for phone in phones:
                ledger.grant(phone, **SMS)

    person("included", "+12015550101")
    person("no consent", "+12015550102", consent=False)
    person("suppressed", "+12015550103")
    lists.add("+12015550103", brand="Acme", channel="sms")
    person("registry", "+12015550104")
    person("fixed line", "+33142685300")
    person("reassigned", "+12015550105")
    point = store.get_contact(ids["reassigned"]).phone_points[0]
    record_reassignment(store, point.id, "yes")
    person("night in Tokyo", "+819012345678")
    person("no phone")
    second = store.add_contact(name="second number", phones=["+12015550106", "+12015550107"])
    ids["second number"] = second.id
    ledger.grant("+12015550107", **SMS)  # only the second number has consent
    person("revoked", "+12015550108")
    clock.advance(minutes=1)
    ledger.revoke("+12015550108", **SMS)
    yield store, ids, clock, ledger
    store.close()


def test_every_contact_is_included_or_excluded_with_its_reason(world) -> None:  # type: ignore[no-untyped-def]
    store, ids, _clock, _ledger = world
    audience = eligible_recipients(store, Campaign(**SMS))
    names = {v: k for k, v in ids.items()}
    included = sorted(names[contact] for contact, _ in audience.included)
    excluded = {names[contact]: reason for contact, reason in audience.excluded}
    assert included == ["included", "second number"]
    assert excluded == {
        "no consent": "no_consent",
        "suppressed": "suppressed",
        "registry": "do_not_call_registry",
        "fixed line": "line_type",
        "reassigned": "reassigned",
        "night in Tokyo": "outside_send_window",
        "no phone": "no_phone",
        "revoked": "no_consent",
    }
    second = store.get_contact(ids["second number"]).phone_points
    assert dict(audience.included)[ids["second number"]] == second[1].id
    as_json = audience.to_dict()
    assert len(as_json["included"]) + len(as_json["excluded"]) == len(ids)
    assert "2015550" not in json.dumps(as_json) and "555 01" not in json.dumps(as_json)


def test_consent_is_judged_at_send_time(world) -> None:  # type: ignore[no-untyped-def]
    store, ids, _clock, _ledger = world
    before = Campaign(**SMS, at=NOW - timedelta(days=1))
    excluded = dict(eligible_recipients(store, before).excluded)
    assert excluded[ids["included"]] == "no_consent"  # granted after that moment
    later = Campaign(**SMS, at=NOW + timedelta(hours=8))  # 18:00 in New York, 09:00 Tokyo
    audience = eligible_recipients(store, later)
    assert ids["night in Tokyo"] in dict(audience.included)


def test_regions_freshness_and_the_transactional_purpose(world) -> None:  # type: ignore[no-untyped-def]
    store, ids, _clock, ledger = world
    only_japan = eligible_recipients(store, Campaign(**SMS, regions=("jp",)))
    assert dict(only_japan.excluded)[ids["included"]] == "region_excluded"
    fresh = Campaign(**SMS, verified_within=timedelta(days=90))
    assert dict(eligible_recipients(store, fresh).excluded)[ids["included"]] == "stale"
    point = store.get_contact(ids["included"]).phone_points[0]
    record_verified(store, point.id, method="otp")
    assert ids["included"] in dict(eligible_recipients(store, fresh).included)
    # registries are for telemarketing: a transactional message is not scrubbed against them
    ledger.grant("+12015550104", channel="sms", purpose="transactional", brand="Acme")
    notice = Campaign(channel="sms", purpose="transactional", brand="Acme")
    assert ids["registry"] in dict(eligible_recipients(store, notice).included)


def test_a_multi_zone_number_needs_the_common_window(db_url, keyring) -> None:  # type: ignore[no-untyped-def]
    """An Australian mobile number may be in any zone from Cocos (UTC+6:30) to Lord Howe
    (UTC+11 in summer): the common 08:00-21:00 window is 01:30-10:00 UTC."""
    clock = FakeClock(NOW)
    with ContactStore.open(db_url, keyring=keyring, clock=clock) as store:
        contact = store.add_contact(name="Sydney or Perth", phones=["+61412345678"])
        ConsentLedger(store.engine, keyring, clock=clock).grant("+61412345678", **SMS)
        for hour, minute, expected in (
            (0, 30, False),
            (2, 0, True),
            (9, 30, True),
            (10, 30, False),
        ):
            at = datetime(2026, 11, 21, hour, minute, tzinfo=UTC)
            audience = eligible_recipients(store, Campaign(**SMS, at=at))
            assert (contact.id in dict(audience.included)) is expected, (hour, minute)


def test_a_stale_registry_stops_a_marketing_audience(world) -> None:  # type: ignore[no-untyped-def]
    store, _ids, clock, _ledger = world
    clock.advance(days=32)
    with pytest.raises(RegistryStale):
        eligible_recipients(store, Campaign(**SMS))


def test_campaign_audience_cli(world, db_url, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, ids, _clock, _ledger = world
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    from ringfence.crypto import Keyring

    root = store.sealer.keyring
    assert isinstance(root, Keyring)
    monkeypatch.setattr("ringfence.contacts.store.load_keyring", lambda settings: root)
    runner = CliRunner()
    args = ["campaign", "audience", "--channel", "sms", "--purpose", "marketing", "--brand", "Acme"]
    result = runner.invoke(app, [*args, "--at", "2026-11-20T10:00:00-05:00", "--json"])
    assert result.exit_code == 0, result.output
    audience = json.loads(result.stdout)
    assert str(ids["included"]) in audience["included"], result.stdout
    assert {"id": str(ids["fixed line"]), "reason": "line_type"} in audience["excluded"]
    for bad in (
        ["--at", "tomorrow"],
        ["--window", "21:00-08:00"],
        ["--window", "late"],
        ["--verified-within", "soon"],
    ):
        refused = runner.invoke(app, [*args, *bad])
        assert refused.exit_code == 2 and "Traceback" not in refused.output, bad
    wrong = runner.invoke(
        app,
        ["campaign", "audience", "--channel", "fax", "--purpose", "marketing", "--brand", "Acme"],
    )
    assert wrong.exit_code == 2 and "bad_channel" in wrong.stderr
