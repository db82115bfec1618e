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


def test_phone_change_over_http(live_server: LiveServer) -> None:
    from tests.api.test_verifications_api import latest_code

    def approved(http, to: str, purpose: str) -> str:  # type: ignore[no-untyped-def]
        vid = http.post(
            "/v1/verifications", json={"to": to, "purpose": purpose, "account_id": "acct-7"}
        ).json()["id"]
        code = latest_code(live_server, vid)
        assert http.post(f"/v1/verifications/{vid}/check", json={"code": code}).status_code == 200
        return str(vid)

    with live_server.client() as http:
        bound = http.post(
            "/v1/accounts/acct-7/phones",
            json={"verification_id": approved(http, "+33612345678", "signup")},
        )
        assert bound.status_code == 201 and bound.json()["phone"] == "+33 * ** ** 56 78"
        assert (
            http.post("/v1/accounts/acct-7/emails", json={"email": "not-an-email"}).status_code
            == 422
        )
        assert (
            http.post("/v1/accounts/acct-7/emails", json={"email": "ada@example.com"}).status_code
            == 204
        )
        new = approved(http, "+33698765432", "phone_change")
        refused = http.post(
            "/v1/accounts/acct-7/phone-change", json={"verification_id": new, "reauth": {}}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["reason"] == "reauthentication_required"
        reauth = approved(http, "+33612345678", "step_up")
        changed = http.post(
            "/v1/accounts/acct-7/phone-change",
            json={"verification_id": new, "reauth": {"verification_id": reauth}},
        )
        assert changed.status_code == 200
        assert changed.json() == {
            "phone": "+33 * ** ** 54 32",
            "notified_phones": 1,
            "notified_emails": 1,
        }
