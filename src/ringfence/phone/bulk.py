"""normalize_many: bulk normalization that never raises on a bad row.

Real data repeats numbers heavily (a call log names the same few numbers millions of times),
so each distinct (value, region) pair is normalized once and the results are joined back by
index with Arrow's ``take``. Large inputs are spread over a process pool.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringfence.phone._backend import get_backend
from ringfence.phone._rows import Columns, normalize_rows

if TYPE_CHECKING:
    import pyarrow as pa

Progress = Callable[[int, int], None]

# Below this many distinct pairs a pool costs more (start-up, metadata warm-up) than it saves.
PARALLEL_THRESHOLD = 50_000
_MIN_CHUNK = 10_000
_CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class NormalizeResult:
    """Output of :func:`normalize_many`.

    Attributes:
        table: one row per input row, in input order, with the columns ``e164`` (null unless
            valid), ``valid``, ``reason`` (null when valid), ``region``, ``number_type``,
            ``country_code`` and ``extension``.
        metadata_version: libphonenumber metadata release that produced the results.
        backend: ``reference`` or ``fast``.
        distinct: how many distinct (value, region) pairs were normalized.
    """

    table: pa.Table
    metadata_version: str
    backend: str
    distinct: int

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as dicts, in input order."""
        rows: list[dict[str, Any]] = self.table.to_pylist()
        return rows

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def reason_counts(self) -> dict[str, int]:
        """How many rows were refused, per reason code."""
        import pyarrow.compute as pc

        counts = pc.value_counts(self.table.column("reason").drop_null())
        return {str(item["values"]): int(item["counts"]) for item in counts.to_pylist()}


def normalize_many(
    values: Iterable[object],
    region: str | None = None,
    *,
    regions: Iterable[str | None] | None = None,
    workers: int | None = None,
    backend: str = "auto",
    on_progress: Progress | None = None,
) -> NormalizeResult:
    """Normalize many raw values at once; each row gets the fields or a reason code.

    Args:
        values: raw strings (a list, any iterable, or a pyarrow string array). ``None`` and
            non-string values are rows too: integers are read as digits, anything else is
            refused with ``not_a_number``.
        region: default region for numbers in national form.
        regions: per-row default region (same length as ``values``); a null entry falls back
            to ``region``.
        workers: process-pool size; ``None`` uses every CPU, ``1`` stays in this process.
        backend: ``auto`` (fast when the ``fast`` extra is installed), ``reference`` or
            ``fast``.
        on_progress: called as ``on_progress(done, total)`` in distinct pairs.
    """
    chosen = get_backend(backend)
    value_array = _as_string_array(values)
    region_array = _region_array(regions, region, len(value_array))
    pair_values, pair_regions, row_to_pair = _distinct_pairs(value_array, region_array)
    columns = _normalize_pairs(chosen.name, pair_values, pair_regions, workers, on_progress)
    distinct_table = _columns_to_table(columns)
    table = distinct_table.take(row_to_pair) if len(row_to_pair) else distinct_table.slice(0, 0)
    return NormalizeResult(
        table=table,
        metadata_version=chosen.metadata_version,
        backend=chosen.name,
        distinct=len(pair_values),
    )


def _coerce_scalar(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return None


def _as_string_array(values: Iterable[object]) -> pa.Array:
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
            return values.cast(pa.string())
        if pa.types.is_string(values.type):
            return values
        values = values.to_pylist()
    items = values if isinstance(values, list) else list(values)
    try:
        return pa.array(items, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([_coerce_scalar(v) for v in items], type=pa.string())


def _clean_region(region: str | None) -> str | None:
    if not isinstance(region, str) or not region.strip():
        return None
    return region.strip().upper()


def _region_array(regions: Iterable[str | None] | None, default: str | None, n: int) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    default = _clean_region(default)
    if regions is None:
        return pa.nulls(n, pa.string()) if default is None else pa.repeat(default, n)
    array = _as_string_array(regions)
    if len(array) != n:
        raise ValueError(f"regions has {len(array)} entries for {n} values")
    array = pc.utf8_upper(pc.utf8_trim_whitespace(array))
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return array if default is None else pc.fill_null(array, default)


def _distinct_pairs(
    values: pa.Array, regions: pa.Array
) -> tuple[list[str | None], list[str | None], pa.Array]:
    """Distinct (value, region) pairs, and for each row the index of its pair."""
    import pyarrow as pa
    import pyarrow.compute as pc

    value_codes = pc.dictionary_encode(values)
    region_codes = pc.dictionary_encode(regions)
    n_values = len(value_codes.dictionary) + 1  # one extra slot stands for null
    n_regions = len(region_codes.dictionary) + 1
    v_idx = pc.fill_null(value_codes.indices.cast(pa.int64()), n_values - 1)
    r_idx = pc.fill_null(region_codes.indices.cast(pa.int64()), n_regions - 1)
    keys = pc.add(pc.multiply(v_idx, n_regions), r_idx)
    key_codes = pc.dictionary_encode(keys)
    unique_keys = key_codes.dictionary
    value_dict = [*value_codes.dictionary.to_pylist(), None]
    region_dict = [*region_codes.dictionary.to_pylist(), None]
    pair_values = [value_dict[k] for k in pc.divide(unique_keys, n_regions).to_pylist()]
    pair_regions = [region_dict[k] for k in pc.remainder(unique_keys, n_regions).to_pylist()]
    return pair_values, pair_regions, key_codes.indices


def _pool_size(workers: int | None, n_pairs: int) -> int:
    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        workers = cpus or 1
    if workers < 1:
        raise ValueError("workers must be >= 1")
    if n_pairs < PARALLEL_THRESHOLD:
        return 1
    return min(workers, max(1, n_pairs // _MIN_CHUNK))


def _normalize_pairs(
    backend_name: str,
    values: list[str | None],
    regions: list[str | None],
    workers: int | None,
    on_progress: Progress | None,
) -> Columns:
    total = len(values)
    size = _pool_size(workers, total)
    if size == 1:
        columns = normalize_rows(backend_name, values, regions)
        if on_progress:
            on_progress(total, total)
        return columns
    n_chunks = size * _CHUNKS_PER_WORKER
    step = max(_MIN_CHUNK, -(-total // n_chunks))
    bounds = [(start, min(start + step, total)) for start in range(0, total, step)]
    parts: dict[int, Columns] = {}
    done = 0
    with ProcessPoolExecutor(max_workers=size, mp_context=_pool_context()) as pool:
        futures = {
            pool.submit(normalize_rows, backend_name, values[a:b], regions[a:b]): i
            for i, (a, b) in enumerate(bounds)
        }
        for future in as_completed(futures):
            index = futures[future]
            parts[index] = future.result()
            done += bounds[index][1] - bounds[index][0]
            if on_progress:
                on_progress(done, total)
    merged: Columns = ([], [], [], [], [], [], [])
    for index in range(len(bounds)):
        part = parts.pop(index)
        for position, target in enumerate(merged):
            target.extend(part[position])  # type: ignore[attr-defined]
    return merged


def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: forking a process that runs Arrow's thread pools is unsafe.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _columns_to_table(columns: Columns) -> pa.Table:
    import pyarrow as pa

    e164, valid, reason, region, number_type, country_code, extension = columns
    return pa.table(
        {
            "e164": pa.array(e164, pa.string()),
            "valid": pa.array(valid, pa.bool_()),
            "reason": pa.array(reason, pa.string()),
            "region": pa.array(region, pa.string()),
            "number_type": pa.array(number_type, pa.string()),
            "country_code": pa.array(country_code, pa.int32()),
            "extension": pa.array(extension, pa.string()),
        }
    )
