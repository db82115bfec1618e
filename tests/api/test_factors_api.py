"""Authenticator apps over HTTP."""

from __future__ import annotations

import pyotp

from tests.api.conftest import LiveServer


def test_enrol_confirm_check_and_replay(live_server: LiveServer) -> None:
    clock = live_server.clock
    with live_server.client() as http:
        enrolled = http.post("/v1/accounts/acct-9/totp", json={"label": "ada"})
        assert enrolled.status_code == 201
        body = enrolled.json()
        totp = pyotp.TOTP(body["secret"])
        assert body["uri"].startswith("otpauth://totp/") and body["qr_svg"].startswith("<svg")
        code = totp.at(clock.now().timestamp())
        confirmed = http.post("/v1/accounts/acct-9/totp/confirm", json={"code": code})
        assert confirmed.json()["status"] == "approved"
        clock.advance(seconds=30)
        code = totp.at(clock.now().timestamp())
        assert (
            http.post("/v1/accounts/acct-9/totp/check", json={"code": code}).json()["status"]
            == "approved"
        )
        replay = http.post("/v1/accounts/acct-9/totp/check", json={"code": code})
        assert replay.json()["status"] == "denied"
        again = http.post("/v1/accounts/acct-9/totp", json={})
        assert again.status_code == 409 and again.json()["error"]["reason"] == "factor_exists"
        recovery = body["recovery_codes"][0]
        used = http.post("/v1/accounts/acct-9/recovery-codes/check", json={"code": recovery})
        assert used.json() == {"status": "approved", "remaining_recovery_codes": 9}
        reused = http.post("/v1/accounts/acct-9/recovery-codes/check", json={"code": recovery})
        assert reused.json()["status"] == "denied"
        assert http.delete("/v1/accounts/acct-9/totp").status_code == 204


def test_unknown_account_is_denied_like_a_wrong_code(live_server: LiveServer) -> None:
    with live_server.client() as http:
        response = http.post("/v1/accounts/nobody/totp/check", json={"code": "123456"})
    assert response.status_code == 200 and response.json()["status"] == "denied"
