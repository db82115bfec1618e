"""``ringfence campaign audience``: who may receive a campaign, and why not the others."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption, open_store
from ringfence.cli._output import print_json
from ringfence.compliance.model import ComplianceError, ContactChannel, ContactPurpose

app = typer.Typer(help="Campaigns: audiences under consent and suppression.", no_args_is_help=True)


@app.command("audience")
def audience(
    channel: Annotated[str, typer.Option(help="sms, voice or whatsapp.")],
    purpose: Annotated[str, typer.Option(help="marketing, informational or transactional.")],
    brand: Annotated[str, typer.Option(help="The brand sending it.")],
    at: Annotated[
        str | None, typer.Option(help="Send time, ISO 8601 (default: now; no offset: UTC).")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Only numbers of this region; repeatable.")
    ] = None,
    window: Annotated[str, typer.Option(help="Local send window, HH:MM-HH:MM.")] = "08:00-21:00",
    verified_within: Annotated[
        str | None, typer.Option(help="Exclude numbers not verified within, e.g. 365d.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the contacts a campaign may reach and, with a reason code, every other one."""
    from ringfence.compliance.audience import Campaign, eligible_recipients

    campaign = Campaign(
        channel=ContactChannel(_choice(channel, "channel", tuple(ContactChannel))),
        purpose=ContactPurpose(_choice(purpose, "purpose", tuple(ContactPurpose))),
        brand=brand,
        regions=tuple(region or ()),
        at=_moment(at),
        window=_window(window),
        verified_within=_age(verified_within),
    )
    with open_store(db) as store:
        result = eligible_recipients(store, campaign)
    if as_json:
        print_json(result.to_dict())
        return
    typer.echo(f"{len(result.included)} included, {len(result.excluded)} excluded")
    for contact, reason in result.excluded:
        typer.echo(f"  {contact} {reason}")


def _age(text: str | None) -> timedelta | None:
    from ringfence.contacts.freshness import parse_age

    if text is None:
        return None
    try:
        return parse_age(text)
    except ValueError:
        raise ComplianceError("--verified-within is like 365d", reason="bad_age") from None


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ComplianceError(f"--{name} must be one of {', '.join(allowed)}", reason=f"bad_{name}")
    return value


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ComplianceError("--at is not an ISO 8601 time", reason="bad_time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _window(text: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ComplianceError("--window is HH:MM-HH:MM", reason="bad_window") from None
    return start, end
