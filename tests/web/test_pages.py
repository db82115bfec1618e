"""Every dashboard page, signed in as each role, over the demo store."""

from __future__ import annotations

import re

import phonenumbers
import pytest

from ringfence.compliance.roles import PERMISSIONS, Permission, Role
from tests.routing import guarded, page_routes, permission_of
from tests.web.board import Board
from tests.web.conftest import DemoServer

ADA_NATIONAL = "(650) 253-0000"  # the demo's showcase contact, typed as a US agent would
ADA_E164 = "+16502530000"


def _page_routes(app: object) -> list[tuple[str, set[str], Permission | None]]:
    """Every dashboard route behind a sign-in: path, methods and the permission required."""
    found = [(r.path, set(r.methods), permission_of(r)) for r in page_routes(app) if guarded(r)]
    assert len(found) >= 12
    return found


def _numbers_in(text: str) -> list[str]:
    """Every phone number written in ``text`` in any format libphonenumber can find."""
    found = []
    for region in ("US", "GB", "FR", "DE", "IN", "BR", None):
        for match in phonenumbers.PhoneNumberMatcher(text, region or "ZZ"):
            if not re.fullmatch(r"\d{6}", match.raw_string):  # a one-time code, not a number
                found.append(match.raw_string)
    return found


def test_signed_out_every_page_sends_to_sign_in(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        for path, methods, _permission in _page_routes(demo_server.app):
            concrete = path.replace("{contact_id}", "x").replace("{index}", "0")
            concrete = concrete.replace("{verification_id}", "x")
            for method in methods:
                response = board.http.request(method, concrete)
                assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/signin?next=/")


@pytest.mark.parametrize("role", ["admin", "agent", "analyst"])
def test_role_matrix_over_every_page(demo_server: DemoServer, role: str) -> None:
    """Each GET page opens for the roles whose permissions allow it and answers 403 (an
    HTML page, not a traceback) to the others."""
    contact_id = _ada(demo_server)
    with Board(demo_server.url) as board:
        assert board.sign_in(role, demo_server.password(role)).status_code == 303
        checked = 0
        for path, methods, permission in _page_routes(demo_server.app):
            if "GET" not in methods:
                continue
            concrete = path.replace("{contact_id}", contact_id).replace("{index}", "0")
            response = board.get(concrete)
            allowed = permission is None or permission in PERMISSIONS[Role(role)]
            if allowed:
                assert response.status_code in (200, 303), (path, role, response.status_code)
            else:
                assert response.status_code == 403, (path, role)
                assert "permission_denied" in response.text
            checked += 1
        assert checked >= 10


def _ada(demo_server: DemoServer) -> str:
    store = demo_server.app.state.dashboard.store
    return str(store.find_by_phone(ADA_E164)[0].id)


def test_agent_finds_a_contact_by_national_number_and_sees_it_masked(
    demo_server: DemoServer,
) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("agent", demo_server.password("agent"))
        found = board.post("/contacts/search", {"q": ADA_NATIONAL, "region": "US"})
        assert found.status_code == 200
        assert "Ada Lovelace" in found.text
        contact_path = re.search(r'href="(/contacts/[0-9a-f-]{36})"', found.text).group(1)  # type: ignore[union-attr]
        page = board.get(contact_path)
        assert page.status_code == 200
        assert "+1 ***-***-0000" in page.text
        assert _numbers_in(page.text) == []  # no number in clear on the page
        # the same search by the last digits and by name, and the htmx fragment
        by_suffix = board.post(
            "/contacts/search", {"q": "253-0000"}, headers={"HX-Request": "true"}
        )
        assert "Ada Lovelace" in by_suffix.text and "<html" not in by_suffix.text
        assert "Ada Lovelace" in board.post("/contacts/search", {"q": "lovelace"}).text


def test_reveal_needs_a_reason_and_is_audited(demo_server: DemoServer) -> None:
    contact_id = _ada(demo_server)
    with Board(demo_server.url) as board:
        board.sign_in("agent", demo_server.password("agent"))
        refused = board.post(f"/contacts/{contact_id}/reveal", {"reason": "x"})
        assert refused.status_code == 422 and "reason" in refused.text
        shown = board.post(
            f"/contacts/{contact_id}/reveal",
            {"reason": "caller asked to confirm the number"},
            headers={"HX-Request": "true"},
        )
        assert shown.status_code == 200 and ADA_E164 in shown.text
    with Board(demo_server.url) as admin:
        admin.sign_in("admin", demo_server.password("admin"))
        audit = admin.get("/audit")
        assert "Hash chain verified" in audit.text
        assert "contact.revealed" in audit.text and "user:agent" in audit.text
        assert "caller asked to confirm the number" in audit.text
        assert ADA_E164 not in audit.text
        contact = admin.get(f"/contacts/{contact_id}")
        assert "caller asked to confirm the number" in contact.text  # the reveal history


def test_pages_show_the_demo_data_masked(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("admin", demo_server.password("admin"))
        pages = {
            path: board.get(path)
            for path in ("/quality", "/verifications", "/outbox", "/risk", "/analytics", "/audit")
        }
        for path, response in pages.items():
            assert response.status_code == 200, path
            assert _numbers_in(response.text) == [], path
        assert "possible duplicates" in pages["/quality"].text
        assert "approved" in pages["/verifications"].text
        assert "simulated" in pages["/verifications"].text
        assert re.search(r"\b\d{6}\b", pages["/outbox"].text)  # the codes, for development
        assert "Recent decisions" in pages["/risk"].text and "allow" in pages["/risk"].text
        charts = re.findall(r'src="(/analytics/charts/\d+\.svg)"', pages["/analytics"].text)
        assert len(charts) == 4
        for chart in charts:
            svg = board.get(chart)
            assert svg.status_code == 200
            assert svg.headers["content-type"] == "image/svg+xml"
            assert svg.text.lstrip().startswith("<svg")


def test_a_grace_hopper_merge_shows_on_the_contact_page(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("agent", demo_server.password("agent"))
        found = board.post("/contacts/search", {"q": "+44 20 7946 0958"})
        path = re.search(r'href="(/contacts/[0-9a-f-]{36})"', found.text).group(1)  # type: ignore[union-attr]
        page = board.get(path)
        assert "Merge history" in page.text and "0.97" in page.text


def test_unknown_contact_and_hostile_queries(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("agent", demo_server.password("agent"))
        missing = board.get("/contacts/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and "contact_not_found" in missing.text
        assert board.get("/contacts/not-a-uuid").status_code == 404
        hostile = board.post("/contacts/search", {"q": "<script>alert(1)</script>"})
        assert hostile.status_code == 200 and "<script>alert" not in hostile.text
        huge = board.post("/contacts/search", {"q": "9" * 60_000})
        assert huge.status_code in (413, 422) and "Traceback" not in huge.text
        bad_utf8 = board.http.post(
            "/contacts/search",
            content=b"q=%00%ED%A0%80%FF&csrf_token=" + (board.csrf or "").encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert bad_utf8.status_code in (200, 400, 422)
        assert board.post("/contacts/search", {"q": "ada", "region": "<b>"}).status_code == 200


def test_the_demo_store_holds_no_number_in_clear(demo_server: DemoServer) -> None:
    folder = demo_server.demo.folder
    store = demo_server.app.state.dashboard.store
    numbers = {n.e164 for c in store.list_contacts(limit=1000) for n in c.phones}
    assert len(numbers) > 50
    blobs = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    for e164 in numbers:
        assert e164.encode() not in blobs and e164[1:].encode() not in blobs


def test_a_chart_that_cannot_render_is_a_clear_error(demo_server: DemoServer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import vl_convert

    from ringfence.console import analytics

    def broken(_spec: object) -> str:
        raise ValueError("renderer failed")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", broken)
    monkeypatch.setattr(analytics, "_svgs", {})
    with Board(demo_server.url) as board:
        board.sign_in("analyst", demo_server.password("analyst"))
        answer = board.get("/analytics/charts/1.svg")
        assert answer.status_code == 503 and "chart_failed" in answer.text
        assert board.get("/analytics/charts/9.svg").status_code == 404
        assert board.get("/analytics/charts/-1.svg").status_code in (404, 422)


def test_test_code_forms_refuse_bad_input_clearly(demo_server: DemoServer) -> None:
    with Board(demo_server.url) as board:
        board.sign_in("admin", demo_server.password("admin"))
        for to in ("not a number", "9" * 5000, "<script>", "+1 202", "\x00"):
            answer = board.post("/verifications", {"to": to}, headers={"HX-Request": "true"})
            assert answer.status_code == 422, to
            assert 'role="alert"' in answer.text and "Traceback" not in answer.text
            assert "<script>" not in answer.text
        unknown = board.post("/verifications/VE-nope/check", {"code": "123456"})
        assert unknown.status_code == 404 and "no such pending verification" in unknown.text
        huge = board.post("/verifications/VE-nope/check", {"code": "1" * 100_000})
        assert huge.status_code in (404, 413, 422)
    with Board(demo_server.url) as agent:
        agent.sign_in("agent", demo_server.password("agent"))
        assert agent.post("/verifications", {"to": "+12025550148"}).status_code == 403
