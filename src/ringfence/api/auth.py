"""Bearer API keys with scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ringfence.compliance.roles import Permission, PermissionDenied, Principal, authorize
from ringfence.store.apikeys import authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from `ringfence apikeys create`.")


def require(permission: Permission) -> Callable[..., Principal]:
    """A dependency that admits keys whose roles allow ``permission`` (401 without a key,
    403 without the permission). The check itself is the library's :func:`authorize`."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        info = (
            authenticate(request.app.state.engine, credentials.credentials) if credentials else None
        )
        if info is None:
            raise HTTPException(
                401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            return authorize(info.principal(), permission)
        except PermissionDenied:
            raise HTTPException(
                403, f"this API key lacks the '{permission.value}' permission"
            ) from None

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the role-matrix test
    return dependency
