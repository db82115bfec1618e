"""Benchmark: the SMS-pumping defence over a synthetic day of verification traffic.

Legitimate users across 30 countries (Zipf-distributed volumes, daily rhythms in local
time, 80-95 % of them enter their code after 15 s to 3 min, a few share carrier NATs),
after 14 days of the same traffic that build the verified baselines; plus an attack burst
on a few premium-like number blocks in 3 of those countries, from rotating IP addresses,
whose codes nobody enters.

Every request goes through the real risk gate (``RiskGate.assess`` with the registered
rules) and the real traffic counters in a store (SQLite file by default, ``--db`` for
PostgreSQL), as the verification service does it: snapshot, assess, then count the send,
the refusal, and later the approval. Three defences replay the same day:

* ``none``      no pumping rule (every requested SMS is sent);
* ``fixed``     the same limits without the verified baseline (ratios 0: fixed caps);
* ``adaptive``  ringfence's defaults in enforce mode.

It reports attack SMS blocked (target >= 95 %), legitimate verifications blocked
(target <= 0.5 %) and the SMS cost saved, with illustrative per-message prices.

    uv run python benchmarks/pumping_sim.py [--legit 30000] [--attack 9000] [--seed 7]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberType

from ringfence.crypto import BlindIndexer, Keyring
from ringfence.phone import PhoneNumber, normalize
from ringfence.risk import RiskAction, RiskContext, RiskGate
from ringfence.risk.policy import PumpingPolicy, RiskPolicy
from ringfence.risk.rules import registered_rules
from ringfence.risk.traffic import COUNTERS, TrafficCounters, TrafficKeys
from ringfence.store import make_engine, upgrade

# Destination, UTC offset (hours) and an illustrative price per SMS in US dollars.
COUNTRIES: list[tuple[str, int, float]] = [
    ("US", -6, 0.0079),
    ("IN", 5, 0.0830),
    ("BR", -3, 0.0650),
    ("GB", 0, 0.0400),
    ("DE", 1, 0.0900),
    ("ID", 7, 0.3500),
    ("FR", 1, 0.0750),
    ("MX", -6, 0.0500),
    ("PH", 8, 0.2000),
    ("ES", 1, 0.0800),
    ("IT", 1, 0.0850),
    ("TR", 3, 0.0400),
    ("NG", 1, 0.2400),
    ("CA", -5, 0.0079),
    ("VN", 7, 0.1200),
    ("PL", 1, 0.0450),
    ("KR", 9, 0.0400),
    ("JP", 9, 0.0800),
    ("CO", -5, 0.0100),
    ("AR", -3, 0.0600),
    ("NL", 1, 0.1000),
    ("ZA", 2, 0.0300),
    ("EG", 2, 0.2500),
    ("SA", 3, 0.0600),
    ("AU", 10, 0.0500),
    ("AE", 4, 0.0700),
    ("KE", 3, 0.1500),
    ("PK", 5, 0.2700),
    ("UA", 2, 0.1200),
    ("BD", 6, 0.3000),
]
ATTACKED = ("NG", "EG", "UA")
BASELINE_DAYS = 14
DAY = date(2026, 6, 15)


@dataclass(frozen=True)
class Request:
    at: datetime
    number: PhoneNumber
    ip: str
    legit: bool
    market: str  # the country of the traffic model (a +44 number may be in JE or GG)
    verifies_after: float | None  # seconds, None: never verified


class Numbers:
    """Valid mobile numbers of a country, drawn from a pool of people (who come back)."""

    def __init__(self, region: str, size: int, rng: random.Random) -> None:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        nsn = str(example.national_number)
        keep = 1  # the mobile range's first digit; every other digit drawn at random
        self.region, self.rng, self.cc = region, rng, example.country_code
        self.pool = [self._fresh(nsn, keep) for _ in range(size)]

    def _fresh(self, nsn: str, keep: int) -> PhoneNumber:
        for _ in range(200):
            digits = nsn[:keep] + "".join(self.rng.choice("0123456789") for _ in nsn[keep:])
            candidate = phonenumbers.PhoneNumber(country_code=self.cc, national_number=int(digits))
            if phonenumbers.is_valid_number(candidate) and phonenumbers.number_type(candidate) in (
                PhoneNumberType.MOBILE,
                PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                return normalize(f"+{self.cc}{digits}")
        return normalize(f"+{self.cc}{nsn}")

    def person(self) -> PhoneNumber:
        return self.rng.choice(self.pool)


def daily_volumes(total: int) -> dict[str, int]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(COUNTRIES))]
    scale = total / sum(weights)
    return {
        region: max(1, round(w * scale))
        for (region, _, _), w in zip(COUNTRIES, weights, strict=True)
    }


def local_hour(rng: random.Random) -> float:
    """An hour of the local day: quiet at night, busy from 9:00 to 22:00."""
    while True:
        hour = rng.uniform(0, 24)
        if rng.random() < 0.15 + 0.85 * max(0.0, math.sin(math.pi * (hour - 7) / 16)):
            return hour


def legit_day(
    day: date, volumes: dict[str, int], people: dict[str, Numbers], rng: random.Random
) -> Iterator[Request]:
    nats = {region: [_ip(rng) for _ in range(20)] for region in volumes}
    conversion = {region: rng.uniform(0.80, 0.95) for region in volumes}
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for region, offset, _price in COUNTRIES:
        for _ in range(round(volumes[region] * rng.uniform(0.9, 1.1))):
            at = midnight + timedelta(hours=(local_hour(rng) - offset) % 24)
            ip = rng.choice(nats[region]) if rng.random() < 0.03 else _ip(rng)
            verifies = rng.uniform(15, 180) if rng.random() < conversion[region] else None
            yield Request(at, people[region].person(), ip, True, region, verifies)


def attack_day(day: date, total: int, rng: random.Random) -> Iterator[Request]:
    """A burst from 13:00 to 17:00 UTC on 8 blocks per attacked country; 400 IPs."""
    start = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
    ips = [_ip(rng) for _ in range(400)]
    blocks = {region: [_attack_block(region, rng) for _ in range(8)] for region in ATTACKED}
    for i in range(total):
        region = ATTACKED[i % len(ATTACKED)]
        block = rng.choice(blocks[region])
        number = normalize(block + f"{rng.randrange(10_000):04d}")
        at = start + timedelta(seconds=rng.uniform(0, 4 * 3600))
        yield Request(at, number, rng.choice(ips), False, region, None)


def _attack_block(region: str, rng: random.Random) -> str:
    person = Numbers(region, 1, rng).pool[0]
    return person.e164[:-4]


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    )


def history(
    counters: TrafficCounters, volumes: dict[str, int], people: dict[str, Numbers], seed: int
) -> list[dict[str, object]]:
    """Fourteen days of legitimate traffic, as the counters would have recorded them."""
    totals: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0])
    keys: dict[str, TrafficKeys] = {}
    for back in range(1, BASELINE_DAYS + 1):
        day = DAY - timedelta(days=back)
        for request in legit_day(day, volumes, people, random.Random(seed * 1000 + back)):
            e164 = request.number.e164
            key = keys.get(e164) or keys.setdefault(e164, counters.keys(request.number, None))
            for scope, value in key.pairs():
                tally = totals[(day, scope, value)]
                tally[0] += 1
                tally[1] += request.verifies_after is not None
    return [
        {"day": day, "scope": scope, "key": value, "sent": sent, "verified": verified, "blocked": 0}
        for (day, scope, value), (sent, verified) in totals.items()
    ]


@dataclass
class Outcome:
    sent: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)
    blocked_by_country: Counter[str] = field(default_factory=Counter)
    legit_by_country: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    cost: float = 0.0
    cost_attack: float = 0.0
    seconds: float = 0.0


def replay(counters: TrafficCounters, gate: RiskGate | None, requests: list[Request]) -> Outcome:
    """Every request through the gate and the counters, approvals when they fall due."""
    price = {region: p for region, _, p in COUNTRIES}
    outcome = Outcome()
    events: list[tuple[datetime, int, Request | None, list[list[str]] | None]] = []
    for i, request in enumerate(requests):
        heapq.heappush(events, (request.at, i, request, None))
    began, sequence = time.perf_counter(), len(requests)
    while events:
        at, _, request, approval = heapq.heappop(events)
        if approval is not None:
            with counters.engine.begin() as connection:
                counters.count(connection, approval, at.date(), verified=1)
            continue
        assert request is not None
        kind = "legit" if request.legit else "attack"
        region = request.market
        keys = counters.keys(request.number, request.ip)
        refused = False
        if gate is not None:
            traffic = counters.snapshot(keys, at.date())
            context = RiskContext(
                action="signup", phone=request.number, ip=request.ip, traffic=traffic
            )
            decision = gate.assess(context)
            refused = decision.action is RiskAction.DENY
            if refused:
                for reason in decision.reasons:
                    outcome.reasons[f"{kind} {reason.code}"] += 1
        with counters.engine.begin() as connection:
            if refused:
                counters.count(connection, keys.pairs(), at.date(), blocked=1)
            else:
                counters.count(connection, keys.pairs(), at.date(), sent=1)
        if refused:
            outcome.blocked[kind] += 1
            if request.legit:
                outcome.blocked_by_country[region] += 1
            continue
        outcome.sent[kind] += 1
        outcome.cost += price[region]
        outcome.cost_attack += 0 if request.legit else price[region]
        if request.verifies_after is not None:
            sequence += 1
            due = at + timedelta(seconds=request.verifies_after)
            heapq.heappush(events, (due, sequence, None, keys.pairs()))
    for request in requests:
        if request.legit:
            outcome.legit_by_country[request.market] += 1
    outcome.seconds = time.perf_counter() - began
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--legit", type=int, default=30_000, help="legitimate requests a day")
    parser.add_argument("--attack", type=int, default=9_000, help="attack requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file per run)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    volumes = daily_volumes(args.legit)
    print(f"building people for {len(COUNTRIES)} countries...", flush=True)
    people = {
        region: Numbers(region, max(500, 3 * volumes[region]), rng) for region, _, _ in COUNTRIES
    }
    requests = sorted(
        [
            *legit_day(DAY, volumes, people, random.Random(args.seed + 1)),
            *attack_day(DAY, args.attack, random.Random(args.seed + 2)),
        ],
        key=lambda r: r.at,
    )
    keyring = Keyring({1: secrets.token_bytes(32)})
    adaptive = RiskPolicy(pumping=PumpingPolicy(mode="enforce"))
    fixed = replace(adaptive, pumping=replace(adaptive.pumping, country_ratio=0.0, block_ratio=0.0))
    defences: list[tuple[str, RiskPolicy | None]] = [
        ("none", None),
        ("fixed", fixed),
        ("adaptive", adaptive),
    ]
    legit_total = sum(r.legit for r in requests)
    attack_total = len(requests) - legit_total
    print(
        f"day: {legit_total} legitimate requests in {len(COUNTRIES)} countries, "
        f"{attack_total} attack requests on 8 blocks in each of {', '.join(ATTACKED)}; "
        f"{BASELINE_DAYS} days of history"
    )
    results: dict[str, Outcome] = {}
    indexer = BlindIndexer(keyring)
    with tempfile.TemporaryDirectory() as workdir:
        past: list[dict[str, object]] | None = None
        for name, policy in defences:
            url = args.db or f"sqlite:///{Path(workdir) / (name + '.db')}"
            engine = make_engine(url)
            upgrade(engine)
            counters = TrafficCounters(engine, indexer)
            past = past or history(counters, volumes, people, args.seed)
            with engine.begin() as connection:
                connection.execute(COUNTERS.delete())
                connection.execute(COUNTERS.insert(), past)
            gate = None if policy is None else RiskGate(policy=policy)
            results[name] = replay(counters, gate, requests)
            engine.dispose()
            print(f"  replayed '{name}' in {results[name].seconds:.1f} s", flush=True)
    report(results, legit_total, attack_total)


def report(results: dict[str, Outcome], legit_total: int, attack_total: int) -> None:
    none = results["none"]
    print()
    print(
        f"{'defence':9} {'attack blocked':>15} {'legit blocked':>14} {'SMS cost':>10} "
        f"{'attack cost':>12} {'saved':>10}"
    )
    for name, outcome in results.items():
        attack = outcome.blocked["attack"] / attack_total if attack_total else 0.0
        legit = outcome.blocked["legit"] / legit_total
        saved = none.cost - outcome.cost
        print(
            f"{name:9} {attack:14.1%} {legit:13.2%} {outcome.cost:10.2f} "
            f"{outcome.cost_attack:12.2f} {saved:10.2f}"
        )
    ours = results["adaptive"]
    attack = ours.blocked["attack"] / attack_total if attack_total else 1.0
    legit = ours.blocked["legit"] / legit_total
    worst = ", ".join(
        f"{region} {count}/{ours.legit_by_country[region]}"
        for region, count in ours.blocked_by_country.most_common(5)
    )
    print(f"\nadaptive: legitimate requests blocked, by country: {worst or 'none'}")
    print(f"adaptive: reasons of refusals: {dict(sorted(ours.reasons.items()))}")
    print(f"rules consulted: {', '.join(registered_rules())}")
    print(
        f"targets: attack blocked >= 95 %: {'MET' if attack >= 0.95 else 'NOT MET'} "
        f"({attack:.1%}); legit blocked <= 0.5 %: {'MET' if legit <= 0.005 else 'NOT MET'} "
        f"({legit:.2%}); cost saved vs no defence: "
        f"{none.cost - ours.cost:.2f} of {none.cost:.2f} USD "
        f"({(none.cost - ours.cost) / none.cost:.0%})"
    )


if __name__ == "__main__":
    sys.exit(main())
