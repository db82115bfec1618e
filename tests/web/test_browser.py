"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright) over
the demo store: sign in, find a contact by a national-format number, reveal it with a
reason and see the audit entry, complete a verification through the outbox, view the
analytics charts. No console error (a CSP violation is one) and no request leaves the
server. Screenshots are kept in test-artefacts/."""

from __future__ import annotations

import re
from typing import Any

from tests.browser import ARTEFACTS
from tests.web.conftest import DemoServer


class Watched:
    """A browser context whose console errors and off-site requests are collected."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(base_url=base)
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.base = base

    def page(self) -> Any:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(self.base) else self.foreign.append(request.url)
            ),
        )
        return page

    def close(self) -> None:
        self.context.close()
        assert self.errors == []
        assert [url for url in self.urls if not url.startswith(self.base)] == []
        # no number in any URL the browser asked for, in any format
        assert not [url for url in self.urls if re.search(r"253\D?0000|7946|0958", url)]


def _sign_in(page: Any, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    error = page.locator(".error")
    assert error.count() == 0, error.inner_text()


def _shot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"dashboard-{name}.png"), full_page=True)


def test_agent_finds_reveals_and_admin_sees_the_audit_entry(
    browser: Any, demo_server: DemoServer
) -> None:
    agent = Watched(browser, demo_server.url)
    page = agent.page()
    page.goto("/contacts")
    assert "/signin" in page.url  # signed out: sent to sign in, and back afterwards
    _sign_in(page, "agent", demo_server.password("agent"))
    assert page.url.endswith("/contacts")
    page.fill("input[name=q]", "(650) 253-0000")
    page.click("form.search button")
    page.wait_for_selector("#results a:has-text('Ada Lovelace')")
    assert "253" not in page.url  # searched by POST: the number is in no URL
    page.click("#results a:has-text('Ada Lovelace')")
    page.wait_for_selector("h1:has-text('Ada Lovelace')")
    assert page.locator("td.number").first.inner_text() == "+1 ***-***-0000"
    assert "+16502530000" not in page.content()
    page.fill("input[name=reason]", "customer asked us to confirm it")
    page.click("form.reveal button")
    page.wait_for_selector(".revealed li")
    assert page.locator(".revealed li").inner_text() == "+16502530000"
    _shot(page, "reveal")
    page.click("form.signout button")
    page.wait_for_url(re.compile(r".*/signin$"))
    agent.close()

    admin = Watched(browser, demo_server.url)
    page = admin.page()
    page.goto("/audit")
    _sign_in(page, "admin", demo_server.password("admin"))
    assert page.url.endswith("/audit")
    assert "Hash chain verified" in page.locator("#chain-status").inner_text()
    row = page.locator("tr", has_text="contact.revealed").first
    assert "user:agent" in row.inner_text()
    assert "customer asked us to confirm it" in row.inner_text()
    _shot(page, "audit")
    admin.close()


def test_admin_completes_a_verification_through_the_outbox(
    browser: Any, demo_server: DemoServer
) -> None:
    admin = Watched(browser, demo_server.url)
    page = admin.page()
    page.goto("/verifications")
    _sign_in(page, "admin", demo_server.password("admin"))
    page.fill(".tryit input[name=to]", "020 7946 0958")
    page.fill(".tryit input[name=region]", "GB")
    page.click(".tryit form button")
    page.wait_for_selector("#tryit code")
    verification_id = page.locator("#tryit code").first.inner_text()
    outbox = admin.page()
    outbox.goto("/outbox")
    row = outbox.locator("tr", has_text=verification_id)
    code = re.search(r"\b(\d{6})\b", row.locator("td.body").inner_text()).group(1)  # type: ignore[union-attr]
    assert "+44 ** **** *958" in row.inner_text() or "***" in row.inner_text()
    _shot(outbox, "outbox")
    page.fill("#tryit input[name=code]", code)
    page.click("#tryit form button")
    page.wait_for_selector("#check-status")
    assert "approved" in page.locator("#check-status").inner_text()
    _shot(page, "verification")
    admin.close()


def test_analyst_sees_the_charts(browser: Any, demo_server: DemoServer) -> None:
    analyst = Watched(browser, demo_server.url)
    page = analyst.page()
    page.goto("/")
    _sign_in(page, "analyst", demo_server.password("analyst"))
    assert page.url.endswith("/analytics")  # the first page an analyst may open
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length === 4",
        timeout=60_000,
    )
    assert page.locator("nav a", has_text="Contacts").count() == 0
    _shot(page, "analytics")
    page.goto("/contacts")
    assert page.locator("text=permission_denied").count() == 1
    forbidden = [e for e in analyst.errors if "403 (Forbidden)" in e]
    assert len(forbidden) == 1  # that one page, as intended
    analyst.errors.remove(forbidden[0])
    analyst.close()
