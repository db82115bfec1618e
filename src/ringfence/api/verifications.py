"""``/v1/verifications``: start, check, cancel and read verifications (the shape Twilio
Verify users know). Each route calls one service method."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from ringfence.api.auth import require
from ringfence.api.schemas import (
    CodeCheck,
    CodeCheckByNumber,
    ErrorBody,
    VerificationOut,
    VerificationStart,
)
from ringfence.compliance.roles import Permission, Principal
from ringfence.verify import DeliveryFailed, Started, VerificationService

router = APIRouter(prefix="/v1", tags=["verifications"])
Caller = Annotated[Principal, Depends(require(Permission.VERIFY))]
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 422, 429, 502)
}


def _service(request: Request) -> VerificationService:
    service: VerificationService = request.app.state.verifications
    return service


def _deliver(service: VerificationService, started: Started) -> None:
    """Delivery runs after the response is sent: a real send and a simulated one (an
    unknown number's recovery) take the same time for the caller."""
    try:
        service.dispatch(started)
    except DeliveryFailed:
        service.record_delivery_failure(started.verification.id)


@router.post("/verifications", status_code=201, response_model=VerificationOut, responses=ERRORS)
def start_verification(
    body: VerificationStart, request: Request, background: BackgroundTasks, _caller: Caller
) -> VerificationOut:
    """Send a one-time code to a number."""
    service = _service(request)
    started = service.prepare(
        body.to,
        channel=body.channel,
        purpose=body.purpose,
        locale=body.locale,
        account_id=body.account_id,
        client_ip=str(body.client_ip) if body.client_ip is not None else None,
        region=body.region,
        device_token=body.device_token,
        client_country=body.client_country,
        user_agent=body.user_agent,
    )
    background.add_task(_deliver, service, started)
    return VerificationOut.of(started.verification, started.risk)


@router.post(
    "/verifications/{verification_id}/check", response_model=VerificationOut, responses=ERRORS
)
def check_verification(
    verification_id: str, body: CodeCheck, request: Request, _caller: Caller
) -> VerificationOut:
    """Check a code. A verification approves once; checking it again answers 404."""
    return VerificationOut.of(_service(request).check(verification_id, body.code))


@router.post("/verification-checks", response_model=VerificationOut, responses=ERRORS)
def check_by_number(body: CodeCheckByNumber, request: Request, _caller: Caller) -> VerificationOut:
    """Check a code against the newest pending verification of a number."""
    service = _service(request)
    return VerificationOut.of(
        service.check_latest(body.to, body.code, purpose=body.purpose, region=body.region)
    )


@router.post(
    "/verifications/{verification_id}/cancel", response_model=VerificationOut, responses=ERRORS
)
def cancel_verification(verification_id: str, request: Request, _caller: Caller) -> VerificationOut:
    """Cancel a pending verification."""
    return VerificationOut.of(_service(request).cancel(verification_id))


@router.get("/verifications/{verification_id}", response_model=VerificationOut, responses=ERRORS)
def get_verification(verification_id: str, request: Request, _caller: Caller) -> VerificationOut:
    """Read a verification."""
    return VerificationOut.of(_service(request).get(verification_id))
