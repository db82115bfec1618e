"""The FCC Reassigned Numbers Database (RND), through DNCScrub's "RND Basic" API — a
gateway to the FCC database with a public specification (the RND's own interface is
documented only to registered callers).

``POST {base}/v1.5/Data/RNDBasic`` with the ``loginId`` header and the JSON body
``{"Data": [{"phoneNumber": "2015550123", "date": "20260115"}, ...]}`` (at most 1,000
numbers; a POST, so no number is ever in a URL) answers, in order, one object per number:
``{"PhoneNumber", "IsReassigned": true | false | null, "HasSafeHarbor", "IsSandBox"}``.
``true`` is *yes*, ``false`` *no*, ``null`` *no data* (the RND holds disconnections from
27 January 2021 on). Only North American (+1) numbers are in the RND.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.compliance.model import ComplianceError
from ringfence.compliance.reassigned import Reassigned, ReassignedUnavailable
from ringfence.phone import PhoneNumber

BATCH = 1000  # the API's limit per request
PATH = "/v1.5/Data/RNDBasic"
_ANSWERS = {True: Reassigned.YES, False: Reassigned.NO, None: Reassigned.NO_DATA}


class RndSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_RND_", extra="ignore", frozen=True)

    login_id: SecretStr | None = None
    base_url: str = "https://dataapi.dncscrub.com"
    project_id: str | None = None
    use_sandbox: bool = False  # random answers, for trying the integration
    timeout: float = 30.0


class FccRndChecker:
    """A :class:`~ringfence.compliance.reassigned.ReassignedChecker` over the FCC RND."""

    def __init__(
        self, settings: RndSettings | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings or RndSettings()
        if self.settings.login_id is None:
            raise ComplianceError(
                "the FCC RND checker needs RINGFENCE_RND_LOGIN_ID", reason="rnd_not_configured"
            )
        self._client = httpx.Client(
            base_url=self.settings.base_url,
            headers={"loginId": self.settings.login_id.get_secret_value()},
            timeout=self.settings.timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def covers(number: PhoneNumber) -> bool:
        """The RND holds North American numbering plan (+1) numbers."""
        return number.country_code == 1 and len(number.national_number) == 10

    def check(self, number: PhoneNumber, since: date) -> Reassigned:
        return self.check_many([(number, since)])[0]

    def check_many(self, queries: Sequence[tuple[PhoneNumber, date]]) -> list[Reassigned]:
        """One answer per ``(number, since)``, in order, 1,000 numbers per request."""
        rows = [(_ten_digits(number), since.strftime("%Y%m%d")) for number, since in queries]
        answers: list[Reassigned] = []
        for start in range(0, len(rows), BATCH):
            answers.extend(self._ask(rows[start : start + BATCH]))
        return answers

    def _ask(self, rows: list[tuple[str, str]]) -> list[Reassigned]:
        body: dict[str, Any] = {
            "Data": [{"phoneNumber": digits, "date": when} for digits, when in rows],
            "UseSandbox": self.settings.use_sandbox,
        }
        if self.settings.project_id:
            body["ProjId"] = self.settings.project_id
        try:
            response = self._client.post(PATH, json=body)
        except httpx.TransportError:
            raise ReassignedUnavailable(
                "the FCC RND gateway is unreachable", reason="network"
            ) from None
        if response.status_code != 200:
            reason = {400: "rnd_rejected", 401: "rnd_unauthorized", 403: "rnd_forbidden"}
            raise ReassignedUnavailable(
                f"the FCC RND gateway answered HTTP {response.status_code}",
                reason=reason.get(response.status_code, f"HTTP_{response.status_code}"),
            )
        return self._read(response, rows)

    def _read(self, response: httpx.Response, rows: list[tuple[str, str]]) -> list[Reassigned]:
        try:
            results = response.json()
        except ValueError:
            results = None
        if not isinstance(results, list) or len(results) != len(rows):
            raise ReassignedUnavailable("the FCC RND gave a malformed answer", reason="bad_answer")
        answers = []
        for (digits, _when), result in zip(rows, results, strict=True):
            if not isinstance(result, dict) or str(result.get("PhoneNumber")) != digits:
                raise ReassignedUnavailable(
                    "the FCC RND answered out of order", reason="bad_answer"
                )
            if result.get("IsSandBox") and not self.settings.use_sandbox:
                raise ReassignedUnavailable(
                    "the FCC RND answered from its sandbox", reason="sandbox_answer"
                )
            value = result.get("IsReassigned")
            if value not in _ANSWERS:
                raise ReassignedUnavailable(
                    "the FCC RND gave a malformed answer", reason="bad_answer"
                )
            answers.append(_ANSWERS[value])
        return answers


def _ten_digits(number: PhoneNumber) -> str:
    if not FccRndChecker.covers(number):
        raise ComplianceError(
            "the FCC RND holds North American (+1) numbers only", reason="rnd_not_nanp"
        )
    return number.national_number
