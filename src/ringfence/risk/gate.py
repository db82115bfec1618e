"""``RiskGate.assess(context)``: every registered rule, one explained decision."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.clock import Clock, system_clock
from ringfence.risk.camara import CamaraSettings, SimSwapClient
from ringfence.risk.model import SEVERITY, RiskAction, RiskContext, RiskDecision
from ringfence.risk.policy import RiskPolicy, load_policy
from ringfence.risk.rules import RuleDeps, registered_rules

# How much one reason weighs in the score: 1 - product of (1 - weight).
WEIGHT = {RiskAction.CHALLENGE: 0.5, RiskAction.DENY: 0.9, RiskAction.ALLOW: 0.0}


class RiskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_RISK_", extra="ignore", frozen=True)

    policy: Path | None = None


class RiskGate:
    """Assesses contexts with the registered rules under one policy."""

    def __init__(
        self,
        policy: RiskPolicy | None = None,
        sim_swap: SimSwapClient | None = None,
        clock: Clock = system_clock,
    ):
        self.deps = RuleDeps(policy=policy or RiskPolicy(), sim_swap=sim_swap, clock=clock)

    @classmethod
    def from_settings(cls, clock: Clock = system_clock) -> RiskGate:
        """The policy from ``RINGFENCE_RISK_POLICY`` (TOML), the SIM swap client from
        ``RINGFENCE_CAMARA_*`` (none without a base URL)."""
        camara = CamaraSettings()
        client = SimSwapClient(camara) if camara.base_url else None
        return cls(load_policy(RiskSettings().policy), client, clock)

    def close(self) -> None:
        if self.deps.sim_swap is not None:
            self.deps.sim_swap.close()

    def assess(self, context: RiskContext) -> RiskDecision:
        trace = [rule(context, self.deps) for rule in registered_rules().values()]
        reasons = [reason for entry in trace for reason in entry.reasons]
        action = max(
            (r.action for r in reasons), key=SEVERITY.__getitem__, default=RiskAction.ALLOW
        )
        safe = 1.0
        for reason in reasons:
            safe *= 1 - WEIGHT[reason.action]
        return RiskDecision(action=action, reasons=reasons, score=1 - safe, trace=trace)
