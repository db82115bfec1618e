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
    assert actions[0] == "verification.undelivered"


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
