"""``RiskGate.assess(context)``: every registered rule, one explained decision."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.clock import Clock, system_clock
from ringfence.risk.camara import CamaraSettings, NumberVerificationClient, SimSwapClient
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
        number_verification: NumberVerificationClient | None = None,
    ):
        self.deps = RuleDeps(
            policy=policy or RiskPolicy(),
            sim_swap=sim_swap,
            number_verification=number_verification,
            clock=clock,
        )

    @classmethod
    def from_settings(cls, clock: Clock = system_clock) -> RiskGate:
        """The policy from ``RINGFENCE_RISK_POLICY`` (TOML), the CAMARA clients from
        ``RINGFENCE_CAMARA_*`` (none without their URLs)."""
        camara = CamaraSettings()
        sim_swap = SimSwapClient(camara) if camara.base_url else None
        numbers = NumberVerificationClient(camara) if camara.number_verification_url else None
        return cls(load_policy(RiskSettings().policy), sim_swap, clock, numbers)

    def close(self) -> None:
        for client in (self.deps.sim_swap, self.deps.number_verification):
            if client is not None:
                client.close()

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
