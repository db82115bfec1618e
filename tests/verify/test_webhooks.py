"""Webhooks: signed, posted after commit, retried with backoff, logged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from ringfence.crypto.tokens import webhook_signature_header, webhook_signature_matches
from ringfence.errors import ConfigurationError
from ringfence.verify.webhooks import SIGNATURE_HEADER, delivery_log
from tests.servers import serving
from tests.verify.conftest import MOBILE, last_code

SECRET = "webhook-secret-0123456789"


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.bodies: list[bytes] = []
        self.headers: list[str] = []
        self.app = FastAPI()
        self.app.post("/hook")(self.hook)

    async def hook(self, request: Request) -> Response:
        if self.fail_first:
            self.fail_first -= 1
            return Response(status_code=503)
        self.bodies.append(await request.body())
        self.headers.append(request.headers[SIGNATURE_HEADER])
        return Response(status_code=204)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()
    with serving(hook.app) as url:
        yield hook, url + "/hook"


def test_every_state_change_is_posted_signed(service, clock, receiver) -> None:
    hook, url = receiver
    sender = service.add_webhook(url, SecretStr(SECRET), backoff_seconds=0)
    verification = service.start(MOBILE)
    service.check(verification.id, last_code(service))
    sender.drain()
    events = [json.loads(body) for body in hook.bodies]
    assert [e["type"] for e in events] == [
        "verification.created",
        "verification.sent",
        "verification.approved",
    ]
    assert {e["data"]["verification_id"] for e in events} == {verification.id}
    now = int(clock.now().timestamp())
    for body, header in zip(hook.bodies, hook.headers, strict=True):
        assert webhook_signature_matches(SECRET.encode(), body, header, now=now)
        assert b"612345678" not in body
    assert events[0]["data"]["to"] == "+33 * ** ** 56 78"


def test_failed_posts_are_retried_and_logged(service, receiver) -> None:
    hook, url = receiver
    hook.fail_first = 2
    sender = service.add_webhook(url, SecretStr(SECRET), backoff_seconds=0, attempts=5)
    service.start(MOBILE)
    sender.drain()
    log = sorted(delivery_log(service.engine), key=lambda row: row["id"])
    created = [row for row in log if row["event_type"] == "verification.created"]
    assert [(r["attempt"], r["status_code"], r["ok"]) for r in created] == [
        (1, 503, False),
        (2, 503, False),
        (3, 204, True),
    ]
    assert len(hook.bodies) == 2  # created (third try) and sent


def test_an_unreachable_receiver_never_breaks_verifications(service) -> None:
    sender = service.add_webhook(
        "http://127.0.0.1:1/hook", SecretStr(SECRET), backoff_seconds=0, attempts=2
    )
    verification = service.start(MOBILE)
    sender.drain()
    assert service.get(verification.id).status.value == "pending"
    log = delivery_log(service.engine)
    assert log and not any(row["ok"] for row in log)
    assert {row["error"] for row in log} == {"ConnectError"}


def test_signature_refuses_tampering_and_old_deliveries() -> None:
    body = b'{"type":"verification.approved"}'
    header = webhook_signature_header(SECRET.encode(), body, 1_000_000)
    assert webhook_signature_matches(SECRET.encode(), body, header, now=1_000_100)
    assert not webhook_signature_matches(SECRET.encode(), body + b" ", header, now=1_000_100)
    assert not webhook_signature_matches(b"other-secret-000000", body, header, now=1_000_100)
    assert not webhook_signature_matches(SECRET.encode(), body, header, now=1_001_000)
    assert not webhook_signature_matches(SECRET.encode(), body, "garbage", now=1_000_000)


def test_a_webhook_needs_a_real_secret(service) -> None:
    with pytest.raises(ConfigurationError):
        service.add_webhook("http://127.0.0.1:1/", None)
    with pytest.raises(ConfigurationError):
        service.add_webhook("http://127.0.0.1:1/", SecretStr("short"))
