"""Delivery receipts: the providers' callbacks, authenticated, update the delivery log and
the audit trail; forged ones change nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from ringfence.store.audit import list_events
from ringfence.store.models import DeliveryRow
from tests.api.conftest import LiveServer, serve
from tests.fakes.providers import (
    TWILIO_SID,
    TWILIO_TOKEN,
    VONAGE_KEY,
    VONAGE_SECRET,
    FakeTwilio,
    FakeVonage,
)
from tests.servers import free_port, serving

NUMBER = "+33612345678"
TOKEN = "vonage-callback-token-0123456789"


def _deliveries(live: LiveServer, channel: str, count: int = 1) -> list[DeliveryRow]:
    deadline = time.monotonic() + 20
    while True:
        with live.app.state.engine.connect() as connection:
            rows = list(
                connection.execute(select(DeliveryRow).where(DeliveryRow.channel == channel))
            )
        if len(rows) >= count or time.monotonic() > deadline:
            return rows  # type: ignore[return-value]
        time.sleep(0.02)


@pytest.fixture
def twilio_server(db_url, keyring, monkeypatch) -> Iterator[tuple[LiveServer, FakeTwilio, str]]:  # type: ignore[no-untyped-def]
    fake = FakeTwilio()
    port = free_port()
    callback = f"http://127.0.0.1:{port}/v1/delivery-receipts/twilio"
    with serving(fake.app) as fake_url:
        for name, value in {
            "ACCOUNT_SID": TWILIO_SID,
            "AUTH_TOKEN": TWILIO_TOKEN,
            "FROM_NUMBER": "+15005550006",
            "BASE_URL": fake_url,
            "STATUS_CALLBACK": callback,
        }.items():
            monkeypatch.setenv(f"RINGFENCE_TWILIO_{name}", value)
        for live in serve(db_url, keyring, port=port, sms_channel="twilio"):
            yield live, fake, callback


def test_twilio_status_callback_updates_the_delivery(twilio_server) -> None:
    live, fake, callback = twilio_server
    with live.client() as http:
        vid = http.post("/v1/verifications", json={"to": NUMBER}).json()["id"]
    [row] = _deliveries(live, "twilio")
    assert row.verification_id == vid and row.status == "accepted"
    assert fake.received[0]["StatusCallback"] == callback
    assert fake.send_status(callback, row.provider_id, "sent").status_code == 204
    assert fake.send_status(callback, row.provider_id, "undelivered", "30003").status_code == 204
    [row] = _deliveries(live, "twilio")
    assert (row.status, row.error_code) == ("failed", "30003")
    with live.app.state.engine.connect() as connection:
        actions = [e["action"] for e in list_events(connection, subject_id=vid)]
    assert "verification.undelivered" in actions


def test_forged_twilio_callback_is_refused(twilio_server) -> None:
    live, fake, callback = twilio_server
    with live.client() as http:
        http.post("/v1/verifications", json={"to": NUMBER})
    [row] = _deliveries(live, "twilio")
    forged = fake.send_status(callback, row.provider_id, "delivered", token="not-the-token")
    assert forged.status_code == 403
    unsigned = httpx.post(
        callback, data={"MessageSid": row.provider_id, "MessageStatus": "delivered"}
    )
    assert unsigned.status_code == 403
    assert _deliveries(live, "twilio")[0].status == "accepted"


@pytest.fixture
def vonage_server(db_url, keyring, monkeypatch) -> Iterator[tuple[LiveServer, FakeVonage, str]]:  # type: ignore[no-untyped-def]
    fake = FakeVonage()
    port = free_port()
    callback = f"http://127.0.0.1:{port}/v1/delivery-receipts/vonage/{TOKEN}"
    with serving(fake.app) as fake_url:
        for name, value in {
            "API_KEY": VONAGE_KEY,
            "API_SECRET": VONAGE_SECRET,
            "BASE_URL": fake_url,
            "CALLBACK": callback,
            "CALLBACK_TOKEN": TOKEN,
        }.items():
            monkeypatch.setenv(f"RINGFENCE_VONAGE_{name}", value)
        for live in serve(db_url, keyring, port=port, sms_channel="vonage"):
            yield live, fake, callback


def test_vonage_receipt_updates_the_delivery(vonage_server) -> None:
    live, fake, callback = vonage_server
    with live.client() as http:
        http.post("/v1/verifications", json={"to": NUMBER})
    [row] = _deliveries(live, "vonage")
    assert fake.send_dlr(callback, row.provider_id, "delivered").status_code == 204
    assert _deliveries(live, "vonage")[0].status == "delivered"
    wrong = fake.send_dlr(callback.replace(TOKEN, "guess"), row.provider_id, "failed")
    assert wrong.status_code == 403
    assert (
        httpx.post(callback, content=b"{", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert _deliveries(live, "vonage")[0].status == "delivered"


def test_receipts_for_unknown_messages_change_nothing(vonage_server) -> None:
    live, fake, callback = vonage_server
    assert fake.send_dlr(callback, "no-such-message", "delivered").status_code == 204
    assert _deliveries(live, "vonage", count=0) == []


@pytest.fixture
def two_channel_server(db_url, keyring, monkeypatch):  # type: ignore[no-untyped-def]
    twilio, vonage = FakeTwilio(), FakeVonage()
    port = free_port()
    callback = f"http://127.0.0.1:{port}/v1/delivery-receipts/twilio"
    with serving(twilio.app) as twilio_url, serving(vonage.app) as vonage_url:
        settings = {
            "RINGFENCE_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "RINGFENCE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "RINGFENCE_TWILIO_FROM_NUMBER": "+15005550006",
            "RINGFENCE_TWILIO_BASE_URL": twilio_url,
            "RINGFENCE_TWILIO_STATUS_CALLBACK": callback,
            "RINGFENCE_VONAGE_API_KEY": VONAGE_KEY,
            "RINGFENCE_VONAGE_API_SECRET": VONAGE_SECRET,
            "RINGFENCE_VONAGE_BASE_URL": vonage_url,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        for live in serve(db_url, keyring, port=port, sms_channel="twilio,vonage"):
            yield live, twilio, vonage, callback


def _code(text: str) -> str:
    import re

    match = re.search(r"\b(\d{6})\b", text)
    assert match
    return match.group(1)


def test_an_undelivered_receipt_sends_a_new_code_through_the_next_channel(
    two_channel_server,
) -> None:  # type: ignore[no-untyped-def]
    live, twilio, vonage, callback = two_channel_server
    with live.client() as http:
        vid = http.post("/v1/verifications", json={"to": NUMBER}).json()["id"]
        [row] = _deliveries(live, "twilio")
        first_code = _code(twilio.received[0]["Body"])
        assert (
            twilio.send_status(callback, row.provider_id, "undelivered", "30003").status_code == 204
        )
        twilio.send_status(
            callback, row.provider_id, "failed", "30003"
        )  # a second report: no second failover
        [resent] = _deliveries(live, "vonage")
        assert resent.verification_id == vid
        time.sleep(0.3)
        assert len(vonage.received) == 1
        second_code = _code(vonage.received[0]["text"])
        old = http.post(f"/v1/verifications/{vid}/check", json={"code": first_code}).json()
        if first_code != second_code:
            assert old["status"] == "pending"  # the lost code no longer works
        approved = http.post(f"/v1/verifications/{vid}/check", json={"code": second_code})
        assert approved.json()["status"] == "approved"
    with live.app.state.engine.connect() as connection:
        actions = [e["action"] for e in list_events(connection, subject_id=vid)]
    assert "verification.failed_over" in actions
    assert "612345678" not in str(actions)


def test_a_stop_reply_revokes_every_sms_consent(twilio_server, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from ringfence.compliance import ConsentLedger
    from ringfence.crypto.tokens import twilio_signature

    live, _fake, callback = twilio_server
    service = live.service
    ledger = ConsentLedger(service.engine, service.keyring, clock=service.clock)
    for purpose, brand in (("marketing", "Acme"), ("informational", "Acme"), ("marketing", "Beta")):
        ledger.grant(NUMBER, channel="sms", purpose=purpose, brand=brand)
    ledger.grant(NUMBER, channel="voice", purpose="marketing", brand="Acme")
    url = callback.replace("/delivery-receipts/twilio", "/inbound/twilio")

    def post(body: str, *, token: str = TWILIO_TOKEN) -> httpx.Response:
        params = {"From": NUMBER, "To": "+15005550006", "Body": body, "MessageSid": "SM1"}
        signature = twilio_signature(token, url, params)
        return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})

    def granted() -> list[tuple[str, str, str]]:
        return sorted(
            (channel, purpose, brand)
            for channel, purpose, brand in (
                ("sms", "marketing", "Acme"),
                ("sms", "informational", "Acme"),
                ("sms", "marketing", "Beta"),
                ("voice", "marketing", "Acme"),
            )
            if ledger.state(NUMBER, channel=channel, purpose=purpose, brand=brand).granted
        )

    assert post("stop please, not now").status_code == 200  # not a keyword: nothing changes
    assert len(granted()) == 4
    assert post(" stop ", token="forged").status_code == 403
    assert len(granted()) == 4
    caplog.set_level(logging.INFO)
    answer = post(" Stop ")
    assert answer.status_code == 200 and "<Response>" in answer.text
    assert granted() == [("voice", "marketing", "Acme")]  # only SMS consents end
    revocation = next(e for e in ledger.history(NUMBER) if e.kind.value == "revoke")
    assert revocation.evidence.method == "sms_keyword" and revocation.evidence.note == "STOP"
    assert "612345678" not in caplog.text
    junk = {"From": "not a number", "Body": "STOP"}
    signed = twilio_signature(TWILIO_TOKEN, url, junk)
    assert httpx.post(url, data=junk, headers={"X-Twilio-Signature": signed}).status_code == 200
