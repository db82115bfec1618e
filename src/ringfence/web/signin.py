"""Sign-in and sign-out. A fresh session token at every sign-in (never one the browser
brought), attempts rate-limited per username and per IP, every sign-in audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from ringfence.console import DashboardSession
from ringfence.web.auth import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    CsrfRefused,
    mark_page,
    new_signin_token,
    page,
    refuse_forgery,
    safe_next,
    set_session_cookie,
    set_signin_cookie,
)
from ringfence.web.context import dashboard, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
MAX_FIELD = 1024


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    board = dashboard(request)
    if board.sessions.resolve(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, next)


def _form(
    request: Request, next_path: str, status: int = 200, error: str | None = None
) -> Response:
    token = new_signin_token()
    response = render(
        request, "signin.html", status=status, next=safe_next(next_path), error=error, csrf=token
    )
    set_signin_cookie(request, response, token)
    return response


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """A plain function: FastAPI runs it in its thread pool, so argon2 (slow on purpose)
    and the database never block the event loop."""
    board = dashboard(request)
    try:
        refuse_forgery(request, request.cookies.get(SIGNIN_COOKIE), csrf_token)
    except CsrfRefused as exc:
        return _form(request, next, 403, str(exc))
    ip = request.client.host if request.client else "unknown"
    if not board.limiter.allow(username, ip):
        response = _form(request, next, 429, "too many sign-in attempts: wait a minute")
        response.headers["Retry-After"] = "60"
        return response
    user = board.users.authenticate(username, password)
    if user is None:
        return _form(request, next, 401, "wrong username or password")
    board.sessions.end(request.cookies.get(SESSION_COOKIE))  # never keep a planted session
    token, session = board.sessions.start(user)
    _audit(request, session, "user.signed_in")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(
    request: Request, session: Annotated[DashboardSession, Depends(page(None))]
) -> Response:
    board = dashboard(request)
    board.sessions.end(request.cookies.get(SESSION_COOKIE))
    _audit(request, session, "user.signed_out")
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _audit(request: Request, session: DashboardSession, action: str) -> None:
    users = dashboard(request).users
    users.record(action, session.user_id, session.username, actor=session.principal.id)
