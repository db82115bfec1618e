"""No code and no full phone number in any log line, error, URL or database row."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import MetaData, select

from tests.api.conftest import LiveServer, serve
from tests.api.test_verifications_api import latest_code

NUMBER = "+33612345678"
NUMBER_FORMS = ["33612345678", "612345678", "6 12 34 56 78", "06 12 34 56 78", "0612345678"]


@pytest.fixture
def logged_server(db_url, keyring):  # type: ignore[no-untyped-def]
    # log_config=None: uvicorn's loggers (access log included) propagate to caplog
    yield from serve(
        db_url,
        keyring,
        uvicorn_config={"log_config": None, "log_level": "debug", "access_log": True},
    )


def _flows(live: LiveServer) -> list[str]:
    """Every kind of request, with the number written several ways; returns the codes."""
    codes = []
    with live.client() as http:
        first = http.post("/v1/verifications", json={"to": NUMBER, "account_id": "acct"}).json()
        codes.append(latest_code(live, first["id"]))
        http.post(f"/v1/verifications/{first['id']}/check", json={"code": "000001"})
        live.clock.advance(seconds=31)
        http.post(
            "/v1/verifications", json={"to": "06 12 34 56 78", "region": "FR", "account_id": "acct"}
        )
        codes.append(latest_code(live, first["id"], sends=2))
        http.post(
            "/v1/verification-checks", json={"to": "0612345678", "region": "FR", "code": codes[-1]}
        )
        second = http.post("/v1/verifications", json={"to": NUMBER, "purpose": "recovery"}).json()
        http.post(f"/v1/verifications/{second['id']}/cancel")
        http.post("/v1/verifications", json={"to": "+33 6 12 34 56", "purpose": "login"})
        http.post("/v1/verifications", json={"to": NUMBER, "channel": "carrier-pigeon"})
        http.get("/v1/verifications/" + "VE" + "1" * 32)
    return codes


def test_logs_hold_no_code_and_no_number(logged_server: LiveServer, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    codes = _flows(logged_server)
    text = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "POST /v1/verifications" in text, "the access log was not captured"
    for secret in NUMBER_FORMS + codes:
        assert secret not in text, "a number or a code reached the logs"


def test_database_holds_no_code_and_no_number(logged_server: LiveServer) -> None:
    codes = _flows(logged_server)
    engine = logged_server.app.state.engine
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        dump = "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
        )
    assert "verifications" in {t.name for t in metadata.sorted_tables}
    for secret in NUMBER_FORMS + codes:
        assert secret not in dump
    assert not re.search(rb"33612345678", dump.encode())


def test_errors_do_not_echo_input(logged_server: LiveServer) -> None:
    with logged_server.client() as http:
        for payload in (
            {"to": "+33 6 12 34 56 78 99 99 99 99"},
            {"to": NUMBER, "channel": "x"},
            {"to": NUMBER, "account_id": ""},
        ):
            response = http.post("/v1/verifications", json=payload)
            assert response.status_code in (400, 422)
            assert "612345678" not in response.text and "6 12 34" not in response.text


def test_exception_reprs_hold_no_number() -> None:
    from ringfence.phone import normalize
    from ringfence.verify import OutgoingMessage, compose
    from ringfence.verify.model import Channel

    message = OutgoingMessage(normalize(NUMBER), compose("123456").body, Channel.SMS, "VE1")
    assert "612345678" not in repr(message) and "123456" not in repr(message)


def test_access_log_drops_query_strings_and_callback_tokens(
    logged_server: LiveServer, caplog
) -> None:
    import httpx

    caplog.set_level(logging.INFO)
    httpx.post(logged_server.url + "/v1/delivery-receipts/vonage/s3cret-token?msisdn=33612345678")
    httpx.get(logged_server.url + "/healthz?to=%2B33612345678")
    # the server's access log (the test's own HTTP client logs its URLs too)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "uvicorn.access")
    assert "/v1/delivery-receipts/vonage/<redacted>" in text
    assert "s3cret-token" not in text and "612345678" not in text
