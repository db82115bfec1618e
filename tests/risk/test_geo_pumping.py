"""Geo permissions and the SMS-pumping rule, on contexts built by hand; and their policy
files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import ConfigurationError
from ringfence.phone import normalize
from ringfence.risk import RiskAction, RiskContext, RiskGate, load_policy
from ringfence.risk.model import Tally, TrafficSnapshot
from ringfence.risk.policy import GeoPermission, GeoPolicy, PumpingPolicy, RiskPolicy
from ringfence.risk.pumping import adaptive_limit

FR = normalize("+33612345678")
NG = normalize("+2348031234567")
NON_GEOGRAPHIC = normalize("+80012345678")


def decide(policy: RiskPolicy, phone=FR, channel="sms", traffic=None, action="signup"):  # type: ignore[no-untyped-def]
    context = RiskContext(action=action, phone=phone, channel=channel, traffic=traffic)
    return RiskGate(policy=policy).assess(context)


def codes(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in decision.reasons]


# -- geo ------------------------------------------------------------------------------


def test_geo_defaults_allow_and_monitor_the_high_risk_list() -> None:
    assert decide(RiskPolicy()).action is RiskAction.ALLOW
    assert codes(decide(RiskPolicy())) == []
    monitored = decide(RiskPolicy(), phone=NG)
    assert monitored.action is RiskAction.ALLOW
    assert codes(monitored) == ["geo_monitor"]
    assert monitored.score == 0


def test_geo_deny_per_channel() -> None:
    policy = RiskPolicy(geo=GeoPolicy(channels={"sms": {"FR": GeoPermission.DENY}}))
    denied = decide(policy)
    assert denied.action is RiskAction.DENY and codes(denied) == ["geo_denied"]
    assert decide(policy, channel="voice").action is RiskAction.ALLOW
    # an explicit permission overrides the high-risk list
    relaxed = RiskPolicy(geo=GeoPolicy(channels={"sms": {"NG": GeoPermission.ALLOW}}))
    assert codes(decide(relaxed, phone=NG)) == []


def test_geo_default_deny_and_non_geographic_numbers() -> None:
    closed = RiskPolicy(
        geo=GeoPolicy(default=GeoPermission.DENY, channels={"sms": {"FR": GeoPermission.ALLOW}})
    )
    assert decide(closed).action is RiskAction.ALLOW
    assert decide(closed, phone=NG).action is RiskAction.ALLOW  # high risk: monitor
    assert decide(closed, phone=normalize("+4915112345678")).action is RiskAction.DENY
    entry = next(t for t in decide(closed, phone=NON_GEOGRAPHIC).trace if t.rule == "geo")
    assert entry.note == "sms to 001: deny"


def test_geo_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        '[geo]\ndefault = "deny"\nhigh_risk = ["fr"]\nhigh_risk_permission = "deny"\n'
        '[geo.voice]\nDE = "monitor"\n'
    )
    geo = load_policy(path).geo
    assert geo.permission("FR", "sms") is GeoPermission.DENY
    assert geo.permission("DE", "voice") is GeoPermission.MONITOR
    assert geo.permission("NG", "sms") is GeoPermission.DENY  # default deny, list replaced


@pytest.mark.parametrize(
    "text",
    [
        '[geo]\ndefault = "maybe"\n',
        '[geo.sms]\nFRANCE = "deny"\n',
        '[geo.fax]\nFR = "deny"\n',
        '[geo]\nhigh_risk = "NG"\n',
        '[pumping]\nmode = "block"\n',
        "[pumping]\ncountry_floor = -1\n",
        "[pumping]\nbaseline_days = 0\n",
        '[pumping]\nblock_floor = "many"\n',
        "[pumping]\nunknown = 1\n",
        "[geo]\nsms = 3\n",
    ],
)
def test_bad_geo_and_pumping_policies_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as refused:
        load_policy(path)
    assert refused.value.reason == "bad_risk_policy"


def test_pumping_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text('[pumping]\nmode = "enforce"\ncountry_ratio = 0.5\nblock_floor = 2\n')
    pumping = load_policy(path).pumping
    assert pumping == PumpingPolicy(mode="enforce", country_ratio=0.5, block_floor=2)


# -- pumping --------------------------------------------------------------------------

ENFORCE = RiskPolicy(pumping=PumpingPolicy(mode="enforce"))


def snapshot(**counts: object) -> TrafficSnapshot:
    return TrafficSnapshot(**counts)  # type: ignore[arg-type]


def test_adaptive_limit() -> None:
    assert adaptive_limit(20, 0.2, 0) == 20
    assert adaptive_limit(20, 0.2, 99) == 20
    assert adaptive_limit(20, 0.2, 101) == 21
    assert adaptive_limit(20, 0.2, 1000) == 200


def test_without_counters_the_rule_says_so() -> None:
    entry = next(t for t in decide(ENFORCE).trace if t.rule == "pumping")
    assert entry.outcome == "unavailable"


@pytest.mark.parametrize(
    ("traffic", "expected"),
    [
        (snapshot(), []),
        (snapshot(block=Tally(sent=5, verified=1)), []),
        (snapshot(block=Tally(sent=5)), ["pumping_block"]),
        # the block's own baseline lifts its limit
        (snapshot(block=Tally(sent=9), block_baseline=50), []),
        (snapshot(block=Tally(sent=10), block_baseline=50), ["pumping_block"]),
        # a country over its limit refuses only blocks that already have unverified codes
        (snapshot(country=Tally(sent=30, verified=10)), []),
        (snapshot(country=Tally(sent=30, verified=10), block=Tally(sent=1)), ["pumping_country"]),
        (snapshot(country=Tally(sent=30, verified=11), block=Tally(sent=1)), []),
        (
            snapshot(
                country=Tally(sent=300, verified=100), block=Tally(sent=1), country_baseline=1000
            ),
            ["pumping_country"],
        ),
        (
            snapshot(
                country=Tally(sent=250, verified=100), block=Tally(sent=1), country_baseline=1000
            ),
            [],
        ),
        (snapshot(ip=Tally(sent=10)), ["pumping_ip"]),
        (snapshot(ip=Tally(sent=10, verified=1)), []),
        (snapshot(ip=Tally(), ip_countries=4), ["pumping_ip_countries"]),
        (snapshot(ip=Tally(), ip_countries=3), []),
    ],
)
def test_pumping_findings(traffic: TrafficSnapshot, expected: list[str]) -> None:
    decision = decide(ENFORCE, traffic=traffic)
    assert codes(decision) == expected
    assert decision.action is (RiskAction.DENY if expected else RiskAction.ALLOW)


def test_shadow_mode_records_without_refusing() -> None:
    traffic = snapshot(block=Tally(sent=50))
    decision = decide(RiskPolicy(), traffic=traffic)
    assert decision.action is RiskAction.ALLOW
    assert codes(decision) == ["pumping_block"]
    entry = next(t for t in decision.trace if t.rule == "pumping")
    assert entry.outcome == "flagged" and "shadow mode" in entry.note


def test_monitored_countries_are_enforced_even_in_shadow_mode() -> None:
    decision = decide(RiskPolicy(), phone=NG, traffic=snapshot(block=Tally(sent=50)))
    assert decision.action is RiskAction.DENY
    assert codes(decision) == ["geo_monitor", "pumping_block"]


def test_decisions_name_no_number() -> None:
    traffic = snapshot(block=Tally(sent=50), ip=Tally(sent=50), ip_countries=9)
    text = str(decide(ENFORCE, traffic=traffic).to_dict())
    assert "612345678" not in text and "6123" not in text
