"""Roles: the permission matrix, reveals with a stated reason (audited), and a role matrix
over every route of the HTTP API: each route declares its permission, and every role gets
exactly the routes its permissions allow."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from ringfence.compliance.reveal import reveal_numbers, view_contact
from ringfence.compliance.roles import (
    OPERATOR,
    PERMISSIONS,
    Permission,
    PermissionDenied,
    Principal,
    Role,
    authorize,
    role_of,
)
from ringfence.contacts import ContactStore
from ringfence.store.apikeys import create_api_key, revoke_api_key
from ringfence.store.audit import list_events
from tests.api.conftest import LiveServer
from tests.routing import api_routes, permission_of

PUBLIC = {"/healthz"}  # /openapi.json is a plain route, not an APIRoute
PROVIDER_CALLBACKS = re.compile(r"^/v1/(delivery-receipts|inbound)/")  # provider-signed


def test_the_matrix() -> None:
    assert PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert PERMISSIONS[Role.SERVICE] == {Permission.VERIFY}
    assert PERMISSIONS[Role.ANALYST] == {Permission.ANALYTICS}
    agent = PERMISSIONS[Role.AGENT]
    assert Permission.CONTACTS_REVEAL in agent and Permission.ANALYTICS not in agent
    assert Permission.KEYS not in agent and Permission.VERIFY not in agent
    assert role_of("verify") is Role.SERVICE and role_of("contacts") is Role.AGENT
    with pytest.raises(PermissionDenied) as unknown:
        role_of("superuser")
    assert unknown.value.reason == "unknown_role"
    assert authorize(OPERATOR, Permission.KEYS) is OPERATOR
    with pytest.raises(PermissionDenied):
        authorize(Principal.of("a", Role.ANALYST), Permission.CONTACTS_READ)


def test_reveal_needs_the_permission_and_a_reason(db_url, keyring) -> None:  # type: ignore[no-untyped-def]
    with ContactStore.open(db_url, keyring=keyring) as store:
        contact = store.add_contact(name="Ann", phones=["+33612345678"])
        agent = Principal.of("agent-7", Role.AGENT)
        masked = view_contact(store, agent, contact.id)
        assert masked["phones"] == ["+33 6 ** ** ** 78"] or "612345678" not in str(masked)
        with pytest.raises(PermissionDenied):
            view_contact(store, Principal.of("bi", Role.ANALYST), contact.id)
        with pytest.raises(PermissionDenied):
            reveal_numbers(store, Principal.of("svc", Role.SERVICE), contact.id, reason="need it")
        for reason, code in (
            ("", "reason_required"),
            ("ok", "reason_required"),
            ("call back on +33 6 12 34 56 79", "number_in_reason"),
        ):
            with pytest.raises(Exception) as refused:
                reveal_numbers(store, agent, contact.id, reason=reason)
            assert getattr(refused.value, "reason", None) == code
        numbers = reveal_numbers(store, agent, contact.id, reason="customer called about order 5")
        assert numbers == ["+33612345678"]
        with store.engine.connect() as connection:
            event = list_events(connection, limit=1)[0]
        assert event["action"] == "contact.revealed" and event["actor"] == "agent-7"
        assert event["details"]["reason"] == "customer called about order 5"


def test_api_keys_and_their_roles_are_audited(db_url) -> None:  # type: ignore[no-untyped-def]
    from ringfence.store import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    _key, info = create_api_key(engine, scopes=["agent", "analytics"], name="crm", actor="admin-1")
    assert info.principal().roles == {Role.AGENT, Role.ANALYST}
    assert revoke_api_key(engine, info.id, actor="admin-1")
    with engine.connect() as connection:
        events = list_events(connection, limit=2)
    engine.dispose()
    assert [e["action"] for e in events] == ["apikey.revoked", "apikey.created"]
    assert events[1]["details"]["roles"] == ["agent", "analyst"]


def _permission(route: APIRoute) -> Permission | None:
    return permission_of(route)


def test_role_matrix_over_every_route(live_server: LiveServer) -> None:
    engine = live_server.app.state.engine
    keys = {role: create_api_key(engine, scopes=[role.value])[0] for role in Role}
    routes = api_routes(live_server.app)
    documented = set(live_server.app.openapi()["paths"])
    assert {r.path for r in routes} == documented  # nothing routed that is not listed
    unguarded = {
        r.path for r in routes if _permission(r) is None and not PROVIDER_CALLBACKS.match(r.path)
    }
    assert unguarded == PUBLIC
    checked = 0
    for route in routes:
        permission = _permission(route)
        if permission is None:
            continue
        path = re.sub(r"\{[^}]+\}", "VE0123456789abcdef0123456789abcdef", route.path)
        path = path.replace("/accounts/VE0123456789abcdef0123456789abcdef", "/accounts/acct-x")
        for method in route.methods:
            for role, key in keys.items():
                with live_server.client(key) as http:
                    response = http.request(method, path, json={})
                allowed = permission in PERMISSIONS[role]
                if allowed:
                    assert response.status_code not in (401, 403), (method, path, role)
                else:
                    assert response.status_code == 403, (method, path, role, response.status_code)
                checked += 1
            with live_server.client("rf_not-a-key") as http:
                assert http.request(method, path, json={}).status_code == 401
    assert checked >= 4 * 10
