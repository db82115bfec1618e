"""Request and response bodies of the HTTP API (separate from storage rows and domain
objects). Lengths are capped so that no field can carry a huge payload."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, IPvAnyAddress

from ringfence.risk import RiskDecision
from ringfence.verify import Channel, Purpose, Status, Verification


class Problem(BaseModel):
    """Every error: a stable reason code and a message without personal data."""

    reason: str = Field(examples=["rate_limited_destination"])
    message: str
    retry_after: int | None = None
    locked_until: datetime | None = None


class ErrorBody(BaseModel):
    error: Problem


class VerificationStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=250, description="Any format; E.164 is best.")
    channel: Channel = Channel.SMS
    purpose: Purpose = Purpose.LOGIN
    locale: str | None = Field(
        default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$"
    )
    account_id: str | None = Field(default=None, min_length=1, max_length=200)
    region: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="Default region for national numbers."
    )
    client_ip: IPvAnyAddress | None = Field(
        default=None,
        description=(
            "The end user's IP address as your application saw it. Rate limits and the "
            "SMS-pumping defence count per end user: the address of the server calling this "
            "API is never used in its place."
        ),
    )
    client_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="The end user's IP country (ISO 3166-1 alpha-2), if you know it.",
    )
    user_agent: str | None = Field(
        default=None, max_length=512, description="The end user's User-Agent, for risk rules."
    )
    device_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A CAMARA Number Verification access token your application obtained for the "
            "user's device through the operator's network-based authentication: the risk "
            "gate asks the operator whether `to` is that device's number."
        ),
    )


class CodeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)


class CodeCheckByNumber(CodeCheck):
    to: str = Field(min_length=1, max_length=250)
    purpose: Purpose | None = None
    region: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")


class RiskOut(BaseModel):
    action: str = Field(examples=["challenge"])
    reasons: list[str] = Field(examples=[["sim_swap"]])


class VerificationOut(BaseModel):
    id: str
    to: str = Field(description="Masked: only the country code and the last digits show.")
    channel: Channel
    purpose: Purpose
    status: Status
    locale: str
    account_id: str | None
    created_at: datetime
    expires_at: datetime
    attempts_left: int
    sends: int
    resend_at: datetime
    risk: RiskOut | None = Field(
        default=None, description="On start: the risk gate's decision when it asks more."
    )

    @classmethod
    def of(cls, verification: Verification, risk: RiskDecision | None = None) -> VerificationOut:
        out = cls(**verification.__dict__)
        # A recovery answers alike for every number (no hint whether an account holds it):
        # its risk decision stays in the audit log.
        if risk is not None and risk.action.value != "allow" and verification.purpose != "recovery":
            # what was only recorded (monitor, shadow mode) is not the caller's business
            asked = [r.code for r in risk.reasons if r.action.value != "allow"]
            out.risk = RiskOut(action=risk.action.value, reasons=asked)
        return out


class ConversionRow(BaseModel):
    key: str = Field(description="A region code (FR), or a prefix (+33 6).")
    sent: int
    verified: int
    blocked: int
    conversion_rate: float | None


class ConversionOut(BaseModel):
    scope: str
    since: str
    until: str
    rows: list[ConversionRow]
