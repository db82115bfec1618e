"""Rate limits on sending codes, with the ``limits`` library: memory storage for one
process, Redis when several workers share the counts (``RINGFENCE_RATE_LIMIT_STORAGE``).

Counted per destination number, per client IP, per account, per country, per number block
(the number without its last four digits: what a pumping attack walks through) and globally.
Keys for numbers and blocks are blind-index digests, so no number reaches the storage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ringfence.errors import ConfigurationError, MissingDependency
from ringfence.verify.errors import RateLimitUnavailable, TooManyRequests

# Defaults: a person needs a handful of codes a day; a country or a block that suddenly
# asks for hundreds is being pumped.
DEFAULT_LIMITS: dict[str, str] = {
    "destination": "5/10 minutes;10/day",
    "ip": "20/hour;100/day",
    "account": "10/hour;30/day",
    "country": "1000/hour",
    "block": "30/hour",
    "global": "100/second",
}
SCOPES = tuple(DEFAULT_LIMITS)


@dataclass(frozen=True)
class RateKeys:
    """The identities one request counts against (``None``: not counted)."""

    destination: str | None = None
    ip: str | None = None
    account: str | None = None
    country: str | None = None
    block: str | None = None
    global_: str | None = "all"

    def for_scope(self, scope: str) -> str | None:
        return self.global_ if scope == "global" else getattr(self, scope)


class RateLimiter:
    """Checks every scope first, then counts the request in all of them, so a refused
    request uses up nothing.

    Args:
        storage_uri: a ``limits`` storage URI (``memory://``, ``redis://127.0.0.1:6379``).
        overrides: scope → limit string (``"5/minute;20/hour"``) replacing a default.
    """

    def __init__(
        self,
        storage_uri: str = "memory://",
        overrides: Mapping[str, str] | None = None,
        *,
        key_prefix: str = "ringfence",
    ) -> None:
        options: dict[str, Any] = {"wrap_exceptions": True}
        if storage_uri.startswith(("redis", "rediss")):
            options["key_prefix"] = key_prefix
        try:
            storage = storage_from_string(storage_uri, **options)
        except ModuleNotFoundError:
            raise MissingDependency.for_extra("redis", "redis") from None
        except Exception:
            raise ConfigurationError(
                "RINGFENCE_RATE_LIMIT_STORAGE is not a storage URI that `limits` knows",
                reason="bad_rate_limit_storage",
            ) from None
        self._limiter = MovingWindowRateLimiter(storage)
        self._items = self._parse({**DEFAULT_LIMITS, **(overrides or {})})

    @staticmethod
    def _parse(limits: Mapping[str, str]) -> dict[str, list[RateLimitItem]]:
        unknown = set(limits) - set(SCOPES)
        if unknown:
            raise ConfigurationError(f"unknown rate-limit scopes: {sorted(unknown)}")
        try:
            return {scope: parse_many(text) for scope, text in limits.items()}
        except ValueError:
            raise ConfigurationError("a rate limit is not like '5/minute;20/hour'") from None

    def hit(self, keys: RateKeys) -> None:
        """Count one request, or raise :class:`TooManyRequests` naming the scope.

        Raises:
            RateLimitUnavailable: the storage (Redis) cannot be reached; no code is sent
                while the limits cannot be enforced (fail closed).
        """
        try:
            self._hit(keys)
        except StorageError:
            raise RateLimitUnavailable(
                "the rate-limit storage is unreachable; try again shortly"
            ) from None

    def _hit(self, keys: RateKeys) -> None:
        checks = [
            (scope, item, key)
            for scope in SCOPES
            if (key := keys.for_scope(scope)) is not None
            for item in self._items[scope]
        ]
        for scope, item, key in checks:
            if not self._limiter.test(item, scope, key):
                reset = self._limiter.get_window_stats(item, scope, key).reset_time
                raise TooManyRequests(
                    f"too many verification requests ({scope} limit {item})",
                    retry_after=math.ceil(reset - time.time()),
                    reason=f"rate_limited_{scope}",
                )
        for scope, item, key in checks:
            self._limiter.hit(item, scope, key)

    def reset(self) -> None:
        """Forget every count (tests, and operators after an incident)."""
        self._limiter.storage.reset()
