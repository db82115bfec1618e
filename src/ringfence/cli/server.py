"""``ringfence serve``, ``ringfence apikeys`` and ``ringfence outbox``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import fail, print_json
from ringfence.crypto import load_keyring
from ringfence.errors import ConfigurationError
from ringfence.settings import load_settings
from ringfence.store import make_engine, upgrade
from ringfence.store.apikeys import SCOPES, create_api_key

apikeys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log each request (never a number).")] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Serve a fresh SQLite store of synthetic demo data (a new temp folder)."
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI document at /openapi.json) and the dashboard (at /)."""
    from ringfence.api import serving

    if demo:
        if db:
            fail(
                ConfigurationError(
                    "--demo makes its own database: leave out --db", reason="bad_option"
                )
            )
        _start_demo(host, port)
    elif db:  # the workers read their settings from the environment
        os.environ["RINGFENCE_DATABASE_URL"] = db
    settings = load_settings()
    upgrade(make_engine(settings.database_url))  # once, before the workers start
    load_keyring(settings)  # a missing or bad key fails here, not in every worker
    serving.run(
        "ringfence.api:app_from_env",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        server_header=False,
    )


def _start_demo(host: str, port: int) -> None:
    from ringfence.demo import apply_environment, build_demo

    folder = Path(tempfile.mkdtemp(prefix="ringfence-demo-"))
    typer.echo(f"Building the demo store in {folder} (synthetic data) ...", err=True)
    built = build_demo(folder)
    apply_environment(built)
    typer.echo(f"\nDashboard: http://{host}:{port}/   API document: /openapi.json", err=True)
    for role, password in built.passwords.items():
        typer.echo(f"  sign in as {role:<8} password {password}", err=True)
    typer.echo("Demo only: the passwords and the data vanish with the folder.\n", err=True)


@apikeys_app.command("create")
def create(
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"One of {', '.join(SCOPES)}; repeatable.")
    ],
    name: Annotated[str, typer.Option(help="A label for listings.")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key; the key is shown once and stored only as a digest."""
    settings = load_settings()
    engine = make_engine(db or settings.database_url)
    try:
        upgrade(engine)
        key, info = create_api_key(engine, scopes=scope, name=name)
    finally:
        engine.dispose()
    if as_json:
        print_json({"key": key, "id": info.id, "scopes": list(info.scopes)})
    else:
        typer.echo(key)
        typer.echo(f"(id {info.id}, scopes {', '.join(info.scopes)}: store the key now)", err=True)


def outbox(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Show the development channel's messages, newest first (refused in production)."""
    from ringfence.verify import read_outbox

    settings = load_settings()
    engine = make_engine(db or settings.database_url)
    try:
        upgrade(engine)
        messages = read_outbox(engine, load_keyring(settings), settings, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        print_json([m.to_dict() for m in messages])
        return
    for message in messages:
        typer.echo(f"{message.created_at:%Y-%m-%d %H:%M:%S} {message.channel} {message.to}")
        typer.echo(f"  {message.body}")
