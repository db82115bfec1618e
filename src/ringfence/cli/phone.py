"""``ringfence phone``: parse one number, find or redact numbers in text."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ringfence.cli._output import fail, print_json, read_stdin_text, write_stdout_text
from ringfence.errors import RingfenceError
from ringfence.phone import FormatStyle, PhoneNumber, describe, find_numbers, parse, redact

app = typer.Typer(help="Parse, find and redact phone numbers.", no_args_is_help=True)

RegionOption = Annotated[
    str | None, typer.Option("--region", "-r", help="Default region (ISO 3166-1 alpha-2).")
]
LeniencyOption = Annotated[
    str, typer.Option(help="possible, valid, strict_grouping or exact_grouping.")
]


def number_fields(number: PhoneNumber) -> dict[str, Any]:
    """Every field of a parsed number, for display."""
    fields: dict[str, Any] = {
        "e164": number.e164,
        "international": number.format(FormatStyle.INTERNATIONAL),
        "national": number.format(FormatStyle.NATIONAL),
        "rfc3966": number.format(FormatStyle.RFC3966),
        "country_code": number.country_code,
        "national_number": number.national_number,
        "extension": number.extension,
        "region": number.region,
        "number_type": number.number_type.value,
        "valid": number.is_valid,
        "possible": number.is_possible,
        "metadata_version": number.metadata_version,
    }
    if number.is_valid:
        info = describe(number)
        fields.update(
            description=info.description,
            original_carrier=info.original_carrier,
            time_zones=list(info.time_zones),
            destination_code=info.destination_code,
            destination_code_is_place=info.destination_code_is_place,
        )
    return fields


@app.command("parse")
def parse_command(
    raw: Annotated[str, typer.Argument(help="The number as written.")],
    region: RegionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Parse one number and print its fields; exit 2 with the reason code if it is not one."""
    try:
        number = parse(raw, region)
    except RingfenceError as exc:
        fail(exc, as_json=as_json)
    fields = number_fields(number)
    if as_json:
        print_json(fields)
        return
    width = max(map(len, fields))
    for key, value in fields.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key:<{width}}  {'' if shown is None else shown}")


@app.command("find")
def find_command(
    region: RegionOption = None,
    leniency: LeniencyOption = "valid",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read text on stdin and list the phone numbers in it (offset, end, E.164)."""
    matches = _find(read_stdin_text(), region, leniency)
    if as_json:
        print_json(
            [{"start": m.start, "end": m.end, "e164": m.number.e164, "raw": m.raw} for m in matches]
        )
        return
    for match in matches:
        typer.echo(f"{match.start}\t{match.end}\t{match.number.e164}")


@app.command("redact")
def redact_command(
    region: RegionOption = None,
    leniency: LeniencyOption = "possible",
    keep_last: Annotated[int, typer.Option(min=0, max=4, help="Digits left visible.")] = 0,
) -> None:
    """Copy stdin to stdout with the digits of every phone number masked."""
    text = read_stdin_text()
    try:
        write_stdout_text(redact(text, region, leniency, keep_last=keep_last))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _find(text: str, region: str | None, leniency: str) -> list[Any]:
    try:
        return find_numbers(text, region, leniency)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
