"""``/v1/accounts/{account_id}/phones`` and ``/phone-change``: binding numbers to accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from ringfence.api.auth import require
from ringfence.api.schemas import ErrorBody
from ringfence.compliance.roles import Permission, Principal
from ringfence.verify.accounts import AccountBindings, ReauthProof

router = APIRouter(prefix="/v1/accounts/{account_id}", tags=["account phones"])
Caller = Annotated[Principal, Depends(require(Permission.VERIFY))]
AccountId = Annotated[str, Path(min_length=1, max_length=200)]
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422, 429)
}


class BindPhone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verification_id: str = Field(max_length=34, description="An approved signup verification.")


class BindEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Reauth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verification_id: str | None = Field(default=None, max_length=34)
    totp_code: str | None = Field(default=None, max_length=32)
    recovery_code: str | None = Field(default=None, max_length=32)


class PhoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verification_id: str = Field(max_length=34, description="Approved phone_change verification.")
    reauth: Reauth


class PhoneOut(BaseModel):
    phone: str = Field(description="Masked.")
    notified_phones: int = 0
    notified_emails: int = 0


def _bindings(request: Request) -> AccountBindings:
    bindings: AccountBindings = request.app.state.bindings
    return bindings


@router.post("/phones", status_code=201, response_model=PhoneOut, responses=ERRORS)
def bind_phone(account_id: AccountId, body: BindPhone, request: Request, _c: Caller) -> PhoneOut:
    """Bind the first phone of an account from an approved signup verification."""
    return PhoneOut(phone=_bindings(request).bind_phone(account_id, body.verification_id))


@router.post("/emails", status_code=204, responses=ERRORS)
def add_email(account_id: AccountId, body: BindEmail, request: Request, _c: Caller) -> Response:
    """Record an email of the account (told of phone changes)."""
    _bindings(request).add_email(account_id, str(body.email))
    return Response(status_code=204)


@router.post("/phone-change", response_model=PhoneOut, responses=ERRORS)
def change_phone(
    account_id: AccountId, body: PhoneChange, request: Request, _c: Caller
) -> PhoneOut:
    """Replace the account's phone: a fresh verification of the new number plus an existing
    factor; every previous number and email is notified."""
    changed = _bindings(request).change_phone(
        account_id,
        verification_id=body.verification_id,
        reauth=ReauthProof(**body.reauth.model_dump()),
    )
    return PhoneOut(**changed.__dict__)
