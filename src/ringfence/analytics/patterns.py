"""Communication patterns over a pseudonymized call and SMS log (``caller_*`` and
``callee_*`` columns from ``pseudonymize``; ``start_time``, ``duration_s``, ``channel``,
``status``): volumes by hour of day in the callee's local time, the origin-destination
matrix by country, the international share, duration distribution, degree distribution,
reciprocity, and answer and delivery rates by country and line type.

Every cell counts the distinct people (callers) behind it and is suppressed under k; the
report says how many cells each table lost.

The log is read once into an ``events`` table that holds each pseudonym as a 64-bit
fingerprint (the engine's hash), the local hour, and the few columns the tables group by;
the tables are computed from it. Counting distinct fingerprints instead of 32-character
pseudonyms is what makes this fast; two people share a fingerprint with probability about
n²/2⁶⁵ (3·10⁻⁸ for a million people), and a shared one can only lower a count, so
suppression errs on the side of hiding a cell.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ringfence.analytics.engines import AnalyticsEngine, AnalyticsError
from ringfence.analytics.pipeline import DEFAULT_K

NEEDED = (
    "caller_pid",
    "caller_country",
    "caller_type",
    "callee_pid",
    "callee_country",
    "callee_type",
    "callee_tz",
    "start_time",
    "duration_s",
    "channel",
    "status",
)
DURATION_BUCKETS = (0, 10, 30, 60, 180, 600, 1800)
# 1 or 0 as a double (a decimal literal would average to a decimal)
ANSWERED = "CASE WHEN status IN ('answered', 'delivered') THEN CAST(1 AS DOUBLE) ELSE 0E0 END"
ANSWERED_CALL = "channel = 'call' AND status = 'answered'"
BOTH = "WHERE caller IS NOT NULL AND callee IS NOT NULL"


def patterns(engine: AnalyticsEngine, source: Path, *, k: int = DEFAULT_K) -> dict[str, Any]:
    """The communication patterns of a pseudonymized log, every cell k-suppressed."""
    if k < 2:
        raise AnalyticsError("k is at least 2", reason="bad_k")
    columns = engine.load("calls", source)
    missing = [c for c in NEEDED if c not in columns]
    if missing:
        raise AnalyticsError(
            f"not a pseudonymized call log: no column {missing[0]!r} (run pseudonymize first)",
            reason="missing_column",
        )
    engine.materialize("events", _events(engine))
    try:
        # who called whom, once per directed pair: the degrees and reciprocity come from it
        engine.materialize("pairs", f"SELECT DISTINCT caller AS a, callee AS b FROM events {BOTH}")
        return _report(engine, k)
    finally:
        engine.drop("pairs")
        engine.drop("events")


def _events(engine: AnalyticsEngine) -> str:
    """One row per event: caller and callee as fingerprints (null when not a number), the
    callee's local hour, the answered call's seconds, and what the tables group by."""
    dialect = engine.dialect
    hour = dialect.local_hour.format(ts="start_time", tz="callee_tz")

    def person(column: str) -> str:
        fingerprint = dialect.fingerprint.format(column)
        return f"CASE WHEN {column} IS NOT NULL THEN {fingerprint} END"

    return (
        f"SELECT {person('caller_pid')} AS caller, {person('callee_pid')} AS callee, "
        "caller_country, callee_country, callee_type, channel, status, "
        f"CASE WHEN callee_tz IS NOT NULL THEN {hour} END AS hour, "
        # only answered calls have a duration worth a number (and must have one)
        f"CASE WHEN {ANSWERED_CALL} THEN CAST(duration_s AS BIGINT) END AS seconds FROM calls"
    )


def _report(engine: AnalyticsEngine, k: int) -> dict[str, Any]:
    matrix = _rows(
        engine,
        "SELECT caller_country AS origin, callee_country AS destination, count(*) AS events, "
        f"count(DISTINCT caller) AS people FROM events {BOTH} GROUP BY 1, 2",
    )
    degrees = _rows(
        engine,
        "SELECT degree, count(*) AS people FROM "
        "(SELECT a, count(*) AS degree FROM pairs GROUP BY 1) callers GROUP BY 1",
    )
    tables = {
        "hour_of_day": _cells(
            _rows(
                engine,
                "SELECT hour, count(*) AS events, count(DISTINCT caller) AS people "
                "FROM events WHERE hour IS NOT NULL AND caller IS NOT NULL GROUP BY 1",
            ),
            k,
        ),
        "origin_destination": _cells(matrix, k),
        "durations": _cells(
            _rows(
                engine,
                f"SELECT {_bucket()} AS seconds_from, count(*) AS calls, "
                "count(DISTINCT caller) AS people FROM events "
                f"WHERE {ANSWERED_CALL} AND caller IS NOT NULL GROUP BY 1",
            ),
            k,
        ),
        "rates": _cells(
            _rows(
                engine,
                "SELECT callee_country AS country, callee_type AS type, channel, "
                f"count(*) AS events, avg({ANSWERED}) AS rate, count(DISTINCT caller) AS people "
                f"FROM events {BOTH} GROUP BY 1, 2, 3",
            ),
            k,
        ),
        "degrees": _cells(degrees, k),
    }
    # the totals, from every cell before suppression: each event with both people is in
    # one cell of the matrix, each caller in one cell of the degrees
    events = sum(row["events"] for row in matrix)
    international = sum(
        row["events"]
        for row in matrix
        if None not in (row["origin"], row["destination"]) and row["origin"] != row["destination"]
    )
    people = sum(row["people"] for row in degrees)
    return {
        "k": k,
        "events": events,
        "international_share": _round(international / events) if events else None,
        "reciprocity": _reciprocity(engine) if people >= k else None,
        **tables,
    }


def _bucket() -> str:
    cases = " ".join(f"WHEN seconds >= {low} THEN {low}" for low in reversed(DURATION_BUCKETS))
    return f"CASE {cases} END"


def _rows(engine: AnalyticsEngine, query: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = engine.fetch(query).to_pylist()
    return rows


def _cells(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    shown = sorted(
        ({key: _round(value) for key, value in row.items()} for row in rows if row["people"] >= k),
        key=lambda row: [str(value) for value in row.values()],
    )
    return {"cells": shown, "suppressed_cells": len(rows) - len(shown)}


def _reciprocity(engine: AnalyticsEngine) -> float | None:
    """Share of directed caller-callee pairs (not self-calls) whose reverse also occurs."""
    row = engine.fetch(
        "SELECT count(*) AS pairs, sum(CASE WHEN r.a IS NOT NULL THEN 1 ELSE 0 END) AS mutual "
        "FROM pairs p LEFT JOIN pairs r ON p.a = r.b AND p.b = r.a WHERE p.a <> p.b"
    ).to_pylist()[0]
    return _round(row["mutual"] / row["pairs"]) if row["pairs"] else None


def _round(value: Any) -> Any:
    return round(float(value), 4) if isinstance(value, float | Decimal) else value
