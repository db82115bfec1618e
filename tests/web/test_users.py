"""Dashboard users (argon2id hashes, roles, audited changes) and ``ringfence users``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.compliance.roles import Role
from ringfence.console import DashboardUsers, Sessions, UserError
from ringfence.store import make_engine, upgrade
from ringfence.store.audit import list_events, verify_chain
from ringfence.testing import FakeClock

PASSWORD = "correct horse battery staple"


@pytest.fixture
def users(db_url: str) -> Iterator[DashboardUsers]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield DashboardUsers(engine, clock=FakeClock())
    engine.dispose()


def test_create_authenticate_and_hash(users: DashboardUsers) -> None:
    created = users.create("dana", PASSWORD, "agent", actor="operator")
    assert created.role is Role.AGENT
    assert users.authenticate("dana", PASSWORD) == created
    assert users.authenticate("dana", PASSWORD + "x") is None
    assert users.authenticate("Dana", PASSWORD) is None
    assert users.authenticate("nobody", PASSWORD) is None
    with users.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM dashboard_users").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("ab", PASSWORD, "bad_username"),
        ("has space", PASSWORD, "bad_username"),
        ("<script>", PASSWORD, "bad_username"),
        ("x" * 65, PASSWORD, "bad_username"),
        ("erin", "short pass", "weak_password"),
        ("erin", "", "weak_password"),
        ("erin", "p" * 1025, "weak_password"),
    ],
)
def test_bad_users_are_refused(
    users: DashboardUsers, username: str, password: str, reason: str
) -> None:
    with pytest.raises(UserError) as caught:
        users.create(username, password, "agent", actor="operator")
    assert caught.value.reason_code == reason
    assert password not in str(caught.value) or not password


def test_duplicates_unknown_roles_and_changes_are_audited(users: DashboardUsers) -> None:
    users.create("fay", PASSWORD, "analyst", actor="operator")
    with pytest.raises(UserError) as taken:
        users.create("fay", PASSWORD, "agent", actor="operator")
    assert taken.value.reason_code == "username_taken"
    with pytest.raises(Exception) as unknown:
        users.create("gus", PASSWORD, "root", actor="operator")
    assert getattr(unknown.value, "reason_code", None) == "unknown_role"
    assert users.set_role("fay", "admin", actor="operator").role is Role.ADMIN
    users.disable("fay", actor="operator")
    assert users.authenticate("fay", PASSWORD) is None
    with users.engine.connect() as connection:
        actions = [e["action"] for e in list_events(connection)]
        assert verify_chain(connection).ok
    assert actions == ["user.disabled", "user.role_changed", "user.created"]


def test_sessions_expire_and_end(users: DashboardUsers) -> None:
    clock = FakeClock()
    sessions = Sessions(users.engine, clock=clock)
    user = users.create("hal", PASSWORD, "agent", actor="operator")
    token, session = sessions.start(user)
    assert sessions.resolve(token) == session
    assert sessions.resolve(token + "x") is None and sessions.resolve("") is None
    assert "csrf_token" not in repr(session) or session.csrf_token not in repr(session)
    clock.advance(hours=8, seconds=1)
    assert sessions.resolve(token) is None
    token, _ = sessions.start(user)
    sessions.end(token)
    assert sessions.resolve(token) is None
    with users.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM dashboard_sessions").all()
    assert all(token.encode() not in bytes(row[0]) for row in stored)


def test_users_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'users.db'}"
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "ivy",
            "--role",
            "agent",
            "--password-stdin",
            "--db",
            db,
            "--json",
        ],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["role"] == "agent"
    weak = runner.invoke(
        app,
        ["users", "create", "--username", "joe", "--role", "agent", "--password-stdin", "--db", db],
        input="short\n",
    )
    assert weak.exit_code == 2 and "weak_password" in weak.output and "Traceback" not in weak.output
    changed = runner.invoke(app, ["users", "set-role", "ivy", "--role", "analyst", "--db", db])
    assert changed.exit_code == 0 and "ivy: analyst" in changed.stdout
    listed = runner.invoke(app, ["users", "list", "--db", db, "--json"])
    assert json.loads(listed.stdout) == [
        {
            "id": json.loads(made.stdout)["id"],
            "username": "ivy",
            "role": "analyst",
            "disabled": False,
        }
    ]
    missing = runner.invoke(app, ["users", "disable", "nobody", "--db", db])
    assert missing.exit_code == 2 and "unknown_user" in missing.output
