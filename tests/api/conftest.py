"""A real uvicorn server on loopback, per test, over each engine."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from ringfence.api import create_app
from ringfence.settings import load_settings
from ringfence.store.apikeys import create_api_key
from ringfence.testing import FakeClock
from ringfence.verify import VerificationService


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def run_server(app: Any, **config: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    config.setdefault("log_level", "warning")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **config)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture
def live_server(db_url, keyring) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    yield from serve(db_url, keyring)


def serve(
    db_url: str, keyring: Any, uvicorn_config: dict[str, Any] | None = None, **options: Any
) -> Iterator[LiveServer]:
    clock = FakeClock()
    settings = load_settings(env="test", database_url=db_url, sms_channel="outbox")
    options.setdefault("limiter", None)
    app = create_app(settings, keyring=keyring, clock=clock, **options)
    key, _ = create_api_key(app.state.engine, scopes=["verify"])
    url, server, thread = run_server(app, **(uvicorn_config or {}))
    try:
        yield LiveServer(url=url, app=app, key=key, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
