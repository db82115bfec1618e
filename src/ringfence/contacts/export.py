"""Export contacts to CSV, XLSX or JSON Lines, safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (CSV injection); such cells get a leading apostrophe,
which spreadsheets show as text. JSON Lines is not for spreadsheets and is left as it is.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ringfence.contacts.store import ContactStore
from ringfence.errors import InputFileError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["id", "external_id", "name", "emails", "country", "organization", "phones"]


def neutralize(cell: str) -> str:
    """Make a cell inert in spreadsheets: prefix formula-like text with an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _records(store: ContactStore, reveal: bool) -> Iterator[dict[str, Any]]:
    offset = 0
    while batch := store.list_contacts(limit=1000, offset=offset):
        for contact in batch:
            yield contact.to_dict(reveal=reveal)
        offset += len(batch)


def _row(item: dict[str, Any]) -> list[str]:
    return [
        neutralize(str(v))
        for v in (
            item["id"],
            item["external_id"] or "",
            item["name"],
            ";".join(item["emails"]),
            item["country"] or "",
            item["organization"] or "",
            ";".join(item["phones"]),
        )
    ]


def export_contacts(store: ContactStore, output: Path | str, *, reveal: bool = False) -> int:
    """Write every active contact to ``output`` (.csv, .xlsx, .jsonl, or ``-`` for JSON Lines
    on stdout); numbers masked unless ``reveal``. Returns how many were written."""
    target = str(output)
    suffix = Path(target).suffix.lower()
    if target != "-" and suffix not in (".csv", ".xlsx", ".jsonl"):
        raise InputFileError("export to .csv, .xlsx or .jsonl", reason="unknown_format")
    if suffix == ".xlsx":
        return _xlsx(store, Path(target), reveal)
    if target == "-":
        return _write(store, sys.stdout, jsonl=True, reveal=reveal)
    with Path(target).open("w", newline="", encoding="utf-8") as handle:
        return _write(store, handle, jsonl=suffix == ".jsonl", reveal=reveal)


def _write(store: ContactStore, handle: IO[str], *, jsonl: bool, reveal: bool) -> int:
    count = 0
    writer = None if jsonl else csv.writer(handle)
    if writer:
        writer.writerow(HEADER)
    for item in _records(store, reveal):
        if writer:
            writer.writerow(_row(item))
        else:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += 1
    return count


def _xlsx(store: ContactStore, path: Path, reveal: bool) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("contacts")
    sheet.append(HEADER)
    count = 0
    for item in _records(store, reveal):
        sheet.append(_row(item))
        count += 1
    book.save(path)
    return count
