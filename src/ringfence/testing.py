"""Helpers for tests of ringfence and of applications built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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
