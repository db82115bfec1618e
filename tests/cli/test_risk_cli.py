"""``ringfence risk explain --traffic`` reads the pumping counters the service wrote, and
``ringfence risk conversion`` reports them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.crypto import load_keyring
from ringfence.risk import RiskGate
from ringfence.risk.policy import PumpingPolicy, RiskPolicy
from ringfence.settings import load_settings
from ringfence.verify import VerificationService

runner = CliRunner()
BLOCK = "+3361234"


@pytest.fixture
def cli_env(monkeypatch, tmp_path, db_url):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    settings = load_settings(sms_channel="outbox")
    service = VerificationService.open(
        db_url,
        settings=settings,
        keyring=load_keyring(settings),
        limiter=None,
        risk=RiskGate(RiskPolicy(pumping=PumpingPolicy(mode="enforce"))),
    )
    for last in range(5):
        service.start(f"{BLOCK}{last:04d}", purpose="signup", client_ip="203.0.113.5")
    service.close()
    return db_url


def test_explain_with_traffic_shows_the_pumping_finding(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "risk.toml"
    policy.write_text('[pumping]\nmode = "enforce"\n')
    env = {"RINGFENCE_RISK_POLICY": str(policy)}
    args = ["risk", "explain", "--action", "signup", "--phone", f"{BLOCK}0009"]
    blind = runner.invoke(app, [*args, "--json"], env=env)
    assert json.loads(blind.stdout)["action"] == "allow"
    seen = runner.invoke(app, [*args, "--traffic", "--ip", "203.0.113.5", "--json"], env=env)
    assert seen.exit_code == 0, seen.output
    decision = json.loads(seen.stdout)
    assert decision["action"] == "deny"
    assert [r["code"] for r in decision["reasons"]] == ["pumping_block"]
    text = runner.invoke(app, [*args, "--traffic"], env=env)
    assert "pumping" in text.stdout and "5/5" in text.stdout and "1234" not in text.stdout
    bad = runner.invoke(app, [*args, "--ip", "999.1.1.1"], env=env)
    assert bad.exit_code == 2 and "bad_ip" in bad.stderr and "999" not in bad.stderr


def test_conversion_report(cli_env) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["risk", "conversion", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == [
        {"key": "FR", "sent": 5, "verified": 0, "blocked": 0, "conversion_rate": 0.0}
    ]
    table = runner.invoke(app, ["risk", "conversion", "--scope", "prefix"])
    assert "+33 6" in table.stdout and "0.0%" in table.stdout
    for bad in (["--scope", "block"], ["--days", "0"], ["--days", "many"]):
        assert runner.invoke(app, ["risk", "conversion", *bad]).exit_code == 2
