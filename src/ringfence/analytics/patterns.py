"""Communication patterns over a pseudonymized call and SMS log (``caller_*`` and
``callee_*`` columns from ``pseudonymize``; ``start_time``, ``duration_s``, ``channel``,
``status``): volumes by hour of day in the callee's local time, the origin-destination
matrix by country, the international share, duration distribution, degree distribution,
reciprocity, and answer and delivery rates by country and line type.

Every cell counts the distinct people (callers) behind it and is suppressed under k; the
report says how many cells each table lost.
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
INTERNATIONAL = "CASE WHEN caller_country <> callee_country THEN CAST(1 AS DOUBLE) ELSE 0E0 END"


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
    hour = engine.dialect.local_hour.format(ts="start_time", tz="callee_tz")
    tables = {
        "hour_of_day": _cells(
            engine,
            f"SELECT {hour} AS hour, count(*) AS events, count(DISTINCT caller_pid) AS people "
            "FROM calls WHERE callee_tz IS NOT NULL AND caller_pid IS NOT NULL GROUP BY 1",
            k,
        ),
        "origin_destination": _cells(
            engine,
            "SELECT caller_country AS origin, callee_country AS destination, count(*) AS events, "
            "count(DISTINCT caller_pid) AS people FROM calls "
            "WHERE caller_pid IS NOT NULL AND callee_pid IS NOT NULL GROUP BY 1, 2",
            k,
        ),
        "durations": _cells(
            engine,
            f"SELECT {_bucket()} AS seconds_from, count(*) AS calls, "
            "count(DISTINCT caller_pid) AS people FROM (SELECT caller_pid, "
            "CAST(duration_s AS BIGINT) AS seconds FROM calls WHERE channel = 'call' "
            "AND status = 'answered' AND caller_pid IS NOT NULL) answered GROUP BY 1",
            k,
        ),
        "rates": _cells(
            engine,
            "SELECT callee_country AS country, callee_type AS type, channel, count(*) AS events, "
            f"avg({ANSWERED}) AS rate, "
            "count(DISTINCT caller_pid) AS people FROM calls "
            "WHERE callee_pid IS NOT NULL AND caller_pid IS NOT NULL GROUP BY 1, 2, 3",
            k,
        ),
        "degrees": _cells(
            engine,
            "SELECT degree, count(*) AS people FROM (SELECT caller_pid, "
            "count(DISTINCT callee_pid) AS degree FROM calls WHERE caller_pid IS NOT NULL "
            "AND callee_pid IS NOT NULL GROUP BY 1) GROUP BY 1",
            k,
        ),
    }
    summary = engine.fetch(
        "SELECT count(*) AS events, "
        f"avg({INTERNATIONAL}) AS international, "
        "count(DISTINCT caller_pid) AS people FROM calls "
        "WHERE caller_pid IS NOT NULL AND callee_pid IS NOT NULL"
    ).to_pylist()[0]
    return {
        "k": k,
        "events": summary["events"],
        "international_share": _round(summary["international"]),
        "reciprocity": _reciprocity(engine) if summary["people"] >= k else None,
        **tables,
    }


def _bucket() -> str:
    cases = " ".join(f"WHEN seconds >= {low} THEN {low}" for low in reversed(DURATION_BUCKETS))
    return f"CASE {cases} END"


def _cells(engine: AnalyticsEngine, query: str, k: int) -> dict[str, Any]:
    if "duration_s_int" in query:
        query = query.replace(
            "FROM calls",
            "FROM (SELECT *, CAST(duration_s AS BIGINT) AS duration_s_int FROM calls) calls",
        )
    rows = engine.fetch(query).to_pylist()
    shown = sorted(
        ({key: _round(value) for key, value in row.items()} for row in rows if row["people"] >= k),
        key=lambda row: [str(value) for value in row.values()],
    )
    return {"cells": shown, "suppressed_cells": len(rows) - len(shown)}


def _reciprocity(engine: AnalyticsEngine) -> float | None:
    """Share of directed caller-callee pairs whose reverse pair also occurs."""
    row = engine.fetch(
        "WITH pairs AS (SELECT DISTINCT caller_pid AS a, callee_pid AS b FROM calls "
        "WHERE caller_pid IS NOT NULL AND callee_pid IS NOT NULL AND caller_pid <> callee_pid) "
        "SELECT count(*) AS pairs, sum(CASE WHEN r.a IS NOT NULL THEN 1 ELSE 0 END) AS mutual "
        "FROM pairs p LEFT JOIN pairs r ON p.a = r.b AND p.b = r.a"
    ).to_pylist()[0]
    return _round(row["mutual"] / row["pairs"]) if row["pairs"] else None


def _round(value: Any) -> Any:
    return round(float(value), 4) if isinstance(value, float | Decimal) else value
