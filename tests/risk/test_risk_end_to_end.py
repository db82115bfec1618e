"""End to end: a SIM swap reported by the (fake) operator makes a recovery verification be
denied with 403 `sim_swap` and nothing sent, and a login be challenged; the CLI explains."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.risk import CamaraSettings, RiskGate, SimSwapClient
from ringfence.store.audit import list_events
from ringfence.verify import read_outbox
from tests.api.conftest import LiveServer, serve
from tests.fakes.camara import CLIENT_ID, CLIENT_SECRET, FakeCamara
from tests.servers import serving

SWAPPED = "+33612345678"


@pytest.fixture
def operator() -> Iterator[tuple[FakeCamara, str]]:
    fake = FakeCamara()
    fake.swapped_hours_ago(SWAPPED, 30)
    with serving(fake.app) as url:
        yield fake, url


@pytest.fixture
def guarded_server(db_url, keyring, operator) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    _fake, url = operator
    client = SimSwapClient(
        CamaraSettings(
            base_url=url + "/sim-swap/v2",
            token_url=url + "/oauth/token",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
    )
    yield from serve(db_url, keyring, risk=RiskGate(sim_swap=client))


def test_sim_swap_denies_recovery_and_challenges_login(guarded_server: LiveServer) -> None:
    from ringfence.contacts import ContactStore

    service = guarded_server.service
    customers = ContactStore(service.engine, service.keyring)  # shares the server's engine
    customers.add_contact(name="Customer", phones=[SWAPPED])
    with guarded_server.client() as http:
        denied = http.post("/v1/verifications", json={"to": SWAPPED, "purpose": "recovery"})
        assert denied.status_code == 403
        assert denied.json()["error"]["reason"] == "sim_swap"
        login = http.post("/v1/verifications", json={"to": SWAPPED, "purpose": "login"})
        assert login.status_code == 201
        assert login.json()["risk"] == {"action": "challenge", "reasons": ["sim_swap"]}
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        messages = read_outbox(service.engine, service.keyring, service.settings)
        if messages:
            break
        time.sleep(0.02)
    assert [m.verification_id for m in messages] == [login.json()["id"]]  # none for recovery
    with service.engine.connect() as connection:
        decisions = [e for e in list_events(connection) if e["action"] == "risk.decision"]
    assert [d["details"]["action"] for d in decisions] == ["challenge", "deny"]
    assert "612345678" not in str(decisions)


def test_risk_explain_cli(operator, monkeypatch) -> None:
    _fake, url = operator
    monkeypatch.setenv("RINGFENCE_CAMARA_BASE_URL", url + "/sim-swap/v2")
    monkeypatch.setenv("RINGFENCE_CAMARA_TOKEN_URL", url + "/oauth/token")
    monkeypatch.setenv("RINGFENCE_CAMARA_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("RINGFENCE_CAMARA_CLIENT_SECRET", CLIENT_SECRET)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "risk",
            "explain",
            "--action",
            "recovery",
            "--phone",
            "06 12 34 56 78",
            "--region",
            "FR",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["action"] == "deny"
    assert [r["code"] for r in decision["reasons"]] == ["sim_swap"]
    text = runner.invoke(app, ["risk", "explain", "--action", "login", "--phone", SWAPPED])
    assert text.exit_code == 0 and "challenge" in text.stdout and "612345678" not in text.stdout
    bad = runner.invoke(app, ["risk", "explain", "--action", "login", "--phone", "not a phone"])
    assert bad.exit_code == 2 and "not_a_number" in bad.stderr
