"""Reassigned numbers through Twilio Lookup (a local fake speaking Lookup v2): yes, no and
no data; a ``yes`` marks the contact point reassigned and revokes every consent; failures
are clear errors; the number never reaches a log line."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from pydantic import SecretStr

from ringfence.compliance import ConsentLedger
from ringfence.compliance.reassigned import (
    Reassigned,
    ReassignedUnavailable,
    TwilioLookupSettings,
    TwilioReassignedChecker,
    check_contact_point,
)
from ringfence.contacts import ContactStore
from ringfence.phone import normalize
from ringfence.testing import FakeClock
from tests.fakes.providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilioLookup
from tests.servers import serving

NUMBER = "+12015550123"


@pytest.fixture
def lookup():  # type: ignore[no-untyped-def]
    fake = FakeTwilioLookup()
    fake.disconnected[NUMBER] = "2026-06-01"
    with serving(fake.app) as url:
        settings = TwilioLookupSettings(
            account_sid=TWILIO_SID, auth_token=SecretStr(TWILIO_TOKEN), lookup_base_url=url
        )
        checker = TwilioReassignedChecker(settings)
        yield fake, checker, url
        checker.close()


def test_answers(lookup) -> None:  # type: ignore[no-untyped-def]
    fake, checker, _url = lookup
    number = normalize(NUMBER)
    assert checker.check(number, date(2026, 1, 15)) is Reassigned.YES
    assert checker.check(number, date(2026, 7, 1)) is Reassigned.NO
    assert checker.check(number, date(2020, 5, 1)) is Reassigned.NO_DATA
    assert checker.check(normalize("+12015550199"), date(2026, 1, 15)) is Reassigned.NO
    assert fake.lookups[0] == {
        "number": NUMBER,
        "Fields": "reassigned_number",
        "LastVerifiedDate": "20260115",
    }


def test_failures_are_clear_errors(lookup) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.providers import Failure

    fake, checker, url = lookup
    fake.failures.append(Failure(503, "20503"))
    with pytest.raises(ReassignedUnavailable) as unavailable:
        checker.check(normalize(NUMBER), date(2026, 1, 15))
    assert unavailable.value.reason == "twilio_20503"
    wrong = TwilioReassignedChecker(
        TwilioLookupSettings(
            account_sid=TWILIO_SID, auth_token=SecretStr("wrong"), lookup_base_url=url
        )
    )
    with pytest.raises(ReassignedUnavailable) as refused:
        wrong.check(normalize(NUMBER), date(2026, 1, 15))
    assert refused.value.reason == "twilio_20003"
    assert "555" not in str(refused.value)
    wrong.close()
    gone = TwilioReassignedChecker(
        TwilioLookupSettings(
            account_sid=TWILIO_SID,
            auth_token=SecretStr(TWILIO_TOKEN),
            lookup_base_url="http://127.0.0.1:9",
        )
    )
    with pytest.raises(ReassignedUnavailable) as network:
        gone.check(normalize(NUMBER), date(2026, 1, 15))
    assert network.value.reason == "network"
    gone.close()


def test_unconfigured_checker_is_refused() -> None:
    from ringfence.compliance import ComplianceError

    with pytest.raises(ComplianceError) as refused:
        TwilioReassignedChecker(TwilioLookupSettings(account_sid=None))
    assert refused.value.reason == "twilio_not_configured"


def test_yes_marks_the_point_and_revokes_consent(lookup, db_url, keyring, caplog) -> None:  # type: ignore[no-untyped-def]
    _fake, checker, _url = lookup
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with ContactStore.open(db_url, keyring=keyring, clock=clock) as store:
        contact = store.add_contact(name="Old holder", phones=[NUMBER, "+12015550124"])
        ledger = ConsentLedger(store.engine, keyring, clock=clock)
        for purpose in ("marketing", "informational"):
            ledger.grant(NUMBER, channel="sms", purpose=purpose, brand="Acme")
        ledger.grant("+12015550124", channel="sms", purpose="marketing", brand="Acme")
        point, other = store.get_contact(contact.id).phone_points
        caplog.set_level(logging.DEBUG)
        answer = check_contact_point(store, checker, point.id, since=date(2026, 1, 15))
        assert answer is Reassigned.YES
        points = {p.id: p.status for p in store.get_contact(contact.id).phone_points}
        assert points == {point.id: "reassigned", other.id: "active"}
        for purpose in ("marketing", "informational"):
            state = ledger.state(NUMBER, channel="sms", purpose=purpose, brand="Acme")
            assert not state.granted
        assert ledger.state(
            "+12015550124", channel="sms", purpose="marketing", brand="Acme"
        ).granted
        assert check_contact_point(store, checker, other.id) is Reassigned.NO
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "PhoneNumbers/<redacted>" in logged
        assert "2015550123" not in logged and "2015550124" not in logged
