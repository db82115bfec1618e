"""clean_file: normalize the phone column of a CSV or Parquet file.

Every input row ends up either in the output (a valid number) or in the rejects file (with
its row number and a reason code); :class:`CleanSummary` counts both, and the counts add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.errors import InputFileError
from ringfence.phone.bulk import Progress, normalize_many
from ringfence.tables import BadRow, file_format, read_table, write_table

if TYPE_CHECKING:
    import pyarrow as pa

ADDED_COLUMNS = ("e164", "valid", "reason", "region", "number_type")
REJECT_COLUMNS = ("row", "reason", "column", "raw")


@dataclass(frozen=True)
class CleanSummary:
    """What a clean run did. ``rows_read == rows_written + rows_rejected`` always holds."""

    rows_read: int
    rows_written: int
    rows_rejected: int
    reasons: dict[str, int] = field(default_factory=dict)
    output: Path | None = None
    rejects: Path | None = None
    metadata_version: str = ""
    backend: str = ""


def default_rejects_path(output: Path) -> Path:
    """``clean.csv`` -> ``clean.rejects.csv`` (rejects are always CSV)."""
    return output.with_name(f"{output.stem}.rejects.csv")


def clean_file(
    source: Path,
    output: Path,
    *,
    column: str,
    region: str | None = None,
    region_column: str | None = None,
    rejects: Path | None = None,
    workers: int | None = None,
    backend: str = "auto",
    on_progress: Progress | None = None,
) -> CleanSummary:
    """Normalize ``column`` of ``source`` and write valid rows to ``output``.

    The output keeps every input column and adds ``e164``, ``valid``, ``reason``, ``region``
    and ``number_type``. Rows with an invalid number, or that could not be read at all, go to
    ``rejects`` (default ``<output>.rejects.csv``) with their 1-based data row number.

    Raises:
        InputFileError: the file cannot be read, or a named column is missing.
    """
    rejects_path = rejects or default_rejects_path(output)
    file_format(output), file_format(rejects_path)  # refuse an unknown type before any work
    read = read_table(source)
    table = read.table
    for name in filter(None, (column, region_column)):
        if name not in table.column_names:
            raise InputFileError(
                f"{source.name}: no column {name!r} (columns: {', '.join(table.column_names)})",
                reason="missing_column",
            )
    regions = table.column(region_column) if region_column else None
    result = normalize_many(
        table.column(column),
        region,
        regions=regions,
        workers=workers,
        backend=backend,
        on_progress=on_progress,
    )
    good, bad = _split(table, result.table, read.row_numbers, column)
    bad = _with_unreadable_rows(bad, read.bad_rows)
    write_table(good, output)
    write_table(bad, rejects_path)
    reasons = result.reason_counts()
    for row in read.bad_rows:
        reasons[row.reason] = reasons.get(row.reason, 0) + 1
    return CleanSummary(
        rows_read=table.num_rows + len(read.bad_rows),
        rows_written=good.num_rows,
        rows_rejected=bad.num_rows,
        reasons=reasons,
        output=output,
        rejects=rejects_path,
        metadata_version=result.metadata_version,
        backend=result.backend,
    )


def _split(
    table: pa.Table, normalized: pa.Table, row_numbers: pa.Array, column: str
) -> tuple[pa.Table, pa.Table]:
    import pyarrow as pa
    import pyarrow.compute as pc

    enriched = table
    for name in ADDED_COLUMNS:
        target = name if name not in table.column_names else f"{name}_clean"
        enriched = enriched.append_column(target, normalized.column(name))
    valid = normalized.column("valid")
    good = enriched.filter(valid)
    invalid = pc.invert(valid)
    bad = pa.table(
        {
            "row": row_numbers.filter(invalid.combine_chunks()),
            "reason": normalized.column("reason").filter(invalid),
            "column": pa.repeat(column, int(pc.sum(invalid).as_py() or 0)).cast(pa.string()),
            "raw": table.column(column).filter(invalid),
        }
    )
    return good, bad


def _with_unreadable_rows(bad: pa.Table, unreadable: list[BadRow]) -> pa.Table:
    import pyarrow as pa

    if not unreadable:
        return bad
    extra = pa.table(
        {
            "row": pa.array([b.row for b in unreadable], pa.int64()),
            "reason": pa.array([b.reason for b in unreadable], pa.string()),
            "column": pa.nulls(len(unreadable), pa.string()),
            "raw": pa.array([b.text for b in unreadable], pa.string()),
        }
    )
    merged = pa.concat_tables([bad.cast(extra.schema), extra])
    return merged.sort_by("row")
