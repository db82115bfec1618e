"""The synthetic call log as a CSV file, as the analytics tests read it."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ringfence.testing import synthetic_call_log


def write_call_log(
    path: Path, people: int, calls: int, seed: int, *, junk: Iterable[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Write ``synthetic_call_log(people, calls, seed)`` to ``path`` (times in ISO 8601),
    then the ``junk`` rows (each a change applied to the first row); returns the rows."""
    rows = [
        {**row, "start_time": row["start_time"].isoformat()}
        for row in synthetic_call_log(people, calls, seed=seed).to_pylist()
    ]
    rows += [{**rows[0], **change} for change in junk]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows
