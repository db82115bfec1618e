"""Rate limits on sending codes, with the ``limits`` library: memory storage for one
process, Redis when several workers share the counts (``RINGFENCE_RATE_LIMIT_STORAGE``).

Counted per destination number, per client IP, per account, per country, per number block
(the number without its last four digits: what a pumping attack walks through) and globally.
Keys for numbers and blocks are blind-index digests, so no number reaches the storage.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisClusterStorage, RedisStorage, storage_from_string
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

# Every limit of a request, tested and then counted in one atomic round trip, on the lists
# `limits` keeps for its moving windows (the same keys and the same test as its own
# acquire script, so `limits` reads, resets and reports these windows as its own). The
# library counts one limit per call: a request under ten limits would cost twenty round
# trips. Returns 0 when counted, else the 1-based position of the first refusing limit.
_ACQUIRE_ALL = """
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
    local entry = redis.call('lindex', KEYS[i], tonumber(ARGV[2 * i]) - 1)
    if entry and tonumber(entry) >= now - tonumber(ARGV[2 * i + 1]) then
        return i
    end
end
for i = 1, #KEYS do
    redis.call('lpush', KEYS[i], now)
    redis.call('ltrim', KEYS[i], 0, tonumber(ARGV[2 * i]) - 1)
    redis.call('expire', KEYS[i], tonumber(ARGV[2 * i + 1]))
end
return 0
"""


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
        # Redis on one node (or a Sentinel-managed primary): one script may touch every
        # key. A cluster spreads keys over nodes, so it gets `limits`' call per limit.
        self._lock = threading.Lock()
        self._redis: RedisStorage | None = None
        if isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage):
            self._redis = storage
            self._acquire_all = storage.get_connection().register_script(_ACQUIRE_ALL.encode())

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
        if self._redis is not None:
            refused = self._acquire_on_redis(self._redis, checks)
            if refused:
                self._refuse(*checks[refused - 1])
            return
        # Test all, then count all: the lock makes the pair atomic among this process's
        # threads (a server's worker threads share one memory storage).
        with self._lock:
            for scope, item, key in checks:
                if not self._limiter.test(item, scope, key):
                    self._refuse(scope, item, key)
            for scope, item, key in checks:
                self._limiter.hit(item, scope, key)

    def _acquire_on_redis(
        self, storage: RedisStorage, checks: list[tuple[str, RateLimitItem, str]]
    ) -> int:
        keys = [storage.prefixed_key(item.key_for(scope, key)) for scope, item, key in checks]
        args: list[float | int] = [time.time()]
        for _scope, item, _key in checks:
            args += [item.amount, item.get_expiry()]
        try:
            return int(self._acquire_all(keys=keys, args=args))
        except storage.base_exceptions as exc:
            raise StorageError(exc) from exc

    def _refuse(self, scope: str, item: RateLimitItem, key: str) -> None:
        reset = self._limiter.get_window_stats(item, scope, key).reset_time
        raise TooManyRequests(
            f"too many verification requests ({scope} limit {item})",
            retry_after=math.ceil(reset - time.time()),
            reason=f"rate_limited_{scope}",
        )

    def reset(self) -> None:
        """Forget every count (tests, and operators after an incident)."""
        self._limiter.storage.reset()
