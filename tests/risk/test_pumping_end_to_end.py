"""Over HTTP: the pumping defence refuses a walk through one number block with 403 and
sends nothing more; CAMARA Number Verification refuses a recovery for a number that is not
the device's; the conversion metrics in JSON and for Prometheus."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ringfence.risk import CamaraSettings, NumberVerificationClient, RiskGate
from ringfence.risk.policy import PumpingPolicy, RiskPolicy
from ringfence.store.apikeys import create_api_key
from ringfence.verify import read_outbox
from tests.api.conftest import LiveServer, serve
from tests.fakes.camara import FakeCamara
from tests.servers import serving

BLOCK = "+3361234"
DEVICE = "+33798765432"


@pytest.fixture
def operator() -> Iterator[tuple[FakeCamara, str]]:
    fake = FakeCamara()
    with serving(fake.app) as url:
        yield fake, url


@pytest.fixture
def guarded(db_url, keyring, operator) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    _fake, url = operator
    numbers = NumberVerificationClient(
        CamaraSettings(number_verification_url=url + "/number-verification/v2")
    )
    policy = RiskPolicy(pumping=PumpingPolicy(mode="enforce"))
    yield from serve(db_url, keyring, risk=RiskGate(policy, number_verification=numbers))


def wait_for_outbox(server: LiveServer, count: int) -> int:
    service = server.service
    deadline = time.monotonic() + 10
    while True:
        sent = len(read_outbox(service.engine, service.keyring, service.settings, limit=100))
        if sent >= count or time.monotonic() > deadline:
            return sent


def test_a_walk_through_one_block_is_refused(guarded: LiveServer) -> None:
    with guarded.client() as http:
        for last in range(5):
            body = {"to": f"{BLOCK}{last:04d}", "purpose": "signup", "client_ip": "203.0.113.5"}
            assert http.post("/v1/verifications", json=body).status_code == 201
        body = {"to": f"{BLOCK}0005", "purpose": "signup", "client_ip": "198.51.100.7"}
        refused = http.post("/v1/verifications", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["reason"] == "pumping_block"
    assert "1234" not in refused.text
    assert wait_for_outbox(guarded, 5) == 5
    time.sleep(0.2)
    assert wait_for_outbox(guarded, 6) == 5  # nothing sent for the refused one


def test_number_verification_refuses_another_devices_number(guarded, operator) -> None:  # type: ignore[no-untyped-def]
    fake, _url = operator
    token = fake.device_token(DEVICE)
    with guarded.client() as http:
        mine = {"to": DEVICE, "purpose": "recovery", "device_token": token}
        assert http.post("/v1/verifications", json=mine).status_code == 201
        other = {"to": "+33612345678", "purpose": "recovery", "device_token": token}
        refused = http.post("/v1/verifications", json=other)
        assert refused.status_code == 403
        assert refused.json()["error"]["reason"] == "number_not_on_device"
        login = http.post(
            "/v1/verifications", json={**other, "purpose": "login", "device_token": token}
        )
        assert login.json()["risk"] == {
            "action": "challenge",
            "reasons": ["number_new_to_system", "number_not_on_device"],  # no contact holds it
        }
        for bad in ("", "tab\there", "x" * 5000):
            answer = http.post("/v1/verifications", json={**mine, "device_token": bad})
            assert answer.status_code == 422
    assert token not in str(fake.calls)  # the token travels as a header only


def test_conversion_metrics(guarded: LiveServer) -> None:
    service = guarded.service
    analyst, _ = create_api_key(service.engine, scopes=["analytics"])
    with guarded.client() as http:
        started = http.post("/v1/verifications", json={"to": "+33612345678"}).json()
        http.post("/v1/verifications", json={"to": "+4915123456789"})
        assert wait_for_outbox(guarded, 2) == 2
        from tests.verify.conftest import last_code

        code = last_code(service)  # the newest message: the German number's
        with service.engine.connect() as connection:
            ids = [row.id for row in connection.exec_driver_sql("SELECT id FROM verifications")]
        for verification_id in ids:
            http.post(f"/v1/verifications/{verification_id}/check", json={"code": code})
        assert http.get("/v1/risk/conversion").status_code == 403  # a verify key
        assert http.get("/metrics").status_code == 403
    with guarded.client(analyst) as http:
        report = http.get("/v1/risk/conversion", params={"days": 7}).json()
        prefixes = http.get("/v1/risk/conversion", params={"scope": "prefix"}).json()
        text = http.get("/metrics").text
        for params in ({"scope": "block"}, {"days": 0}, {"days": 401}, {"days": "x"}):
            assert http.get("/v1/risk/conversion", params=params).status_code == 422
    rates = {row["key"]: row for row in report["rows"]}
    assert rates["DE"] == {
        "key": "DE",
        "sent": 1,
        "verified": 1,
        "blocked": 0,
        "conversion_rate": 1.0,
    }
    assert rates["FR"]["verified"] == 0 and rates["FR"]["sent"] == 1
    assert {row["key"] for row in prefixes["rows"]} == {"+33 6", "+49 1512"}
    assert started["id"]
    samples = {
        (sample.name, sample.labels["scope"], sample.labels["key"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("ringfence_conversion_rate", "country", "DE")] == 1.0
    assert samples[("ringfence_codes_sent", "prefix", "+33 6")] == 1.0
    assert "612345678" not in text


def test_plugin_rules_see_the_end_users_request(guarded: LiveServer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ringfence.risk import TraceEntry, register_rule
    from ringfence.risk import rules as rules_module

    monkeypatch.setattr(rules_module, "_RULES", dict(rules_module._RULES))
    seen = []

    def spy(context, deps):  # type: ignore[no-untyped-def]
        seen.append((context.ip, context.ip_country, context.user_agent))
        return TraceEntry("spy", "ok")

    register_rule("spy", spy)
    body = {
        "to": "+33612345678",
        "client_ip": "2001:db8::7",
        "client_country": "DE",
        "user_agent": "Mozilla/5.0",
    }
    with guarded.client() as http:
        assert http.post("/v1/verifications", json=body).status_code == 201
        for bad in ({"client_country": "de"}, {"client_country": "DEU"}, {"user_agent": "x" * 600}):
            assert http.post("/v1/verifications", json={**body, **bad}).status_code == 422
    assert seen == [("2001:db8::7", "DE", "Mozilla/5.0")]
