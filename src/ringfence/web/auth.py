"""Who is signed in: the session cookie, the page permission check and the CSRF check of
every state-changing request."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from ringfence.compliance.roles import Permission, PermissionDenied, authorize
from ringfence.console import DashboardSession
from ringfence.web.context import dashboard
from ringfence.web.security import same_origin, tokens_match

SESSION_COOKIE = "rf_session"
SIGNIN_COOKIE = "rf_signin"  # the sign-in form's own CSRF token (double submit)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """No live session: the browser goes to the sign-in page (and back afterwards)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path


class CsrfRefused(PermissionDenied):
    default_reason = "csrf_refused"


def safe_next(path: str | None) -> str:
    """Only a path of this site: never ``//host`` or a scheme (open redirects)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def signin_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = f"/signin?next={quote(safe_next(exc.next_path), safe='/')}"
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def mark_page(request: Request) -> None:
    """Errors of this request answer as dashboard pages, not JSON (set before the body is
    validated, so validation errors are pages too)."""
    request.state.page = True


def page(permission: Permission | None) -> Callable[[Request], object]:
    """A dependency for a dashboard route: a live session whose role allows ``permission``,
    and for a POST a matching CSRF token from this origin."""

    async def dependency(request: Request) -> DashboardSession:
        request.state.page = True
        board = dashboard(request)
        session = board.sessions.resolve(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise SignInRequired(request.url.path)
        request.state.session = session
        if permission is not None:
            authorize(session.principal, permission)
        if request.method not in ("GET", "HEAD"):
            await check_csrf(request, session.csrf_token)
        return session

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the page-matrix test
    return dependency


async def check_csrf(request: Request, expected: str | None) -> None:
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    refuse_forgery(request, expected, given)


def refuse_forgery(request: Request, expected: str | None, given: str | None) -> None:
    """Raise :class:`CsrfRefused` unless ``given`` is the expected token and the request
    comes from this site."""
    if not same_origin(request.headers, str(request.base_url)) or not tokens_match(expected, given):
        raise CsrfRefused("the form is stale or came from another site: reload and retry")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    lifetime = int(dashboard(request).sessions.lifetime.total_seconds())
    _set_cookie(request, response, SESSION_COOKIE, token, path="/", max_age=lifetime)


def new_signin_token() -> str:
    return secrets.token_urlsafe(32)


def set_signin_cookie(request: Request, response: Response, token: str) -> None:
    """The sign-in form's CSRF token, also set as a cookie (the form has no session yet)."""
    _set_cookie(request, response, SIGNIN_COOKIE, token, path="/signin")


def _set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int | None = None,
) -> None:
    """Script cannot read it, no other site sends it, only HTTPS carries it in production."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=path,
        max_age=max_age,
    )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or dashboard(request).settings.is_production
