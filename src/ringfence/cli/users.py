"""``ringfence users``: the dashboard's users and their roles (changes are audited)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import print_json
from ringfence.compliance.roles import OPERATOR, Role
from ringfence.console import DashboardUser, DashboardUsers
from ringfence.settings import load_settings
from ringfence.store import make_engine, upgrade

app = typer.Typer(help="Dashboard users and their roles.", no_args_is_help=True)
RoleOption = Annotated[Role, typer.Option(help="admin, agent, analyst or service.")]


def _users(db: str | None) -> DashboardUsers:
    engine = make_engine(db or load_settings().database_url)
    upgrade(engine)
    return DashboardUsers(engine)


def _show(user: DashboardUser, as_json: bool) -> None:
    if as_json:
        print_json(user.to_dict())
    else:
        state = " (disabled)" if user.disabled else ""
        typer.echo(f"{user.username}: {user.role.value}{state}")


@app.command("create")
def create(
    username: Annotated[str, typer.Option(help="3 to 64 letters, digits, . _ -")],
    role: RoleOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user (the password is asked for, or read from stdin; 15 characters or more)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    users = _users(db)
    try:
        _show(users.create(username, password, role, actor=OPERATOR.id), as_json)
    finally:
        users.engine.dispose()


@app.command("set-role")
def set_role(
    username: Annotated[str, typer.Argument()],
    role: RoleOption,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's role (audited)."""
    users = _users(db)
    try:
        _show(users.set_role(username, role, actor=OPERATOR.id), as_json)
    finally:
        users.engine.dispose()


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument()], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Disable a user: their sessions stop working at once (audited)."""
    users = _users(db)
    try:
        _show(users.disable(username, actor=OPERATOR.id), as_json)
    finally:
        users.engine.dispose()


@app.command("list")
def list_users(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every user and their role."""
    users = _users(db)
    try:
        found = users.list_users()
    finally:
        users.engine.dispose()
    if as_json:
        print_json([user.to_dict() for user in found])
    else:
        for user in found:
            _show(user, False)
