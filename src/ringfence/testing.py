"""Helpers for tests of ringfence and of applications built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


class FakeClock:
    """A clock that moves only when told to.

    Args:
        start: the initial time; naive datetimes are taken as UTC.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._monotonic = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float = 0.0, **kwargs: float) -> None:
        """Move the clock forward by ``seconds`` plus any ``timedelta`` keyword arguments."""
        delta = timedelta(seconds=seconds, **kwargs)
        if delta < timedelta(0):
            raise ValueError("a FakeClock only moves forward")
        self._now += delta
        self._monotonic += delta.total_seconds()


def _number_templates() -> list[tuple[str, str]]:
    """(formatted number, default region) for every region's example numbers, many styles."""
    import phonenumbers

    templates: list[tuple[str, str]] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            international = phonenumbers.format_number(example, 1)
            templates += [
                (phonenumbers.format_number(example, 0), region),
                (international, region),
                (phonenumbers.format_number(example, 2), region),
                (phonenumbers.format_number(example, 3), region),
                ("00" + international[1:], "DE"),
                ("011 " + international[1:], "US"),
                (international.replace(" ", "."), region),
            ]
    return templates


def _replace_last_digits(text: str, digits: str) -> str:
    chars = list(text)
    position = len(chars) - 1
    for digit in reversed(digits):
        while position >= 0 and not chars[position].isdigit():
            position -= 1
        if position < 0:
            break
        chars[position] = digit
        position -= 1
    return "".join(chars)


_JUNK = ["n/a", "unknown", "-", "12", "+", "call me", "0" * 30, "tel:", "++44", "x" * 40]


def messy_numbers(
    n: int, seed: int = 0, *, junk_share: float = 0.03
) -> tuple[list[str], list[str]]:
    """``n`` distinct messy phone strings from every region, with each row's default region.

    Example numbers of every region and line type, their last four digits randomized, written
    in E.164, international, national, RFC 3966, ``00`` and ``011`` IDD and dotted styles,
    plus a share of junk. Deterministic for a given seed.
    """
    import random

    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    templates = _number_templates()
    seen: set[str] = set()
    values: list[str] = []
    regions: list[str] = []
    while len(values) < n:
        if rng.random() < junk_share:
            text, region = f"{rng.choice(_JUNK)} {rng.randrange(10**6)}", "US"
        else:
            template, region = rng.choice(templates)
            text = _replace_last_digits(template, f"{rng.randrange(10_000):04d}")
        if text not in seen:
            seen.add(text)
            values.append(text)
            regions.append(region)
    return values, regions


def call_log_values(
    n: int, distinct: int, seed: int = 0, *, zipf_s: float = 1.1
) -> tuple[list[str], list[str]]:
    """``n`` call-log phone values drawn from ``distinct`` numbers with a Zipf distribution.

    A few numbers (switchboards, popular contacts) appear very often, most rarely: the shape
    of real call and event logs. Returns the values and each row's default region.
    """
    import itertools
    import random

    pool_values, pool_regions = messy_numbers(distinct, seed)
    weights = [1.0 / (rank**zipf_s) for rank in range(1, distinct + 1)]
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic test data
    picks = rng.choices(range(distinct), cum_weights=list(itertools.accumulate(weights)), k=n)
    return [pool_values[i] for i in picks], [pool_regions[i] for i in picks]


from ringfence._synthetic import synthetic_contacts  # noqa: E402  (re-exported)

__all__ = ["FakeClock", "call_log_values", "messy_numbers", "synthetic_contacts"]


# Countries of the synthetic call log: weight, UTC offset (hours), mobile example.
_CALL_COUNTRIES = [
    ("US", 30, -5),
    ("GB", 12, 0),
    ("DE", 10, 1),
    ("FR", 10, 1),
    ("IN", 12, 5.5),
    ("BR", 8, -3),
    ("JP", 6, 9),
    ("NG", 4, 1),
    ("MX", 4, -6),
    ("AU", 4, 10),
]


def synthetic_call_log(n_people: int, n_calls: int, seed: int = 0) -> Any:
    """A call and SMS log with realistic structure, as a pyarrow table.

    People live in 10 countries (weighted), each with a mobile number written in E.164 or
    international format; each keeps a circle of 3 to 12 frequent
    contacts, mostly in their own country. Calls follow the caller's local daily rhythm
    (quiet at night), over the 7 days before 2026-06-15; durations are log-normal; 40 % are
    SMS. Columns: ``caller``, ``callee``, ``start_time`` (UTC), ``duration_s``,
    ``direction``, ``channel`` (call, sms), ``status`` (answered, missed, delivered,
    failed).
    """
    import math
    import random

    import phonenumbers
    import pyarrow as pa
    from phonenumbers import PhoneNumberType

    if n_people < 2 or n_calls < 0:
        raise ValueError("at least 2 people and no negative number of calls")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    regions = [c[0] for c in _CALL_COUNTRIES]
    weights = [c[1] for c in _CALL_COUNTRIES]
    offsets = {c[0]: c[2] for c in _CALL_COUNTRIES}
    people: list[tuple[str, str]] = []  # (written number, region)
    seen: set[str] = set()
    while len(people) < n_people:
        region = rng.choices(regions, weights)[0]
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        assert example is not None  # every region of the list has a mobile example
        national = str(example.national_number)
        digits = national[:-6] + f"{rng.randrange(10**6):06d}"
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(digits)
        )
        if not phonenumbers.is_valid_number(number) or digits in seen:
            continue
        seen.add(digits)
        style = rng.choice((0, 1))  # E.164 or international: the log spans countries
        people.append((phonenumbers.format_number(number, style), region))
    by_region: dict[str, list[int]] = {}
    for index, (_number, region) in enumerate(people):
        by_region.setdefault(region, []).append(index)
    circles = []
    for index, (_number, region) in enumerate(people):
        size = rng.randint(3, 12)
        local = by_region[region]
        circle = [
            rng.choice(local) if rng.random() < 0.8 and len(local) > 1 else rng.randrange(n_people)
            for _ in range(size)
        ]
        circles.append([c for c in circle if c != index] or [(index + 1) % n_people])
    start = datetime(2026, 6, 8, tzinfo=UTC)
    rows: dict[str, list[Any]] = {
        name: []
        for name in (
            "caller",
            "callee",
            "start_time",
            "duration_s",
            "direction",
            "channel",
            "status",
        )
    }
    for _ in range(n_calls):
        caller = rng.randrange(n_people)
        callee = rng.choice(circles[caller]) if rng.random() < 0.9 else rng.randrange(n_people)
        region = people[caller][1]
        while True:  # a local hour, quiet at night
            hour = rng.uniform(0, 24)
            if rng.random() < 0.1 + 0.9 * max(0.0, math.sin(math.pi * (hour - 7) / 16)):
                break
        moment = start + timedelta(days=rng.randrange(7), hours=hour - offsets[region])
        sms = rng.random() < 0.4
        if sms:
            status, duration = ("delivered" if rng.random() < 0.97 else "failed"), 0
        else:
            answered = rng.random() < 0.75
            status = "answered" if answered else "missed"
            duration = int(rng.lognormvariate(4.5, 1.0)) if answered else 0
        rows["caller"].append(people[caller][0])
        rows["callee"].append(people[callee][0])
        rows["start_time"].append(moment)
        rows["duration_s"].append(duration)
        rows["direction"].append("outbound")
        rows["channel"].append("sms" if sms else "call")
        rows["status"].append(status)
    return pa.table(rows)
