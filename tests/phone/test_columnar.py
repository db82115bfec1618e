"""The columnar path gives, for every row it answers, the backend's own result.

Each test runs the columnar path and the per-row path (``normalize_rows``, one backend call
per value) on the same input and compares the answered rows field by field.
"""

from __future__ import annotations

import numpy as np
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence import normalize_many
from ringfence.phone import bulk, fast_available
from ringfence.phone._backend import get_backend
from ringfence.phone._columnar import normalize_columnar
from ringfence.phone._rows import normalize_rows
from ringfence.phone._strings import (
    Strings,
    bools,
    numbers,
    strings_from_python,
    to_bools,
    to_ints,
)
from ringfence.testing import messy_numbers

FIELDS = ["e164", "valid", "reason", "region", "number_type", "country_code", "extension"]
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _compare(values: list[str | None], regions: list[str | None], backend: str) -> int:
    """Assert the answered rows equal the per-row results; return how many were answered."""
    positions, table = normalize_columnar(
        pa.array(values, pa.string()), pa.array(regions, pa.string()), threads=2
    )
    assert len(set(positions.tolist())) == len(positions)
    picked = positions.tolist()
    expected = normalize_rows(backend, [values[i] for i in picked], [regions[i] for i in picked])
    for name, column in zip(FIELDS, expected, strict=True):
        got = table.column(name).to_pylist()
        wrong = [
            (values[picked[i]], regions[picked[i]], a, b)
            for i, (a, b) in enumerate(zip(got, column, strict=True))
            if a != b
        ]
        assert not wrong, f"{name}: {wrong[:10]}"
    return len(picked)


def _examples() -> tuple[list[str], list[str]]:
    """Every region's example numbers of every type, in every plain style, read from their
    own region, from a region of another country code, and with the IDD of DE and US."""
    values, regions = [], []
    for region in REGIONS:
        for kind in range(11):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            international = phonenumbers.format_number(number, 1)
            national = phonenumbers.format_number(number, 2)
            for text, default in [
                (phonenumbers.format_number(number, 0), region),
                (international, "ZZ"),
                (national, region),
                (national, "GB" if region != "GB" else "FR"),
                (phonenumbers.format_number(number, 3), region),
                ("00" + international[1:], "DE"),
                ("011 " + international[1:], "US"),
                (str(number.country_code) + national, region),  # declined: own code in front
                ("+0" + international[1:], region),  # declined: no country code
            ]:
                values.append(text)
                regions.append(default)
    return values, regions


def test_every_example_number_agrees_with_the_reference():
    values, regions = _examples()
    answered = _compare(values, regions, "reference")
    assert answered > 0.6 * len(values)


def test_messy_corpus_agrees_with_the_reference():
    values, regions = messy_numbers(30_000, seed=3)
    answered = _compare(values, regions, "reference")
    assert answered > 0.9 * len(values)


@pytest.mark.fast_backend
def test_messy_corpus_agrees_with_the_fast_backend():
    if not fast_available():
        pytest.skip("the fast extra (rphonenumbers) is not installed")
    if not bulk.columnar_matches(get_backend("fast")):
        pytest.skip("the fast backend carries other metadata: the columnar path is not used")
    values, regions = messy_numbers(30_000, seed=4)
    assert _compare(values, regions, "fast") > 0.9 * len(values)


_SEPARATOR = st.sampled_from(["", "", "", " ", "-", ".", "(", ")"])


@st.composite
def plain_numbers(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["", "", "+", "tel:+", "(", "00", "011", "0", "tel:"]))
    digits = draw(st.text("0123456789", min_size=1, max_size=18))
    body = "".join(digit + draw(_SEPARATOR) for digit in digits)
    return head + body


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.tuples(plain_numbers(), st.sampled_from([*REGIONS, None, "ZZ", "001"])),
        min_size=1,
        max_size=40,
    )
)
def test_generated_plain_numbers_agree_with_the_reference(rows):
    values = [value for value, _ in rows]
    regions = [region for _, region in rows]
    _compare(values, regions, "reference")


def test_declines_what_it_does_not_read():
    values = ["+1 201 555 0123 ext. 5", "1-800-FLOWERS", "+44 20 7946 0958;ext=1", "٠١٢٣٤٥٦٧", None]
    positions, table = normalize_columnar(
        pa.array(values, pa.string()), pa.array(["US"] * len(values)), threads=1
    )
    assert positions.tolist() == []
    assert table.num_rows == 0


def test_normalize_many_result_is_the_same_with_and_without_it(monkeypatch):
    values, regions = messy_numbers(25_000, seed=8)
    with_columnar = normalize_many(values, regions=regions, backend="reference", workers=1)
    assert with_columnar.columnar > 0.9 * with_columnar.distinct
    monkeypatch.setattr(bulk, "COLUMNAR_THRESHOLD", 10**9)
    row_by_row = normalize_many(values, regions=regions, backend="reference", workers=1)
    assert row_by_row.columnar == 0
    assert with_columnar.table.equals(row_by_row.table)


def test_progress_counts_both_paths(monkeypatch):
    monkeypatch.setattr(bulk, "COLUMNAR_THRESHOLD", 10)
    values, regions = messy_numbers(500, seed=9)
    seen: list[tuple[int, int]] = []
    result = normalize_many(
        values, regions=regions, workers=1, on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (result.columnar, result.distinct)
    assert seen[-1] == (result.distinct, result.distinct)


# --- the byte-level string helpers -------------------------------------------------------


def _sliced(texts: list[str]) -> pa.Array:
    """The texts as a slice of a larger array (non-zero offset, shared buffers)."""
    return pa.array(["padding", *texts, "tail"], pa.string()).slice(1, len(texts))


@given(st.lists(st.text("0123456789 +-.()tel:", max_size=12), max_size=30))
def test_digits_keeps_only_ascii_digits(texts):
    got = Strings.of(_sliced(texts)).digits().to_arrow().to_pylist()
    assert got == ["".join(c for c in text if c in "0123456789") for text in texts]


@given(
    st.lists(
        st.tuples(st.text("0123456789", min_size=3, max_size=10), st.integers(0, 3)), max_size=30
    )
)
def test_drop_head_and_leading_number(rows):
    texts = [text for text, _ in rows]
    widths = np.array([width for _, width in rows], np.int64)
    strings = Strings.of(_sliced(texts))
    assert strings.drop_head(widths).to_arrow().to_pylist() == [
        text[width:] for text, width in rows
    ]
    assert strings.leading_number(3).tolist() == [int(text[:3]) for text in texts]


@given(st.lists(st.text("0123456789", max_size=8), max_size=30))
def test_prefixed_puts_one_byte_in_front(texts):
    strings = Strings.of(_sliced(texts))
    marks = np.array([ord("a") + len(text) for text in texts], np.uint8)
    assert strings.prefixed(marks).to_arrow().to_pylist() == [
        chr(ord("a") + len(text)) + text for text in texts
    ]


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30))
def test_strings_from_python_matches_pyarrow(items):
    built = strings_from_python(items)
    try:
        expected = pa.array(items, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        assert built is None  # a lone surrogate: the caller's general conversion decides
        return
    assert built is not None
    assert built.equals(expected)


def test_strings_from_python_declines_other_items():
    assert strings_from_python(["+1 201", 5]) is None
    assert strings_from_python([b"bytes"]) is None


@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=40), st.integers(0, 5))
def test_to_bools_reads_slices_and_nulls(items, start):
    array = pa.array(items, pa.bool_()).slice(min(start, len(items)))
    assert to_bools(array).tolist() == [bool(x) for x in items[min(start, len(items)) :]]


@given(st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=40))
def test_to_ints_and_numbers_round_trip(items):
    array = pa.array(items, pa.int32()).slice(1) if items else pa.array([], pa.int32())
    expected = [-7 if x is None else x for x in items[1:]]
    assert to_ints(array, null_as=-7).tolist() == expected
    null = np.array([x is None for x in items[1:]], bool)
    assert numbers(np.array(expected), pa.int32(), null=null).equals(array)
    assert bools(np.array([x is None for x in items], bool)).to_pylist() == [
        x is None for x in items
    ]


NO_PANDAS = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ImportError("normalize_many imported pandas")

from ringfence import normalize_many
from ringfence.testing import messy_numbers

values, regions = messy_numbers(25_000, seed=2)
sys.meta_path.insert(0, Refuse())
big = normalize_many(values, regions=regions, workers=1)
small = normalize_many(values[:50] + [None, 12], "us", workers=1)
assert big.columnar > 20_000 and small.columnar == 0, (big.columnar, small.columnar)
print("ok", big.table.num_rows, small.table.num_rows)
"""


def test_normalize_many_does_not_import_pandas():
    """pyarrow imports pandas on many conversions (0.5-2 s in a new process); our path
    builds its columns from buffers so that it never does."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", NO_PANDAS], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ok", "25000", "52"]


def test_hostile_rows_among_many_get_the_same_answers_either_way(monkeypatch):
    """Enough rows for the columnar path, with hostile ones mixed in: every row gets the
    answer the row-by-row path gives, and nothing raises."""
    values, regions = messy_numbers(22_000, seed=12)
    hostile = [
        "1" * 10_000_000,
        "+" + "1" * 60,
        "\x00+1 201 555 0123",
        "+1 201 555 \ud800",
        "(((((((((((((((((((((((((((((((((((((((((((((((((1",
        "+" * 300,
        "٠١٢٣٤٥٦٧٨٩",
        "tel:+1-201-555-0123;phone-context=" + "a-" * 40 + "!",
        None,
        "",
        " ",
        "+0 201 555 0123",
        "00",
        "0000000000000000000000000000000000000",
    ]
    values = values + hostile
    regions = regions + ["US"] * len(hostile)
    with_columnar = normalize_many(values, regions=regions, workers=1)
    assert with_columnar.columnar > 20_000
    monkeypatch.setattr(bulk, "COLUMNAR_THRESHOLD", 10**9)
    row_by_row = normalize_many(values, regions=regions, workers=1)
    assert with_columnar.table.equals(row_by_row.table)
    tail = with_columnar.table.slice(len(values) - len(hostile)).to_pylist()
    assert tail[0]["reason"] == "too_long"
    assert tail[3]["reason"] == "not_a_number"  # no UTF-8 form
