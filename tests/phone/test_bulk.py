"""normalize_many: every row answered, in order, each distinct pair normalized once."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence import normalize_many, parse
from ringfence.phone import bulk
from ringfence.testing import call_log_values, messy_numbers


def test_rows_in_input_order_with_fields_or_reason():
    values = ["+1 650 253 0000", "020 8366 1177", None, "junk", "+1 555 555 5555"]
    result = normalize_many(values, "GB", backend="reference")
    rows = result.to_pylist()
    assert len(rows) == len(result) == 5
    assert rows[0]["e164"] == "+16502530000" and rows[0]["region"] == "US"
    assert rows[1] == {
        "e164": "+442083661177",
        "valid": True,
        "reason": None,
        "region": "GB",
        "number_type": "fixed_line",
        "country_code": 44,
        "extension": None,
    }
    assert [r["reason"] for r in rows[2:]] == ["not_a_number", "not_a_number", "invalid_number"]
    assert result.backend == "reference"
    assert result.reason_counts() == {"not_a_number": 2, "invalid_number": 1}


def test_each_distinct_value_region_pair_is_normalized_once():
    values = ["020 8366 1177"] * 1000 + ["+1 650 253 0000"] * 500
    regions = ["GB"] * 500 + ["US"] * 500 + [None] * 500
    result = normalize_many(values, regions=regions)
    assert result.distinct == 3
    e164 = result.table.column("e164").to_pylist()
    # The same text means different numbers (or none) in different regions.
    assert e164[0] == "+442083661177"
    assert e164[600] is None
    assert e164[1200] == "+16502530000"


def test_null_region_falls_back_to_default_and_region_is_case_insensitive():
    result = normalize_many(["020 8366 1177"] * 3, "gb", regions=[None, " us ", ""])
    assert result.table.column("valid").to_pylist() == [True, False, True]


def test_regions_length_must_match():
    with pytest.raises(ValueError, match="regions"):
        normalize_many(["1", "2"], regions=["US"])


def test_arrow_and_iterable_inputs():
    values = ["+16502530000", "+442083661177"]
    expected = normalize_many(values).to_pylist()
    assert normalize_many(pa.array(values)).to_pylist() == expected
    assert normalize_many(pa.chunked_array([values[:1], values[1:]])).to_pylist() == expected
    assert normalize_many(iter(values)).to_pylist() == expected
    assert normalize_many(pa.array(values, pa.large_string())).to_pylist() == expected
    assert len(normalize_many([])) == 0


def test_integers_are_read_as_digits():
    result = normalize_many([6502530000, 6502530000.0, True], "US")
    assert result.table.column("e164").to_pylist() == ["+16502530000", "+16502530000", None]


def test_matches_single_normalize():
    values, regions = messy_numbers(2000, seed=3)
    result = normalize_many(values, regions=regions, backend="reference", workers=1)
    for value, region, row in zip(values, regions, result.to_pylist(), strict=True):
        try:
            number = parse(value, region)
        except ValueError:
            assert row["country_code"] is None
            continue
        assert row["e164"] == (number.e164 if number.is_valid else None)
        assert row["region"] == number.region
        assert row["number_type"] == number.number_type.value
        assert row["country_code"] == number.country_code


def test_process_pool_gives_the_same_result(monkeypatch):
    values, regions = call_log_values(60_000, distinct=30_000, seed=5)
    monkeypatch.setattr(bulk, "COLUMNAR_THRESHOLD", 10**9)  # every pair row by row
    single = normalize_many(values, regions=regions, workers=1)
    monkeypatch.setattr(bulk, "PARALLEL_THRESHOLD", 1_000)
    monkeypatch.setattr(bulk, "_MIN_CHUNK", 1_000)
    seen = []
    pooled = normalize_many(
        values, regions=regions, workers=2, on_progress=lambda d, t: seen.append((d, t))
    )
    assert pooled.table.equals(single.table)
    assert len(seen) > 1 and seen[-1] == (pooled.distinct, pooled.distinct)


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers"):
        normalize_many(["1"], workers=0)


def test_pool_size_follows_cpus_and_free_memory(monkeypatch):
    monkeypatch.setattr(bulk, "_available_memory", lambda: 100 * 2**30)
    assert bulk._pool_size(None, 10) == 1  # too small to be worth a pool
    assert bulk._pool_size(3, 10**6) == 3
    monkeypatch.setattr(bulk, "_available_memory", lambda: bulk.WORKER_MEMORY_BYTES)
    assert bulk._pool_size(None, 10**6) == 1  # room for one worker only
