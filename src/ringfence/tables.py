"""Reading and writing tabular files (CSV, Parquet) for batch jobs.

Every cell is read as text, so leading zeros and ``+`` signs survive. Rows that cannot be
read (wrong number of fields, bytes that are not UTF-8) are not dropped: they come back as
:class:`BadRow` records for the job's reject report.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.errors import InputFileError

if TYPE_CHECKING:
    import pyarrow as pa

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class BadRow:
    """A row the reader could not turn into a record: 1-based data row number and why."""

    row: int
    reason: str
    text: str


@dataclass(frozen=True)
class ReadResult:
    """The readable rows (``table``, with their 1-based ``row_numbers``) and the bad ones."""

    table: pa.Table
    row_numbers: pa.Array
    bad_rows: list[BadRow]


def file_format(path: Path) -> str:
    """``csv`` or ``parquet`` from the file name; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise InputFileError(
        f"{path.name}: unknown file type {suffix or '(none)'}: use .csv or .parquet",
        reason="unknown_format",
    )


def read_table(path: Path) -> ReadResult:
    """Read a CSV or Parquet file with every column as text.

    Raises:
        InputFileError: the file is missing, empty, or not a readable file of its type.
    """
    if not path.is_file():
        raise InputFileError(f"{path}: no such file", reason="file_not_found")
    kind = file_format(path)
    return _read_parquet(path) if kind == "parquet" else _read_csv(path)


def _read_parquet(path: Path) -> ReadResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"{path.name}: not a readable Parquet file ({type(exc).__name__})",
            reason="unreadable_file",
        ) from None
    table = _as_text_columns(table)
    return ReadResult(table, pa.array(range(1, table.num_rows + 1), pa.int64()), [])


def _as_text_columns(table: pa.Table) -> pa.Table:
    import pyarrow as pa

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type):
            columns.append(column)
        elif pa.types.is_integer(column.type) or pa.types.is_large_string(column.type):
            columns.append(column.cast(pa.string()))
        else:
            columns.append(pa.chunked_array([pa.array(map(_text_or_none, column.to_pylist()))]))
    return pa.table(columns, names=table.column_names)


def _text_or_none(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_header(path: Path, delimiter: str) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter))
        except StopIteration:
            raise InputFileError(f"{path.name}: the file is empty", reason="empty_file") from None
        except csv.Error:
            raise InputFileError(f"{path.name}: unreadable header", reason="bad_header") from None
    names = [name.strip() for name in header]
    if not any(names):
        raise InputFileError(f"{path.name}: the header row is empty", reason="bad_header")
    if len(set(names)) != len(names):
        raise InputFileError(f"{path.name}: duplicate column names", reason="bad_header")
    return names


def _read_csv(path: Path) -> ReadResult:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    names = _csv_header(path, delimiter)
    bad: list[BadRow] = []

    def on_invalid_row(row: pcsv.InvalidRow) -> str:
        number = (row.number or 0) - 1  # pyarrow counts the header as row 1
        bad.append(BadRow(number, "malformed_row", row.text))
        return "skip"

    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                use_threads=False, column_names=names, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid_row, newlines_in_values=True
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.binary() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"{path.name}: not a readable CSV file ({type(exc).__name__})",
            reason="unreadable_file",
        ) from None
    bad_numbers = {b.row for b in bad}
    total = table.num_rows + len(bad)
    numbers = [n for n in range(1, total + 1) if n not in bad_numbers]
    table, numbers = _decode_utf8(table, numbers, bad)
    bad.sort(key=lambda b: b.row)
    return ReadResult(table, pa.array(numbers, pa.int64()), bad)


def _decode_utf8(
    table: pa.Table, numbers: list[int], bad: list[BadRow]
) -> tuple[pa.Table, list[int]]:
    """Cast binary columns to text; rows with bytes that are not UTF-8 become bad rows."""
    import pyarrow as pa

    try:
        return table.cast(pa.schema([(n, pa.string()) for n in table.column_names])), numbers
    except pa.ArrowInvalid:
        pass
    rows = table.to_pylist()
    keep: list[int] = []
    for index, row in enumerate(rows):
        try:
            for value in row.values():
                value.decode("utf-8")
        except UnicodeDecodeError:
            text = ",".join(v.decode("utf-8", "replace") for v in row.values())
            bad.append(BadRow(numbers[index], "invalid_utf8", text))
        else:
            keep.append(index)
    kept = table.take(pa.array(keep, pa.int64()))
    schema = pa.schema([(n, pa.string()) for n in table.column_names])
    return kept.cast(schema), [numbers[i] for i in keep]


def write_table(table: pa.Table, path: Path) -> None:
    """Write ``table`` as CSV or Parquet, chosen by the file name."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    kind = file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        pq.write_table(table, path)
    else:
        pcsv.write_csv(table, path)
