"""Benchmark: does a recovery request take longer for a number an account holds than for
one nobody holds? (It must not: the timing would let an attacker enumerate customers.)

Starts `ringfence serve` on SQLite with the outbox channel, stores N contacts, then sends
interleaved recovery requests — each to a fresh number, known or unknown — and compares the
latency distributions: medians, p90s, and a permutation test of the difference in medians.

    uv run python benchmarks/enumeration.py [--requests 400]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from ringfence.contacts import ContactStore
from ringfence.crypto import Keyring
from verify_load import LIFTED, start_server


def permutation_p(a: list[float], b: list[float], rounds: int = 2000) -> float:
    """Share of random relabellings whose median gap is at least the observed one."""
    observed = abs(statistics.median(a) - statistics.median(b))
    pooled, rng, hits = a + b, random.Random(1), 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        gap = abs(statistics.median(pooled[: len(a)]) - statistics.median(pooled[len(a) :]))
        hits += gap >= observed
    return hits / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    half = args.requests // 2
    numbers = random.Random(5).sample(range(10**7), args.requests)
    known = [f"+3361{n:07d}" for n in numbers[:half]]
    unknown = [f"+3361{n:07d}" for n in numbers[half:]]
    root = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory() as workdir:
        database = f"sqlite:///{Path(workdir) / 'enum.db'}"
        with ContactStore.open(database, keyring=Keyring({1: root})) as store:
            for i, number in enumerate(known):
                store.add_contact(name=f"Person {i}", phones=[number])
        env = {
            **os.environ,
            "RINGFENCE_ENV": "test",
            "RINGFENCE_DATABASE_URL": database,
            "RINGFENCE_ROOT_KEY": base64.b64encode(root).decode(),
            "RINGFENCE_RATE_LIMITS": LIFTED,
            "RINGFENCE_SMS_CHANNEL": "outbox",
        }
        process, url, key = start_server(env, workdir)
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        bodies: dict[str, set[tuple[int, str]]] = {"known": set(), "unknown": set()}
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
                order = [("known", n) for n in known] + [("unknown", n) for n in unknown]
                random.Random(9).shuffle(order)
                for kind, number in order:
                    began = time.perf_counter()
                    response = http.post(
                        "/v1/verifications", json={"to": number, "purpose": "recovery"}
                    )
                    timings[kind].append(time.perf_counter() - began)
                    body = response.json()
                    bodies[kind].add((response.status_code, body.get("status", "")))
        finally:
            process.terminate()
            process.wait(timeout=30)
    for kind, values in timings.items():
        ms = sorted(v * 1000 for v in values)
        print(
            f"{kind:8} n={len(ms):4}  median {statistics.median(ms):6.2f} ms  "
            f"p90 {ms[int(0.9 * len(ms))]:6.2f} ms  answers {sorted(bodies[kind])}"
        )
    gap = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
    p = permutation_p(timings["known"], timings["unknown"])
    print(f"median gap {gap * 1000:+.2f} ms, permutation p = {p:.2f} (high p: no detectable gap)")


if __name__ == "__main__":
    main()
