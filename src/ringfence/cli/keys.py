"""``ringfence keys``: create, rotate and apply root keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ringfence.cli._common import DbOption, JsonOption, open_store
from ringfence.cli._output import print_json
from ringfence.crypto import load_keyring
from ringfence.crypto.providers import FileKeyProvider, get_key_provider
from ringfence.settings import load_settings

app = typer.Typer(help="Root keys: init, rotate, re-encrypt, status.", no_args_is_help=True)


@app.command("init")
def init() -> None:
    """Write a new key file (mode 0600) at RINGFENCE_KEY_FILE; never overwrites one."""
    settings = load_settings()
    provider = FileKeyProvider(settings.key_file)
    provider.create()
    typer.echo(f"wrote a new root key (version 1) to {provider.path}")


@app.command("rotate")
def rotate(db: DbOption = None) -> None:
    """Add a root-key version; new data uses it, `keys reencrypt` moves old data to it."""
    version = get_key_provider(load_settings()).add_version()
    _audit(db, "keys.rotated", {"version": version})
    typer.echo(f"added root key version {version}; run `ringfence keys reencrypt` next")


def _audit(db: str | None, action: str, details: dict[str, object]) -> None:
    """Key operations are audit events (the operator at the command line acts)."""
    from datetime import UTC, datetime

    from ringfence.store import make_engine, upgrade
    from ringfence.store.audit import record_event

    engine = make_engine(db or load_settings().database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            record_event(
                connection,
                at=datetime.now(UTC),
                action=action,
                subject_type="keyring",
                subject_id="root",
                actor="operator",
                details=details,
            )
    finally:
        engine.dispose()


@app.command("status")
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show the root-key versions and how many stored numbers each still covers."""
    keyring = load_keyring(load_settings())
    with open_store(db) as store:
        counts = store.key_status()
    rows = [
        {"version": v, "current": v == keyring.current, "phones": counts.get(v, 0)}
        for v in sorted(set(keyring.versions) | set(counts))
    ]
    if as_json:
        print_json({"current": keyring.current, "versions": rows})
        return
    for row in rows:
        marker = " (current)" if row["current"] else ""
        typer.echo(f"version {row['version']}{marker}: {row['phones']} phone numbers")


@app.command("reencrypt")
def reencrypt(
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 500,
) -> None:
    """Re-seal every stored number under the current key; safe to kill and run again."""
    console = Console(stderr=True)
    with open_store(db) as store:
        done = store.reencrypt(
            batch_size=batch_size,
            on_progress=lambda n: (
                console.print(f"re-sealed {n}", end="\r") if console.is_terminal else None
            ),
        )
    _audit(db, "keys.reencrypted", {"phones": done})
    typer.echo(f"re-sealed {done} phone numbers")
