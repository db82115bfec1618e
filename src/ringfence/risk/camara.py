"""Clients of two GSMA CAMARA APIs.

* SIM Swap (``/check`` and ``/retrieve-date``) with OAuth client credentials. Configured by
  ``RINGFENCE_CAMARA_BASE_URL`` (the API root, e.g. ``https://operator.example/sim-swap/v2``),
  ``RINGFENCE_CAMARA_TOKEN_URL``, ``RINGFENCE_CAMARA_CLIENT_ID`` and
  ``RINGFENCE_CAMARA_CLIENT_SECRET``.
* Number Verification (``/verify``), where the operator offers it:
  ``RINGFENCE_CAMARA_NUMBER_VERIFICATION_URL`` (e.g. ``https://operator.example/
  number-verification/v2``). Its token is 3-legged: the application gets it for the user's
  device through the operator's network-based authentication and passes it along; this
  client only asks whether the number it claims is the device's.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.errors import RingfenceError

SCOPES = "sim-swap:check sim-swap:retrieve-date"


class SimSwapUnavailable(RingfenceError):
    """The operator could not answer; ``reason`` is its CAMARA code or the HTTP failure
    (``OUT_OF_RANGE``, ``UNAUTHENTICATED``, ``PERMISSION_DENIED``, ``NOT_FOUND``,
    ``TOO_MANY_REQUESTS``, ``SERVICE_UNAVAILABLE``, ``network``)."""

    default_reason = "sim_swap_unavailable"


class CamaraSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_CAMARA_", extra="ignore", frozen=True)

    base_url: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    number_verification_url: str | None = None
    timeout: float = 5.0


@dataclass(frozen=True)
class SimSwapDate:
    latest_sim_change: datetime | None
    monitored_period_days: int | None


class SimSwapClient:
    """Talks to one operator's SIM Swap API; the access token is kept until it expires."""

    def __init__(self, settings: CamaraSettings, transport: httpx.BaseTransport | None = None):
        if not (
            settings.base_url
            and settings.token_url
            and settings.client_id
            and settings.client_secret
        ):
            raise RingfenceError(
                "the SIM swap client needs RINGFENCE_CAMARA_BASE_URL, _TOKEN_URL, _CLIENT_ID "
                "and _CLIENT_SECRET",
                reason="camara_not_configured",
            )
        self.settings = settings
        self._client = httpx.Client(timeout=settings.timeout, transport=transport)
        self._token: tuple[str, float] | None = None

    def close(self) -> None:
        self._client.close()

    def check(self, e164: str, max_age_hours: int) -> bool:
        """Whether the SIM changed within ``max_age_hours`` (1 to 2400)."""
        body = self._post("/check", {"phoneNumber": e164, "maxAge": max_age_hours})
        swapped = body.get("swapped")
        if not isinstance(swapped, bool):
            raise SimSwapUnavailable("the operator's answer has no 'swapped'", reason="bad_answer")
        return swapped

    def retrieve_date(self, e164: str) -> SimSwapDate:
        """The last SIM change (``None`` with a monitored period: none within that period)."""
        body = self._post("/retrieve-date", {"phoneNumber": e164})
        raw = body.get("latestSimChange")
        try:
            moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
        except ValueError:
            raise SimSwapUnavailable(
                "the operator's date is malformed", reason="bad_answer"
            ) from None
        period = body.get("monitoredPeriod")
        return SimSwapDate(moment, period if isinstance(period, int) else None)

    def _post(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token()}",
                "x-correlator": str(uuid.uuid4()),
            }
            try:
                response = self._client.post(
                    f"{self.settings.base_url}{path}", json=payload, headers=headers
                )
            except httpx.TransportError:
                raise SimSwapUnavailable("the operator is unreachable", reason="network") from None
            if response.status_code == 401 and attempt == 1:
                self._token = None  # expired or revoked: fetch a new one, once
                continue
            if response.status_code != 200:
                raise SimSwapUnavailable(
                    f"the operator answered HTTP {response.status_code}",
                    reason=_camara_code(response),
                )
            body = response.json()
            return body if isinstance(body, dict) else {}
        raise SimSwapUnavailable("the operator refused the token", reason="UNAUTHENTICATED")

    def _access_token(self) -> str:
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        secret = self.settings.client_secret
        client_id = self.settings.client_id or ""
        if secret is None:
            raise SimSwapUnavailable("no client secret", reason="UNAUTHENTICATED")
        try:
            response = self._client.post(
                str(self.settings.token_url),
                data={"grant_type": "client_credentials", "scope": SCOPES},
                auth=(client_id, secret.get_secret_value()),
            )
        except httpx.TransportError:
            raise SimSwapUnavailable(
                "the token endpoint is unreachable", reason="network"
            ) from None
        body = response.json() if response.status_code == 200 else {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise SimSwapUnavailable("no access token", reason="UNAUTHENTICATED")
        lifetime = float(body.get("expires_in", 300))
        self._token = (str(token), time.monotonic() + max(0.0, lifetime - 30))
        return str(token)


def _camara_code(response: httpx.Response) -> str:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    return str(code) if code else f"HTTP_{response.status_code}"


class NumberVerificationUnavailable(RingfenceError):
    """The operator could not say; ``reason`` is its CAMARA code (``UNAUTHENTICATED``,
    ``PERMISSION_DENIED``, ``NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK``,
    ...), ``HTTP_<status>``, ``bad_answer`` or ``network``."""

    default_reason = "number_verification_unavailable"


class NumberVerificationClient:
    """Asks the operator whether a number is the one of the device that obtained a token."""

    def __init__(self, settings: CamaraSettings, transport: httpx.BaseTransport | None = None):
        if not settings.number_verification_url:
            raise RingfenceError(
                "the Number Verification client needs RINGFENCE_CAMARA_NUMBER_VERIFICATION_URL",
                reason="camara_not_configured",
            )
        self.url = settings.number_verification_url.rstrip("/") + "/verify"
        self._client = httpx.Client(timeout=settings.timeout, transport=transport)

    def close(self) -> None:
        self._client.close()

    def verify(self, e164: str, device_token: str) -> bool:
        """Whether ``e164`` is the number of the device ``device_token`` was issued to."""
        headers = {"Authorization": f"Bearer {device_token}", "x-correlator": str(uuid.uuid4())}
        try:
            response = self._client.post(self.url, json={"phoneNumber": e164}, headers=headers)
        except httpx.TransportError:
            raise NumberVerificationUnavailable(
                "the operator is unreachable", reason="network"
            ) from None
        if response.status_code != 200:
            raise NumberVerificationUnavailable(
                f"the operator answered HTTP {response.status_code}", reason=_camara_code(response)
            )
        try:
            verified = response.json().get("devicePhoneNumberVerified")
        except (ValueError, AttributeError):
            verified = None
        if not isinstance(verified, bool):
            raise NumberVerificationUnavailable(
                "the operator's answer has no 'devicePhoneNumberVerified'", reason="bad_answer"
            )
        return verified
