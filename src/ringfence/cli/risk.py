"""``ringfence risk explain``: the risk gate's decision for a number, with its trace."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.cli._common import JsonOption
from ringfence.cli._output import print_json

app = typer.Typer(help="The risk gate: explain decisions.", no_args_is_help=True)
ACTIONS = ["signup", "login", "recovery", "step_up", "phone_change"]


@app.command("explain")
def explain(
    action: Annotated[str, typer.Option(help=f"One of {', '.join(ACTIONS)}.")],
    phone: Annotated[str, typer.Option(help="The number, in any format.")],
    region: Annotated[str | None, typer.Option(help="Default region for national numbers.")] = None,
    channel: Annotated[str, typer.Option(help="sms, voice or whatsapp.")] = "sms",
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
    gate = RiskGate.from_settings()
    try:
        decision = gate.assess(RiskContext(action=action, phone=number, channel=channel))
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
        typer.echo(f"  {entry.rule:10} {entry.outcome:12} {codes:24} {entry.note}")
