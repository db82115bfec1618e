"""``ringfence contacts``: add, show, find, list and export customer profiles, and check
whether their numbers were reassigned.

Numbers are masked in every output unless ``--reveal`` is given.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli._common import DbOption, JsonOption, open_store
from ringfence.cli._output import print_json
from ringfence.contacts import Contact
from ringfence.contacts.dedupe import DEFAULT_THRESHOLD, find_duplicates, store_records
from ringfence.contacts.export import export_contacts
from ringfence.contacts.freshness import parse_age, stale_phones
from ringfence.contacts.importer import import_contacts
from ringfence.contacts.merge import merge_contacts, unmerge
from ringfence.contacts.quality import quality_report, report_html
from ringfence.errors import RingfenceError

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
        except RingfenceError:
            raise  # reported with its reason code by the command group
        except ValueError as exc:  # a too-short suffix: a usage error
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
    output: Annotated[
        str, typer.Option("--output", "-o", help=".csv, .xlsx or .jsonl (- for stdout)")
    ],
    db: DbOption = None,
    reveal: RevealOption = False,
) -> None:
    """Export active contacts; numbers masked unless --reveal, formulas neutralized."""
    with open_store(db) as store:
        count = export_contacts(store, output, reveal=reveal)
    if output != "-":
        typer.echo(f"exported {count} contacts to {output}", err=True)


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help=".csv, .tsv, .xlsx, .jsonl or .parquet")],
    db: DbOption = None,
    id_column: Annotated[
        str | None, typer.Option(help="Column kept as each contact's external id.")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN, repeatable (fields: name, given_name, "
            "family_name, email, phone, country, organization, address).",
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region for national numbers of rows without a country.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Override the sniffed encoding.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Override the sniffed delimiter.")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Rejects file (default: SOURCE-name.rejects.csv).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import contacts; every row is created, updated, merged, unchanged or rejected."""
    mapping: dict[str, list[str]] = {}
    for item in map_ or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise typer.BadParameter(f"--map takes FIELD=COLUMN, not {item!r}")
        mapping.setdefault(field.strip(), []).append(column.strip())
    console = Console(stderr=True)
    with open_store(db) as store, _Progress(console) as progress:
        report = import_contacts(
            store,
            source,
            id_column=id_column,
            mapping=mapping,
            region=region,
            dry_run=dry_run,
            encoding=encoding,
            delimiter=delimiter,
            on_progress=progress,
        )
    rejects_path = rejects or Path(f"{source.stem}.rejects.csv")
    if report.rejects:
        with rejects_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "column", "reason"])
            writer.writerows([r.row, r.column or "", r.reason] for r in report.rejects)
    summary = report.to_dict()
    summary["rejects_file"] = str(rejects_path) if report.rejects else None
    if as_json:
        print_json(summary)
        return
    table = Table(
        title="ringfence contacts import" + (" (dry run)" if dry_run else ""), show_header=False
    )
    for key in ("rows", "created", "updated", "merged", "unchanged", "rejected"):
        table.add_row(key, f"{summary[key]:,}")
    if report.rejects:
        table.add_row("rejects file", str(rejects_path))
    console.print(table)


@app.command("stale")
def stale(
    older_than: Annotated[str, typer.Option(help="Age, e.g. 180d, 6w, 12h.")] = "180d",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List active numbers to re-verify: never verified, or verified too long ago."""
    try:
        age = parse_age(older_than)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with open_store(db) as store:
        items = stale_phones(store, age)
    payload = [
        {
            "contact_id": str(i.contact_id),
            "name": i.contact_name,
            "phone_id": str(i.phone_id),
            "number": i.number.masked(),
            "last_verified_at": i.last_verified_at,
        }
        for i in items
    ]
    if as_json:
        print_json(payload)
        return
    for item in payload:
        typer.echo(
            f"{item['contact_id']}  {item['name']}  {item['number']}  "
            f"{item['last_verified_at'] or 'never verified'}"
        )


@app.command("quality")
def quality(
    db: DbOption = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML page with charts.")
    ] = None,
    not_verified_days: Annotated[int, typer.Option(min=1)] = 365,
    as_json: JsonOption = False,
) -> None:
    """Report phone data quality: counts and masked examples per check."""
    with open_store(db) as store:
        report = quality_report(store, not_verified_days=not_verified_days)
    if html_path is not None:
        html_path.write_text(report_html(report), encoding="utf-8")
    data = report.to_dict()
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['contacts']} contacts, {data['phones']} numbers")
    for name, check in data["checks"].items():
        examples = ", ".join(e["number"] for e in check["examples"])
        typer.echo(f"{name:<28} {check['count']:>7}  {examples}")


@app.command("dedupe")
def dedupe(
    db: DbOption = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Match probability cut-off.")
    ] = DEFAULT_THRESHOLD,
    auto_merge_above: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Merge clusters above this.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose clusters of duplicate contacts, with match probability and reasons."""
    with open_store(db) as store:
        records, shown = store_records(store)
        clusters = find_duplicates(records, threshold=threshold)
        merged = 0
        if auto_merge_above is not None:
            for cluster in clusters:
                if cluster.probability >= auto_merge_above:
                    survivor, *others = cluster.ids
                    for other in others:
                        merge_contacts(
                            store,
                            survivor,
                            other,
                            probability=cluster.probability,
                            reasons=cluster.reasons,
                        )
                        merged += 1
    payload: dict[str, Any] = {
        "clusters": [
            {
                "ids": [shown[i] for i in c.ids],
                "probability": round(c.probability, 6),
                "reasons": c.reasons,
            }
            for c in clusters
        ],
        "merged": merged,
    }
    if as_json:
        print_json(payload)
        return
    for cluster in payload["clusters"]:
        typer.echo(
            f"{cluster['probability']:.4f}  {' '.join(cluster['ids'])}  "
            f"{', '.join(cluster['reasons'])}"
        )
    typer.echo(f"{len(clusters)} clusters, {merged} merges", err=True)


@app.command("merge")
def merge(
    survivor: Annotated[str, typer.Argument(help="Contact that stays.")],
    other: Annotated[str, typer.Argument(help="Contact merged into it.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge OTHER into SURVIVOR (every phone kept; most recently verified is primary)."""
    with open_store(db) as store:
        record = merge_contacts(store, survivor, other)
        contact = store.get_contact(survivor)
    if as_json:
        print_json({"merge_id": str(record), "contact": contact.to_dict()})
    else:
        typer.echo(f"merged; undo with `ringfence contacts unmerge {other}` (merge {record})")


@app.command("unmerge")
def unmerge_(
    merged: Annotated[str, typer.Argument(help="The merged contact's id, or the merge id.")],
    db: DbOption = None,
) -> None:
    """Undo a merge from its record."""
    with open_store(db) as store:
        restored = unmerge(store, merged)
    typer.echo(f"restored contact {restored}")


class _Progress:
    """Rows-read counter on a terminal, nothing otherwise."""

    def __init__(self, console: Console) -> None:
        self._status = console.status("importing ...") if console.is_terminal else None

    def __enter__(self) -> Any:
        if self._status is None:
            return None
        self._status.start()
        return lambda n: self._status.update(f"importing ... {n:,} rows") if self._status else None

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


class Checker(StrEnum):
    FCC = "fcc"
    TWILIO = "twilio"


@app.command("check-reassigned")
def check_reassigned(
    checker: Annotated[
        Checker,
        typer.Option(
            help="fcc: the FCC Reassigned Numbers Database (RINGFENCE_RND_*); "
            "twilio: Twilio Lookup (RINGFENCE_TWILIO_*)."
        ),
    ] = Checker.FCC,
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Ask since this day (default: each number's "
            "last verification, else when it was added).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask whether each active number changed hands; a yes marks it reassigned and revokes
    every consent it held (audited)."""
    from ringfence.compliance.reassigned import TwilioReassignedChecker, check_all_points
    from ringfence.compliance.rnd import FccRndChecker

    asker = FccRndChecker() if checker is Checker.FCC else TwilioReassignedChecker()
    try:
        with open_store(db) as store:
            answers = check_all_points(
                store, asker, since=since.date() if since else None, actor="operator"
            )
    finally:
        asker.close()
    counts = Counter(a.answer.value if a.answer else "not_covered" for a in answers)
    summary = {k: counts.get(k, 0) for k in ("yes", "no", "no_data", "not_covered")}
    if as_json:
        print_json({**summary, "points": [a.to_dict() for a in answers]})
        return
    for answer in answers:
        if answer.answer is not None and answer.answer.value == "yes":
            typer.echo(f"reassigned: {answer.masked} (contact {answer.contact_id})")
    typer.echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items()))
