"""Benchmark: the analytics pipeline (pseudonymize both phone columns, then the
communication patterns) on a synthetic call log, against the script people write today.

Data, generated in DuckDB: ``--rows`` calls (default 10,000,000) between ``--people``
numbers (default 1,000,000) from 10 countries' mobile ranges, callers and callees drawn with a
skew (some people call a lot), a week of start times, durations; written as Parquet.

* ours: ``pseudonymize`` (each distinct number normalized once) + ``patterns``, on DuckDB
  (and on Spark ``local[2]`` with ``--spark``);
* baseline: pandas + phonenumbers + hmac per row (parse, validate, format, classify, HMAC,
  for both columns), then a groupby — run on a ``--sample`` of rows and extrapolated
  linearly (said so in the output), with phonenumbers' metadata patterns kept compiled (its
  fastest configuration: ``baselines.phonenumbers_with_patterns_kept``).

Each side runs ``--repeat`` times (default 2) and the fastest run counts, on both sides alike:
the machine is shared, and the minimum is the run least disturbed by others.

Peak memory is the largest sum of RSS of this process and its children, sampled every
50 ms: an upper bound (shared pages counted once per process), cheap enough not to slow the
run (sampling PSS walks every mapping of a multi-GiB process and cost 10+ s here).

    uv run python benchmarks/analytics.py                      # 10M rows (minutes)
    uv run python benchmarks/analytics.py --rows 1000000 --people 100000
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import phonenumbers
from phonenumbers import PhoneNumberType

sys.path.insert(0, str(Path(__file__).parent))
from baselines import phonenumbers_with_patterns_kept
from normalize import PeakMemory
from ringfence.analytics import pipeline
from ringfence.analytics.engines import DuckDBEngine, open_engine
from ringfence.analytics.patterns import patterns
from ringfence.analytics.pipeline import pseudonymize
from ringfence.crypto import Keyring, Purpose
from ringfence.crypto.pseudonyms import Pseudonymizer

REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "JP", "NG", "MX", "AU")
KEYRING = Keyring({1: bytes(range(32))})


def generate(path: Path, rows: int, people: int) -> None:
    """The call log, built by DuckDB (seconds for millions of rows)."""
    prefixes = []
    for region in REGIONS:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        prefixes.append(e164[:-6])
    values = ", ".join(f"({i}, '{p}')" for i, p in enumerate(prefixes))
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE prefixes(i INTEGER, prefix VARCHAR); INSERT INTO prefixes VALUES {values}"
    )
    con.execute(
        f"""CREATE TABLE people AS SELECT id,
              prefix || lpad(CAST((id * 7919 + 13) % 1000000 AS VARCHAR), 6, '0') AS number
            FROM range({people}) r(id) JOIN prefixes ON prefixes.i = id % {len(prefixes)}"""
    )
    con.execute(
        f"""COPY (SELECT c.number AS caller, d.number AS callee,
              strftime(TIMESTAMP '2026-06-08' + to_seconds(CAST(random() * 604800 AS BIGINT)),
                       '%Y-%m-%dT%H:%M:%S+00:00') AS start_time,
              CAST(CASE WHEN random() < 0.4 THEN 0 ELSE random() * 600 END AS BIGINT) AS duration_s,
              'outbound' AS direction,
              CASE WHEN random() < 0.4 THEN 'sms' ELSE 'call' END AS channel,
              CASE WHEN random() < 0.75 THEN 'answered' ELSE 'missed' END AS status
            FROM (SELECT CAST(pow(random(), 2) * {people} AS BIGINT) AS a,
                         CAST(random() * {people} AS BIGINT) AS b FROM range({rows})) calls
            JOIN people c ON c.id = calls.a JOIN people d ON d.id = calls.b)
        TO '{path}' (FORMAT parquet)"""
    )
    con.close()


def naive(path: Path, sample: int) -> float:
    """pandas + phonenumbers + hmac per row, for both columns, then a groupby; seconds."""
    import pandas as pd

    frame = pd.read_parquet(path).head(sample)
    key = KEYRING.key(Purpose.ANALYTICS, 1)
    phonenumbers_with_patterns_kept()  # its fastest configuration, whatever ran before
    start = time.perf_counter()

    def pseudonym(raw: str) -> tuple[str | None, str | None, int | None]:
        try:
            number = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException:
            return None, None, None
        if not phonenumbers.is_valid_number(number):
            return None, None, None
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        pid = hmac.new(key, b"pid:" + e164.encode(), hashlib.sha256).hexdigest()[:32]
        region = phonenumbers.region_code_for_number(number)
        return pid, region, phonenumbers.number_type(number)

    for column in ("caller", "callee"):
        parts = frame[column].map(pseudonym)
        frame[column + "_pid"] = parts.map(lambda p: p[0])
        frame[column + "_country"] = parts.map(lambda p: p[1])
        frame[column + "_type"] = parts.map(lambda p: p[2])
    frame.groupby(["caller_country", "callee_country"]).size()
    return time.perf_counter() - start


def ours(engine_name: str, path: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak memory (GiB) for pseudonymize + patterns."""
    pipeline._BLOCKS.clear()  # no run starts with the number-block facts of an earlier one
    with PeakMemory(pss=False) as memory:
        start = time.perf_counter()
        engine = (
            open_engine(engine_name, spark_master="local[2]")
            if engine_name == "spark"
            else DuckDBEngine()
        )
        try:
            pseudonymize(
                engine,
                path,
                out,
                phone_columns=["caller", "callee"],
                pseudonyms=Pseudonymizer(KEYRING, 1),
            )
            patterns(engine, out, k=15)
        finally:
            engine.close()
        seconds = time.perf_counter() - start
    return seconds, memory.peak / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=1_000_000, help="rows the baseline runs on")
    parser.add_argument("--spark", action="store_true", help="also run on Spark local[2]")
    parser.add_argument("--repeat", type=int, default=2, help="runs per side; the fastest counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "calls.parquet"
        began = time.perf_counter()
        generate(source, args.rows, args.people)
        print(
            f"generated {args.rows:,} calls between {args.people:,} numbers in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        runs = [ours("duckdb", source, Path(folder) / "duck.parquet") for _ in range(args.repeat)]
        duck, duck_memory = min(seconds for seconds, _ in runs), max(peak for _, peak in runs)
        times = ", ".join(f"{seconds:.1f}" for seconds, _ in runs)
        print(f"ours, DuckDB:   {duck:8.1f} s (runs: {times} s), peak memory {duck_memory:.2f} GiB")
        sample = min(args.sample, args.rows)
        bases = [naive(source, sample) * args.rows / sample for _ in range(args.repeat)]
        base = min(bases)
        times = ", ".join(f"{seconds:.1f}" for seconds in bases)
        note = "" if sample == args.rows else f" (run on {sample:,} rows, extrapolated)"
        print(f"naive script:   {base:8.1f} s (runs: {times} s){note}", flush=True)
        if args.spark:
            spark, _ = ours("spark", source, Path(folder) / "spark.parquet")
            print(f"ours, Spark local[2]: {spark:8.1f} s", flush=True)
    ratio = base / duck
    print(
        f"\nspeed-up {ratio:.1f}x (target >= 20x: {'met' if ratio >= 20 else 'NOT met'}); "
        f"{args.rows:,} rows in {duck:.0f} s (target < 180 s for 10M: "
        f"{'met' if duck < 180 else 'NOT met'}); peak {duck_memory:.2f} GiB (target < 8)"
    )


if __name__ == "__main__":
    main()
