"""scripts/bruteforce.py against `ringfence serve` in its own process: no approval without
the code, and the guesses it gets are bounded by the policy."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ringfence.settings import load_settings
from ringfence.verify import read_outbox
from tests.conftest import TEST_ROOT_KEY
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from bruteforce import attack  # noqa: E402

VICTIM = "+33612345678"


def _cli(*args: str, env: dict[str, str]) -> str:
    command = [sys.executable, "-m", "ringfence", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def running_server(db_url, tmp_path, request):  # type: ignore[no-untyped-def]
    env = {
        **getattr(request, "param", {}),
        **os.environ,
        "RINGFENCE_ENV": "test",
        "RINGFENCE_DATABASE_URL": db_url,
        "RINGFENCE_ROOT_KEY": base64.b64encode(TEST_ROOT_KEY).decode(),
        "RINGFENCE_SMS_CHANNEL": "outbox",
    }
    key = json.loads(_cli("apikeys", "create", "--scope", "verify", "--json", env=env))["key"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ringfence", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/healthz", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("ringfence serve did not start") from None
            time.sleep(0.1)
    try:
        yield url, key, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_brute_force_cannot_approve_and_is_bounded(running_server, keyring) -> None:
    url, key, env = running_server
    result = attack(url, key, VICTIM, requests=400)
    settings = load_settings(env="test", database_url=env["RINGFENCE_DATABASE_URL"])
    from ringfence.store import make_engine

    engine = make_engine(settings.database_url)
    sent = {
        m.body.split(" code is ")[1][:6] for m in read_outbox(engine, keyring, settings, limit=1000)
    }
    engine.dispose()
    # an approval is possible only by guessing a code that was really sent (p ~ 5e-5)
    assert all(hit["code"] in sent for hit in result["approved"])
    # destination limit (5 per 10 minutes) x 5 wrong checks per verification
    assert len(result["verifications"]) <= 5
    assert result["guesses_evaluated"] <= 5 * len(result["verifications"])
    assert result["refusals"].get("rate_limited_destination", 0) > 0


@pytest.mark.parametrize(
    "running_server",
    [
        {
            "RINGFENCE_RATE_LIMITS": json.dumps(
                dict.fromkeys(["destination", "account", "ip"], "1000/minute")
            )
        }
    ],
    indirect=True,
)
def test_brute_force_on_an_account_ends_in_a_lock(running_server) -> None:
    """With the rate limits lifted, the account's failure limit still holds: 100 wrong
    codes across all its verifications, then locked."""
    url, key, _env = running_server
    result = attack(url, key, VICTIM, requests=200, account_id="victim-account")
    assert result["guesses_evaluated"] == 100
    assert result["refusals"]["account_locked"] > 0
    assert not result["approved"] or len(result["approved"]) == 1
