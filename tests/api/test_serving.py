"""`ringfence serve --workers N`: every worker gets connections, even from a burst of
keep-alive connections opened at once (one socket per worker, SO_REUSEPORT)."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest

from tests.conftest import TEST_ROOT_KEY
from tests.servers import free_port

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="one socket per worker is for Linux"
)


def _start(tmp_path, port: int) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "RINGFENCE_ENV": "test",
        "RINGFENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "RINGFENCE_ROOT_KEY": base64.b64encode(TEST_ROOT_KEY).decode(),
    }
    command = [sys.executable, "-m", "ringfence", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 90
    while len(_workers(server)) < 2 or not _answers(port):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("ringfence serve did not start")
        time.sleep(0.2)
    return server


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _workers(server: subprocess.Popen[bytes]) -> list[psutil.Process]:
    children = psutil.Process(server.pid).children(recursive=True)
    return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


def test_a_burst_of_connections_reaches_every_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    server = _start(tmp_path, port)
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for _ in range(48)]
    try:
        with ThreadPoolExecutor(max_workers=48) as pool:  # all connections opened at once
            answers = list(pool.map(lambda client: client.get("/healthz").status_code, clients))
        assert answers == [200] * 48
        held: Counter[int] = Counter()
        for worker in _workers(server):
            for connection in worker.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_ESTABLISHED and connection.laddr.port == port:
                    held[worker.pid] += 1
        # A shared socket gives a burst to whichever worker wakes first (often all 48);
        # the kernel's spread over two sockets leaves each with well over a handful.
        assert sum(held.values()) == 48
        assert len(held) == 2 and min(held.values()) >= 8, held
    finally:
        for client in clients:
            client.close()
        server.terminate()
        server.wait(timeout=30)


def test_a_taken_port_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "RINGFENCE_ENV": "test",
            "RINGFENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "RINGFENCE_ROOT_KEY": base64.b64encode(TEST_ROOT_KEY).decode(),
        }
        command = [sys.executable, "-m", "ringfence", "serve", "--workers", "2"]
        result = subprocess.run(
            [*command, "--port", str(port)], env=env, cwd=tmp_path, capture_output=True, timeout=120
        )
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr
    assert b"cannot listen on 127.0.0.1:" in result.stderr
