"""A local FCC RND gateway speaking DNCScrub's RND Basic API (``POST /v1.5/Data/RNDBasic``,
``loginId`` header, ``{"Data": [{"phoneNumber", "date"}]}``; answers in order)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

RND_LOGIN = "rnd-test-login"
RND_START = "20210127"  # the RND holds disconnections from this day on


class FakeRnd:
    def __init__(self) -> None:
        self.app = FastAPI()
        self.app.post("/v1.5/Data/RNDBasic")(self._batch)
        # ten digits -> the day its previous holder was permanently disconnected (YYYYMMDD)
        self.disconnected: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        self.status: int | None = None  # answer every request with this status
        self.sandbox = False

    async def _batch(self, request: Request) -> Response:
        if request.headers.get("loginId") != RND_LOGIN:
            return JSONResponse({"Message": "Invalid or missing API key"}, status_code=401)
        if self.status is not None:
            return JSONResponse({"Message": "injected"}, status_code=self.status)
        if request.headers.get("content-type") != "application/json":
            return JSONResponse({"Message": "Content-Type must be application/json"}, 400)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"Message": "invalid JSON"}, status_code=400)
        self.requests.append(body)
        rows = body.get("Data") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not 1 <= len(rows) <= 1000:
            return JSONResponse({"Message": "Data is missing, empty or too long"}, 400)
        answers = []
        for row in rows:
            digits, day = str(row.get("phoneNumber", "")), str(row.get("date", ""))
            if not re.fullmatch(r"[2-9]\d{9}", digits) or not re.fullmatch(r"\d{8}", day):
                return JSONResponse({"Message": "invalid phone number or date format"}, 400)
            answers.append(self._answer(digits, day))
        return JSONResponse(answers)

    def _answer(self, digits: str, day: str) -> dict[str, Any]:
        if day < RND_START:
            reassigned: bool | None = None
        else:
            gone = self.disconnected.get(digits)
            reassigned = gone is not None and gone >= day
        return {
            "PhoneNumber": digits,
            "IsReassigned": reassigned,
            "HasSafeHarbor": reassigned is False,
            "IsSandBox": self.sandbox,
        }
