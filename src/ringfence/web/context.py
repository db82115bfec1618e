"""What the dashboard's routes share: the library objects over the server's store."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from ringfence.clock import Clock
from ringfence.compliance.consent import ConsentLedger
from ringfence.console import DashboardUsers, Sessions
from ringfence.contacts.store import ContactStore
from ringfence.crypto import Keyring
from ringfence.settings import Settings
from ringfence.verify import VerificationService
from ringfence.web.security import SignInLimiter

TEMPLATES = Jinja2Templates(directory=str(resources.files("ringfence.web") / "templates"))
STATIC = str(resources.files("ringfence.web") / "static")


@dataclass
class Dashboard:
    settings: Settings
    engine: Engine
    keyring: Keyring
    clock: Clock
    store: ContactStore
    ledger: ConsentLedger
    users: DashboardUsers
    sessions: Sessions
    limiter: SignInLimiter
    verifications: VerificationService

    @classmethod
    def build(
        cls, settings: Settings, keyring: Keyring, clock: Clock, service: VerificationService
    ) -> Dashboard:
        engine = service.engine
        return cls(
            settings=settings,
            engine=engine,
            keyring=keyring,
            clock=clock,
            store=ContactStore(engine, keyring, clock=clock),
            ledger=ConsentLedger(engine, keyring, clock=clock),
            users=DashboardUsers(engine, clock=clock),
            sessions=Sessions(engine, clock=clock),
            limiter=SignInLimiter(settings.rate_limit_storage, settings.signin_limits),
            verifications=service,
        )


def dashboard(request: Request) -> Dashboard:
    found: Dashboard = request.app.state.dashboard
    return found


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    session = getattr(request.state, "session", None)
    values = {"session": session, "principal": session.principal if session else None}
    response: Response = TEMPLATES.TemplateResponse(
        request, template, {**values, **context}, status_code=status
    )
    return response
