"""``ringfence audit``: check the audit log's hash chain."""

from __future__ import annotations

import typer

from ringfence.cli._common import DbOption, JsonOption
from ringfence.cli._output import print_json

app = typer.Typer(help="The audit log: verify its hash chain.", no_args_is_help=True)


@app.command("verify")
def verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recompute the chains: exit 0 when intact, 1 naming the first bad entry. Keep the
    lanes' heads (``--json``: lane, seq, hash) elsewhere: later, each lane must still hold
    that hash at that sequence number."""
    from ringfence.settings import load_settings
    from ringfence.store import make_engine, upgrade
    from ringfence.store.audit import verify_chain

    engine = make_engine(db or load_settings().database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            report = verify_chain(connection)
    finally:
        engine.dispose()
    if as_json:
        print_json(report.to_dict())
    elif report.ok:
        typer.echo(f"intact: {report.entries} entries, heads {report.head_seq} {report.head_hash}")
    else:
        where = f"lane {report.bad_lane} entry {report.bad_seq}"
        where += f" (row id {report.bad_id})" if report.bad_id else ""
        typer.echo(f"BROKEN at {where}: {report.problem}", err=True)
    if not report.ok:
        raise typer.Exit(1)
