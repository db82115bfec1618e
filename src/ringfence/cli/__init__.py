"""The ``ringfence`` command line: a thin shell over the library.

Each command calls one library function. Errors that ringfence raises on purpose are printed
as one line with their reason code and exit with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from ringfence.cli import (
    analyze,
    audit,
    campaign,
    clean,
    compliance,
    contacts,
    dsar,
    keys,
    phone,
    retention,
    risk,
    server,
    users,
)
from ringfence.cli._output import fail
from ringfence.errors import RingfenceError


class _Commands(TyperGroup):
    """Turns every error ringfence raises on purpose into one line and exit status 2."""

    def invoke(self, ctx: Any) -> Any:  # typer's click Context
        try:
            return super().invoke(ctx)
        except RingfenceError as exc:
            fail(exc)


app = typer.Typer(
    cls=_Commands,
    name="ringfence",
    help="Phone numbers as customer data: clean, verify, analyze — privately.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(phone.app, name="phone")
app.add_typer(contacts.app, name="contacts")
app.add_typer(keys.app, name="keys")
app.command(name="clean")(clean.clean)
app.command(name="serve")(server.serve)
app.add_typer(server.apikeys_app, name="apikeys")
app.command(name="outbox")(server.outbox)
app.add_typer(risk.app, name="risk")
app.add_typer(audit.app, name="audit")
app.add_typer(compliance.consent_app, name="consent")
app.add_typer(compliance.suppression_app, name="suppression")
app.add_typer(campaign.app, name="campaign")
app.add_typer(dsar.app, name="dsar")
app.add_typer(retention.app, name="retention")
app.add_typer(users.app, name="users")
app.add_typer(analyze.app, name="analyze")
app.command("report")(analyze.report)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except RingfenceError as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
