"""Read import files row by row: CSV (encoding and dialect sniffed), Excel, JSON Lines,
Parquet. A row that cannot be read becomes a :class:`Unreadable` record, never a crash."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ringfence.errors import InputFileError

Row = dict[str, str | None]
MAX_FIELD = 1_000_000  # characters in one CSV cell


@dataclass(frozen=True)
class Unreadable:
    """A row the reader could not parse: 1-based data row number and a reason code."""

    row: int
    reason: str


@dataclass
class Table:
    """Headers and an iterator of (row number, row or Unreadable)."""

    headers: list[str]
    rows: Iterator[tuple[int, Row | Unreadable]]
    encoding: str | None = None
    delimiter: str | None = None


def open_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Open ``path`` by its extension: .csv/.tsv/.txt, .xlsx, .jsonl/.ndjson, .parquet."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such file", reason="file_not_found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _csv(path, encoding, delimiter)
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl(path, encoding)
    if suffix in (".parquet", ".pq"):
        return _parquet(path)
    raise InputFileError(
        f"{path.name}: unknown file type: use .csv, .xlsx, .jsonl or .parquet",
        reason="unknown_format",
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else charset-normalizer's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    return best.encoding if best is not None else "latin-1"


def _csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(f"{path.name}: the file is empty", reason="empty_file")
    encoding = encoding or detect_encoding(data)
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        raise InputFileError(f"unknown encoding {encoding!r}", reason="bad_encoding") from None
    if delimiter is None:
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                text[:64_000], delimiters=",;\t|"
            )
        except csv.Error:
            dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
        delimiter = str(dialect.delimiter)
    else:
        dialect = csv.excel
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), dialect, delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise InputFileError(f"{path.name}: unreadable header", reason="bad_header") from None
    _check_headers(path, headers)
    return Table(headers, _csv_rows(reader, headers), encoding, delimiter)


def _csv_rows(
    reader: Iterator[list[str]], headers: list[str]
) -> Iterator[tuple[int, Row | Unreadable]]:
    number = 0
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield number, Unreadable(number, "malformed_row")
            continue
        if not any(f.strip() for f in fields):
            number -= 1  # blank lines are not rows
            continue
        if len(fields) != len(headers):
            yield number, Unreadable(number, "malformed_row")
            continue
        yield number, {h: _text(v) for h, v in zip(headers, fields, strict=True)}


def _check_headers(path: Path, headers: list[str]) -> None:
    if not any(headers):
        raise InputFileError(f"{path.name}: the header row is empty", reason="bad_header")
    if len(set(headers)) != len(headers):
        raise InputFileError(f"{path.name}: duplicate column names", reason="bad_header")


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many unrelated types on a bad file
        raise InputFileError(
            f"{path.name}: not a readable .xlsx file", reason="unreadable_file"
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise InputFileError(f"{path.name}: the sheet is empty", reason="empty_file") from None
    _check_headers(path, headers)

    def iterate() -> Iterator[tuple[int, Row | Unreadable]]:
        number = 0
        for values in rows:
            if values is None or all(v is None for v in values):
                continue
            number += 1
            padded = list(values) + [None] * (len(headers) - len(values))
            yield number, {h: _text(v) for h, v in zip(headers, padded, strict=False)}
        book.close()

    return Table(headers, iterate())


def _jsonl(path: Path, encoding: str | None) -> Table:
    data = path.read_bytes()
    text = data.decode(encoding or detect_encoding(data), errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputFileError(f"{path.name}: the file is empty", reason="empty_file")
    headers: list[str] = []
    parsed: list[object] = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        parsed.append(item)
        if isinstance(item, dict):
            headers.extend(k for k in item if k not in headers)

    def iterate() -> Iterator[tuple[int, Row | Unreadable]]:
        for number, item in enumerate(parsed, start=1):
            if not isinstance(item, dict):
                yield number, Unreadable(number, "malformed_json")
                continue
            yield (
                number,
                {
                    h: _text(item.get(h))
                    if not isinstance(item.get(h), (dict, list))
                    else json.dumps(item.get(h))
                    for h in headers
                },
            )

    return Table(headers, iterate())


def _parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise InputFileError(
            f"{path.name}: not a readable Parquet file", reason="unreadable_file"
        ) from None
    headers = list(parquet.schema_arrow.names)

    def iterate() -> Iterator[tuple[int, Row | Unreadable]]:
        number = 0
        for batch in parquet.iter_batches(batch_size=10_000):
            for item in batch.to_pylist():
                number += 1
                yield number, {h: _text(item.get(h)) for h in headers}

    return Table(headers, iterate())
