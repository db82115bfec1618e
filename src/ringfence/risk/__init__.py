"""The risk gate: before a code is sent or a phone-based login or recovery is accepted,
decide whether the number can be trusted, and explain why."""

from ringfence.risk.camara import (
    CamaraSettings,
    NumberVerificationClient,
    NumberVerificationUnavailable,
    SimSwapClient,
    SimSwapUnavailable,
)
from ringfence.risk.gate import RiskGate
from ringfence.risk.model import (
    RiskAction,
    RiskContext,
    RiskDecision,
    RiskReason,
    TraceEntry,
    TrafficSnapshot,
)
from ringfence.risk.policy import RiskPolicy, load_policy
from ringfence.risk.rules import RuleDeps, register_rule

__all__ = [
    "CamaraSettings",
    "NumberVerificationClient",
    "NumberVerificationUnavailable",
    "RiskAction",
    "RiskContext",
    "RiskDecision",
    "RiskGate",
    "RiskPolicy",
    "RiskReason",
    "RuleDeps",
    "SimSwapClient",
    "SimSwapUnavailable",
    "TraceEntry",
    "TrafficSnapshot",
    "load_policy",
    "register_rule",
]
