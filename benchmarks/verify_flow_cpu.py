"""Benchmark: the CPU one verification flow costs in-process, without HTTP.

Runs `VerificationService` on PostgreSQL (a fresh database, created and dropped) with the
rate limits on Redis, as `ringfence serve` does, and times complete flows one after another:
`prepare` (risk gate, rate limits, the new verification), `dispatch` (to a channel that
hands the code back) and `check` with the right code. Prints wall time, CPU time and SQL
statements per flow; `--profile` adds the top of a cProfile (CPU time) of the same flows.

    uv run python benchmarks/verify_flow_cpu.py [--flows 500] [--profile]
    RINGFENCE_BENCH_PG=postgresql://postgres@127.0.0.1:5432/test (admin URL)
    RINGFENCE_BENCH_REDIS=redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import time
import uuid

import psycopg
from sqlalchemy import event

from ringfence.crypto import Keyring
from ringfence.settings import load_settings
from ringfence.verify import VerificationService
from ringfence.verify.channels import DeliveryReceipt, OutgoingMessage
from ringfence.verify.known import contact_numbers
from ringfence.verify.ratelimit import RateLimiter
from verify_load import LIFTED, PG_ADMIN, REDIS  # the same database, Redis and limits

CODE = re.compile(r"\b(\d{6})\b")


class CodeCatcher:
    """A channel that keeps the last code it was given."""

    name = "catcher"

    def __init__(self) -> None:
        self.code = ""

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        match = CODE.search(message.body)
        self.code = match.group(1) if match else ""
        return DeliveryReceipt(channel=self.name, provider_id="bench")


def run(url: str, flows: int, profile: bool) -> None:
    settings = load_settings(env="test", sms_channel="log")
    limiter = RateLimiter(REDIS, json.loads(LIFTED), key_prefix=f"bench-{uuid.uuid4().hex}")
    service = VerificationService.open(
        url, settings=settings, keyring=Keyring({1: os.urandom(32)}), limiter=limiter
    )
    service.known_number = contact_numbers(service.engine, service.keyring)
    catcher = CodeCatcher()
    service.channels = [catcher]
    statements = [0]

    def counted(*_args: object, **_kwargs: object) -> None:
        statements[0] += 1

    event.listen(service.engine, "before_cursor_execute", counted)
    rng = random.Random(7)

    def flow() -> None:
        started = service.prepare(f"+3361{rng.randrange(10**7):07d}", client_ip="203.0.113.9")
        service.dispatch(started)
        checked = service.check(started.verification.id, catcher.code)
        if checked.status.value != "approved":
            raise SystemExit(f"a flow ended {checked.status.value}")

    for _ in range(50):  # warm up: pool, prepared statements, caches
        flow()
    statements[0] = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(flows):
        flow()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{flows} flows: {wall / flows * 1000:.2f} ms wall, {cpu / flows * 1000:.2f} ms CPU, "
          f"{statements[0] / flows:.1f} SQL statements per flow")  # fmt: skip
    if profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(flows):
            flow()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    limiter.reset()
    service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    name = f"ringfence_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, args.flows, args.profile)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
