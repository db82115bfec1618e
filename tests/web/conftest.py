"""The dashboard over a demo store (``ringfence serve --demo``'s data) on a real uvicorn
server, and over each engine for the tests that need PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ringfence.api import create_app
from ringfence.demo import Demo, build_demo
from ringfence.store.apikeys import create_api_key
from tests.servers import start_server


@dataclass
class DemoServer:
    url: str
    app: Any
    demo: Demo

    def password(self, role: str) -> str:
        return self.demo.passwords[role]

    def api_key(self, role: str) -> str:
        return create_api_key(self.app.state.engine, scopes=[role])[0]


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(Path(tmp_path_factory.mktemp("demo")), contacts=200)


@pytest.fixture
def demo_server(demo: Demo) -> Iterator[DemoServer]:
    settings = demo.settings.model_copy(
        update={"signin_limits": {"username": "1000/minute", "ip": "1000/minute"}}
    )
    app = create_app(settings, limiter=None)
    url, server, thread = start_server(app)
    try:
        yield DemoServer(url, app, demo)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
