"""The dashboard's defences: CSRF, session fixation, sign-out, rate-limited sign-in, open
redirects, disabled users, security headers and a CSP that needs no inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from ringfence.api import create_app
from ringfence.store.audit import list_events
from tests.servers import start_server
from tests.web.board import Board, csrf_of
from tests.web.conftest import DemoServer
from tests.web.test_pages import ADA_E164

PAGES = ["/contacts", "/quality", "/verifications", "/outbox", "/risk", "/analytics", "/audit"]


def _reveals(server: DemoServer) -> int:
    with server.app.state.engine.connect() as connection:
        events = list_events(connection, limit=10_000)
    return sum(1 for e in events if e["action"] == "contact.revealed")


def _ada(server: DemoServer) -> str:
    return str(server.app.state.dashboard.store.find_by_phone(ADA_E164)[0].id)


def test_state_changes_need_this_sessions_csrf_token(demo_server: DemoServer) -> None:
    path = f"/contacts/{_ada(demo_server)}/reveal"
    reason = {"reason": "checking the csrf defence"}
    before = _reveals(demo_server)
    with Board(demo_server.url) as agent, Board(demo_server.url) as other:
        agent.sign_in("agent", demo_server.password("agent"))
        other.sign_in("admin", demo_server.password("admin"))
        without = agent.http.post(path, data=reason)
        assert without.status_code == 403 and "csrf_refused" in without.text
        foreign = agent.http.post(path, data={**reason, "csrf_token": other.csrf or ""})
        assert foreign.status_code == 403
        cross_site = agent.post(path, reason, headers={"Origin": "https://evil.example"})
        assert cross_site.status_code == 403
        assert _reveals(demo_server) == before  # nothing happened
        assert agent.post(path, reason).status_code == 200  # the page's own token works
        header = agent.http.post(path, data=reason, headers={"X-CSRF-Token": agent.csrf or ""})
        assert header.status_code == 200  # as htmx sends it
        assert _reveals(demo_server) == before + 2


def test_sign_in_form_has_its_own_csrf_token(demo_server: DemoServer) -> None:
    with httpx.Client(base_url=demo_server.url) as http:
        forged = http.post(
            "/signin",
            data={
                "username": "agent",
                "password": demo_server.password("agent"),
                "csrf_token": "x",
            },
        )
        assert forged.status_code == 403
        assert "rf_session" not in forged.cookies


def test_session_fixation_a_planted_token_is_never_the_session(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.http.cookies.set("rf_session", "planted-by-an-attacker")
        response = board.sign_in("agent", demo_server.password("agent"))
        assert response.status_code == 303
        issued = response.cookies["rf_session"]
        assert issued != "planted-by-an-attacker"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    with Board(demo_server.url) as attacker:
        attacker.http.cookies.set("rf_session", "planted-by-an-attacker")
        assert attacker.get("/contacts").status_code == 303  # still signed out


def test_signing_in_ends_the_session_the_browser_came_with(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        first = board.sign_in("agent", demo_server.password("agent")).cookies["rf_session"]
    sessions = demo_server.app.state.dashboard.sessions
    assert sessions.resolve(first) is not None
    with Board(demo_server.url) as other:
        form = other.get("/signin")  # fetched signed out
        other.http.cookies.set("rf_session", first)  # then a session token appears
        response = other.http.post(
            "/signin",
            data={
                "username": "analyst",
                "password": demo_server.password("analyst"),
                "csrf_token": csrf_of(form.text),
            },
        )
        assert response.status_code == 303
        assert response.cookies["rf_session"] != first
    assert sessions.resolve(first) is None  # the token it came with was ended


def test_sign_out_ends_the_session_on_the_server(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        token = board.sign_in("agent", demo_server.password("agent")).cookies["rf_session"]
        assert board.get("/contacts").status_code == 200
        out = board.post("/signout")
        assert out.status_code == 303 and out.headers["location"] == "/signin"
    with Board(demo_server.url) as replay:
        replay.http.cookies.set("rf_session", token)
        assert replay.get("/contacts").status_code == 303


def test_a_disabled_users_session_stops_at_once(demo_server: DemoServer) -> None:
    users = demo_server.app.state.dashboard.users
    users.create("temp-agent", "a long enough passphrase", "agent", actor="test")
    with Board(demo_server.url) as board:
        board.sign_in("temp-agent", "a long enough passphrase")
        assert board.get("/contacts").status_code == 200
        users.disable("temp-agent", actor="test")
        assert board.get("/contacts").status_code == 303


def test_next_never_leaves_the_site(demo_server: DemoServer) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"):
        with Board(demo_server.url) as board:
            response = board.sign_in("agent", demo_server.password("agent"), next_path=target)
            assert response.headers["location"] == "/", target


def test_wrong_password_and_unknown_user_answer_alike(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        wrong = board.sign_in("agent", "not the password at all")
        unknown = board.sign_in("nobody-here", "not the password at all")
        assert wrong.status_code == unknown.status_code == 401
        assert "wrong username or password" in wrong.text
        assert wrong.text.replace("agent", "").count("wrong") == unknown.text.count("wrong")


@pytest.fixture
def strict_server(demo_server: DemoServer) -> Iterator[str]:
    """The demo store with the default sign-in limits (5 a minute per username)."""
    app = create_app(demo_server.demo.settings, limiter=None)
    url, server, thread = start_server(app)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_sign_in_is_rate_limited_per_username(strict_server: str, demo_server: DemoServer) -> None:
    with Board(strict_server) as board:
        answers = [
            board.sign_in("analyst", f"guess number {i}!!!!!!").status_code for i in range(5)
        ]
        assert answers == [401] * 5
        blocked = board.sign_in("analyst", demo_server.password("analyst"))
        assert blocked.status_code == 429  # even the right password, for now
        assert blocked.headers["retry-after"] == "60"
        assert "rf_session" not in blocked.cookies
        other = board.sign_in("agent", demo_server.password("agent"))
        assert other.status_code == 303  # another username is not locked out


def test_security_headers_and_no_inline_script(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("admin", demo_server.password("admin"))
        signin = httpx.get(demo_server.url + "/signin")
        responses = [board.get(p) for p in PAGES] + [signin, board.get("/healthz")]
        for response in responses:
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "same-origin"
            assert response.headers["cache-control"] == "no-store"
        for response in responses[:-1]:
            html = response.text
            scripts = re.findall(r"<script\b([^>]*)>", html)
            assert scripts and all("src=" in attrs for attrs in scripts)
            assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers
            assert not re.search(r"\sstyle\s*=", html)  # no inline styles
            assert "https://" not in html  # nothing from a CDN
        assert board.get("/static/htmx.min.js").status_code == 200


def test_csrf_token_is_not_in_a_url_and_forms_post(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("admin", demo_server.password("admin"))
        page = board.get(f"/contacts/{_ada(demo_server)}").text
        token = csrf_of(page)
        assert f"?csrf_token={token}" not in page and f"&csrf_token={token}" not in page


def test_hostile_sign_in_input_gets_a_clear_answer(demo_server: DemoServer) -> None:
    with httpx.Client(base_url=demo_server.url) as http:
        for fields in (
            {"username": "a" * 5000, "password": "x"},
            {"username": "agent", "password": "p" * 5000},
            {"username": "\x00<script>", "password": "\x00"},
            {"username": "agent' OR '1'='1", "password": "' OR '1'='1"},
        ):
            token = csrf_of(http.get("/signin").text)
            answer = http.post("/signin", data={**fields, "csrf_token": token})
            assert answer.status_code in (401, 422), fields
            assert "Traceback" not in answer.text and "rf_session" not in answer.cookies
            assert answer.headers["content-type"].startswith("text/html")
        garbage = http.post(
            "/signin", content=b"\xff\xfe" * 1000, headers={"content-type": "multipart/form-data"}
        )
        assert garbage.status_code in (400, 403, 422)
        assert "Error" in garbage.text or "error" in garbage.text
