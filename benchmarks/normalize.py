"""Benchmark: normalize_many against the naive per-row loop people write today.

Two corpora, generated locally and deterministically:

* distinct: N messy numbers, all different, from every region (default 1,000,000);
* call log: M values drawn from K numbers with a Zipf distribution (default 5,000,000 from
  200,000), the shape of call and event logs.

Baseline: a Python loop of phonenumbers parse + is_valid_number + E.164 format + number_type
per row, with every metadata pattern kept compiled (the fairest baseline):
``phonenumbers.enable_pattern_cache()`` where the release has it, otherwise Python's ``re``
cache enlarged to hold them all, which has the same effect. The default configuration (which
thrashes Python's 512-entry regex cache on multi-region data) is also timed, on a sample, and
extrapolated (said so in the output). Outputs of the baseline and
of normalize_many are checked to be identical (same backend metadata: the baseline runs on the
backend normalize_many picked).

Peak memory is the largest sum of proportional set sizes (PSS: shared pages split between the
processes that share them) of this process and its pool workers, sampled every 50 ms.

    uv run python benchmarks/normalize.py            # full size (several minutes)
    uv run python benchmarks/normalize.py --scale 0.05
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from baselines import phonenumbers_with_patterns_kept
from ringfence import normalize_many
from ringfence.phone._backend import get_backend
from ringfence.testing import call_log_values, messy_numbers

TYPE_NAMES = [
    "fixed_line",
    "mobile",
    "fixed_line_or_mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
]


class PeakMemory:
    """Samples the memory of this process plus its children every 50 ms; ``peak`` in bytes.

    ``pss`` (proportional set size) is exact but reads every mapping of every process
    (/proc/PID/smaps), which for a process of several GiB slows the process measured;
    ``pss=False`` sums RSS from /proc/PID/statm instead: cheap, and an upper bound (pages
    shared between processes count once per process)."""

    def __init__(self, *, pss: bool = True) -> None:
        self.peak = 0
        self._pss = pss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker may exit meanwhile
                    total += (
                        process.memory_full_info().pss if self._pss else process.memory_info().rss
                    )
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def naive_loop(module: Any, values: list[str], regions: list[str]) -> list[tuple[Any, ...]]:
    """What users write today: one full parse + validation per row."""
    out = []
    for value, region in zip(values, regions, strict=True):
        try:
            numobj = module.parse(value, region)
        except module.NumberParseException:
            out.append((None, False, "unknown"))
            continue
        valid = module.is_valid_number(numobj)
        e164 = module.format_number(numobj, module.PhoneNumberFormat.E164) if valid else None
        kind = module.number_type(numobj)
        out.append((e164, valid, TYPE_NAMES[kind] if kind < len(TYPE_NAMES) else "unknown"))
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fresh_phonenumbers_without_cache() -> Any:
    """phonenumbers in its default configuration (pattern cache off), as users get it."""
    import phonenumbers
    import phonenumbers.phonenumberutil as util
    import phonenumbers.re_util as re_util

    importlib.reload(re_util)
    util.re = re
    re.purge()
    return phonenumbers


def ours_rows(result: Any) -> list[tuple[Any, ...]]:
    table = result.table
    return list(
        zip(
            table.column("e164").to_pylist(),
            table.column("valid").to_pylist(),
            table.column("number_type").to_pylist(),
            strict=True,
        )
    )


def run_corpus(name: str, values: list[str], regions: list[str], sample: int) -> dict[str, Any]:
    backend = get_backend("auto")
    print(f"\n== {name}: {len(values):,} rows ==", flush=True)
    with PeakMemory() as memory:
        ours_time, result = timed(lambda: normalize_many(values, regions=regions))
    print(
        f"normalize_many ({result.backend}, {result.distinct:,} distinct, "
        f"{result.columnar:,} columnar): {ours_time:8.2f} s"
        f"   peak memory {memory.peak / 2**30:.2f} GiB",
        flush=True,
    )
    cached = phonenumbers_with_patterns_kept()
    base_time, base = timed(lambda: naive_loop(cached, values, regions))
    print(f"naive loop, phonenumbers, pattern cache on:      {base_time:8.2f} s", flush=True)
    assert base == ours_rows(result) or backend.name != "reference", "outputs differ"
    if backend.name == "fast":
        fast_base_time, fast_base = timed(lambda: naive_loop(backend.module, values, regions))
        assert fast_base == ours_rows(result), "outputs differ from the same-backend loop"
        print(f"naive loop, rphonenumbers (same metadata):       {fast_base_time:8.2f} s")
        print("outputs identical to the same-backend naive loop: yes")
    default_module = fresh_phonenumbers_without_cache()
    n = min(sample, len(values))
    sample_time, _ = timed(lambda: naive_loop(default_module, values[:n], regions[:n]))
    default_time = sample_time * len(values) / n
    print(
        f"naive loop, phonenumbers default (no cache):     {default_time:8.2f} s"
        f"   (extrapolated from a {n:,}-row sample)",
        flush=True,
    )
    phonenumbers_with_patterns_kept()
    ratio = base_time / ours_time
    print(f"speed-up vs cached baseline:  {ratio:6.1f}x")
    print(f"speed-up vs default baseline: {default_time / ours_time:6.1f}x")
    return {"ours": ours_time, "baseline": base_time, "ratio": ratio, "peak": memory.peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--sample", type=int, default=100_000, help="rows for the default run")
    args = parser.parse_args()
    n_distinct = int(1_000_000 * args.scale)
    n_log, n_pool = int(5_000_000 * args.scale), int(200_000 * args.scale)
    print(f"generating corpora (scale {args.scale}) ...", flush=True)
    distinct = messy_numbers(n_distinct, seed=1)
    log = call_log_values(n_log, n_pool, seed=2)
    first = run_corpus("distinct messy numbers", *distinct, args.sample)
    second = run_corpus("call log (Zipf)", *log, args.sample)
    print("\n== summary ==")
    print(f"distinct: {first['ratio']:.1f}x (target >= 8x)")
    print(f"call log: {second['ratio']:.1f}x (target >= 30x)")
    peak = max(first["peak"], second["peak"]) / 2**30
    print(f"peak memory: {peak:.2f} GiB (target < 2 GiB)")


if __name__ == "__main__":
    main()
