"""Bearer API keys with scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ringfence.store.apikeys import ApiKeyInfo, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from `ringfence apikeys create`.")


def require_scope(scope: str) -> Callable[..., ApiKeyInfo]:
    """A dependency that admits keys holding ``scope`` (401 without a key, 403 without
    the scope)."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKeyInfo:
        info = (
            authenticate(request.app.state.engine, credentials.credentials) if credentials else None
        )
        if info is None:
            raise HTTPException(
                401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"}
            )
        if not info.allows(scope):
            raise HTTPException(403, f"this API key lacks the '{scope}' scope")
        return info

    return dependency
