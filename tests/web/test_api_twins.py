"""The JSON twins of the dashboard's pages, over SQLite and PostgreSQL."""

from __future__ import annotations

from ringfence.contacts import ContactStore
from ringfence.store.apikeys import create_api_key
from tests.api.conftest import LiveServer, live_server  # noqa: F401 - the fixture

E164 = "+16502530000"


def _key(server: LiveServer, role: str) -> str:
    return create_api_key(server.app.state.engine, scopes=[role])[0]


def _contact(server: LiveServer) -> str:
    store = ContactStore(server.app.state.engine, server.app.state.dashboard.keyring)
    return str(store.add_contact(name="Ada Lovelace", phones=[E164], country="US").id)


def test_contact_search_page_and_reveal(live_server: LiveServer) -> None:  # noqa: F811
    contact_id = _contact(live_server)
    with live_server.client(_key(live_server, "agent")) as http:
        found = http.post("/v1/contacts/search", json={"q": "(650) 253-0000", "region": "US"})
        assert found.status_code == 200
        assert found.json()["query_kind"] == "number"
        assert [r["id"] for r in found.json()["results"]] == [contact_id]
        assert E164 not in found.text and "650" not in found.text
        by_name = http.post("/v1/contacts/search", json={"q": "ada love"}).json()
        assert [r["id"] for r in by_name["results"]] == [contact_id]
        assert http.post("/v1/contacts/search", json={"q": "50% _off"}).json()["results"] == []
        assert http.post("/v1/contacts/search", json={"q": "x", "extra": 1}).status_code == 422
        assert http.post("/v1/contacts/search", json={"q": "9" * 101}).status_code == 422
        page = http.get(f"/v1/contacts/{contact_id}")
        assert page.status_code == 200 and E164 not in page.text
        assert page.json()["phone_points"][0]["number"] == "+1 ***-***-0000"
        assert http.post(f"/v1/contacts/{contact_id}/reveal", json={}).status_code == 422
        in_reason = http.post(
            f"/v1/contacts/{contact_id}/reveal", json={"reason": "call +1 650 253 0000 back"}
        )
        assert in_reason.status_code == 400
        assert in_reason.json()["error"]["reason"] == "number_in_reason"
        shown = http.post(f"/v1/contacts/{contact_id}/reveal", json={"reason": "caller asked"})
        assert shown.status_code == 200 and shown.json() == {"numbers": [E164]}
        assert http.get("/v1/contacts/not-an-id").status_code == 404
        assert http.get("/v1/quality").json()["phones"] == 1
    with live_server.client(_key(live_server, "admin")) as http:
        audit = http.get("/v1/audit").json()
        assert audit["chain"]["ok"] is True
        reveals = [e for e in audit["events"] if e["action"] == "contact.revealed"]
        assert len(reveals) == 1 and reveals[0]["details"]["reason"] == "caller asked"
        assert E164 not in http.get("/v1/audit").text


def test_verification_log_outbox_risk_and_analytics(live_server: LiveServer) -> None:  # noqa: F811
    with live_server.client() as http:
        started = http.post(
            "/v1/verifications", json={"to": E164, "channel": "sms", "purpose": "signup"}
        )
        assert started.status_code == 201
    with live_server.client(_key(live_server, "agent")) as http:
        log = http.get("/v1/verifications").json()["verifications"]
        assert [v["to"] for v in log] == ["+1 ***-***-0000"]
        assert http.get("/v1/outbox").status_code == 403  # codes are for administrators
    with live_server.client(_key(live_server, "admin")) as http:
        messages = http.get("/v1/outbox").json()["messages"]
        assert messages[0]["to"] == "+1 ***-***-0000"
        assert messages[0]["verification_id"] == started.json()["id"]
    with live_server.client(_key(live_server, "analyst")) as http:
        risk = http.get("/v1/risk/overview").json()
        assert risk["decisions"][0]["purpose"] == "signup"
        assert risk["conversion"]["rows"][0]["sent"] == 1
        assert http.get("/v1/analytics/overview").json() == {
            "available": False,
            "k": 15,
            "charts": [],
        }
        assert http.post("/v1/contacts/search", json={"q": "ada"}).status_code == 403


def test_hostile_search_text(live_server: LiveServer) -> None:  # noqa: F811
    _contact(live_server)
    with live_server.client(_key(live_server, "agent")) as http:
        for q in ("\x00", "a\x00da", "%_\\", "'; DROP TABLE contacts; --", "\t\n"):
            answer = http.post("/v1/contacts/search", json={"q": q})
            assert answer.status_code == 200, q
        raw = b'{"q": "\\ud800 lone surrogate"}'
        surrogate = http.post(
            "/v1/contacts/search", content=raw, headers={"content-type": "application/json"}
        )
        assert surrogate.status_code in (200, 422)
        found = http.post("/v1/contacts/search", json={"q": "a\x00da lov"}).json()["results"]
        assert [r["name"] for r in found] == ["Ada Lovelace"]
