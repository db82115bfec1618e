"""``ringfence clean``: normalize the phone column of a CSV or Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ringfence.clean import CleanSummary, clean_file
from ringfence.cli._output import fail
from ringfence.errors import RingfenceError


def clean(
    source: Annotated[Path, typer.Argument(help="Input file (.csv or .parquet).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file (.csv/.parquet).")],
    column: Annotated[str, typer.Option(help="Column holding the phone numbers.")] = "phone",
    region: Annotated[
        str | None, typer.Option(help="Default region for national-format numbers.")
    ] = None,
    region_column: Annotated[
        str | None, typer.Option(help="Column holding each row's default region.")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Rejects file (default OUTPUT.rejects.csv).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: CPUs).")] = None,
) -> None:
    """Normalize phone numbers to E.164; valid rows to OUTPUT, the others to the rejects."""
    console = Console(stderr=True)
    try:
        with _ProgressBar(console) as on_progress:
            summary = clean_file(
                source,
                output,
                column=column,
                region=region,
                region_column=region_column,
                rejects=rejects,
                workers=workers,
                on_progress=on_progress,  # type: ignore[arg-type]
            )
    except RingfenceError as exc:
        fail(exc)
    console.print(_summary_table(summary))


class _ProgressBar:
    """A progress bar on a terminal, nothing otherwise."""

    def __init__(self, console: Console) -> None:
        self._bar = (
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            if console.is_terminal
            else None
        )
        self._task: int | None = None

    def __enter__(self) -> object:
        if self._bar is None:
            return None
        self._bar.start()
        self._task = self._bar.add_task("normalizing distinct values", total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        assert self._bar is not None
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)  # type: ignore[arg-type]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _summary_table(summary: CleanSummary) -> Table:
    table = Table(title="ringfence clean", show_header=False)
    table.add_column("what")
    table.add_column("rows", justify="right")
    table.add_row("read", f"{summary.rows_read:,}")
    table.add_row(f"written to {summary.output}", f"{summary.rows_written:,}")
    table.add_row(f"rejected to {summary.rejects}", f"{summary.rows_rejected:,}")
    for reason, count in sorted(summary.reasons.items()):
        table.add_row(f"  {reason}", f"{count:,}")
    table.add_row("metadata", f"libphonenumber {summary.metadata_version} ({summary.backend})")
    return table
