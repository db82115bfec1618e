"""``ringfence consent`` and ``ringfence suppression``: the consent ledger and the
suppression lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import print_json

if TYPE_CHECKING:
    from ringfence.compliance import ConsentLedger, Suppressions

consent_app = typer.Typer(help="The consent ledger: grant, revoke, status.", no_args_is_help=True)
suppression_app = typer.Typer(
    help="Suppression lists and do-not-call registries.", no_args_is_help=True
)

Phone = Annotated[str, typer.Option("--phone", help="The number, in any format.")]
Region = Annotated[str | None, typer.Option(help="Default region for national numbers.")]
Channel = Annotated[str, typer.Option(help="sms, voice or whatsapp.")]
Purpose = Annotated[str, typer.Option(help="marketing, informational or transactional.")]
Brand = Annotated[str, typer.Option(help="The brand the consent is for.")]
Actor = Annotated[str | None, typer.Option(help="Who records this (for the audit log).")]


@contextmanager
def _opened(db: str | None) -> Iterator[tuple[ConsentLedger, Suppressions]]:
    from ringfence.compliance import ConsentLedger, Suppressions
    from ringfence.crypto import load_keyring
    from ringfence.settings import load_settings
    from ringfence.store import make_engine, upgrade

    settings = load_settings()
    engine = make_engine(db or settings.database_url)
    try:
        upgrade(engine)
        keyring = load_keyring(settings)
        yield ConsentLedger(engine, keyring), Suppressions(engine, keyring)
    finally:
        engine.dispose()


def _record(
    kind: str,
    phone: str,
    region: str | None,
    selectors: dict[str, str],
    evidence_options: dict[str, str | None],
    received_at: datetime | None,
    actor: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    from ringfence.compliance import ConsentKind, Evidence, LawfulBasis
    from ringfence.compliance.model import ComplianceError

    try:
        basis = LawfulBasis(evidence_options.pop("lawful_basis") or "consent")
    except ValueError:
        raise ComplianceError("unknown --lawful-basis", reason="bad_lawful_basis") from None
    method = evidence_options.pop("method") or "cli"
    evidence = Evidence(method=method, lawful_basis=basis, **evidence_options)
    with _opened(db) as (ledger, _lists):
        event = ledger.record(
            phone,
            ConsentKind(kind),
            region=region,
            evidence=evidence,
            received_at=received_at,
            actor=actor,
            **selectors,
        )
    summary = {k: v for k, v in event.to_dict().items() if k != "evidence"}
    if as_json:
        print_json(summary)
    else:
        deadline = f", to honour by {summary['deadline']}" if summary["deadline"] else ""
        typer.echo(f"{kind} recorded (event {event.id}){deadline}")


@consent_app.command("grant")
def grant(
    phone: Phone,
    channel: Channel,
    purpose: Purpose,
    brand: Brand,
    evidence: Annotated[str, typer.Option(help="What the person was shown or said.")],
    region: Region = None,
    method: Annotated[str | None, typer.Option(help="web_form, sms_keyword, ivr, ...")] = None,
    lawful_basis: Annotated[
        str | None, typer.Option(help="consent (default), contract, ...")
    ] = None,
    disclosure_version: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option(help="The form or page it came from.")] = None,
    received_at: Annotated[
        datetime | None, typer.Option(help="When the person gave it (default: now).")
    ] = None,
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record consent to contact PHONE by CHANNEL for PURPOSE and BRAND."""
    options = {
        "disclosure_text": evidence,
        "disclosure_version": disclosure_version,
        "source": source,
        "method": method,
        "lawful_basis": lawful_basis,
    }
    selectors = {"channel": channel, "purpose": purpose, "brand": brand}
    _record("grant", phone, region, selectors, options, _aware(received_at), actor, db, as_json)


@consent_app.command("revoke")
def revoke(
    phone: Phone,
    channel: Channel,
    purpose: Purpose,
    brand: Brand,
    region: Region = None,
    evidence: Annotated[str | None, typer.Option(help="What the person said.")] = None,
    method: Annotated[str | None, typer.Option(help="sms_stop, call, email, ...")] = None,
    received_at: Annotated[
        datetime | None, typer.Option(help="When the person asked (default: now).")
    ] = None,
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that consent to contact PHONE by CHANNEL for PURPOSE and BRAND is withdrawn."""
    options = {"note": evidence, "method": method, "lawful_basis": None}
    selectors = {"channel": channel, "purpose": purpose, "brand": brand}
    _record("revoke", phone, region, selectors, options, _aware(received_at), actor, db, as_json)


@consent_app.command("status")
def status(
    phone: Phone,
    channel: Channel,
    purpose: Purpose,
    brand: Brand,
    region: Region = None,
    at: Annotated[datetime | None, typer.Option(help="At this moment (default: now).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Whether PHONE may be contacted by CHANNEL for PURPOSE and BRAND."""
    with _opened(db) as (ledger, _lists):
        state = ledger.state(
            phone, channel=channel, purpose=purpose, brand=brand, region=region, at=_aware(at)
        )
    if as_json:
        print_json(state.to_dict())
    else:
        typer.echo(
            ("granted" if state.granted else "not granted")
            + (f" (event {state.event_id} of {state.since:%Y-%m-%d})" if state.since else "")
        )


@suppression_app.command("add")
def add(
    phone: Phone,
    brand: Annotated[str, typer.Option(help="The brand, or 'all'.")],
    channel: Annotated[str, typer.Option(help="sms, voice, whatsapp, or 'all'.")],
    region: Region = None,
    reason: Annotated[str | None, typer.Option(help="Why (no phone number in it).")] = None,
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put PHONE on the internal do-not-contact list for BRAND and CHANNEL."""
    with _opened(db) as (_ledger, lists):
        added = lists.add(
            phone,
            brand=_all(brand),
            channel=_all(channel),
            reason=reason,
            region=region,
            actor=actor,
        )
    if as_json:
        print_json({"added": added})
    else:
        typer.echo("suppressed" if added else "already suppressed")


@suppression_app.command("check")
def check(
    phone: Phone,
    brand: Brand,
    channel: Channel,
    region: Region = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The entries that forbid contacting PHONE (exit 1 when there is one); fails when a
    registry covering the number is out of date."""
    with _opened(db) as (_ledger, lists):
        found = lists.check(phone, brand=brand, channel=channel, region=region)
    if as_json:
        print_json([entry.to_dict() for entry in found])
    else:
        for entry in found:
            typer.echo(f"{entry.list_name}: brand {entry.brand}, channel {entry.channel}")
        if not found:
            typer.echo("not suppressed")
    if found:
        raise typer.Exit(1)


@suppression_app.command("import")
def import_registry(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The registry file.")],
    registry: Annotated[str, typer.Option(help="US (area-code files) or UK (TPS-style).")],
    version: Annotated[str, typer.Option(help="The registry's version or file name.")],
    registry_date: Annotated[
        datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="The registry's date.")
    ],
    actor: Actor = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace a national do-not-call registry's entries with a full-list file."""
    from ringfence.compliance.suppression import read_registry_file

    with _opened(db) as (_ledger, lists):
        report = lists.import_registry(
            read_registry_file(path),
            registry=registry.upper(),
            version=version,
            registry_date=date.fromordinal(registry_date.toordinal()),
            actor=actor,
        )
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(f"{report.accepted} numbers imported, {len(report.rejects)} lines rejected")
        for line, reason in report.rejects[:20]:
            typer.echo(f"  line {line}: {reason}", err=True)


def _all(value: str) -> str:
    return "*" if value.lower() == "all" else value


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
