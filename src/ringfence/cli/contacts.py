"""``ringfence contacts``: add, show, find, list and export customer profiles.

Numbers are masked in every output unless ``--reveal`` is given.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption, open_store
from ringfence.cli._output import print_json
from ringfence.contacts import Contact

app = typer.Typer(help="Customer profiles with encrypted phone numbers.", no_args_is_help=True)
RevealOption = Annotated[bool, typer.Option("--reveal", help="Show numbers in full.")]


def _print(contacts: list[Contact], *, as_json: bool, reveal: bool, single: bool = False) -> None:
    payload = [c.to_dict(reveal=reveal) for c in contacts]
    if as_json:
        print_json(payload[0] if single else payload)
        return
    for item in payload:
        phones = ", ".join(item["phones"]) or "-"
        typer.echo(f"{item['id']}  {item['name']}  {phones}")


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Display name.")],
    phone: Annotated[list[str] | None, typer.Option(help="A phone number (repeatable).")] = None,
    email: Annotated[list[str] | None, typer.Option(help="An email (repeatable).")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country: default region.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a contact; numbers are normalized with --country as the default region."""
    with open_store(db) as store:
        contact = store.add_contact(
            name=name, phones=phone or [], emails=email or [], country=country
        )
    _print([contact], as_json=as_json, reveal=False, single=True)


@app.command("show")
def show(
    contact_id: Annotated[str, typer.Argument(help="Contact id.")],
    db: DbOption = None,
    reveal: RevealOption = False,
    as_json: JsonOption = False,
) -> None:
    """Show one contact."""
    with open_store(db) as store:
        contact = store.get_contact(contact_id)
    if as_json:
        print_json(contact.to_dict(reveal=reveal))
        return
    data = contact.to_dict(reveal=reveal)
    for key in ("id", "name", "country", "organization", "external_id", "status"):
        typer.echo(f"{key:<12} {data[key] if data[key] is not None else ''}")
    typer.echo(f"{'emails':<12} {', '.join(data['emails'])}")
    for point in data["phone_points"]:
        flag = " (primary)" if point["primary"] else ""
        typer.echo(f"{'phone':<12} {point['number']}  {point['label']}{flag}  {point['type']}")


@app.command("find")
def find(
    query: Annotated[str, typer.Argument(help="A phone number in any format.")],
    region: Annotated[str | None, typer.Option(help="Region for national formats.")] = None,
    suffix: Annotated[
        bool, typer.Option("--suffix", help="QUERY is the last 4+ digits of the number.")
    ] = False,
    db: DbOption = None,
    reveal: RevealOption = False,
    as_json: JsonOption = False,
) -> None:
    """Find contacts by phone number, whatever its format (or by its last digits)."""
    with open_store(db) as store:
        try:
            found = (
                store.search_phone_suffix(query) if suffix else store.find_by_phone(query, region)
            )
        except ValueError as exc:
            if hasattr(exc, "reason_code"):
                raise
            raise typer.BadParameter(str(exc)) from None
    _print(found, as_json=as_json, reveal=reveal)


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    db: DbOption = None,
    reveal: RevealOption = False,
    as_json: JsonOption = False,
) -> None:
    """List contacts, oldest first."""
    with open_store(db) as store:
        contacts = store.list_contacts(limit=limit, offset=offset)
    _print(contacts, as_json=as_json, reveal=reveal)


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help=".csv or .jsonl (- for stdout)")],
    db: DbOption = None,
    reveal: RevealOption = False,
) -> None:
    """Export every active contact (CSV or JSON Lines); numbers masked unless --reveal."""
    with open_store(db) as store:
        handle = sys.stdout if str(output) == "-" else output.open("w", newline="")
        try:
            _export(
                store,
                handle,
                jsonl=output.suffix.lower() == ".jsonl" or str(output) == "-",
                reveal=reveal,
            )
        finally:
            if handle is not sys.stdout:
                handle.close()


def _export(store: object, handle: IO[str], *, jsonl: bool, reveal: bool) -> None:
    from ringfence.contacts import ContactStore

    assert isinstance(store, ContactStore)
    writer = None if jsonl else csv.writer(handle)
    if writer:
        writer.writerow(["id", "name", "emails", "country", "phones"])
    offset = 0
    while batch := store.list_contacts(limit=1000, offset=offset):
        for contact in batch:
            item = contact.to_dict(reveal=reveal)
            if writer:
                writer.writerow(
                    [
                        item["id"],
                        item["name"],
                        ";".join(item["emails"]),
                        item["country"] or "",
                        ";".join(item["phones"]),
                    ]
                )
            else:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        offset += len(batch)
