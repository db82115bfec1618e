"""Malformed, hostile and huge input on every route family: a precise 4xx, never a 5xx,
never an echo of the input."""

from __future__ import annotations

import pytest

from tests.api.conftest import LiveServer

HUGE_ID = "a" * 5000
CASES = [
    ("post", "/v1/accounts/acct/totp", b"{"),
    ("post", "/v1/accounts/acct/totp", b'{"label": "' + b"x" * 300 + b'"}'),
    ("post", "/v1/accounts/acct/totp/check", b'{"code": 123456}'),
    ("post", "/v1/accounts/acct/totp/check", b'{"code": "' + b"1" * 40 + b'"}'),
    ("post", f"/v1/accounts/{HUGE_ID}/totp/check", b'{"code": "123456"}'),
    ("post", "/v1/accounts/acct/recovery-codes/check", b"[]"),
    ("post", "/v1/accounts/acct/phones", b'{"verification_id": "' + b"V" * 100 + b'"}'),
    ("post", "/v1/accounts/acct/phone-change", b'{"verification_id": "VE1"}'),
    ("post", "/v1/accounts/acct/phone-change", b'{"verification_id": "VE1", "reauth": [1]}'),
    ("post", "/v1/accounts/acct/emails", b'{"email": "+33612345678"}'),
    ("post", "/v1/verification-checks", b'{"to": "+33612345678"}'),
    ("post", "/v1/verifications/VE1/check", b'{"code": null}'),
    ("get", "/v1/verifications/" + "%00" * 50, None),
    ("post", "/v1/delivery-receipts/twilio", b"MessageSid=x&MessageStatus=delivered"),
]


@pytest.mark.parametrize(("method", "path", "body"), CASES)
def test_bad_requests_are_precise_4xx(live_server: LiveServer, method, path, body) -> None:
    with live_server.client() as http:
        headers = {"content-type": "application/json"}
        response = http.request(method.upper(), path, content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["reason"] and "612345678" not in response.text and HUGE_ID not in response.text
