"""``/v1/accounts/{account_id}/totp`` and recovery codes: the authenticator-app factor."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ringfence.api.auth import require
from ringfence.api.schemas import CodeCheck, ErrorBody
from ringfence.compliance.roles import Permission, Principal
from ringfence.verify.totp import TotpFactors

router = APIRouter(prefix="/v1/accounts/{account_id}", tags=["authenticator apps"])
Caller = Annotated[Principal, Depends(require(Permission.VERIFY))]
AccountId = Annotated[str, Path(min_length=1, max_length=200)]
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422, 429)
}


class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=200, description="Shown in the app.")


class EnrollOut(BaseModel):
    secret: str = Field(description="For manual entry; shown once.")
    uri: str = Field(description="otpauth:// URI for the app.")
    qr_svg: str = Field(description="The URI as a QR code (SVG).")
    recovery_codes: list[str] = Field(description="Single-use; shown once.")


class FactorResult(BaseModel):
    status: Literal["approved", "denied"]
    remaining_recovery_codes: int | None = None


def _factors(request: Request) -> TotpFactors:
    factors: TotpFactors = request.app.state.factors
    return factors


def _result(accepted: bool, remaining: int | None = None) -> FactorResult:
    return FactorResult(
        status="approved" if accepted else "denied", remaining_recovery_codes=remaining
    )


@router.post("/totp", status_code=201, response_model=EnrollOut, responses=ERRORS)
def enroll(account_id: AccountId, body: EnrollRequest, request: Request, _c: Caller) -> EnrollOut:
    """Start enrolling an authenticator app (confirm it with a first code)."""
    enrollment = _factors(request).enroll(account_id, label=body.label)
    return EnrollOut(**enrollment.__dict__)


@router.post("/totp/confirm", response_model=FactorResult, responses=ERRORS)
def confirm(account_id: AccountId, body: CodeCheck, request: Request, _c: Caller) -> FactorResult:
    """Activate the enrolled app with a code it shows."""
    return _result(_factors(request).confirm(account_id, body.code))


@router.post("/totp/check", response_model=FactorResult, responses=ERRORS)
def check(account_id: AccountId, body: CodeCheck, request: Request, _c: Caller) -> FactorResult:
    """Check a code from the app; a code is accepted once."""
    return _result(_factors(request).verify(account_id, body.code))


@router.delete("/totp", status_code=204, responses=ERRORS)
def remove(account_id: AccountId, request: Request, _c: Caller) -> Response:
    """Remove the app and its recovery codes."""
    _factors(request).remove(account_id)
    return Response(status_code=204)


@router.post("/recovery-codes/check", response_model=FactorResult, responses=ERRORS)
def use_recovery_code(
    account_id: AccountId, body: CodeCheck, request: Request, _c: Caller
) -> FactorResult:
    """Spend a recovery code (each works once)."""
    factors = _factors(request)
    accepted = factors.use_recovery_code(account_id, body.code)
    return _result(accepted, factors.remaining_recovery_codes(account_id))
