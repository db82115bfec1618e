"""The report in a real browser (Debian's Chromium, headless, driven by Playwright): every
chart renders, and the page asks the network for nothing. In CI (RINGFENCE_REQUIRE_SERVICES=1)
a missing Chromium fails instead of skipping. A screenshot is kept as a test artefact."""

from __future__ import annotations

from pathlib import Path

from ringfence.analytics.engines import DuckDBEngine
from ringfence.analytics.report import build_report, write_html
from tests.analytics.test_report import log  # noqa: F401  (the shared fixture)
from tests.browser import ARTEFACTS


def test_the_report_renders_offline(log, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - log
    source, _numbers = log
    page_file = tmp_path / "report.html"
    write_html(build_report(DuckDBEngine(), source, k=15), page_file)
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.wait_for_function("document.querySelectorAll('svg.marks, canvas.marks').length >= 4")
    charts = page.locator("svg.marks, canvas.marks").count()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "report.png"), full_page=True)
    assert charts == 4 and errors == []
    assert [url for url in requests if not url.startswith("file:")] == []
