"""Fixtures of the verification tests: a service on each engine, a fake clock, and the
outbox as the channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ringfence.settings import load_settings
from ringfence.testing import FakeClock
from ringfence.verify import RateLimiter, VerificationPolicy, VerificationService, read_outbox

MOBILE = "+33 6 12 34 56 78"
MOBILE_E164 = "+33612345678"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    return load_settings(env="test", sms_channel="outbox")


def open_service(db_url, keyring, settings, clock, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("limiter", None)
    return VerificationService.open(
        db_url, settings=settings, keyring=keyring, clock=clock, **kwargs
    )


@pytest.fixture
def service(db_url, keyring, settings, clock) -> Iterator[VerificationService]:  # type: ignore[no-untyped-def]
    svc = open_service(db_url, keyring, settings, clock)
    yield svc
    svc.close()


def last_code(service: VerificationService) -> str:
    """The code in the newest outbox message (what the person reads on their phone)."""
    body = read_outbox(service.engine, service.keyring, service.settings, limit=1)[0].body
    import re

    match = re.search(r"\b(\d{6})\b", body)
    assert match, "no code in the message"
    return match.group(1)


__all__ = [
    "MOBILE",
    "MOBILE_E164",
    "RateLimiter",
    "VerificationPolicy",
    "last_code",
    "open_service",
]
