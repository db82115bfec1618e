"""The risk gate: each rule, the CAMARA SIM Swap client against a fake operator, policy
files, and the end-to-end refusal of a recovery after a SIM swap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from ringfence.errors import ConfigurationError
from ringfence.phone import normalize
from ringfence.risk import (
    CamaraSettings,
    NumberVerificationClient,
    NumberVerificationUnavailable,
    RiskAction,
    RiskContext,
    RiskGate,
    RiskPolicy,
    SimSwapClient,
    SimSwapUnavailable,
    load_policy,
)
from tests.fakes.camara import CLIENT_ID, CLIENT_SECRET, FakeCamara
from tests.servers import serving

SWAPPED = "+33612345678"
STEADY = "+33698765432"
QUIET = "+33611111111"  # no SIM change within the monitored period


@pytest.fixture
def camara() -> Iterator[tuple[FakeCamara, SimSwapClient]]:
    fake = FakeCamara()
    fake.swapped_hours_ago(SWAPPED, 30)
    fake.swapped_hours_ago(STEADY, 24 * 20)
    fake.numbers[QUIET] = None
    with serving(fake.app) as url:
        client = SimSwapClient(
            CamaraSettings(
                base_url=url + "/sim-swap/v2",
                token_url=url + "/oauth/token",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            )
        )
        yield fake, client
        client.close()


def context(action: str, phone: str, channel: str = "sms") -> RiskContext:
    return RiskContext(action=action, phone=normalize(phone), channel=channel)


# -- CAMARA client -------------------------------------------------------------------------


def test_check_and_retrieve_date(camara) -> None:
    fake, client = camara
    assert client.check(SWAPPED, 72) is True
    assert client.check(STEADY, 72) is False
    assert client.check(STEADY, 720) is True
    assert client.retrieve_date(SWAPPED).latest_sim_change is not None
    quiet = client.retrieve_date(QUIET)
    assert quiet.latest_sim_change is None and quiet.monitored_period_days == 30
    assert fake.calls[0] == {"phoneNumber": SWAPPED, "maxAge": 72}


def test_out_of_range_unknown_numbers_and_errors(camara) -> None:
    fake, client = camara
    with pytest.raises(SimSwapUnavailable) as failed:
        client.check(SWAPPED, 2000)
    assert failed.value.reason == "OUT_OF_RANGE"
    with pytest.raises(SimSwapUnavailable) as failed:
        client.check("+33622222222", 72)
    assert failed.value.reason == "NOT_FOUND"
    for status, code in (
        (403, "PERMISSION_DENIED"),
        (429, "TOO_MANY_REQUESTS"),
        (503, "UNAVAILABLE"),
    ):
        fake.failures.append(status)
        with pytest.raises(SimSwapUnavailable) as failed:
            client.check(SWAPPED, 72)
        assert failed.value.reason == code
        assert "612345678" not in str(failed.value)


def test_expired_token_is_renewed_once(camara) -> None:
    fake, client = camara
    client.check(SWAPPED, 72)
    fake.revoke_tokens()
    assert client.check(SWAPPED, 72) is True


def test_bad_credentials_are_unavailable(camara) -> None:
    _fake, client = camara
    bad = SimSwapClient(client.settings.model_copy(update={"client_secret": SecretStr("no")}))
    with pytest.raises(SimSwapUnavailable) as failed:
        bad.check(SWAPPED, 72)
    assert failed.value.reason == "UNAUTHENTICATED"
    bad.close()


# -- rules and decisions -------------------------------------------------------------------


def test_sim_swap_denies_recovery_and_challenges_login(camara) -> None:
    _fake, client = camara
    gate = RiskGate(sim_swap=client)
    recovery = gate.assess(context("recovery", SWAPPED))
    assert recovery.action is RiskAction.DENY and [r.code for r in recovery.reasons] == ["sim_swap"]
    login = gate.assess(context("login", SWAPPED))
    assert login.action is RiskAction.CHALLENGE
    assert gate.assess(context("recovery", STEADY)).action is RiskAction.ALLOW
    assert gate.assess(context("login", STEADY)).action is RiskAction.ALLOW  # 480 h ago


def test_results_are_cached(camara) -> None:
    fake, client = camara
    gate = RiskGate(sim_swap=client)
    gate.assess(context("login", SWAPPED))
    second = gate.assess(context("login", SWAPPED))
    assert len(fake.calls) == 1
    assert "cached" in next(t.note for t in second.trace if t.rule == "sim_swap")


def test_a_max_age_beyond_the_operators_period_uses_retrieve_date(camara) -> None:
    """The fake operator monitors 30 days: a 1000 h maxAge is OUT_OF_RANGE for /check, and
    /retrieve-date answers instead."""
    fake, client = camara
    policy = RiskPolicy(sim_swap_max_age_hours={"login": 1000})
    gate = RiskGate(policy, client)
    recent = gate.assess(context("login", SWAPPED))  # changed 30 h ago
    assert [r.code for r in recent.reasons] == ["sim_swap"]
    older = gate.assess(context("login", STEADY))  # changed 20 days ago: within 1000 h
    assert [r.code for r in older.reasons] == ["sim_swap"]
    quiet = gate.assess(context("login", QUIET))  # null latestSimChange, monitoredPeriod 30
    entry = next(t for t in quiet.trace if t.rule == "sim_swap")
    assert entry.outcome == "ok" and "no change in 30 days" in entry.note
    assert [sorted(call) for call in fake.calls] == [
        ["maxAge", "phoneNumber"],
        ["phoneNumber"],
    ] * 3
    fake.failures.append(503)  # an operator failure falls back to the action's policy
    gate.deps.cache.clear()
    fake.calls.clear()
    assert gate.assess(context("login", SWAPPED)).action is RiskAction.ALLOW


def test_unavailable_operator_fails_by_action(camara) -> None:
    fake, client = camara
    gate = RiskGate(sim_swap=client)
    fake.failures.extend([503, 503])
    recovery = gate.assess(context("recovery", SWAPPED))
    assert recovery.action is RiskAction.CHALLENGE
    assert [r.code for r in recovery.reasons] == ["sim_swap_unavailable"]
    login = gate.assess(context("login", SWAPPED))
    assert login.action is RiskAction.ALLOW  # fail open for login by default
    assert next(t for t in login.trace if t.rule == "sim_swap").outcome == "unavailable"


def test_without_camara_the_rule_reports_itself_unavailable() -> None:
    decision = RiskGate().assess(context("recovery", SWAPPED))
    entry = next(t for t in decision.trace if t.rule == "sim_swap")
    assert entry.outcome == "unavailable" and "RINGFENCE_CAMARA_BASE_URL" in entry.note
    assert decision.action is RiskAction.ALLOW


@pytest.mark.parametrize(
    ("phone", "channel", "action", "code", "expected"),
    [
        ("+1 900 555 0123", "sms", "login", "line_type_no_sms", RiskAction.DENY),  # premium rate
        ("+1 800 555 0123", "sms", "login", "line_type_no_sms", RiskAction.DENY),  # toll free
        ("+44 20 7946 0018", "sms", "login", "fixed_line_use_voice", RiskAction.CHALLENGE),
        ("+44 20 7946 0018", "voice", "login", None, RiskAction.ALLOW),
        ("+44 56 1234 5678", "sms", "recovery", "voip_number", RiskAction.CHALLENGE),  # VoIP
        ("+44 56 1234 5678", "sms", "login", None, RiskAction.ALLOW),
        ("+33 6 12 34 56 78", "sms", "recovery", None, RiskAction.ALLOW),
    ],
)
def test_line_type_rule(phone, channel, action, code, expected) -> None:
    decision = RiskGate().assess(context(action, phone, channel))
    assert decision.action is expected
    assert [r.code for r in decision.reasons] == ([code] if code else [])


def test_policy_file_overrides_defaults(tmp_path: Path, camara) -> None:
    _fake, client = camara
    path = tmp_path / "risk.toml"
    path.write_text('[sim_swap.on_swap]\nlogin = "deny"\n[sim_swap.max_age_hours]\nrecovery = 24\n')
    gate = RiskGate(load_policy(path), client)
    assert gate.assess(context("login", SWAPPED)).action is RiskAction.DENY
    assert gate.assess(context("recovery", SWAPPED)).action is RiskAction.ALLOW  # 30 h > 24 h


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        '[sim_swap.on_swap]\nlogin = "maybe"',
        "[sim_swap.max_age_hours]\nlogin = 9999",
        '[sim_swap.on_swap]\nlunch = "deny"',
    ],
)
def test_bad_policy_files_are_clear_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError):
        load_policy(path)


def test_decision_explains_itself_without_the_number(camara) -> None:
    _fake, client = camara
    decision = RiskGate(sim_swap=client).assess(context("recovery", SWAPPED))
    explained = decision.to_dict()
    assert explained["action"] == "deny" and 0.8 < explained["score"] <= 1
    assert {t["rule"] for t in explained["trace"]} >= {"line_type", "sim_swap"}
    assert "612345678" not in str(explained)


def test_the_readme_policy_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "risk.toml"
    path.write_text(example)
    policy = load_policy(path)
    assert policy.sim_swap_max_age_hours["recovery"] == 48
    assert policy.sim_swap_on_swap["login"] is RiskAction.DENY
    assert policy.sim_swap_when_unavailable["recovery"] is RiskAction.DENY
    assert policy.challenge_voip_for == ("recovery", "phone_change")
    assert policy.number_mismatch["login"] is RiskAction.DENY
    assert policy.geo.permission("CU", "sms").value == "deny"
    assert policy.geo.permission("PK", "voice").value == "deny"
    assert policy.geo.permission("FR", "voice").value == "monitor"
    assert policy.geo.permission("BD", "sms").value == "allow"  # the list was replaced
    assert policy.pumping.mode == "enforce"


def test_the_readme_history_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    path = tmp_path / "risk.toml"
    path.write_text(readme.split("```toml\n", 1)[1].split("```", 1)[0])
    assert load_policy(path).recent_change_days == 14


# -- CAMARA Number Verification ----------------------------------------------------------


@pytest.fixture
def numbers(camara) -> Iterator[tuple[FakeCamara, NumberVerificationClient]]:  # type: ignore[no-untyped-def]
    fake, sim_swap = camara
    client = NumberVerificationClient(
        CamaraSettings(
            number_verification_url=sim_swap.settings.base_url.replace(  # type: ignore[union-attr]
                "/sim-swap/v2", "/number-verification/v2"
            )
        )
    )
    yield fake, client
    client.close()


def test_number_verification_client(numbers) -> None:  # type: ignore[no-untyped-def]
    fake, client = numbers
    token = fake.device_token(STEADY)
    assert client.verify(STEADY, token) is True
    assert client.verify(QUIET, token) is False
    assert fake.calls[-1] == {"phoneNumber": QUIET}
    for bad_token, code in (
        ("not-a-token", "UNAUTHENTICATED"),
        (
            fake.device_token(STEADY, by_network=False),
            "NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK",
        ),
    ):
        with pytest.raises(NumberVerificationUnavailable) as failed:
            client.verify(STEADY, bad_token)
        assert failed.value.reason == code
        assert bad_token not in str(failed.value) and STEADY not in repr(failed.value)


def test_number_verification_rule(numbers) -> None:  # type: ignore[no-untyped-def]
    fake, client = numbers
    gate = RiskGate(number_verification=client)
    token = fake.device_token(STEADY)

    def decide(action: str, phone: str, device_token: str | None):  # type: ignore[no-untyped-def]
        context = RiskContext(action=action, phone=normalize(phone), device_token=device_token)
        decision = gate.assess(context)
        return decision, next(t for t in decision.trace if t.rule == "number_verification")

    same, entry = decide("recovery", STEADY, token)
    assert same.action is RiskAction.ALLOW and entry.outcome == "ok"
    other, entry = decide("recovery", QUIET, token)
    assert other.action is RiskAction.DENY and [r.code for r in other.reasons] == [
        "number_not_on_device"
    ]
    login, _ = decide("login", QUIET, token)
    assert login.action is RiskAction.CHALLENGE
    _, entry = decide("login", QUIET, None)
    assert entry.outcome == "unavailable" and "no device token" in entry.note
    refused, entry = decide("recovery", QUIET, fake.device_token(QUIET, by_network=False))
    assert refused.action is RiskAction.ALLOW and entry.outcome == "unavailable"
    assert token not in repr(
        RiskContext(action="login", phone=normalize(STEADY), device_token=token)
    )
    unconfigured = RiskGate().assess(RiskContext(action="login", phone=normalize(STEADY)))
    assert next(t for t in unconfigured.trace if t.rule == "number_verification").outcome == (
        "unavailable"
    )
