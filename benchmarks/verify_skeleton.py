"""The HTTP skeleton of a verification flow, with no verification work: the yardstick of
`verify_load.py`.

Same server (`ringfence serve`'s uvicorn with one socket per worker), same routes and
bodies, same request validation and response models, the same bearer header, and the SMS
sent after the response through ringfence's own Twilio channel (httpx, retries) to the
same fake Twilio. What it leaves out is everything a verification does: no database, no
rate limits, no risk gate, no hashing or sealing, no audit. The code travels in the
verification id (this is a yardstick, not a verifier), so a check may reach either worker.

    PYTHONPATH=benchmarks python -c "import verify_skeleton; verify_skeleton.main(PORT)"
"""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import BackgroundTasks, FastAPI, Header, HTTPException
from pydantic import BaseModel

from ringfence.api import serving
from ringfence.phone import normalize
from ringfence.verify.channels import ChannelContext, OutgoingMessage, build_channels
from ringfence.verify.model import Channel


class Start(BaseModel):
    to: str


class Check(BaseModel):
    code: str


class Out(BaseModel):
    id: str
    status: str
    to: str
    channel: str
    expires_at: datetime
    attempts_left: int


def create() -> FastAPI:
    app = FastAPI()
    context = ChannelContext(settings=None, engine=None, keyring=None, clock=None)  # type: ignore[arg-type]
    (twilio,) = build_channels("twilio", context)

    @app.post("/v1/verifications", status_code=201, response_model=Out)
    def start(
        body: Start, background: BackgroundTasks, authorization: Annotated[str, Header()]
    ) -> Out:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401)
        number = normalize(body.to)
        code = f"{secrets.randbelow(10**6):06d}"
        message = OutgoingMessage(number, f"Your code is {code}", Channel.SMS)
        background.add_task(twilio.send, message)
        expires = datetime.now(UTC) + timedelta(minutes=10)
        return Out(id="VE" + code, status="pending", to=number.masked(), channel="sms",
                   expires_at=expires, attempts_left=5)  # fmt: skip

    @app.post("/v1/verifications/{verification_id}/check", response_model=Out)
    def check(verification_id: str, body: Check, authorization: Annotated[str, Header()]) -> Out:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401)
        status = "approved" if verification_id[2:] == body.code else "pending"
        expires = datetime.now(UTC) + timedelta(minutes=10)
        return Out(id=verification_id, status=status, to="+33 6** ** ** 78", channel="sms",
                   expires_at=expires, attempts_left=5)  # fmt: skip

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(port: int) -> None:
    serving.run(
        "verify_skeleton:create",
        host="127.0.0.1",
        port=port,
        workers=2,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
