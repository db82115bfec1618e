"""Benchmark: complete verification flows over HTTP against `ringfence serve`.

For each backend — PostgreSQL + Redis rate limits, and SQLite + in-memory limits — this
starts `ringfence serve --workers 2`, then drives complete flows from this (second) process
with N concurrent clients for a fixed time: POST /v1/verifications, wait for the SMS (sent
by the server's Twilio channel to a fake Twilio served here, which reads the code), then
POST /v1/verifications/{id}/check. It reports flows/s, p50 and p99 of the flow and of each
request, and errors, side by side with a bare FastAPI endpoint (GET /healthz) on the same
server and the same number of clients. The skeleton run (benchmarks/verify_skeleton.py)
drives the same flows against the same HTTP exchanges with none of the verification's work:
the most this machine's server, driver and fake provider can do together.

Target: at least 300 complete flows/s on PostgreSQL with p99 under 100 ms and zero errors.

    uv run python benchmarks/verify_load.py                       # 60 s per backend
    uv run python benchmarks/verify_load.py --seconds 10 --clients 32
    RINGFENCE_BENCH_PG=postgresql://postgres@127.0.0.1:5432/test (admin URL; a fresh
    database is created and dropped)   RINGFENCE_BENCH_REDIS=redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PG_ADMIN = os.environ.get("RINGFENCE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("RINGFENCE_BENCH_REDIS", "redis://127.0.0.1:6379/0")
TWILIO_SID = "AC" + "0" * 32
CODE = re.compile(r"\b(\d{6})\b")
LIFTED = json.dumps(
    {
        "destination": "100/minute",
        "ip": "10000000/minute",
        "account": "10000000/minute",
        "country": "10000000/minute",
        "block": "10000000/minute",
        "global": "10000000/second",
    }
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeTwilio:
    """Receives the server's messages and hands each code to the client waiting for it."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[str]] = {}
        self.app = FastAPI()
        self.app.post("/2010-04-01/Accounts/{sid}/Messages.json")(self.create)
        self.count = 0

    async def create(self, sid: str, request: Request) -> JSONResponse:
        form = await request.form()
        to, body = str(form["To"]), str(form["Body"])
        match = CODE.search(body)
        future = self.waiting.pop(to, None)
        if future is not None and match and not future.done():
            future.set_result(match.group(1))
        self.count += 1
        return JSONResponse({"sid": f"SM{self.count:032x}", "status": "queued"}, status_code=201)


@dataclass
class Stats:
    flows: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    checks: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def flow_client(
    http: aiohttp.ClientSession, fake: FakeTwilio, stats: Stats, until: float
) -> None:
    rng = random.Random(secrets.randbits(64))
    while time.monotonic() < until:
        number = f"+3361{rng.randrange(10**7):07d}"
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        fake.waiting[number] = future
        began = time.perf_counter()
        try:
            async with http.post("/v1/verifications", json={"to": number}) as started:
                body = await started.json()
            stats.starts.append(time.perf_counter() - began)
            if started.status != 201:
                stats.error(f"start {started.status}")
                fake.waiting.pop(number, None)
                continue
            code = await asyncio.wait_for(future, timeout=10)
            checked_at = time.perf_counter()
            path = f"/v1/verifications/{body['id']}/check"
            async with http.post(path, json={"code": code}) as checked:
                result = await checked.json()
            stats.checks.append(time.perf_counter() - checked_at)
            if checked.status != 200 or result["status"] != "approved":
                stats.error(f"check {checked.status}")
                continue
            stats.flows.append(time.perf_counter() - began)
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.error(type(exc).__name__)


async def bare_client(http: aiohttp.ClientSession, stats: Stats, until: float) -> None:
    while time.monotonic() < until:
        began = time.perf_counter()
        try:
            async with http.get("/healthz") as response:
                await response.read()
            if response.status != 200:
                stats.error(str(response.status))
                continue
            stats.flows.append(time.perf_counter() - began)
        except aiohttp.ClientError as exc:
            stats.error(type(exc).__name__)


async def drive(
    url: str, key: str, fake: FakeTwilio, fake_port: int, clients: int, seconds: float
) -> tuple[Stats, Stats, float, float]:
    server = uvicorn.Server(
        uvicorn.Config(
            fake.app, host="127.0.0.1", port=fake_port, log_level="warning", access_log=False
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base_url=url, headers=headers, connector=connector, timeout=timeout
    ) as http:
        await flow_client(http, fake, Stats(), time.monotonic() + 2)  # warm up
        flows = Stats()
        began = time.monotonic()
        await asyncio.gather(
            *(flow_client(http, fake, flows, began + seconds) for _ in range(clients))
        )
        flow_time = time.monotonic() - began
        bare = Stats()
        began = time.monotonic()
        await asyncio.gather(*(bare_client(http, bare, began + seconds) for _ in range(clients)))
        bare_time = time.monotonic() - began
    server.should_exit = True
    await serving
    return flows, bare, flow_time, bare_time


def start_server(
    env: dict[str, str], workdir: str, skeleton: bool = False
) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    if skeleton:
        key = "skeleton"
        env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent)}
        command = [sys.executable, "-m", "verify_skeleton", str(port)]
    else:
        create = ["apikeys", "create", "--json", "--scope", "verify"]
        key = json.loads(
            subprocess.run(
                [sys.executable, "-m", "ringfence", *create],
                env=env,
                check=True,
                capture_output=True,
                cwd=workdir,
            ).stdout
        )["key"]
        command = [sys.executable, "-m", "ringfence", "serve", "--workers", "2"]
        command += ["--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url, key
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("ringfence serve did not start")
        time.sleep(0.2)


def run_backend(
    name: str, database_url: str, limits: str, clients: int, seconds: float
) -> tuple[float, float]:
    """Run one server under load; returns its flows/s and flow p99 (ms)."""
    fake_port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "RINGFENCE_ENV": "test",
            "RINGFENCE_DATABASE_URL": database_url,
            "RINGFENCE_ROOT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "RINGFENCE_RATE_LIMIT_STORAGE": limits,
            "RINGFENCE_RATE_LIMITS": LIFTED,
            "RINGFENCE_SMS_CHANNEL": "twilio",
            "RINGFENCE_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "RINGFENCE_TWILIO_AUTH_TOKEN": "bench",
            "RINGFENCE_TWILIO_FROM_NUMBER": "+15005550006",
            "RINGFENCE_TWILIO_BASE_URL": f"http://127.0.0.1:{fake_port}",
            "RINGFENCE_TWILIO_ATTEMPTS": "1",
        }
        process, url, key = start_server(env, workdir, skeleton=name.startswith("skeleton"))
        try:
            fake = FakeTwilio()
            flows, bare, flow_time, bare_time = asyncio.run(
                drive(url, key, fake, fake_port, clients, seconds)
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
    rate = len(flows.flows) / flow_time
    bare_rate = len(bare.flows) / bare_time
    print(f"\n== {name}: {clients} clients, {seconds:.0f} s ==")
    report("complete flows", f"{rate:8.1f} flows/s", flows.flows, flows.errors)
    report("  start request", "", flows.starts)
    report("  check request", "", flows.checks)
    report("bare endpoint", f"{bare_rate:8.1f} req/s  ", bare.flows, bare.errors)
    print(
        f"flows/s over bare req/s: {rate / bare_rate:.2f} (a flow: 2 API calls + 1 provider call)"
    )
    met = rate >= 300 and pct(flows.flows, 0.99) < 100 and not flows.errors
    if name.startswith("PostgreSQL"):
        print(f"target (>= 300 flows/s, p99 < 100 ms, 0 errors): {'met' if met else 'NOT met'}")
    return rate, pct(flows.flows, 0.99)


def report(
    label: str, rate: str, values: list[float], errors: dict[str, int] | None = None
) -> None:
    line = f"{label:16} {rate:17}  p50 {pct(values, 0.5):7.1f} ms  p99 {pct(values, 0.99):7.1f} ms"
    if errors is not None:
        line += f"  errors {sum(errors.values())} {errors or ''}"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--backends", default="postgresql,sqlite,skeleton")
    args = parser.parse_args()
    backends = args.backends.split(",")
    rates: dict[str, float] = {}
    if "skeleton" in backends:
        # the same HTTP exchanges with no verification work: this machine's ceiling
        rates["skeleton"], _ = run_backend(
            "skeleton (HTTP only)", "sqlite://", "memory://", args.clients, args.seconds
        )
    if "postgresql" in backends:
        import psycopg

        name = f"ringfence_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            rates["postgresql"], _ = run_backend(
                "PostgreSQL + Redis",
                PG_ADMIN.rsplit("/", 1)[0] + "/" + name,
                REDIS,
                args.clients,
                args.seconds,
            )
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "bench.db"
            rates["sqlite"], _ = run_backend(
                "SQLite + memory", f"sqlite:///{database}", "memory://", args.clients, args.seconds
            )
    if "skeleton" in rates:
        print("\n== share of the skeleton's rate (the same HTTP exchanges without the work) ==")
        for name, rate in rates.items():
            if name != "skeleton":
                print(f"{name:12} {rate / rates['skeleton']:6.1%}")


if __name__ == "__main__":
    main()
