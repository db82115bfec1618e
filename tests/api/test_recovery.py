"""Recovery resists account enumeration: a number no account holds gets the same answer
as a known one, and nothing is sent to it."""

from __future__ import annotations

import time

from ringfence.contacts import ContactStore
from ringfence.verify import read_outbox
from tests.api.conftest import LiveServer

KNOWN = "+33612345678"
UNKNOWN = "+33698765432"
VARIABLE = {"id", "to", "created_at", "expires_at", "resend_at"}


def _outbox_ids(live: LiveServer) -> list[str | None]:
    service = live.service
    return [
        m.verification_id for m in read_outbox(service.engine, service.keyring, service.settings)
    ]


def test_known_and_unknown_numbers_get_identical_answers(
    live_server: LiveServer, db_url, keyring
) -> None:
    with ContactStore.open(db_url, keyring=keyring) as store:
        store.add_contact(name="Known Person", phones=[KNOWN])
    with live_server.client() as http:
        known = http.post("/v1/verifications", json={"to": KNOWN, "purpose": "recovery"})
        unknown = http.post("/v1/verifications", json={"to": UNKNOWN, "purpose": "recovery"})
        assert known.status_code == unknown.status_code == 201
        assert set(known.headers) == set(unknown.headers)
        a, b = known.json(), unknown.json()
        assert {k: v for k, v in a.items() if k not in VARIABLE} == {
            k: v for k, v in b.items() if k not in VARIABLE
        }
        # the same checks answer the same way
        wrong_a = http.post(f"/v1/verifications/{a['id']}/check", json={"code": "000000"})
        wrong_b = http.post(f"/v1/verifications/{b['id']}/check", json={"code": "000000"})
        assert wrong_a.json()["attempts_left"] == wrong_b.json()["attempts_left"] == 4
        # and a resend is refused alike
        again_a = http.post("/v1/verifications", json={"to": KNOWN, "purpose": "recovery"})
        again_b = http.post("/v1/verifications", json={"to": UNKNOWN, "purpose": "recovery"})
        assert again_a.status_code == again_b.status_code == 429
        assert again_a.json() == again_b.json()
    deadline = time.monotonic() + 10
    while a["id"] not in _outbox_ids(live_server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _outbox_ids(live_server) == [a["id"]]  # no SMS paid for the unknown number


def test_background_delivery_reaches_the_outbox(live_server: LiveServer) -> None:
    """The response never waits for the channel, so a real send and a simulated one cost
    the caller the same time (measured in benchmarks/enumeration.py)."""
    from tests.api.test_verifications_api import latest_code

    with live_server.client() as http:
        started = http.post("/v1/verifications", json={"to": KNOWN, "purpose": "login"}).json()
    assert latest_code(live_server, started["id"])
