"""``ringfence risk``: explain the risk gate's decision for a number, with its trace; show
conversion per country or prefix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import print_json

if TYPE_CHECKING:
    from ringfence.phone import PhoneNumber
    from ringfence.risk import RiskGate, TrafficSnapshot

app = typer.Typer(help="The risk gate: explain decisions, show conversion.", no_args_is_help=True)
ACTIONS = ["signup", "login", "recovery", "step_up", "phone_change"]


@app.command("explain")
def explain(
    action: Annotated[str, typer.Option(help=f"One of {', '.join(ACTIONS)}.")],
    phone: Annotated[str, typer.Option(help="The number, in any format.")],
    region: Annotated[str | None, typer.Option(help="Default region for national numbers.")] = None,
    channel: Annotated[str, typer.Option(help="sms, voice or whatsapp.")] = "sms",
    ip: Annotated[str | None, typer.Option(help="The end user's IP address.")] = None,
    traffic: Annotated[
        bool, typer.Option(help="Read today's pumping counters from the store.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assess ACTION for PHONE under the configured policy and print the decision trace."""
    from ringfence.errors import ConfigurationError
    from ringfence.phone import normalize
    from ringfence.risk import RiskContext, RiskGate

    if action not in ACTIONS:
        raise ConfigurationError(
            f"--action must be one of {', '.join(ACTIONS)}", reason="bad_action"
        )
    if channel not in ("sms", "voice", "whatsapp"):
        raise ConfigurationError("--channel must be sms, voice or whatsapp", reason="bad_channel")
    number = normalize(phone, region)
    address = _address(ip)
    gate = RiskGate.from_settings()
    try:
        counts = _snapshot(db, number, address, gate) if traffic else None
        context = RiskContext(
            action=action, phone=number, channel=channel, ip=address, traffic=counts
        )
        decision = gate.assess(context)
    finally:
        gate.close()
    if as_json:
        print_json(decision.to_dict())
        return
    typer.echo(
        f"{decision.action.value} (score {decision.score:.2f}) for {action} to {number.masked()}"
    )
    for entry in decision.trace:
        codes = ", ".join(r.code for r in entry.reasons)
        typer.echo(f"  {entry.rule:19} {entry.outcome:12} {codes:24} {entry.note}")


@app.command("conversion")
def conversion(
    scope: Annotated[str, typer.Option(help="country or prefix.")] = "country",
    days: Annotated[int, typer.Option(min=1, max=400, help="UTC days, today included.")] = 14,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Codes sent, approved and refused, and the conversion rate, per country or prefix."""
    from ringfence.crypto import BlindIndexer, load_keyring
    from ringfence.errors import ConfigurationError
    from ringfence.risk.metrics import conversion_report
    from ringfence.risk.traffic import TrafficCounters
    from ringfence.settings import load_settings
    from ringfence.store import make_engine, upgrade

    if scope not in ("country", "prefix"):
        raise ConfigurationError("--scope must be country or prefix", reason="bad_scope")
    settings = load_settings()
    engine = make_engine(db or settings.database_url)
    try:
        upgrade(engine)
        counters = TrafficCounters(engine, BlindIndexer(load_keyring(settings)))
        today = datetime.now(UTC).date()
        report = conversion_report(counters, today, days=days, scope=scope)
    finally:
        engine.dispose()
    if as_json:
        print_json(report)
        return
    typer.echo(f"{scope:10} {'sent':>9} {'verified':>9} {'blocked':>9} {'rate':>7}")
    for row in report["rows"]:
        rate = row["conversion_rate"]
        shown = "-" if rate is None else f"{rate:.1%}"
        typer.echo(
            f"{row['key']:10} {row['sent']:9} {row['verified']:9} {row['blocked']:9} {shown:>7}"
        )


def _address(ip: str | None) -> str | None:
    import ipaddress

    from ringfence.errors import ConfigurationError

    if ip is None:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        raise ConfigurationError("--ip is not an IP address", reason="bad_ip") from None


def _snapshot(
    db: str | None, number: PhoneNumber, ip: str | None, gate: RiskGate
) -> TrafficSnapshot:
    from ringfence.crypto import BlindIndexer, load_keyring
    from ringfence.risk.traffic import TrafficCounters
    from ringfence.settings import load_settings
    from ringfence.store import make_engine, upgrade

    settings = load_settings()
    engine = make_engine(db or settings.database_url)
    try:
        upgrade(engine)
        counters = TrafficCounters(engine, BlindIndexer(load_keyring(settings)))
        keys = counters.keys(number, ip)
        baseline = gate.deps.policy.pumping.baseline_days
        return counters.snapshot(keys, datetime.now(UTC).date(), baseline)
    finally:
        engine.dispose()
