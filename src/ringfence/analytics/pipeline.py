"""The analytics pipeline, written once over :mod:`ringfence.analytics.engines`.

``pseudonymize``: read → normalize each phone column (each distinct value once, joined
back) → enrich (country, number type) → pseudonymize (HMAC under the analytics key of an
epoch) → write Parquet, other columns unchanged. ``geo``: distinct people by country and
number type, cells under k people suppressed.

SQL is assembled from identifiers quoted by :func:`quote` only; values never enter it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers.timezone import time_zones_for_number

from ringfence.analytics.engines import ORDINAL, AnalyticsEngine, AnalyticsError, quote
from ringfence.crypto.pseudonyms import Pseudonymizer
from ringfence.phone import normalize, normalize_many
from ringfence.phone.describe import destination_prefix
from ringfence.phone.parsing import to_numobj

DEFAULT_K = 15
FIELDS = ("pid", "country", "type", "area", "tz")
# the mapping's dictionary columns: cast to text once the rows are joined and sorted
FEW_VALUES = ("country", "type", "area", "tz")


@dataclass
class PseudonymizeSummary:
    rows: int
    epoch: int
    columns: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "epoch": self.epoch, "columns": self.columns}


def _distinct(engine: AnalyticsEngine, columns: list[str]) -> pa.Table:
    """Each distinct raw value of the phone columns once (``raw``, as text), with a flag
    ``in_I`` per column: does the value occur in ``columns[I]``. One pass over the input
    for all columns (a number that calls and is called is one row)."""
    text = engine.dialect.text
    values = " UNION ALL ".join(
        f"SELECT CAST({quote(column)} AS {text}) AS raw, {i} AS col FROM src"
        for i, column in enumerate(columns)
    )
    flags = ", ".join(f"bool_or(col = {i}) AS in_{i}" for i in range(len(columns)))
    table = engine.fetch(f"SELECT raw, {flags} FROM ({values}) raws GROUP BY raw")
    return table.set_column(0, "raw", table.column("raw").cast(pa.string()).combine_chunks())


def _mapping(raws: pa.Array, region: str | None, pseudonyms: Pseudonymizer) -> pa.Table:
    """One row per distinct raw value: pseudonym, country, number type, area (country code
    and destination code) and time zone (when the number has one only).

    The columns other than the pseudonym hold few distinct values: they are Arrow
    dictionaries, which DuckDB joins and sorts as dictionary vectors, cheaper than repeated
    strings (the 10M-row write of ``benchmarks/analytics.py``: 12 s instead of 16 s).
    Queries cast them to text last (:data:`FEW_VALUES`), so the output's types never
    depend on how an engine reads dictionaries."""
    result = normalize_many(raws, region).table
    numbers = result.column("e164").to_pylist()
    enriched = [_enrich(e164) for e164 in numbers]
    return pa.table(
        {
            "raw": raws,
            "pid": pa.array(pseudonyms.pids(numbers), pa.string()),
            "country": pc.dictionary_encode(result.column("region")),
            "type": pc.dictionary_encode(result.column("number_type")),
            "area": pa.array([area for area, _zone in enriched], pa.string()).dictionary_encode(),
            "tz": pa.array([zone for _area, zone in enriched], pa.string()).dictionary_encode(),
        }
    )


def _enrich(e164: str | None) -> tuple[str | None, str | None]:
    """Area (country and destination code) and the single time zone of a number, computed
    once per number block: a destination code and a time-zone prefix never reach into the
    last four digits, so every number of a block shares them."""
    if not e164:
        return None, None
    block = e164[:-4]
    facts = _BLOCKS.get(block)
    if facts is None:
        if len(_BLOCKS) >= _MAX_BLOCKS:
            _BLOCKS.clear()
        number = normalize(e164)
        zones = [z for z in time_zones_for_number(to_numobj(number)) if z != "Etc/Unknown"]
        facts = _BLOCKS[block] = (destination_prefix(number), zones[0] if len(zones) == 1 else None)
    return facts


_BLOCKS: dict[str, tuple[str | None, str | None]] = {}
_MAX_BLOCKS = 500_000


def _count(flags: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(flags.cast(pa.int64())).as_py() or 0)


def _check_columns(columns: list[str], wanted: list[str]) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise AnalyticsError(f"no column {missing[0]!r} in the input", reason="missing_column")
    if len(set(wanted)) != len(wanted):
        raise AnalyticsError("a phone column is named twice", reason="duplicate_column")


def pseudonymize(
    engine: AnalyticsEngine,
    source: Path,
    output: Path,
    *,
    phone_columns: list[str],
    pseudonyms: Pseudonymizer,
    region: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> PseudonymizeSummary:
    """Replace each phone column ``C`` by ``C_pid``, ``C_country``, ``C_type``, ``C_area``
    and ``C_tz``. ``on_step`` hears each stage's name (for a progress display)."""
    step = on_step or (lambda _name: None)
    step("reading")
    columns = engine.load("src", source, numbered=True)
    _check_columns(columns, phone_columns)
    summary = PseudonymizeSummary(rows=0, epoch=pseudonyms.epoch)
    step("normalizing and pseudonymizing " + ", ".join(phone_columns))
    # One mapping for all phone columns: a number that calls and is called (most of them)
    # is normalized, enriched and pseudonymized once.
    distinct = _distinct(engine, phone_columns)
    mapping = _mapping(distinct.column("raw").chunk(0), region, pseudonyms)
    engine.register("phone_map", mapping)
    valid = pc.is_valid(mapping.column("pid"))
    joins, added, outer = [], [], []
    for i, column in enumerate(phone_columns):
        alias = f"m{i}"
        joins.append(
            f"LEFT JOIN phone_map {alias} ON CAST(src.{quote(column)} AS {engine.dialect.text}) "
            f"IS NOT DISTINCT FROM {alias}.raw"
        )
        for name in FIELDS:
            target = quote(f"{column}_{name}")
            added.append(f"{alias}.{name} AS {target}")
            text = f"CAST({target} AS {engine.dialect.text})"
            outer.append(f"{text if name in FEW_VALUES else target} AS {target}")
        present = distinct.column(f"in_{i}")
        summary.columns[column] = {
            "distinct": _count(present),
            "valid_distinct": _count(pc.and_(present, valid)),
        }
    kept = [quote(c) for c in columns if c not in phone_columns]
    # a join does not keep row order: the view numbers the input rows, sort by that last
    ordered = (
        f"SELECT {', '.join([f'src.{c}' for c in kept] + added)} FROM src {' '.join(joins)} "
        f"ORDER BY src.{ORDINAL}"
    )
    query = f"SELECT {', '.join(kept + outer)} FROM ({ordered}) ordered"
    step("writing")
    summary.rows = engine.write_parquet(query, output)
    return summary


def geo(
    engine: AnalyticsEngine,
    source: Path,
    *,
    phone_column: str,
    pseudonyms: Pseudonymizer,
    region: str | None = None,
    k: int = DEFAULT_K,
) -> dict[str, Any]:
    """Distinct people by country and number type; a cell with fewer than ``k`` people is
    suppressed (only how many cells were is said). Reads a raw file or one made by
    :func:`pseudonymize` (its ``COL_pid``, ``COL_country``, ``COL_type`` columns)."""
    if k < 2:
        raise AnalyticsError("k is at least 2", reason="bad_k")
    columns = engine.load("src", source)
    pid, country, kind = (phone_column + suffix for suffix in ("_pid", "_country", "_type"))
    if not {pid, country, kind} <= set(columns):
        _check_columns(columns, [phone_column])
        raws = _distinct(engine, [phone_column]).column("raw").chunk(0)
        engine.register("map_0", _mapping(raws, region, pseudonyms))
        people = (
            f"SELECT m.pid AS pid, CAST(m.country AS {engine.dialect.text}) AS country, "
            f"CAST(m.type AS {engine.dialect.text}) AS type FROM src "
            f"JOIN map_0 m ON CAST(src.{quote(phone_column)} AS {engine.dialect.text}) "
            "IS NOT DISTINCT FROM m.raw WHERE m.pid IS NOT NULL"
        )
    else:
        people = (
            f"SELECT {quote(pid)} AS pid, {quote(country)} AS country, {quote(kind)} AS type "
            f"FROM src WHERE {quote(pid)} IS NOT NULL"
        )
    counts = engine.fetch(
        f"SELECT coalesce(country, '001') AS country, type, count(DISTINCT pid) AS people "
        f"FROM ({people}) GROUP BY 1, 2 ORDER BY people DESC, country, type"
    ).to_pylist()
    shown = [row for row in counts if row["people"] >= k]
    return {
        "k": k,
        "epoch": pseudonyms.epoch,
        "cells": shown,
        "suppressed_cells": len(counts) - len(shown),
    }


def profile(
    engine: AnalyticsEngine,
    source: Path,
    *,
    phone_columns: list[str],
    region: str | None = None,
    k: int = DEFAULT_K,
) -> dict[str, Any]:
    """Per phone column: rows, empty values, distinct values, the share that are valid
    numbers, rejection reasons, and distinct numbers by country and type (cells under k
    suppressed). No value is shown."""
    if k < 2:
        raise AnalyticsError("k is at least 2", reason="bad_k")
    columns = engine.load("src", source)
    _check_columns(columns, phone_columns)
    report: dict[str, Any] = {"k": k, "columns": {}}
    for column in phone_columns:
        counts = engine.fetch(
            f"SELECT count(*) AS rows, count({quote(column)}) AS filled, "
            f"count(DISTINCT {quote(column)}) AS distinct_values FROM src"
        ).to_pylist()[0]
        distinct = engine.fetch(f"SELECT DISTINCT {quote(column)} AS raw FROM src")
        result = normalize_many(distinct.column("raw").cast(pa.string()), region)
        table = result.table
        valid = [row for row in table.to_pylist() if row["valid"]]
        cells: dict[tuple[str, str], set[str]] = {}
        for row in valid:
            cells.setdefault((row["region"] or "001", row["number_type"]), set()).add(row["e164"])
        shown: list[dict[str, Any]] = [
            {"country": key[0], "type": key[1], "numbers": len(numbers)}
            for key, numbers in sorted(cells.items())
            if len(numbers) >= k
        ]
        report["columns"][column] = {
            "rows": counts["rows"],
            "empty": counts["rows"] - counts["filled"],
            "distinct_values": counts["distinct_values"],
            "valid_distinct_numbers": len({row["e164"] for row in valid}),
            "reasons_by_distinct_value": result.reason_counts(),
            "by_country_and_type": sorted(shown, key=lambda c: -c["numbers"]),
            "suppressed_cells": len(cells) - len(shown),
        }
    return report
