"""Rate limits on sending codes, on memory storage and on real Redis."""

from __future__ import annotations

import uuid

import pytest

from ringfence.errors import ConfigurationError
from ringfence.verify import RateKeys, RateLimiter, RateLimitUnavailable, TooManyRequests
from tests.verify.conftest import MOBILE, open_service


def limiter(storage: str, **overrides: str) -> RateLimiter:
    # a fresh key prefix per test: runs never share counts in a shared Redis
    return RateLimiter(storage, overrides, key_prefix=f"rftest-{uuid.uuid4().hex}")


@pytest.mark.parametrize("scope", ["destination", "ip", "account", "country", "block", "global"])
def test_each_scope_refuses_past_its_limit_with_retry_after(limits_storage, scope) -> None:
    rate = limiter(limits_storage, **{scope: "3/minute"})
    keys = RateKeys(destination="d", ip="1.2.3.4", account="a", country="33", block="b")
    for _ in range(3):
        rate.hit(keys)
    with pytest.raises(TooManyRequests) as refused:
        rate.hit(keys)
    assert refused.value.reason == f"rate_limited_{scope}"
    assert 1 <= refused.value.retry_after <= 60


def test_a_refused_request_uses_up_nothing(limits_storage) -> None:
    rate = limiter(limits_storage, ip="2/minute", destination="3/minute")
    rate.hit(RateKeys(destination="d", ip="ip-1"))
    rate.hit(RateKeys(destination="d", ip="ip-1"))
    with pytest.raises(TooManyRequests):
        rate.hit(RateKeys(destination="d", ip="ip-1"))  # refused by ip: d is not counted
    rate.hit(RateKeys(destination="d", ip="ip-2"))


def test_other_identities_are_counted_apart(limits_storage) -> None:
    rate = limiter(limits_storage, destination="1/minute")
    rate.hit(RateKeys(destination="one"))
    rate.hit(RateKeys(destination="two"))
    with pytest.raises(TooManyRequests):
        rate.hit(RateKeys(destination="one"))


def test_two_limiters_on_one_redis_share_the_counts(redis_url) -> None:
    prefix = f"rftest-{uuid.uuid4().hex}"
    first = RateLimiter(redis_url, {"ip": "2/minute"}, key_prefix=prefix)
    second = RateLimiter(redis_url, {"ip": "2/minute"}, key_prefix=prefix)
    first.hit(RateKeys(ip="x"))
    second.hit(RateKeys(ip="x"))
    with pytest.raises(TooManyRequests):
        first.hit(RateKeys(ip="x"))


def test_no_number_reaches_the_storage(redis_url, db_url, keyring, settings, clock) -> None:
    import redis

    prefix = f"rftest-{uuid.uuid4().hex}"
    service = open_service(
        db_url, keyring, settings, clock, limiter=RateLimiter(redis_url, key_prefix=prefix)
    )
    client = redis.Redis.from_url(redis_url)
    try:
        service.start(MOBILE, account_id="acct", client_ip="10.0.0.1")
        keys = [k.decode() for k in client.scan_iter(f"{prefix}*")]
        assert keys, "the limiter stored nothing"
        # the random prefix is left out: its hex digits can spell "33612" by chance
        stored = [key.removeprefix(prefix) for key in keys]
        for digits in ("612345678", "6123456", "33612"):
            assert not any(digits in key for key in stored), stored
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        service.close()


def test_service_applies_the_destination_limit(db_url, keyring, settings, clock) -> None:
    service = open_service(
        db_url, keyring, settings, clock, limiter=limiter("memory://", destination="2/hour")
    )
    service.start(MOBILE, purpose="login")
    service.start(MOBILE, purpose="signup")
    with pytest.raises(TooManyRequests) as refused:
        service.start(MOBILE, purpose="step_up")
    assert refused.value.reason == "rate_limited_destination"
    service.close()


def test_unreachable_redis_fails_closed() -> None:
    rate = RateLimiter("redis://127.0.0.1:1/0")
    with pytest.raises(RateLimitUnavailable):
        rate.hit(RateKeys(ip="x"))


@pytest.mark.parametrize(
    ("uri", "overrides"),
    [("nonsense://", {}), ("memory://", {"planet": "1/minute"}), ("memory://", {"ip": "lots"})],
)
def test_bad_configuration_is_a_clear_error(uri: str, overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimiter(uri, overrides)


def test_parallel_requests_never_exceed_a_limit(limits_storage) -> None:
    # On Redis every limit of a request is tested and counted in one atomic script (two
    # limiters share the storage); in memory one limiter's threads take turns. Of 40
    # simultaneous requests exactly 5 pass, and the refused ones count nowhere (the ip
    # limit still has room for exactly 5 more).
    from concurrent.futures import ThreadPoolExecutor

    prefix = f"rftest-{uuid.uuid4().hex}"
    options = {"destination": "5/minute", "ip": "10/minute"}
    shared = 1 if limits_storage.startswith("memory") else 2
    limiters = [RateLimiter(limits_storage, options, key_prefix=prefix) for _ in range(shared)]

    def attempt(index: int) -> bool:
        try:
            limiters[index % shared].hit(RateKeys(destination="d", ip="shared"))
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        passed = sum(pool.map(attempt, range(40)))
    assert passed == 5
    for number in range(5):
        limiters[0].hit(RateKeys(destination=f"other-{number}", ip="shared"))
    with pytest.raises(TooManyRequests) as refused:
        limiters[0].hit(RateKeys(destination="other-5", ip="shared"))
    assert refused.value.reason == "rate_limited_ip"


def test_windows_are_the_ones_limits_reads(limits_storage) -> None:
    # The counts live where `limits` keeps them: its own strategy reports what we counted.
    from limits import parse
    from limits.strategies import MovingWindowRateLimiter

    prefix = f"rftest-{uuid.uuid4().hex}"
    rate = RateLimiter(limits_storage, {"ip": "4/minute;6/hour"}, key_prefix=prefix)
    for _ in range(3):
        rate.hit(RateKeys(ip="seen"))
    strategy = rate._limiter
    assert isinstance(strategy, MovingWindowRateLimiter)
    assert strategy.get_window_stats(parse("4/minute"), "ip", "seen").remaining == 1
    assert strategy.get_window_stats(parse("6/hour"), "ip", "seen").remaining == 3
    rate.hit(RateKeys(ip="seen"))
    with pytest.raises(TooManyRequests) as refused:
        rate.hit(RateKeys(ip="seen"))
    assert 1 <= refused.value.retry_after <= 60
    assert strategy.get_window_stats(parse("6/hour"), "ip", "seen").remaining == 2
