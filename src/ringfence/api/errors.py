"""Errors as HTTP answers: a status, a reason code and a message that holds no personal
data. Validation errors never echo the input (it may be a phone number or a code)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ringfence.analytics.engines import AnalyticsError
from ringfence.compliance.roles import PermissionDenied
from ringfence.console.analytics import ChartFailed
from ringfence.contacts.errors import ContactNotFound
from ringfence.errors import ConfigurationError, InvalidPhoneNumber, RingfenceError
from ringfence.verify import (
    AccountLocked,
    DeliveryFailed,
    MessageTooLong,
    RateLimitUnavailable,
    RiskDenied,
    TooManyRequests,
    VerificationNotFound,
)
from ringfence.verify.accounts import PhoneChangeRefused
from ringfence.verify.totp import FactorExists

log = logging.getLogger("ringfence.api")

STATUS_OF: list[tuple[type[RingfenceError], int]] = [
    (VerificationNotFound, 404),
    (ContactNotFound, 404),
    (PermissionDenied, 403),
    (ConfigurationError, 409),
    (ChartFailed, 503),
    (AnalyticsError, 404),
    (TooManyRequests, 429),
    (AccountLocked, 429),
    (InvalidPhoneNumber, 400),
    (MessageTooLong, 400),
    (FactorExists, 409),
    (RiskDenied, 403),
    (PhoneChangeRefused, 403),
    (DeliveryFailed, 502),
    (RateLimitUnavailable, 503),
]


def problem(
    status: int, reason: str, message: str, request: Request | None = None, **extra: object
) -> Response:
    """The error as JSON, or as a dashboard page when a page raised it."""
    if request is not None and getattr(request.state, "page", False):
        render: Callable[..., Response] = request.app.state.error_page
        return render(request, status, reason, message)
    body = {"reason": reason, "message": message, **{k: v for k, v in extra.items() if v}}
    return JSONResponse({"error": body}, status_code=status)


async def _ringfence_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RingfenceError)
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    extra: dict[str, object] = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
        extra["retry_after"] = exc.retry_after
    if isinstance(exc, AccountLocked):
        extra["locked_until"] = exc.locked_until.isoformat()
    response = problem(status, exc.reason_code, str(exc), request, **extra)
    response.headers.update(headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = sorted({".".join(str(p) for p in err["loc"][1:]) or "body" for err in exc.errors()})
    message = f"invalid or missing fields: {', '.join(fields)}"
    return problem(422, "invalid_request", message, request)


HTTP_REASONS = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    reason = HTTP_REASONS.get(exc.status_code, "http_error")
    response = problem(exc.status_code, reason, exc.detail, request)
    response.headers.update(exc.headers or {})
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error: %s", type(exc).__name__)  # the message may hold data
    return problem(500, "internal_error", "internal error", request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RingfenceError, _ringfence_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
