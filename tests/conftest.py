"""Shared fixtures and helpers of the test suite."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

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
