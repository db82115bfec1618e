"""Debian's Chromium, headless, driven by Playwright: the one way the browser tests start it.
In CI (RINGFENCE_REQUIRE_SERVICES=1) a missing Chromium fails instead of skipping."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import services_required

ARTEFACTS = Path(__file__).parents[1] / "test-artefacts"  # screenshots, kept by CI


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if services_required():
            pytest.fail("Chromium is required for the browser tests and is not installed")
        pytest.skip("no Chromium")
    return path


def launch() -> Iterator[Any]:
    """Yield a launched browser (the ``browser`` fixture of tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()
