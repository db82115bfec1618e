"""``ringfence analyze``: pseudonymized datasets and aggregate reports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ringfence.cli._output import print_json

if TYPE_CHECKING:
    from ringfence.analytics.engines import AnalyticsEngine
    from ringfence.crypto.pseudonyms import Pseudonymizer

app = typer.Typer(help="Analytics without phone numbers: pseudonymize, geo.", no_args_is_help=True)

Input = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet.")]
Region = Annotated[str | None, typer.Option(help="Default region for national numbers.")]
EngineOption = Annotated[str, typer.Option("--engine", help="duckdb or spark.")]
Master = Annotated[str | None, typer.Option(help="Spark master URL (with --engine spark).")]
Epoch = Annotated[
    int | None, typer.Option(help="Keyring version whose analytics key pseudonymizes.")
]


@contextmanager
def _engine(name: str, spark_master: str | None) -> Iterator[AnalyticsEngine]:
    from ringfence.analytics.engines import open_engine

    runner = open_engine(name, spark_master=spark_master)
    try:
        yield runner
    finally:
        runner.close()


@contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A spinner naming the current stage, on a terminal (silent otherwise)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _name: None
        return
    with console.status("starting") as status:
        yield lambda name: status.update(name)


def _pseudonymizer(epoch: int | None) -> Pseudonymizer:
    from ringfence.crypto import load_keyring
    from ringfence.crypto.pseudonyms import Pseudonymizer
    from ringfence.settings import load_settings

    return Pseudonymizer(load_keyring(load_settings()), epoch)


@app.command("pseudonymize")
def pseudonymize(
    source: Input,
    output: Annotated[Path, typer.Option("-o", "--output", help="The Parquet file to write.")],
    phone_column: Annotated[
        list[str], typer.Option("--phone-column", help="A phone column; repeatable.")
    ],
    region: Region = None,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
    epoch: Epoch = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Replace each phone column COL by COL_pid, COL_country and COL_type (Parquet out)."""
    from ringfence.analytics.pipeline import pseudonymize as run

    pseudonyms = _pseudonymizer(epoch)
    with _engine(engine, spark_master) as runner, _steps() as on_step:
        summary = run(
            runner,
            source,
            output,
            phone_columns=phone_column,
            pseudonyms=pseudonyms,
            region=region,
            on_step=on_step,
        )
    if as_json:
        print_json(summary.to_dict())
    else:
        typer.echo(f"{summary.rows} rows written to {output} (epoch {summary.epoch})")


@app.command("geo")
def geo(
    source: Input,
    phone_column: Annotated[str, typer.Option("--phone-column", help="The phone column.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON report to write.")],
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest cell shown (people).")] = 15,
    region: Region = None,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
    epoch: Epoch = None,
) -> None:
    """Distinct people by country and number type; cells under k people suppressed."""
    from ringfence.analytics.pipeline import geo as run

    pseudonyms = _pseudonymizer(epoch)
    with _engine(engine, spark_master) as runner:
        report = run(
            runner, source, phone_column=phone_column, pseudonyms=pseudonyms, region=region, k=k
        )
    output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    typer.echo(
        f"{len(report['cells'])} cells written to {output}, "
        f"{report['suppressed_cells']} suppressed (k={k})"
    )


@app.command("patterns")
def patterns(
    source: Input,
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON report to write.")],
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest cell shown (people).")] = 15,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
) -> None:
    """Communication patterns of a pseudonymized call log (run pseudonymize with
    --phone-column caller --phone-column callee first); cells under k people suppressed."""
    from ringfence.analytics.patterns import patterns as run

    with _engine(engine, spark_master) as runner:
        report = run(runner, source, k=k)
    output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    typer.echo(f"patterns of {report['events']} events written to {output} (k={k})")


@app.command("release")
def release(
    source: Input,
    phone_column: Annotated[str, typer.Option("--phone-column", help="The phone column.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSON release to write.")],
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest cell published.")] = 15,
    epsilon: Annotated[
        float | None, typer.Option(help="Differential privacy budget (none: no noise).")
    ] = None,
    bound: Annotated[int, typer.Option(min=1, help="Cells one person may count in.")] = 1,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
) -> None:
    """Publishable counts of people by country and number type from a pseudonymized file:
    cells under k suppressed, optionally with differential privacy (epsilon, bound)."""
    from ringfence.analytics.release import release as run

    with _engine(engine, spark_master) as runner:
        report = run(runner, source, phone_column=phone_column, k=k, epsilon=epsilon, bound=bound)
    output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    typer.echo(f"{len(report['cells'])} cells released to {output}")


@app.command("risk")
def risk_meter(
    source: Input,
    pid_column: Annotated[str, typer.Option("--pid-column", help="The pseudonym column.")],
    quasi: Annotated[
        list[str], typer.Option("--quasi-identifier", help="A quasi-identifier; repeatable.")
    ],
    export_to: Annotated[
        Path | None,
        typer.Option("--export", help="Write the rows here if the smallest class reaches k."),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest class an export needs.")] = 15,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
) -> None:
    """Share of people unique on the quasi-identifiers, smallest class; with --export,
    the row-level extract, refused when the smallest class is under k."""
    from ringfence.analytics.release import export, risk

    with _engine(engine, spark_master) as runner:
        if export_to is None:
            report = risk(runner, source, pid_column=pid_column, quasi=quasi)
        else:
            report = export(runner, source, export_to, pid_column=pid_column, quasi=quasi, k=k)
    print_json(report)


@app.command("profile")
def profile(
    source: Input,
    phone_column: Annotated[
        list[str], typer.Option("--phone-column", help="A phone column; repeatable.")
    ],
    region: Region = None,
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest cell shown.")] = 15,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
) -> None:
    """Profile the phone columns: validity, reasons, countries and types (no value shown)."""
    from ringfence.analytics.pipeline import profile as run

    with _engine(engine, spark_master) as runner:
        report = run(runner, source, phone_columns=phone_column, region=region, k=k)
    print_json(report)


def report(
    source: Input,
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    png_dir: Annotated[
        Path | None, typer.Option("--png-dir", help="Also write a PNG of each chart here.")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=2, help="Smallest cell shown (people).")] = 15,
    engine: EngineOption = "duckdb",
    spark_master: Master = None,
) -> None:
    """A self-contained HTML report with charts of a pseudonymized call log (run
    `ringfence analyze pseudonymize --phone-column caller --phone-column callee` first)."""
    from ringfence.analytics.report import build_report, write_html, write_pngs

    with _engine(engine, spark_master) as runner:
        built = build_report(runner, source, k=k)
    write_html(built, output)
    pngs = write_pngs(built, png_dir) if png_dir is not None else []
    typer.echo(
        f"{len(built.charts)} charts written to {output}" + (f", {len(pngs)} PNGs" if pngs else "")
    )
