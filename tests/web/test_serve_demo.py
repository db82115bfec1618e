"""The README's first command: ``ringfence serve --demo`` in its own process builds the demo
store, prints a password per role, and serves the dashboard those passwords open."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port
from tests.web.board import Board


def test_serve_demo_from_the_command_line(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("RINGFENCE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "ringfence", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "".join(output)
            line = process.stdout.readline()  # type: ignore[union-attr]
            output.append(line)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
            assert time.monotonic() < deadline, "".join(output)
        passwords = dict(re.findall(r"sign in as (\w+)\s+password (\S+)", "".join(output)))
        assert set(passwords) == {"admin", "agent", "analyst"}
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        with Board(url) as board:
            assert board.sign_in("agent", passwords["agent"]).status_code == 303
            found = board.post("/contacts/search", {"q": "(650) 253-0000"})
            assert "Ada Lovelace" in found.text
        folders = list(tmp_path.glob("ringfence-demo-*"))
        assert len(folders) == 1
        names = {p.name for p in folders[0].iterdir()} - {"demo.db-wal", "demo.db-shm"}
        assert names == {"calls.parquet", "demo.db"}  # the raw files with numbers are gone
        assert not (tmp_path / "ringfence.db").exists()  # nothing written where it ran
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_demo_refuses_a_database_option(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "serve", "--demo", "--db", "sqlite:///x.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "bad_option" in done.stderr and "Traceback" not in done.stderr
