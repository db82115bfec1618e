"""The OpenAPI document, completed: every operation lists the errors any route can answer
(authentication, permission, unknown resource, body too large, validation), with the one
error body all of them share."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

COMMON_ERRORS = {
    "400": "Invalid request (reason code in the body).",
    "401": "Missing or invalid API key.",
    "403": "The key's role lacks the permission, or a provider signature is invalid.",
    "404": "No such resource.",
    "413": "Request body too large.",
    "422": "Invalid or missing fields.",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in document["components"]["schemas"]:
        from ringfence.api.schemas import ErrorBody, Problem

        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        body.pop("$defs", None)
        document["components"]["schemas"]["ErrorBody"] = body
        document["components"]["schemas"]["Problem"] = Problem.model_json_schema()
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return document
