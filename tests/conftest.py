"""Shared fixtures and helpers of the test suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

# A liveness bound, not a speed assertion: the pathological inputs these tests feed used to
# run for minutes (or forever); anything that finishes at all finishes far inside this.
HANG_LIMIT_SECONDS = 20.0


def without_hanging(fn: Callable[[], T], limit: float = HANG_LIMIT_SECONDS) -> T:
    """Run ``fn`` and fail the test if it has not returned after ``limit`` seconds."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(fn)
    try:
        return future.result(timeout=limit)
    except FutureTimeout:
        pytest.fail(f"did not finish within {limit} s: hang or catastrophic backtracking")
    finally:
        pool.shutdown(wait=False)


# -- databases ---------------------------------------------------------------------------


PG_ADMIN_URL = os.environ.get("RINGFENCE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ["sqlite", "postgresql"]


def services_required() -> bool:
    """CI sets RINGFENCE_REQUIRE_SERVICES=1: a missing service is a failure, not a skip."""
    return os.environ.get("RINGFENCE_REQUIRE_SERVICES") == "1"


def _pg_connect(dbname: str | None = None):  # type: ignore[no-untyped-def]
    import psycopg

    url = PG_ADMIN_URL if dbname is None else PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def postgres_or_skip() -> None:
    try:
        _pg_connect().close()
    except Exception as exc:  # any failure to reach the server
        if services_required():
            pytest.fail(f"PostgreSQL is required here and unreachable: {type(exc).__name__}")
        pytest.skip(f"PostgreSQL not reachable ({type(exc).__name__})")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; dropped afterwards. Yields its SQLAlchemy URL."""
    postgres_or_skip()
    name = f"ringfence_test_{uuid.uuid4().hex[:12]}"
    with _pg_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with _pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REDIS_URL = os.environ.get("RINGFENCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (skipped on a laptop without one, required in CI)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # any failure to reach the server
        if services_required():
            pytest.fail(f"Redis is required here and unreachable: {type(exc).__name__}")
        pytest.skip(f"Redis not reachable ({type(exc).__name__})")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def limits_storage(request: pytest.FixtureRequest) -> str:
    """Each rate-limit test runs on the embedded memory storage and on real Redis."""
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Each store test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ringfence.db'}"
    return str(request.getfixturevalue("pg_database"))


TEST_ROOT_KEY = bytes(range(32))


@pytest.fixture
def keyring():  # type: ignore[no-untyped-def]
    from ringfence.crypto import Keyring

    return Keyring({1: TEST_ROOT_KEY})


@pytest.fixture
def store(db_url, keyring):  # type: ignore[no-untyped-def]
    from ringfence.contacts import ContactStore

    opened = ContactStore.open(db_url, keyring=keyring)
    yield opened
    opened.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (see tests/browser.py)."""
    from tests.browser import launch

    yield from launch()
