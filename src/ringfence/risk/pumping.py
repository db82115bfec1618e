"""The SMS-pumping rule. Pumping is someone requesting codes for numbers whose owners are
paid for every message they receive: whole ranges of numbers in a few countries, asked for
by a script. Nobody ever enters those codes, so the signal is codes sent and never
verified, counted per destination country, number block and client IP, against limits that
grow with the traffic real users verify (``max(floor, ratio x daily verified maximum)``).

In a country over its limit, only blocks that already have an unverified code today are
refused: an attack walks through blocks, while a real user's block rarely has one. In
``shadow`` mode the rule records what it would refuse and refuses nothing, except in the
countries whose geo permission is ``monitor``.
"""

from __future__ import annotations

import math

from ringfence.risk.model import RiskAction, RiskContext, RiskReason, TraceEntry
from ringfence.risk.policy import GeoPermission, PumpingPolicy
from ringfence.risk.rules import RuleDeps


def adaptive_limit(floor: int, ratio: float, baseline: int) -> int:
    """``max(floor, ratio x baseline)``, rounded up."""
    return max(floor, math.ceil(ratio * baseline))


def pumping(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """Refuse (or, in shadow mode, only record) a send that counters say is pumping."""
    traffic = context.traffic
    if traffic is None:
        return TraceEntry("pumping", "unavailable", note="no traffic counters for this request")
    policy = deps.policy.pumping
    findings = _findings(context, policy)
    monitored = (
        deps.policy.geo.permission(context.phone.region, context.channel) is GeoPermission.MONITOR
    )
    enforced = policy.mode == "enforce" or monitored
    action = RiskAction.DENY if enforced else RiskAction.ALLOW
    note = (
        f"country {traffic.country.unverified}/"
        f"{adaptive_limit(policy.country_floor, policy.country_ratio, traffic.country_baseline)}"
        f", block {traffic.block.unverified}/"
        f"{adaptive_limit(policy.block_floor, policy.block_ratio, traffic.block_baseline)}"
        f" unverified today; {'enforced' if enforced else 'shadow mode: recorded only'}"
    )
    if not findings:
        return TraceEntry("pumping", "ok", note=note)
    reasons = tuple(RiskReason(code, detail, action) for code, detail in findings)
    return TraceEntry("pumping", "flagged", reasons, note=note)


def _findings(context: RiskContext, policy: PumpingPolicy) -> list[tuple[str, str]]:
    traffic = context.traffic
    assert traffic is not None
    found = []
    block_limit = adaptive_limit(policy.block_floor, policy.block_ratio, traffic.block_baseline)
    if traffic.block.unverified >= block_limit:
        found.append(
            (
                "pumping_block",
                f"{traffic.block.unverified} unverified codes to this number block today "
                f"(limit {block_limit})",
            )
        )
    country_limit = adaptive_limit(
        policy.country_floor, policy.country_ratio, traffic.country_baseline
    )
    if traffic.country.unverified >= country_limit and traffic.block.unverified >= 1:
        found.append(
            (
                "pumping_country",
                f"{traffic.country.unverified} unverified codes to "
                f"{context.phone.region or 'this network'} today (limit {country_limit}), "
                "this number block among them",
            )
        )
    if traffic.ip is not None and traffic.ip.unverified >= policy.ip_max_unverified:
        found.append(
            (
                "pumping_ip",
                f"{traffic.ip.unverified} unverified codes asked for from this IP today "
                f"(limit {policy.ip_max_unverified})",
            )
        )
    if traffic.ip_countries > policy.ip_max_countries:
        found.append(
            (
                "pumping_ip_countries",
                f"codes to {traffic.ip_countries} countries from this IP today "
                f"(limit {policy.ip_max_countries})",
            )
        )
    return found
