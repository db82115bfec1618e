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
    [number_verification.on_mismatch]     # the device's number is another one (CAMARA)
    recovery = "deny"
    login = "challenge"
    [geo]                                  # permissions per destination country and channel
    default = "allow"                      # allow, deny or monitor
    high_risk = ["BD", "IL", "NG", ...]    # see HIGH_RISK_COUNTRIES
    high_risk_permission = "monitor"
    [geo.sms]                              # per channel (sms, voice, whatsapp): region = ...
    CU = "deny"
    [pumping]                              # SMS-pumping defence (see ringfence.risk.pumping)
    mode = "shadow"                        # shadow: only record; enforce: refuse
    baseline_days = 14
    country_floor = 20                     # unverified codes per country per day: at least
    country_ratio = 0.2                    # ... or this share of the daily verified maximum
    block_floor = 5                        # the same per number block (number minus 4 digits)
    block_ratio = 0.2
    ip_max_unverified = 10                 # unverified codes per client IP per day
    ip_max_countries = 3                   # destination countries per client IP per day
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ringfence.errors import ConfigurationError
from ringfence.risk.model import RiskAction

ACTIONS = ("signup", "login", "recovery", "step_up", "phone_change")
CHANNELS = ("sms", "voice", "whatsapp")

# Destinations that providers single out for SMS-pumping and toll fraud: the list Twilio
# documents as its high-risk messaging countries (Bangladesh, Israel, Nigeria, Pakistan, the
# Palestinian Territories, Sri Lanka, Azerbaijan, Tajikistan, Oman, Tunisia, Algeria).
HIGH_RISK_COUNTRIES = ("BD", "IL", "NG", "PK", "PS", "LK", "AZ", "TJ", "OM", "TN", "DZ")


class GeoPermission(StrEnum):
    """Whether codes may go to a country: ``monitor`` lets them through but records the
    reason and enforces the pumping defence there even in shadow mode."""

    ALLOW = "allow"
    DENY = "deny"
    MONITOR = "monitor"


@dataclass(frozen=True)
class GeoPolicy:
    default: GeoPermission = GeoPermission.ALLOW
    high_risk: tuple[str, ...] = HIGH_RISK_COUNTRIES
    high_risk_permission: GeoPermission = GeoPermission.MONITOR
    # channel -> region -> permission, overriding the two above
    channels: dict[str, dict[str, GeoPermission]] = field(default_factory=dict)

    def permission(self, region: str | None, channel: str) -> GeoPermission:
        """The permission for codes to ``region`` (``None``: a non-geographic number) by
        ``channel``."""
        key = region or "001"
        explicit = self.channels.get(channel, {}).get(key)
        if explicit is not None:
            return explicit
        if key in self.high_risk:
            return self.high_risk_permission
        return self.default


@dataclass(frozen=True)
class PumpingPolicy:
    """Thresholds on codes sent but never verified, per UTC day. A limit adapts to the
    verified baseline: ``max(floor, ratio x the largest daily verified count of the last
    baseline_days days)``."""

    mode: str = "shadow"
    baseline_days: int = 14
    country_floor: int = 20
    country_ratio: float = 0.2
    block_floor: int = 5
    block_ratio: float = 0.2
    ip_max_unverified: int = 10
    ip_max_countries: int = 3

    def __post_init__(self) -> None:
        if self.mode not in ("shadow", "enforce"):
            raise ValueError("pumping mode is 'shadow' or 'enforce'")
        if not 1 <= self.baseline_days <= 90:
            raise ValueError("pumping baseline_days is 1 to 90")
        numbers = [getattr(self, f.name) for f in fields(self) if f.name != "mode"]
        if any(n < 0 for n in numbers):
            raise ValueError("pumping thresholds cannot be negative")


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
    number_mismatch: dict[str, RiskAction] = field(
        default_factory=lambda: {
            "recovery": RiskAction.DENY,
            "phone_change": RiskAction.DENY,
            "step_up": RiskAction.CHALLENGE,
            "login": RiskAction.CHALLENGE,
            "signup": RiskAction.CHALLENGE,
        }
    )
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
    geo: GeoPolicy = field(default_factory=GeoPolicy)
    pumping: PumpingPolicy = field(default_factory=PumpingPolicy)


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
            number_mismatch={
                **policy.number_mismatch,
                **_actions(data.get("number_verification", {}).get("on_mismatch", {})),
            },
            no_sms_line_types=tuple(line.get("no_sms", policy.no_sms_line_types)),
            challenge_voip_for=tuple(line.get("challenge_voip_for", policy.challenge_voip_for)),
            recent_change_days=int(history.get("recent_change_days", policy.recent_change_days)),
            recent_change_for=tuple(history.get("recent_change_for", policy.recent_change_for)),
            new_number_for=tuple(history.get("new_number_for", policy.new_number_for)),
            shared_by_accounts=int(history.get("shared_by_accounts", policy.shared_by_accounts)),
            geo=_geo(policy.geo, data.get("geo", {})),
            pumping=_pumping(policy.pumping, data.get("pumping", {})),
        )
    except (TypeError, ValueError, AttributeError) as exc:
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


def _geo(geo: GeoPolicy, values: dict[str, Any]) -> GeoPolicy:
    unknown = set(values) - {"default", "high_risk", "high_risk_permission", *CHANNELS}
    if unknown:
        raise ValueError(f"unknown geo settings {sorted(unknown)}")
    channels = {
        channel: {_region(k): GeoPermission(v) for k, v in values[channel].items()}
        for channel in CHANNELS
        if channel in values
    }
    return GeoPolicy(
        default=GeoPermission(values.get("default", geo.default)),
        high_risk=tuple(_region(r) for r in values.get("high_risk", geo.high_risk)),
        high_risk_permission=GeoPermission(
            values.get("high_risk_permission", geo.high_risk_permission)
        ),
        channels=channels or geo.channels,
    )


def _region(value: Any) -> str:
    text = str(value).upper()
    if not (text == "001" or (len(text) == 2 and text.isascii() and text.isalpha())):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 region (or 001)")
    return text


def _pumping(pumping: PumpingPolicy, values: dict[str, Any]) -> PumpingPolicy:
    unknown = set(values) - {f.name for f in fields(PumpingPolicy)}
    if unknown:
        raise ValueError(f"unknown pumping settings {sorted(unknown)}")
    cast: dict[str, Any] = {
        name: (str if name == "mode" else float if "ratio" in name else int)(value)
        for name, value in values.items()
    }
    return replace(pumping, **cast)
