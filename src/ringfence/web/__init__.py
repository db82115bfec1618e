"""The web dashboard (Jinja2 + htmx, every asset in the package): ``install`` adds its pages,
its static files and its security headers to the API application."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from ringfence.web.auth import SignInRequired, signin_redirect
from ringfence.web.context import STATIC, Dashboard, render
from ringfence.web.pages import router as pages
from ringfence.web.security import SecurityHeaders
from ringfence.web.signin import router as signin


def error_page(request: Request, status: int, reason: str, message: str) -> Response:
    return render(request, "error.html", status=status, code=status, reason=reason, message=message)


def install(app: FastAPI, board: Dashboard) -> None:
    app.state.dashboard = board
    app.state.error_page = error_page
    app.add_exception_handler(SignInRequired, signin_redirect)
    app.include_router(signin)
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)


__all__ = ["Dashboard", "install"]
