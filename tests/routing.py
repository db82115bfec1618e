"""The application's routes, through included routers, and the permission each requires."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from ringfence.compliance.roles import Permission


def all_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, through included routers."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(all_routes(route.original_router.routes))
    return found


def api_routes(app: Any) -> list[APIRoute]:
    """The routes of the OpenAPI document (the dashboard's pages are not in it)."""
    return [route for route in all_routes(app.routes) if route.include_in_schema]


def page_routes(app: Any) -> list[APIRoute]:
    return [route for route in all_routes(app.routes) if not route.include_in_schema]


def guarded(route: APIRoute) -> bool:
    return _dependency_with_permission(route) is not None


def permission_of(route: APIRoute) -> Permission | None:
    found = _dependency_with_permission(route)
    return getattr(found, "permission", None)


def _dependency_with_permission(route: APIRoute) -> Any:
    stack = list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if hasattr(dependant.call, "permission"):
            return dependant.call
        stack.extend(dependant.dependencies)
    return None
