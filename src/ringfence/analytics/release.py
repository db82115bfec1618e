"""Releases and row-level extracts under re-identification control.

``release``: distinct people by country and number type, over the *public* set of cells
(every region libphonenumber knows x every number type), optionally with differential
privacy — discrete Laplace noise from OpenDP, scale = contribution bound / epsilon — then
cells under k suppressed (post-processing: the privacy guarantee holds). Each person counts
in at most ``bound`` cells (the first ones, in cell order), which bounds the sensitivity.

``risk``: the share of pseudonyms unique on chosen quasi-identifiers, and the smallest
equivalence class (the data's k-anonymity). ``export`` writes a row-level extract only when
that smallest class reaches the configured k.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ringfence.analytics.engines import AnalyticsEngine, AnalyticsError, quote
from ringfence.analytics.pipeline import DEFAULT_K
from ringfence.phone import NumberType


def _public_cells() -> list[tuple[str, str]]:
    import phonenumbers

    regions = [*sorted(phonenumbers.SUPPORTED_REGIONS), "001"]
    return [(region, kind.value) for region in regions for kind in NumberType]


def _noise(epsilon: float, bound: int) -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.atom_domain(T=int), dp.absolute_distance(T=int)
    return space >> dp.m.then_laplace(scale=bound / epsilon)


def release(
    engine: AnalyticsEngine,
    source: Path,
    *,
    phone_column: str,
    k: int = DEFAULT_K,
    epsilon: float | None = None,
    bound: int = 1,
) -> dict[str, Any]:
    """A k-suppressed (and, with ``epsilon``, differentially private) count of distinct
    people by country and number type, from a pseudonymized file."""
    if k < 2 or bound < 1 or (epsilon is not None and not 0 < epsilon <= 10):
        raise AnalyticsError("k >= 2, bound >= 1, 0 < epsilon <= 10", reason="bad_release")
    columns = engine.load("src", source)
    pid, country, kind = (quote(phone_column + s) for s in ("_pid", "_country", "_type"))
    if not {phone_column + s for s in ("_pid", "_country", "_type")} <= set(columns):
        raise AnalyticsError("release reads a pseudonymized file", reason="missing_column")
    # a person counts in at most `bound` cells: the first ones in cell order
    rows = engine.fetch(
        "SELECT country, type, count(*) AS people FROM (SELECT country, type, row_number() "
        "OVER (PARTITION BY pid ORDER BY country, type) AS n FROM (SELECT DISTINCT "
        f"coalesce({country}, '001') AS country, {kind} AS type, {pid} AS pid FROM src "
        f"WHERE {pid} IS NOT NULL) people) bounded WHERE n <= {int(bound)} GROUP BY 1, 2"
    ).to_pylist()
    counts = {(row["country"], row["type"]): int(row["people"]) for row in rows}
    measure = _noise(epsilon, bound) if epsilon is not None else None
    cells: list[dict[str, Any]] = []
    for key in _public_cells() if measure is not None else sorted(counts):
        value = counts.get(key, 0)
        released = int(measure(value)) if measure is not None else value
        if released >= k:
            cells.append({"country": key[0], "type": key[1], "people": released})
    cells.sort(key=lambda c: (-c["people"], c["country"], c["type"]))
    return {
        "k": k,
        "differential_privacy": None
        if epsilon is None
        else {
            "mechanism": "discrete Laplace (OpenDP)",
            "epsilon": epsilon,
            "contribution_bound": bound,
            "scale": bound / epsilon,
            "cells": "every region x number type, published or not",
        },
        "cells": cells,
    }


def risk(
    engine: AnalyticsEngine, source: Path, *, pid_column: str, quasi: list[str]
) -> dict[str, Any]:
    """How identifiable the pseudonyms are by ``quasi`` columns."""
    columns = engine.load("src", source)
    missing = [c for c in [pid_column, *quasi] if c not in columns]
    if missing or not quasi:
        raise AnalyticsError(
            f"no column {missing[0]!r}" if missing else "name a quasi-identifier",
            reason="missing_column",
        )
    keys = ", ".join(quote(c) for c in quasi)
    stats = engine.fetch(
        f"WITH people AS (SELECT DISTINCT {quote(pid_column)} AS pid, {keys} FROM src "
        f"WHERE {quote(pid_column)} IS NOT NULL), classes AS (SELECT {keys}, count(*) AS size "
        f"FROM people GROUP BY {keys}) SELECT count(*) AS classes, min(size) AS smallest, "
        f"sum(CASE WHEN size = 1 THEN 1 ELSE 0 END) AS unique_people, sum(size) AS people "
        f"FROM classes"
    ).to_pylist()[0]
    people = int(stats["people"] or 0)
    return {
        "quasi_identifiers": quasi,
        "people": people,
        "classes": int(stats["classes"] or 0),
        "smallest_class": int(stats["smallest"] or 0),
        "unique_share": round(int(stats["unique_people"] or 0) / people, 4) if people else 0.0,
    }


def export(
    engine: AnalyticsEngine,
    source: Path,
    output: Path,
    *,
    pid_column: str,
    quasi: list[str],
    k: int = DEFAULT_K,
) -> dict[str, Any]:
    """Write a row-level extract of ``source`` only if every equivalence class on
    ``quasi`` holds at least ``k`` people; otherwise refuse, saying how far it is."""
    meter = risk(engine, source, pid_column=pid_column, quasi=quasi)
    if meter["smallest_class"] < k:
        raise AnalyticsError(
            f"re-identification risk: the smallest class has {meter['smallest_class']} people "
            f"(k={k}); {meter['unique_share']:.1%} of people are unique on these columns",
            reason="reidentification_risk",
        )
    rows = engine.write_parquet("SELECT * FROM src", output)
    return {**meter, "rows": rows, "k": k}
