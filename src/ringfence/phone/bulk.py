"""normalize_many: bulk normalization that never raises on a bad row.

Real data repeats numbers heavily (a call log names the same few numbers millions of times),
so each distinct (value, region) pair is normalized once and the results are joined back by
index with Arrow's ``take``. Many distinct pairs go first through the columnar path
(``_columnar``: the same algorithm over whole columns); the pairs it declines, and small
inputs, are normalized row by row, large inputs over a process pool.
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

from ringfence.phone._backend import Backend, get_backend
from ringfence.phone._rows import Columns, normalize_rows

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

Progress = Callable[[int, int], None]

# Below this many distinct pairs the columnar path's fixed cost (a few Arrow calls per region
# met, about 1 ms each) outweighs what it saves over the per-row path.
COLUMNAR_THRESHOLD = 20_000
# Below this many distinct pairs a pool costs more than it saves: starting it takes about
# 0.3 s, and each worker prepares the metadata of the regions it meets (up to 0.5 s).
PARALLEL_THRESHOLD = 100_000
_MIN_CHUNK = 10_000
WORKER_MEMORY_BYTES = 600 * 2**20
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
        columnar: how many of those the columnar path answered (same results, same
            metadata; the rest went row by row through the backend).
    """

    table: pa.Table
    metadata_version: str
    backend: str
    distinct: int
    columnar: int = 0

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
        workers: process-pool size (and threads of the columnar path); ``None`` uses every
            CPU, ``1`` stays in this process on one thread.
        backend: ``auto`` (fast when the ``fast`` extra is installed), ``reference`` or
            ``fast``.
        on_progress: called as ``on_progress(done, total)`` in distinct pairs.
    """
    import pyarrow as pa

    from ringfence.phone._strings import numbers

    chosen = get_backend(backend)
    value_array = _as_string_array(values)
    region_array = _region_array(regions, region, len(value_array))
    pair_values, pair_regions, row_to_pair = _distinct_pairs(value_array, region_array)
    total = len(pair_values)
    answered, answered_table = _columnar_part(chosen, pair_values, pair_regions, workers)
    if on_progress and len(answered):
        on_progress(len(answered), total)
    rest = _declined(answered, total)
    rest_indices = numbers(rest, pa.int64())
    rest_table = _per_row_part(
        chosen.name,
        pair_values.take(rest_indices),
        pair_regions.take(rest_indices),
        workers,
        _offset_progress(on_progress, len(answered), total),
    )
    table = _in_row_order(answered, answered_table, rest, rest_table, row_to_pair)
    return NormalizeResult(
        table=table,
        metadata_version=chosen.metadata_version,
        backend=chosen.name,
        distinct=total,
        columnar=len(answered),
    )


def _columnar_part(
    chosen: Backend, values: pa.Array, regions: pa.Array, workers: int | None
) -> tuple[np.ndarray, pa.Table | None]:
    """The pairs the columnar path answers (positions, result rows); none when the input is
    small or the backend's metadata is not the one the columnar path reads."""
    import numpy as np

    if len(values) < COLUMNAR_THRESHOLD or not columnar_matches(chosen):
        return np.zeros(0, np.int64), None
    from ringfence.phone._columnar import normalize_columnar

    return normalize_columnar(values, regions, threads=workers)


def columnar_matches(chosen: Backend) -> bool:
    """Whether the columnar path gives this backend's results: it reads phonenumbers'
    metadata, so the backend must carry the same release."""
    import phonenumbers

    return chosen.metadata_version == phonenumbers.__version__


def _declined(answered: np.ndarray, total: int) -> np.ndarray:
    import numpy as np

    declined = np.ones(total, bool)
    declined[answered] = False
    return np.flatnonzero(declined)


def _offset_progress(on_progress: Progress | None, done: int, total: int) -> Progress | None:
    if on_progress is None:
        return None
    return lambda more, _rest_total: on_progress(done + more, total)


def _per_row_part(
    backend_name: str,
    values: pa.Array,
    regions: pa.Array,
    workers: int | None,
    on_progress: Progress | None,
) -> pa.Table:
    size = _pool_size(workers, len(values))
    pool = _start_pool(size)
    try:
        return _normalize_pairs(backend_name, values, regions, pool, size, on_progress)
    finally:
        _stop_pool(pool)


def _in_row_order(
    answered: np.ndarray,
    answered_table: pa.Table | None,
    rest: np.ndarray,
    rest_table: pa.Table,
    row_to_pair: pa.Array,
) -> pa.Table:
    """Both parts as one table with a row per input row (one ``take`` for both steps)."""
    import numpy as np
    import pyarrow as pa

    from ringfence.phone._strings import numbers, to_ints

    if answered_table is None or len(answered) == 0:
        return rest_table.take(row_to_pair)
    combined = pa.concat_tables([answered_table, rest_table])
    place_of_pair = np.empty(len(answered) + len(rest), np.int64)
    place_of_pair[np.concatenate([answered, rest])] = np.arange(len(place_of_pair))
    return combined.take(numbers(place_of_pair[to_ints(row_to_pair)], pa.int64()))


def _coerce_scalar(value: object) -> str | None:
    """A value as text to parse, or None (refused as not_a_number)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if _is_utf8(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return None


def _is_utf8(text: str) -> bool:
    """False for a string with a lone surrogate (it has no UTF-8 form)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_string_array(values: Iterable[object]) -> pa.Array:
    import pyarrow as pa

    from ringfence.phone._strings import strings, strings_from_python

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
            return values.cast(pa.string())
        if pa.types.is_string(values.type):
            return values
        values = values.to_pylist()
    items = values if isinstance(values, list) else list(values)
    built = strings_from_python(items)
    if built is None:  # other kinds of items, or strings without a UTF-8 form
        built = strings(list(map(_coerce_scalar, items)))
    return built


def _clean_region(region: str | None) -> str | None:
    if not isinstance(region, str) or not region.strip():
        return None
    return region.strip().upper()


def _region_array(regions: Iterable[str | None] | None, default: str | None, n: int) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    from ringfence.phone._strings import numbers, string_scalar

    default = _clean_region(default)
    if regions is None:
        nulls = pa.nulls(n, pa.string())
        return nulls if default is None else pc.fill_null(nulls, string_scalar(default))
    array = _as_string_array(regions)
    if len(array) != n:
        raise ValueError(f"regions has {len(array)} entries for {n} values")
    array = pc.utf8_upper(pc.utf8_trim_whitespace(array))
    blank = pc.equal(pc.utf8_length(array), numbers([0], pa.int32())[0])
    array = pc.if_else(blank, string_scalar(None), array)
    return array if default is None else pc.fill_null(array, string_scalar(default))


def _distinct_pairs(values: pa.Array, regions: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Distinct (value, region) pairs as two arrays, and for each row the index of its pair.

    Arrow's hash kernels and numpy: no Python object per row is made here."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ringfence.phone._strings import numbers, to_ints

    value_codes = pc.dictionary_encode(values)
    region_codes = pc.dictionary_encode(regions)
    n_regions = len(region_codes.dictionary) + 1  # the last code stands for null
    # A null value gets its own key (-1 * n_regions + region), distinct from every value.
    v_idx = to_ints(value_codes.indices, null_as=-1)
    r_idx = to_ints(region_codes.indices, null_as=n_regions - 1)
    key_codes = pc.dictionary_encode(numbers(v_idx * n_regions + r_idx, pa.int64()))
    unique_keys = to_ints(key_codes.dictionary)
    value_index, region_index = np.divmod(unique_keys, n_regions)
    return (
        value_codes.dictionary.take(numbers(value_index, pa.int64(), null=unique_keys < 0)),
        region_codes.dictionary.take(
            numbers(region_index, pa.int64(), null=region_index == n_regions - 1)
        ),
        key_codes.indices,
    )


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _available_memory() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _pool_size(workers: int | None, n_pairs: int) -> int:
    """Workers for ``n_pairs`` distinct pairs: CPUs by default, capped by free memory."""
    if workers is not None and workers < 1:
        raise ValueError("workers must be >= 1")
    if n_pairs < PARALLEL_THRESHOLD:
        return 1
    if workers is None:
        workers = usable_cpus()
        free = _available_memory()
        if free is not None:
            # A worker of the fast backend holds about 0.5 GB once it has met every region.
            workers = max(1, min(workers, free // WORKER_MEMORY_BYTES))
    return min(workers, max(1, n_pairs // _MIN_CHUNK))


def _start_pool(size: int) -> ProcessPoolExecutor | None:
    if size < 2:
        return None
    return ProcessPoolExecutor(max_workers=size, mp_context=_pool_context())


def _stop_pool(pool: ProcessPoolExecutor | None) -> None:
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def normalize_chunk(backend_name: str, values: pa.Array, regions: pa.Array) -> Columns:
    """Normalize one chunk of pairs into column lists (runs in a pool worker or inline).

    The Arrow table is built by the caller: building one from Python lists makes pyarrow
    import pandas when it is installed (a second or more), which each worker would pay."""
    return normalize_rows(backend_name, values.to_pylist(), regions.to_pylist())


def _normalize_pairs(
    backend_name: str,
    values: pa.Array,
    regions: pa.Array,
    pool: ProcessPoolExecutor | None,
    size: int,
    on_progress: Progress | None,
) -> pa.Table:
    import pyarrow as pa

    total = len(values)
    if pool is None:
        table = _columns_to_table(normalize_chunk(backend_name, values, regions))
        if on_progress:
            on_progress(total, total)
        return table
    n_chunks = size * _CHUNKS_PER_WORKER
    step = max(_MIN_CHUNK, -(-total // n_chunks))
    bounds = [(start, min(start + step, total)) for start in range(0, total, step)]
    futures = {
        pool.submit(
            normalize_chunk, backend_name, _compact(values, a, b), _compact(regions, a, b)
        ): i
        for i, (a, b) in enumerate(bounds)
    }
    parts: dict[int, pa.Table] = {}
    done = 0
    for future in as_completed(futures):
        index = futures[future]
        parts[index] = _columns_to_table(future.result())
        done += bounds[index][1] - bounds[index][0]
        if on_progress:
            on_progress(done, total)
    return pa.concat_tables([parts[i] for i in range(len(bounds))])


def _compact(array: pa.Array, start: int, stop: int) -> pa.Array:
    """``array[start:stop]`` in buffers of its own: a slice pickles every buffer it views
    (the whole input, for each chunk sent to a worker)."""
    import pyarrow as pa

    return pa.concat_arrays([array.slice(start, stop - start)])


def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: forking a process that runs Arrow's thread pools is unsafe. The server
    # imports the hot loop once; workers fork from it with nothing left to import.
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ringfence.phone._rows", "ringfence.phone.bulk"])
        return context
    return multiprocessing.get_context("spawn")


def _columns_to_table(columns: Columns) -> pa.Table:
    import numpy as np
    import pyarrow as pa

    from ringfence.phone._strings import bools, numbers

    e164, valid, reason, region, number_type, country_code, extension = columns
    return pa.table(
        {
            "e164": _strings(e164),
            "valid": bools(np.array(valid, bool)),
            "reason": _strings(reason),
            "region": _strings(region),
            "number_type": _strings(number_type),
            "country_code": numbers(
                [code or 0 for code in country_code],
                pa.int32(),
                null=np.array([code is None for code in country_code], bool),
            ),
            "extension": _strings(extension),
        }
    )


def _strings(items: list[Any]) -> pa.Array:
    import pyarrow as pa

    from ringfence.phone._strings import strings_from_python

    built = strings_from_python(items)
    return built if built is not None else pa.array(items, pa.string())
