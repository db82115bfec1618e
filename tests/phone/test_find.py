"""find_numbers and redact."""

from __future__ import annotations

import os

import pytest

from ringfence import find_numbers, redact
from ringfence.phone import fast_available
from tests.conftest import without_hanging

TEXT = "Call Ada at (650) 253-0000, or London on +44 20 8366 1177. Order #12345 on 2024-01-02."
BACKENDS = ["reference", pytest.param("fast", marks=pytest.mark.fast_backend)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_find_numbers_offsets_and_numbers(backend):
    if backend == "fast" and not fast_available():
        if os.environ.get("CI"):
            pytest.fail("CI installs every extra: the fast backend must be importable here")
        pytest.skip("fast extra not installed")
    matches = find_numbers(TEXT, "US", backend=backend)
    assert [m.number.e164 for m in matches] == ["+16502530000", "+442083661177"]
    for match in matches:
        assert TEXT[match.start : match.end] == match.raw


def test_without_region_only_international_numbers_are_found():
    assert [m.number.e164 for m in find_numbers(TEXT)] == ["+442083661177"]


def test_leniency_is_checked():
    with pytest.raises(ValueError, match="leniency"):
        find_numbers(TEXT, "US", "sloppy")
    assert find_numbers("call 650-253-0000", "US", "exact_grouping")


def test_redact_masks_digits_and_leaves_every_other_character():
    out = redact(TEXT, "US")
    assert out == (
        "Call Ada at (***) ***-****, or London on +** ** **** ****. Order #12345 on 2024-01-02."
    )
    assert len(out) == len(TEXT)
    assert redact(TEXT, "US", keep_last=2).count("00") == 1


def test_redact_does_not_stop_after_many_candidates():
    """libphonenumber's matcher gives up after 65,535 tries; redaction must not."""
    text = "x 1234 " * 70_000 + "call +1 650 253 0000 now"
    out = without_hanging(lambda: redact(text, "US", "valid"))
    assert out.endswith("call +* *** *** **** now")


def test_find_in_megabytes_of_junk():
    junk = ("1" * 999 + "\x00") * 1000
    assert without_hanging(lambda: find_numbers(junk, "US")) == []
