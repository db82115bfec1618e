"""schemathesis against the OpenAPI document, on SQLite and PostgreSQL: generated requests
to every operation, as an administrator, never get a 5xx, and every answer matches the
document (status codes, content types, bodies, headers)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ringfence.store.apikeys import create_api_key
from tests.api.conftest import LiveServer, live_server  # noqa: F401 - the fixture

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_no_server_error_and_no_schema_violation(live_server: LiveServer) -> None:  # noqa: F811
    key = create_api_key(live_server.app.state.engine, scopes=["admin"])[0]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    failures: dict[str, str] = {}
    operations, calls = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                base_url=live_server.url,
                headers={"Authorization": f"Bearer {key}"},
                checks=CHECKS,
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure is reported
            failures[operation.label] = str(exc)[:1500]
    assert operations >= 25
    assert len(set(calls)) == operations and len(calls) >= 10 * operations
    assert failures == {}, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
