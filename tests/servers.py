"""Run an ASGI app on a real loopback port for the length of a test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    app: Any, port: int | None = None, **config: Any
) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = port or free_port()
    config.setdefault("log_level", "warning")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """The app's base URL while the block runs."""
    url, server, thread = start_server(app, **config)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
