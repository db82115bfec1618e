"""The HTTP API: ``create_app(settings)`` builds a FastAPI application whose routes are thin
shells over the library. ``ringfence serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from ringfence import web
from ringfence.api import (
    access_log,
    accounts,
    console,
    errors,
    factors,
    openapi,
    receipts,
    risk,
    verifications,
)
from ringfence.api.limits import BodySizeLimit
from ringfence.clock import Clock, system_clock
from ringfence.crypto import Keyring, load_keyring
from ringfence.settings import Settings, load_settings
from ringfence.verify import VerificationService
from ringfence.verify.accounts import AccountBindings
from ringfence.verify.known import contact_numbers
from ringfence.verify.totp import TotpFactors

API_DESCRIPTION = """Phone verification (one-time codes) with privacy throughout: numbers
are masked in every answer, codes are never stored or logged, errors carry reason codes.
Authenticate with `Authorization: Bearer <key>` (`ringfence apikeys create --scope verify`)."""


def create_app(
    settings: Settings | None = None,
    *,
    keyring: Keyring | None = None,
    clock: Clock = system_clock,
    **service_options: Any,
) -> FastAPI:
    """Build the application over the store the settings name (migrated on start)."""
    settings = settings or load_settings()
    keyring = keyring or load_keyring(settings)
    service = VerificationService.open(
        settings=settings, keyring=keyring, clock=clock, **service_options
    )
    if service.known_number is None:
        service.known_number = contact_numbers(service.engine, keyring)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="ringfence",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load scripts from a CDN: not here
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = service.engine
    app.state.verifications = service
    app.state.factors = TotpFactors(service.engine, keyring, clock=clock, policy=service.policy)
    app.state.bindings = AccountBindings(service, app.state.factors)
    errors.install(app)
    openapi.install(app)
    access_log.install()
    app.add_middleware(BodySizeLimit)
    app.include_router(verifications.router)
    app.include_router(factors.router)
    app.include_router(accounts.router)
    app.include_router(receipts.router)
    app.include_router(receipts.inbound)
    app.include_router(risk.router)
    app.include_router(console.router)
    web.install(app, web.Dashboard.build(settings, keyring, clock, service))

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (settings from the environment)."""
    return create_app()


__all__ = ["app_from_env", "create_app"]
