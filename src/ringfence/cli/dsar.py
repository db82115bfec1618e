"""``ringfence dsar``: data-subject requests by phone number (export, rectify, erase)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption, open_store
from ringfence.cli._output import print_json

app = typer.Typer(help="Data-subject requests: export, rectify, erase.", no_args_is_help=True)
Phone = Annotated[str, typer.Option("--phone", help="The subject's number, in any format.")]
Region = Annotated[str | None, typer.Option(help="Default region for national numbers.")]
Actor = Annotated[str | None, typer.Option(help="Who handles the request (audit log).")]


@app.command("export")
def export(
    phone: Phone,
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON bundle to write.")],
    region: Region = None,
    actor: Actor = None,
    db: DbOption = None,
) -> None:
    """Write everything held about PHONE to a JSON file (readable by its owner only)."""
    from ringfence.compliance.dsar import SubjectRequests

    with open_store(db) as store:
        bundle = SubjectRequests(store).export(phone, region=region, actor=actor)
    # The bundle holds the number and personal data in clear: create it private.
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(bundle, handle, indent=2, ensure_ascii=False, default=str)
    counts = ", ".join(f"{k} {v}" for k, v in bundle["counts"].items())
    typer.echo(f"exported to {output}: {counts}")


@app.command("rectify")
def rectify(
    phone: Phone,
    to: Annotated[str, typer.Option("--to", help="The right number.")],
    region: Region = None,
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace PHONE by the right number in every contact that holds it."""
    from ringfence.compliance.dsar import SubjectRequests

    with open_store(db) as store:
        changed = SubjectRequests(store).rectify(phone, to, region=region, actor=actor)
    if as_json:
        print_json({"contacts": changed})
    else:
        typer.echo(f"{changed} contacts rectified")


@app.command("erase")
def erase(
    phone: Phone,
    region: Region = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase everything held about PHONE but a keyed-hash suppression entry."""
    from ringfence.compliance.dsar import SubjectRequests
    from ringfence.compliance.model import ComplianceError

    if not yes:
        raise ComplianceError("erasure cannot be undone: pass --yes", reason="confirmation_needed")
    with open_store(db) as store:
        counts = SubjectRequests(store).erase(phone, region=region, actor=actor)
    if as_json:
        print_json(counts)
    else:
        typer.echo("erased: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command("list")
def list_requests(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Data-subject requests, newest first, with their due dates."""
    from ringfence.compliance.dsar import list_requests as requests

    with open_store(db) as store:
        rows = requests(store.engine)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        done = row["completed_at"] or "open"
        typer.echo(f"{row['received_at'][:10]} {row['kind']:8} due {row['due_at'][:10]} {done}")
