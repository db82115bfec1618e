"""``ringfence retention run``: delete what its retention policy no longer allows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import print_json

app = typer.Typer(help="Retention policies.", no_args_is_help=True)


@app.command("run")
def run(
    policy: Annotated[
        Path | None,
        typer.Option(help="A TOML policy (default: RINGFENCE_RETENTION_POLICY, else defaults)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing.")] = False,
    actor: Annotated[str | None, typer.Option(help="Who runs it (audit log).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply every retention rule; every deletion is audited."""
    from ringfence.compliance.retention import RetentionPolicy, run_retention
    from ringfence.settings import load_settings
    from ringfence.store import make_engine, upgrade

    rules = RetentionPolicy.load(policy)
    engine = make_engine(db or load_settings().database_url)
    try:
        upgrade(engine)
        report = run_retention(engine, rules, now=datetime.now(UTC), dry_run=dry_run, actor=actor)
    finally:
        engine.dispose()
    if as_json:
        print_json({"dry_run": dry_run, "rules": report})
        return
    verb = "would delete" if dry_run else "deleted"
    for name, outcome in report.items():
        typer.echo(f"{name:20} after {outcome['after']:6} {verb} {outcome['deleted']}")
