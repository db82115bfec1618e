"""The built-in risk rules, registered like any plugin rule. A rule looks at a context and
returns a :class:`TraceEntry`: ``ok``, ``flagged`` (with reasons) or ``unavailable``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ringfence.clock import Clock, system_clock
from ringfence.phone import NumberType
from ringfence.risk.camara import (
    NumberVerificationClient,
    NumberVerificationUnavailable,
    SimSwapClient,
    SimSwapUnavailable,
)
from ringfence.risk.model import RiskAction, RiskContext, RiskReason, TraceEntry
from ringfence.risk.policy import GeoPermission, RiskPolicy


@dataclass
class RuleDeps:
    """What rules may use besides the context."""

    policy: RiskPolicy
    sim_swap: SimSwapClient | None = None
    number_verification: NumberVerificationClient | None = None
    clock: Clock = system_clock
    cache: dict[tuple[str, int], tuple[bool, float]] = field(default_factory=dict)


Rule = Callable[[RiskContext, RuleDeps], TraceEntry]
_RULES: dict[str, Rule] = {}


def register_rule(name: str, rule: Rule) -> None:
    """Consult ``rule`` in every assessment, under ``name``."""
    _RULES[name] = rule


def registered_rules() -> dict[str, Rule]:
    return dict(_RULES)


def line_type(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """No SMS to premium-rate and similar lines; VoIP challenged where the policy says;
    a fixed line should get a voice call, not an SMS."""
    kind = context.phone.number_type.value
    texted = context.channel in ("sms", "whatsapp")
    if texted and kind in deps.policy.no_sms_line_types:
        reason = RiskReason("line_type_no_sms", f"no SMS to {kind} numbers", RiskAction.DENY)
    elif (
        context.phone.number_type is NumberType.VOIP
        and context.action in deps.policy.challenge_voip_for
    ):
        reason = RiskReason("voip_number", f"VoIP number for {context.action}")
    elif texted and context.phone.number_type is NumberType.FIXED_LINE:
        reason = RiskReason("fixed_line_use_voice", "a fixed line: send the code by voice")
    else:
        return TraceEntry("line_type", "ok", note=kind)
    return TraceEntry("line_type", "flagged", (reason,), note=kind)


def sim_swap(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """A SIM change within the action's maxAge (CAMARA SIM Swap ``/check``)."""
    policy = deps.policy
    if deps.sim_swap is None:
        return TraceEntry("sim_swap", "unavailable", note="RINGFENCE_CAMARA_BASE_URL is not set")
    max_age = policy.sim_swap_max_age_hours.get(context.action, 240)
    key = (context.phone.e164, max_age)
    cached = deps.cache.get(key)
    try:
        if cached and cached[1] > time.monotonic():
            swapped, note = cached[0], f"maxAge {max_age} h (cached)"
        else:
            swapped, note = _ask_operator(deps.sim_swap, context.phone.e164, max_age, deps.clock)
            deps.cache[key] = (swapped, time.monotonic() + policy.sim_swap_cache_seconds)
    except SimSwapUnavailable as exc:
        action = policy.sim_swap_when_unavailable.get(context.action, RiskAction.ALLOW)
        note = f"operator answer unavailable ({exc.reason_code}); {action.value} by policy"
        if action is RiskAction.ALLOW:
            return TraceEntry("sim_swap", "unavailable", note=note)
        reason = RiskReason("sim_swap_unavailable", "the SIM swap check failed", action)
        return TraceEntry("sim_swap", "unavailable", (reason,), note=note)
    if not swapped:
        return TraceEntry("sim_swap", "ok", note=note)
    action = policy.sim_swap_on_swap.get(context.action, RiskAction.CHALLENGE)
    if action is RiskAction.ALLOW:
        return TraceEntry("sim_swap", "ok", note=note + "; swapped, allowed for this action")
    reason = RiskReason("sim_swap", f"SIM changed within {max_age} hours", action)
    return TraceEntry("sim_swap", "flagged", (reason,), note=note)


def _ask_operator(client: SimSwapClient, e164: str, max_age: int, clock: Clock) -> tuple[bool, str]:
    """``/check`` with maxAge; when the operator monitors a shorter period (``OUT_OF_RANGE``),
    ``/retrieve-date`` answers instead: a change date is compared with maxAge here, and no
    change within the monitored period counts as no swap (the trace says which period)."""
    try:
        return client.check(e164, max_age), f"maxAge {max_age} h"
    except SimSwapUnavailable as exc:
        if exc.reason != "OUT_OF_RANGE":
            raise
    changed = client.retrieve_date(e164)
    if changed.latest_sim_change is not None:
        age = clock.now() - changed.latest_sim_change
        swapped = age.total_seconds() <= max_age * 3600
        return swapped, f"maxAge {max_age} h beyond the operator's period: last change date used"
    period = changed.monitored_period_days
    window = f"{period} days" if period is not None else "its monitored period"
    return False, f"maxAge {max_age} h beyond the operator's period: no change in {window}"


def account_history(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """A number bound to the account only recently, a number nobody holds, a number many
    accounts share: each asks for another factor."""
    policy, reasons = deps.policy, []
    added = context.phone_added_at
    if added is not None and context.action in policy.recent_change_for:
        age = deps.clock.now() - added
        if age.days < policy.recent_change_days:
            reasons.append(RiskReason("recent_phone_change", f"number bound {age.days} days ago"))
    if context.number_known is False and context.action in policy.new_number_for:
        reasons.append(RiskReason("number_new_to_system", "no contact or account holds it"))
    shared = context.accounts_with_phone
    if shared is not None and shared >= policy.shared_by_accounts:
        reasons.append(RiskReason("number_shared", f"{shared} accounts hold this number"))
    if reasons:
        return TraceEntry("history", "flagged", tuple(reasons))
    known = context.number_known is not None or context.phone_added_at is not None
    return TraceEntry(
        "history", "ok" if known else "unavailable", note="" if known else "no history given"
    )


def geo(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """Codes to a country by a channel: allowed, denied, or allowed and recorded
    (``monitor``), as the geo permissions say."""
    region = context.phone.region or "001"
    permission = deps.policy.geo.permission(context.phone.region, context.channel)
    note = f"{context.channel} to {region}: {permission.value}"
    if permission is GeoPermission.ALLOW:
        return TraceEntry("geo", "ok", note=note)
    if permission is GeoPermission.DENY:
        reason = RiskReason(
            "geo_denied", f"{context.channel} codes to {region} are not permitted", RiskAction.DENY
        )
    else:
        reason = RiskReason(
            "geo_monitor", f"{region} is monitored: pumping limits enforced", RiskAction.ALLOW
        )
    return TraceEntry("geo", "flagged", (reason,), note=note)


def number_verification(context: RiskContext, deps: RuleDeps) -> TraceEntry:
    """CAMARA Number Verification: is the number the one of the device the user is on?
    Consulted when the operator offers it and the application passes the device's token;
    a failure to answer asks nothing more (the signal is optional)."""
    client = deps.number_verification
    if client is None:
        note = "RINGFENCE_CAMARA_NUMBER_VERIFICATION_URL is not set"
        return TraceEntry("number_verification", "unavailable", note=note)
    if not context.device_token:
        note = "no device token from the operator's network authentication"
        return TraceEntry("number_verification", "unavailable", note=note)
    try:
        verified = client.verify(context.phone.e164, context.device_token)
    except NumberVerificationUnavailable as exc:
        note = f"operator answer unavailable ({exc.reason_code})"
        return TraceEntry("number_verification", "unavailable", note=note)
    if verified:
        return TraceEntry("number_verification", "ok", note="the device's number is this number")
    action = deps.policy.number_mismatch.get(context.action, RiskAction.CHALLENGE)
    reason = RiskReason("number_not_on_device", "the device's number is another number", action)
    return TraceEntry("number_verification", "flagged", (reason,))


def _register_builtins() -> None:
    # Imported here: the pumping module builds on this one.
    from ringfence.risk.pumping import pumping

    register_rule("line_type", line_type)
    register_rule("geo", geo)
    register_rule("history", account_history)
    register_rule("pumping", pumping)
    register_rule("sim_swap", sim_swap)
    register_rule("number_verification", number_verification)


_register_builtins()
