"""The fast backend agrees with the reference field for field.

A difference is accepted only for a number whose region's metadata changed between the two
backends' libphonenumber releases (tests/vectors/metadata_changes.json, made by
scripts/metadata_diff.py from both releases' data files); every such difference is listed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import phonenumbers
import pytest

from ringfence import normalize_many
from ringfence.phone import fast_available, metadata_version
from ringfence.phone._backend import get_backend
from ringfence.testing import messy_numbers

pytestmark = pytest.mark.fast_backend
CORPUS_SIZE = 120_000
CHANGES = json.loads(
    (Path(__file__).parent.parent / "vectors" / "metadata_changes.json").read_text()
)


@pytest.fixture(scope="module")
def fast_version() -> str:
    if not fast_available():
        if os.environ.get("CI"):
            pytest.fail("CI installs every extra: the fast backend must be importable here")
        pytest.skip("the fast extra (rphonenumbers) is not installed")
    return metadata_version("fast")


def _changed(region: str | None, country_code: int | None) -> bool:
    changed = set(CHANGES["regions"])
    candidates = {region} | set(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()))
    return bool(candidates & changed) or f"cc{country_code}" in changed


def test_corpus_covers_every_region():
    _, regions = messy_numbers(CORPUS_SIZE, seed=11)
    assert set(regions) >= set(phonenumbers.SUPPORTED_REGIONS) - {"001"}


def test_fast_backend_agrees_with_reference(fast_version):
    values, regions = messy_numbers(CORPUS_SIZE, seed=11)
    reference = normalize_many(values, regions=regions, backend="reference", workers=1)
    fast = normalize_many(values, regions=regions, backend="fast", workers=1)
    assert fast.backend == "fast" and reference.backend == "reference"
    ref_rows, fast_rows = reference.to_pylist(), fast.to_pylist()
    differences = [
        (value, region, ref, got)
        for value, region, ref, got in zip(values, regions, ref_rows, fast_rows, strict=True)
        if ref != got
    ]
    if differences:
        assert {CHANGES["from"], CHANGES["to"]} == {fast_version, metadata_version()}, (
            "metadata versions moved: regenerate tests/vectors/metadata_changes.json"
        )
    unexplained = [
        diff
        for diff in differences
        if not (
            _changed(diff[1], diff[2]["country_code"])
            or _changed(diff[2]["region"], diff[2]["country_code"])
            or _changed(diff[3]["region"], diff[3]["country_code"])
        )
    ]
    report = "\n".join(f"{r!s:>4} {v!r}: {a} != {b}" for v, r, a, b in differences[:50])
    print(f"{len(differences)} differences of {len(values)}, all in changed regions:\n{report}")
    assert not unexplained, unexplained[:20]
    assert len(differences) < len(values) * 0.01


def test_validity_from_type_equals_is_valid_number(fast_version):
    """``valid == (type != UNKNOWN)`` is libphonenumber's definition; check it on both."""
    values, regions = messy_numbers(20_000, seed=12)
    for name in ("reference", "fast"):
        module = get_backend(name).module
        for value, region in zip(values, regions, strict=True):
            try:
                numobj = module.parse(value, region)
            except module.NumberParseException:
                continue
            is_valid = module.is_valid_number(numobj)
            assert is_valid == (module.number_type(numobj) != 99), (name, value, region)
