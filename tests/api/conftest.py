"""A real uvicorn server on loopback, per test, over each engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ringfence.api import create_app
from ringfence.settings import load_settings
from ringfence.store.apikeys import create_api_key
from ringfence.testing import FakeClock
from ringfence.verify import VerificationService
from tests.servers import start_server


@dataclass
class LiveServer:
    url: str
    app: Any
    key: str
    clock: FakeClock

    @property
    def service(self) -> VerificationService:
        service: VerificationService = self.app.state.verifications
        return service

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@pytest.fixture
def live_server(db_url, keyring) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    yield from serve(db_url, keyring)


def serve(
    db_url: str,
    keyring: Any,
    uvicorn_config: dict[str, Any] | None = None,
    *,
    port: int | None = None,
    sms_channel: str = "outbox",
    **options: Any,
) -> Iterator[LiveServer]:
    clock = FakeClock()
    settings = load_settings(env="test", database_url=db_url, sms_channel=sms_channel)
    options.setdefault("limiter", None)
    app = create_app(settings, keyring=keyring, clock=clock, **options)
    key, _ = create_api_key(app.state.engine, scopes=["verify"])
    url, server, thread = start_server(app, port, **(uvicorn_config or {}))
    try:
        yield LiveServer(url=url, app=app, key=key, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
