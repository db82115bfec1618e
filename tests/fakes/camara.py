"""A local fake of an operator's GSMA CAMARA SIM Swap API (r3.3) with an OAuth
client-credentials token endpoint: the specification's responses, errors and edge cases
(OUT_OF_RANGE beyond the operator's monitored period, a null latestSimChange with
monitoredPeriod, unknown numbers, 401/403/429/503). And its Number Verification API (r3.2,
``/number-verification/v2/verify``) with 3-legged device tokens: issued for a device's
number by network-based authentication, or by another method (which the API refuses)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CLIENT_ID = "ringfence-test"
CLIENT_SECRET = "camara-test-secret"
MONITORED_DAYS = 30  # the operator keeps 30 days of SIM changes

ERRORS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    503: "UNAVAILABLE",
}


def _error(status: int, code: str | None = None, message: str = "") -> JSONResponse:
    body = {"status": status, "code": code or ERRORS[status], "message": message or "error"}
    return JSONResponse(body, status_code=status)


class FakeCamara:
    """``numbers`` maps E.164 to the time of its last SIM change (``None``: none in the
    monitored period); any other number is unknown (404)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)
        self.numbers: dict[str, datetime | None] = {}
        self.tokens: set[str] = set()
        self.failures: deque[int] = deque()
        self.calls: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/oauth/token")(self.token)
        self.app.post("/sim-swap/v2/check")(self.check)
        self.app.post("/sim-swap/v2/retrieve-date")(self.retrieve_date)
        self.app.post("/number-verification/v2/verify")(self.verify_number)
        # device token -> (the device's number, authenticated by the mobile network?)
        self.device_tokens: dict[str, tuple[str, bool]] = {}

    def swapped_hours_ago(self, e164: str, hours: float) -> None:
        self.numbers[e164] = self.now - timedelta(hours=hours)

    async def token(self, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = await request.form()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    async def _guard(self, request: Request) -> tuple[dict[str, Any] | None, JSONResponse | None]:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return None, _error(401, message="Request not authenticated")
        if self.failures:
            status = self.failures.popleft()
            return None, _error(status)
        body = await request.json()
        self.calls.append(body)
        number = body.get("phoneNumber")
        if not number:
            return None, _error(422, "MISSING_IDENTIFIER", "phoneNumber is required")
        if number not in self.numbers:
            return None, _error(404, "NOT_FOUND", "the phone number is not known")
        return body, None

    async def check(self, request: Request) -> JSONResponse:
        body, error = await self._guard(request)
        if error is not None:
            return error
        assert body is not None
        max_age = body.get("maxAge", 240)
        if not isinstance(max_age, int) or not 1 <= max_age <= 2400:
            return _error(400, "INVALID_ARGUMENT", "maxAge is 1 to 2400")
        if max_age > MONITORED_DAYS * 24:
            return _error(
                400,
                "OUT_OF_RANGE",
                f"Check monitor period could not exceed local regulations ({MONITORED_DAYS} days)",
            )
        changed = self.numbers[body["phoneNumber"]]
        swapped = changed is not None and changed >= self.now - timedelta(hours=max_age)
        return JSONResponse({"swapped": swapped})

    async def retrieve_date(self, request: Request) -> JSONResponse:
        body, error = await self._guard(request)
        if error is not None:
            return error
        assert body is not None
        changed = self.numbers[body["phoneNumber"]]
        if changed is None:
            return JSONResponse({"latestSimChange": None, "monitoredPeriod": MONITORED_DAYS})
        return JSONResponse({"latestSimChange": changed.isoformat().replace("+00:00", "Z")})

    def device_token(self, e164: str, *, by_network: bool = True) -> str:
        """A 3-legged token as the operator's authorization server would issue it to an
        application for the device whose SIM holds ``e164``."""
        token = secrets.token_urlsafe(24)
        self.device_tokens[token] = (e164, by_network)
        return token

    async def verify_number(self, request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        device = self.device_tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if device is None:
            return _error(401, message="Request not authenticated")
        if not device[1]:
            return _error(
                403,
                "NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK",
                "Client must authenticate via the mobile network to use this service",
            )
        body = await request.json()
        self.calls.append(body)
        if not isinstance(body, dict) or len(body) != 1:
            return _error(400, message="exactly one of phoneNumber and hashedPhoneNumber")
        if "phoneNumber" in body:
            number = str(body["phoneNumber"])
            if not re.fullmatch(r"\+[1-9][0-9]{4,14}", number):
                return _error(400, message="phoneNumber is not E.164")
            verified = number == device[0]
        elif "hashedPhoneNumber" in body:
            verified = (
                str(body["hashedPhoneNumber"]).lower()
                == hashlib.sha256(device[0].encode()).hexdigest()
            )
        else:
            return _error(400, message="exactly one of phoneNumber and hashedPhoneNumber")
        return JSONResponse({"devicePhoneNumberVerified": verified})
