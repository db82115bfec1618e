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
