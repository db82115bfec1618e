"""The risk policy: documented defaults, overridable by a TOML file
(``RINGFENCE_RISK_POLICY=/etc/ringfence/risk.toml``)::

    [sim_swap.max_age_hours]      # how recent a SIM change counts, per action
    recovery = 72
    login = 240
    [sim_swap.on_swap]            # what a recent swap means, per action
    recovery = "deny"
    login = "challenge"
    [sim_swap.when_unavailable]   # the API failed: fail open (allow) or closed (deny)
    recovery = "deny"
    login = "allow"
    [line_type]
    no_sms = ["premium_rate", "shared_cost", "toll_free", "pager", "voicemail", "uan"]
    challenge_voip_for = ["recovery"]
    [history]
    recent_change_days = 7                 # a number bound this recently is challenged...
    recent_change_for = ["recovery", "phone_change", "step_up"]
    new_number_for = ["login", "step_up", "recovery"]    # a number nobody holds
    shared_by_accounts = 3                 # a number this many accounts hold
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.errors import ConfigurationError
from ringfence.risk.model import RiskAction

ACTIONS = ("signup", "login", "recovery", "step_up", "phone_change")


@dataclass(frozen=True)
class RiskPolicy:
    sim_swap_max_age_hours: dict[str, int] = field(
        default_factory=lambda: {
            "recovery": 72,
            "phone_change": 72,
            "step_up": 120,
            "login": 240,
            "signup": 240,
        }
    )
    sim_swap_on_swap: dict[str, RiskAction] = field(
        default_factory=lambda: {
            "recovery": RiskAction.DENY,
            "phone_change": RiskAction.DENY,
            "step_up": RiskAction.CHALLENGE,
            "login": RiskAction.CHALLENGE,
            "signup": RiskAction.ALLOW,
        }
    )
    sim_swap_when_unavailable: dict[str, RiskAction] = field(
        default_factory=lambda: {
            "recovery": RiskAction.CHALLENGE,
            "phone_change": RiskAction.CHALLENGE,
            "step_up": RiskAction.ALLOW,
            "login": RiskAction.ALLOW,
            "signup": RiskAction.ALLOW,
        }
    )
    sim_swap_cache_seconds: int = 300
    no_sms_line_types: tuple[str, ...] = (
        "premium_rate",
        "shared_cost",
        "toll_free",
        "pager",
        "voicemail",
        "uan",
    )
    challenge_voip_for: tuple[str, ...] = ("recovery",)
    recent_change_days: int = 7
    recent_change_for: tuple[str, ...] = ("recovery", "phone_change", "step_up")
    new_number_for: tuple[str, ...] = ("login", "step_up", "recovery")
    shared_by_accounts: int = 3


def load_policy(path: Path | None = None) -> RiskPolicy:
    """The defaults, with what the TOML file at ``path`` sets."""
    if path is None:
        return RiskPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"cannot read the risk policy file ({type(exc).__name__})", reason="bad_risk_policy"
        ) from None
    return _apply(RiskPolicy(), data)


def _apply(policy: RiskPolicy, data: dict[str, Any]) -> RiskPolicy:
    sim = data.get("sim_swap", {})
    line = data.get("line_type", {})
    history = data.get("history", {})
    try:
        return RiskPolicy(
            sim_swap_max_age_hours={
                **policy.sim_swap_max_age_hours,
                **_hours(sim.get("max_age_hours", {})),
            },
            sim_swap_on_swap={**policy.sim_swap_on_swap, **_actions(sim.get("on_swap", {}))},
            sim_swap_when_unavailable={
                **policy.sim_swap_when_unavailable,
                **_actions(sim.get("when_unavailable", {})),
            },
            sim_swap_cache_seconds=int(sim.get("cache_seconds", policy.sim_swap_cache_seconds)),
            no_sms_line_types=tuple(line.get("no_sms", policy.no_sms_line_types)),
            challenge_voip_for=tuple(line.get("challenge_voip_for", policy.challenge_voip_for)),
            recent_change_days=int(history.get("recent_change_days", policy.recent_change_days)),
            recent_change_for=tuple(history.get("recent_change_for", policy.recent_change_for)),
            new_number_for=tuple(history.get("new_number_for", policy.new_number_for)),
            shared_by_accounts=int(history.get("shared_by_accounts", policy.shared_by_accounts)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"invalid risk policy: {exc}", reason="bad_risk_policy") from None


def _hours(values: dict[str, Any]) -> dict[str, int]:
    unknown = set(values) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown actions {sorted(unknown)}")
    hours = {k: int(v) for k, v in values.items()}
    if any(not 1 <= h <= 2400 for h in hours.values()):
        raise ValueError("CAMARA maxAge is 1 to 2400 hours")
    return hours


def _actions(values: dict[str, Any]) -> dict[str, RiskAction]:
    unknown = set(values) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown actions {sorted(unknown)}")
    return {k: RiskAction(v) for k, v in values.items()}
