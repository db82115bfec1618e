"""The verification API over a real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest

from ringfence.verify import read_outbox
from tests.api.conftest import LiveServer

NUMBER = "+33612345678"


def latest_code(live: LiveServer, verification_id: str, sends: int = 1) -> str:
    """The code of a verification's ``sends``-th message, once the background delivery
    (which runs after the response) has stored it."""
    service = live.service
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = [
            m
            for m in read_outbox(service.engine, service.keyring, service.settings)
            if m.verification_id == verification_id
        ]
        if len(messages) >= sends:
            match = re.search(r"\b(\d{6})\b", messages[0].body)
            assert match
            return match.group(1)
        time.sleep(0.02)
    raise AssertionError("the message was never delivered")


def test_start_check_flow(live_server: LiveServer) -> None:
    with live_server.client() as http:
        started = http.post("/v1/verifications", json={"to": NUMBER, "purpose": "signup"})
        assert started.status_code == 201
        body = started.json()
        assert body["status"] == "pending" and body["to"] == "+33 * ** ** 56 78"
        assert body["attempts_left"] == 5 and body["channel"] == "sms"
        vid = body["id"]
        wrong = http.post(f"/v1/verifications/{vid}/check", json={"code": "000000"})
        code = latest_code(live_server, vid)
        if code != "000000":
            assert wrong.json()["status"] == "pending" and wrong.json()["attempts_left"] == 4
        approved = http.post(f"/v1/verifications/{vid}/check", json={"code": code})
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        again = http.post(f"/v1/verifications/{vid}/check", json={"code": code})
        assert again.status_code == 404 and again.json()["error"]["reason"] == "not_found"
        assert http.get(f"/v1/verifications/{vid}").json()["status"] == "approved"


def test_check_by_number_and_cancel(live_server: LiveServer) -> None:
    with live_server.client() as http:
        vid = http.post("/v1/verifications", json={"to": NUMBER}).json()["id"]
        canceled = http.post(f"/v1/verifications/{vid}/cancel")
        assert canceled.json()["status"] == "canceled"
        second = http.post("/v1/verifications", json={"to": "06 12 34 56 78", "region": "FR"})
        code = latest_code(live_server, second.json()["id"])
        checked = http.post(
            "/v1/verification-checks", json={"to": "+33 6 12 34 56 78", "code": code}
        )
        assert checked.json()["status"] == "approved"


def test_expired_verification_reads_expired(live_server: LiveServer) -> None:
    with live_server.client() as http:
        vid = http.post("/v1/verifications", json={"to": NUMBER}).json()["id"]
        live_server.clock.advance(minutes=10)
        checked = http.post(f"/v1/verifications/{vid}/check", json={"code": "123456"})
        assert checked.json()["status"] == "expired"


def test_resend_too_soon_is_429_with_retry_after(live_server: LiveServer) -> None:
    with live_server.client() as http:
        http.post("/v1/verifications", json={"to": NUMBER})
        refused = http.post("/v1/verifications", json={"to": NUMBER})
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "30"
        assert refused.json()["error"]["reason"] == "resend_cooldown"


def test_authentication_and_scopes(live_server: LiveServer) -> None:
    from ringfence.store.apikeys import create_api_key

    with live_server.client(key="rf_not-a-key") as http:
        refused = http.post("/v1/verifications", json={"to": NUMBER})
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    other, _ = create_api_key(live_server.app.state.engine, scopes=["contacts"])
    with live_server.client(key=other) as http:
        assert http.post("/v1/verifications", json={"to": NUMBER}).status_code == 403
    with live_server.client() as http:
        del http.headers["Authorization"]
        assert http.get("/v1/verifications/VE00").status_code == 401


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ({"to": "+33 6"}, 400, "too_short_nsn"),
        ({"to": "not a phone"}, 400, "not_a_number"),
        ({"to": NUMBER, "channel": "pigeon"}, 422, "invalid_request"),
        ({"to": NUMBER, "purpose": "x"}, 422, "invalid_request"),
        ({"to": "1" * 251}, 422, "invalid_request"),
        ({"to": NUMBER, "extra": 1}, 422, "invalid_request"),
        ({"to": NUMBER, "locale": "<script>"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
)
def test_bad_requests_get_precise_errors_without_echo(
    live_server: LiveServer, payload: dict[str, object], status: int, reason: str
) -> None:
    with live_server.client() as http:
        response = http.post("/v1/verifications", json=payload)
    assert response.status_code == status
    assert response.json()["error"]["reason"] == reason
    assert "+33" not in response.text and "script" not in response.text


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b"null",
        b'{"to": "\xff\xfe"}',
        b"\x00" * 100,
    ],
)
def test_malformed_and_huge_bodies_are_rejected_cleanly(
    live_server: LiveServer, raw: bytes
) -> None:
    with live_server.client() as http:
        response = http.post(
            "/v1/verifications", content=raw, headers={"content-type": "application/json"}
        )
    assert response.status_code in (400, 422)
    assert response.json()["error"]["reason"] == "invalid_request"


def test_huge_bodies_are_refused_before_reading(live_server: LiveServer) -> None:
    huge = b'{"to": "' + b"9" * 5_000_000 + b'"}'
    with live_server.client() as http:
        declared = http.post("/v1/verifications", content=huge)

        def chunks():  # type: ignore[no-untyped-def]
            for start in range(0, len(huge), 65536):
                yield huge[start : start + 65536]

        streamed = http.post("/v1/verifications", content=chunks())
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"]["reason"] == "too_large"


def test_openapi_document_is_served(live_server: LiveServer) -> None:
    with live_server.client() as http:
        document = http.get("/openapi.json").json()
    assert "/v1/verifications" in document["paths"]
    assert "/v1/verifications/{verification_id}/check" in document["paths"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.fixture
def limited_server(db_url, keyring):  # type: ignore[no-untyped-def]
    from ringfence.verify import RateLimiter
    from tests.api.conftest import serve

    yield from serve(db_url, keyring, limiter=RateLimiter("memory://", {"ip": "2/minute"}))


def test_rate_limit_is_429_with_retry_after(limited_server: LiveServer) -> None:
    """Per end-user IP, as the calling application reports it; the calling server's own
    address is never counted in its place."""
    user = {"client_ip": "203.0.113.9"}
    with limited_server.client() as http:
        assert http.post("/v1/verifications", json={"to": NUMBER, **user}).status_code == 201
        other = {"to": "+33612345679", **user}
        assert http.post("/v1/verifications", json=other).status_code == 201
        refused = http.post("/v1/verifications", json={"to": "+33612345670", **user})
        another_user = {"to": "+33612345670", "client_ip": "2001:db8::1"}
        assert http.post("/v1/verifications", json=another_user).status_code == 201
        unnamed = {"to": "+33612345671"}
        assert http.post("/v1/verifications", json=unnamed).status_code == 201
        for bad in ("300.1.1.1", "localhost", "203.0.113.9; drop", "x" * 5000):
            answer = http.post("/v1/verifications", json={"to": NUMBER, "client_ip": bad})
            assert answer.status_code == 422
            assert bad[:20] not in answer.text
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["reason"] == "rate_limited_ip"
