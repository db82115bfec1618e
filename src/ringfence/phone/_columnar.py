"""Columnar bulk normalization: libphonenumber's parse and classification as Arrow kernels.

The per-row path (``_rows``) calls the backend once per distinct value: several microseconds
a number even in Rust, most of it spent making Python objects. For values in the plain shape
that nearly all real data has -- digits with spaces, dots, dashes and parentheses, with or
without a leading ``+`` or ``tel:`` -- this module runs the same algorithm over whole columns:
each step of phonenumbers' ``parse`` (IDD, country calling code, national prefix, length
checks) and of ``number_type`` / ``region_code_for_number`` is one Arrow compute call (or a
numpy operation on the string buffers) over all the numbers of a region, with the region's
metadata patterns matched by RE2 (libphonenumber writes its metadata to be RE2-compatible;
its C++ library uses RE2 too). Regions are independent, so they run on a thread pool: Arrow
and numpy release the GIL.

Everything else is declined and takes the per-row path: letters, extensions, other scripts,
a national number that starts with its own country code, a leading ``+0``, a number too
short or too long. For a row it answers, the result is the one the backend gives: the
functions below follow ``phonenumberutil.py`` step by step (its function names are in the
docstrings), and tests compare the two paths row by row. It reads phonenumbers' metadata, so
it is used only with a backend that carries the same metadata release.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.phone._columnar_metadata import (
    LENGTH_MARKS,
    NON_GEO,
    Region,
    country_codes,
    region_metadata,
)
from ringfence.phone._strings import (
    Strings,
    bools,
    numbers,
    string_scalar,
    strings,
    to_bools,
    to_ints,
)
from ringfence.phone.bulk import usable_cpus
from ringfence.phone.model import NUMBER_TYPE_BY_CODE, PhoneReason

# Optional "tel:" and "(", an optional "+", then digits and the separators space . - ( ).
# No letter, comma, semicolon, "#", "/" or "~": nothing that can start an extension, a
# second number, vanity letters or an RFC 3966 parameter, so parse reads only the digits.
_SHAPE = r"^(?:tel:)?\(?\+?\(?[0-9][0-9 .()\-]{2,48}$"
_PLUS = r"^(?:tel:)?\(?\+"
_MIN_DIGITS = 4
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN
_UNKNOWN = 99
_FIXED_LINE, _MOBILE, _FIXED_LINE_OR_MOBILE = 0, 1, 2
_TYPE_NAMES = strings([NUMBER_TYPE_BY_CODE[code].value for code in range(11)] + ["unknown"])
_INVALID_NUMBER = string_scalar(PhoneReason.INVALID_NUMBER.value)
_NULL_STRING = string_scalar(None)
_EMPTY_STRING = string_scalar("")
_PREFIXES = strings([f"+{code}" for code in range(1000)])


class _Located(NamedTuple):
    """Rows after the country code is known (``_maybe_extract_country_code``)."""

    pos: np.ndarray
    home: np.ndarray  # id of the metadata parse reads the national number with
    national: pa.Array


class _Answered(NamedTuple):
    pos: np.ndarray
    nsn: pa.Array
    country_code: np.ndarray
    region: np.ndarray  # home id of the number's region, -1 for none
    type_code: np.ndarray


def normalize_columnar(
    values: pa.Array, regions: pa.Array, threads: int | None = None
) -> tuple[np.ndarray, pa.Table]:
    """Normalize the rows in the plain shape; return their positions and their result rows.

    Rows not answered (not in the positions) must take the per-row path. The result table
    has the columns of :func:`ringfence.phone.bulk.normalize_many`'s table."""
    shaped = to_bools(pc.match_substring_regex(values, _SHAPE))
    kept = values.filter(bools(shaped))
    digits = Strings.of(kept).digits()
    enough = digits.lengths() >= _MIN_DIGITS
    located = _locate(
        pos=np.flatnonzero(shaped)[enough],
        digits=_select(digits, enough),
        plus=to_bools(pc.match_substring_regex(kept, _PLUS))[enough],
        region=_region_ids(regions.filter(bools(shaped)))[enough],
    )
    answered = _answer(located, threads)
    return answered.pos, _result_table(answered)


def _select(strings: Strings, mask: np.ndarray) -> Strings:
    return Strings.of(strings.to_arrow().filter(bools(mask)))


def _region_ids(regions: pa.Array) -> np.ndarray:
    """Home id of each row's default region; -1 for none or an unknown one."""
    codes = country_codes()
    encoded = pc.dictionary_encode(regions)
    ids = np.array(
        [
            codes.home_id.get(str(r), -1) if r not in (None, NON_GEO) else -1
            for r in encoded.dictionary.to_pylist()
        ]
        + [-1],
        np.int32,
    )
    indices = to_ints(encoded.indices, null_as=len(encoded.dictionary))
    region_ids: np.ndarray = ids[indices]
    return region_ids


def _locate(pos: np.ndarray, digits: Strings, plus: np.ndarray, region: np.ndarray) -> _Located:
    """``_maybe_extract_country_code``: a ``+``, or an IDD of the default region, then a
    country code; otherwise a national number of the default region."""
    codes = country_codes()
    digits_arrow = digits.to_arrow()
    idd_stripped = np.zeros(len(pos), bool)
    international_pos, international_digits = [pos[plus]], [digits_arrow.filter(bools(plus))]
    read_national = ~plus & (region >= 0)
    for pattern, rows in _rows_by_idd(region, read_national):
        group = digits_arrow.take(_indices(rows))
        rest = pc.replace_substring_regex(group, f"^(?:{pattern})", "", max_replacements=1)
        rest_length = to_ints(pc.utf8_length(rest))
        # _parse_prefix_as_idd: a country code never starts with 0, so then it was no IDD.
        stripped = (rest_length < to_ints(pc.utf8_length(group))) & ~to_bools(
            pc.starts_with(rest, "0")
        )
        idd_stripped[rows[stripped]] = True
        long_enough = stripped & (rest_length > _MIN_NSN)  # else TOO_SHORT_AFTER_IDD
        international_pos.append(pos[rows[long_enough]])
        international_digits.append(rest.filter(bools(long_enough)))
    international = _split_country_code(
        np.concatenate(international_pos), Strings.of(pa.concat_arrays(international_digits))
    )
    domestic = read_national & ~idd_stripped
    home = region[domestic]
    local_digits = _select(digits, domestic)
    # A national number that starts with the region's own country code: parse weighs both
    # readings; the per-row path does that.
    own_code = codes.code_of_home[home]
    width = 1 + (own_code >= 10) + (own_code >= 100)
    lead = np.zeros(len(home), np.int64)
    for w in (1, 2, 3):
        at = width == w
        lead[at] = local_digits.leading_number(w)[at]
    plain = lead != own_code
    return _Located(
        pos=np.concatenate([international.pos, pos[domestic][plain]]),
        home=np.concatenate([international.home, home[plain]]),
        national=pa.concat_arrays(
            [international.national, local_digits.to_arrow().filter(bools(plain))]
        ),
    )


def _rows_by_idd(region: np.ndarray, mask: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Row indices under ``mask`` grouped by their default region's IDD pattern."""
    codes = country_codes()
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(region[rows], kind="stable")]
    homes = region[rows]
    by_pattern: dict[str, list[np.ndarray]] = {}
    for start, stop in _runs(homes):
        meta = region_metadata(codes.homes[homes[start]])
        if meta is not None and meta.idd:
            by_pattern.setdefault(meta.idd, []).append(rows[start:stop])
    return [(pattern, np.sort(np.concatenate(parts))) for pattern, parts in by_pattern.items()]


def _runs(keys: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values in sorted ``keys``."""
    if len(keys) == 0:
        return []
    bounds = [0, *(np.flatnonzero(np.diff(keys)) + 1).tolist(), len(keys)]
    return list(itertools.pairwise(bounds))


def _split_country_code(pos: np.ndarray, digits: Strings) -> _Located:
    """``_extract_country_code`` after a ``+`` or an IDD: the first 1, 2 or 3 digits that are
    a country code (country codes form a prefix code); rows with none are declined."""
    codes = country_codes()
    width = np.zeros(len(pos), np.int64)
    code = np.zeros(len(pos), np.int64)
    for w in (3, 2, 1):
        value = digits.leading_number(w)
        hit = codes.known[w][value]
        width[hit], code[hit] = w, value[hit]
    found = width > 0
    national = _select(digits.drop_head(width), found)
    return _Located(pos[found], codes.home_of_code[code[found]], national.to_arrow())


def _answer(located: _Located, threads: int | None) -> _Answered:
    """Group the rows by home and finish each group, on a thread pool."""
    order = np.argsort(located.home, kind="stable")
    home = located.home[order]
    pos = located.pos[order]
    national = located.national.take(_indices(order))
    jobs = [(int(home[a]), pos[a:b], national.slice(a, b - a)) for a, b in _runs(home)]
    jobs.sort(key=lambda job: -len(job[1]))
    workers = threads or usable_cpus()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        parts = list(pool.map(lambda job: _finish(*job), jobs))
    parts = [part for part in parts if len(part.pos)]
    if not parts:
        return _Answered(
            np.zeros(0, np.int64),
            pa.nulls(0, pa.string()),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
        )
    return _Answered(
        np.concatenate([p.pos for p in parts]),
        pa.concat_arrays([p.nsn for p in parts]),
        np.concatenate([p.country_code for p in parts]),
        np.concatenate([p.region for p in parts]),
        np.concatenate([p.type_code for p in parts]),
    )


def _finish(home: int, pos: np.ndarray, national: pa.Array) -> _Answered:
    """Strip the national prefix, check lengths, then find region and type."""
    codes = country_codes()
    meta = region_metadata(codes.homes[home])
    assert meta is not None  # homes come from phonenumbers' own metadata
    enough = Strings.of(national).lengths() >= _MIN_NSN
    nsn = _strip_national_prefix(national.filter(bools(enough)), meta)
    length = to_ints(pc.utf8_length(nsn))
    fits = (length >= _MIN_NSN) & (length <= _MAX_NSN)
    nsn = nsn.filter(bools(fits))
    pos = pos[enough][fits]
    region, type_code = _region_and_type(meta.country_code, nsn)
    country_code = np.full(len(pos), meta.country_code, np.int32)
    return _Answered(pos, nsn, country_code, region, type_code)


def _strip_national_prefix(national: pa.Array, meta: Region) -> pa.Array:
    """parse's use of ``_maybe_strip_national_prefix_carrier_code``: the stripped number is
    kept when ``_test_number_length`` allows it."""
    candidate = _national_prefix_candidate(national, meta)
    keeps = np.array(meta.keeps_stripped)[to_ints(pc.utf8_length(candidate))]
    return pc.if_else(bools(keeps), candidate, national)


def _full_match(values: pa.Array, pattern: str | None) -> np.ndarray:
    if pattern is None or len(values) == 0:
        return np.zeros(len(values), bool)
    return to_bools(pc.match_substring_regex(values, pattern))


def _national_prefix_candidate(national: pa.Array, meta: Region) -> pa.Array:
    """``_maybe_strip_national_prefix_carrier_code``, returning the number it would give."""
    prefix = meta.national_prefix
    if prefix is None or len(national) == 0:
        return national
    matched = _full_match(national, prefix)
    if not matched.any():
        return national
    viable = _full_match(national, meta.general_full)
    rest = pc.replace_substring_regex(national, prefix, "", max_replacements=1)
    # The original was viable and the result is not: keep the original.
    use_rest = matched & (~viable | _full_match(rest, meta.general_full))
    if meta.transform is None:
        return pc.if_else(bools(use_rest), rest, national)
    # With a transform rule, it applies when the last group of the prefix took part (the
    # metadata's last groups never match an empty string).
    last_group = pc.replace_substring_regex(
        national, prefix + ".*", f"\\{meta.prefix_groups}", max_replacements=1
    )
    transforms = matched & (to_ints(pc.utf8_length(last_group)) > 0)
    transformed = pc.replace_substring_regex(national, prefix, meta.transform, max_replacements=1)
    use_transformed = transforms & (~viable | _full_match(transformed, meta.general_full))
    use_rest &= ~transforms
    return pc.if_else(
        bools(use_transformed), transformed, pc.if_else(bools(use_rest), rest, national)
    )


def _keyed(nsn: pa.Array) -> pa.Array:
    """``mark(len) + digits``: the form the description patterns match."""
    strings = Strings.of(nsn)
    return strings.prefixed(LENGTH_MARKS[strings.lengths()]).to_arrow()


def _number_type(keyed: pa.Array, meta: Region) -> np.ndarray:
    """``_number_type_helper`` over a column: type codes as int8 (99 for unknown)."""
    result = np.full(len(keyed), _UNKNOWN, np.int8)
    remaining = _full_match(keyed, meta.general)
    for code, pattern in meta.special:
        if not remaining.any():
            return result
        hit = remaining & _full_match(keyed, pattern)
        result[hit] = code
        remaining &= ~hit
    if not remaining.any():
        return result
    fixed = remaining & _full_match(keyed, meta.fixed_line)
    if meta.same_mobile_and_fixed_line:
        result[fixed] = _FIXED_LINE_OR_MOBILE
        return result
    mobile = remaining & _full_match(keyed, meta.mobile)
    result[fixed] = _FIXED_LINE
    result[fixed & mobile] = _FIXED_LINE_OR_MOBILE
    result[mobile & ~fixed] = _MOBILE
    return result


def _region_and_type(country_code: int, nsn: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``region_code_for_number`` and ``number_type`` for numbers of one country code:
    region as a home id (-1 for none) and type codes."""
    codes = country_codes()
    owners = codes.regions_of_code[country_code]
    keyed = _keyed(nsn)
    if len(owners) == 1:
        home = f"+{country_code}" if owners[0] == NON_GEO else owners[0]
        meta = region_metadata(home)
        assert meta is not None
        region_id = -1 if owners[0] == NON_GEO else codes.home_id[home]
        return np.full(len(nsn), region_id, np.int32), _number_type(keyed, meta)
    return _region_from_list(owners, nsn, keyed)


def _region_from_list(
    owners: tuple[str, ...], nsn: pa.Array, keyed: pa.Array
) -> tuple[np.ndarray, np.ndarray]:
    """``_region_code_for_number_from_list``: the first region whose leading digits match,
    or (without leading digits) for which the number has a type; then the type there."""
    codes = country_codes()
    region = np.full(len(nsn), -1, np.int32)
    type_code = np.full(len(nsn), _UNKNOWN, np.int8)
    pending = np.arange(len(nsn))
    for owner in owners:
        meta = region_metadata(owner)
        if meta is None or len(pending) == 0:
            continue
        rows = _indices(pending)
        if meta.leading_digits is not None:
            hit = _full_match(nsn.take(rows), meta.leading_digits)
            kind = _number_type(keyed.take(_indices(pending[hit])), meta)
        else:
            every = _number_type(keyed.take(rows), meta)
            hit = every != _UNKNOWN
            kind = every[hit]
        region[pending[hit]] = codes.home_id[owner]
        type_code[pending[hit]] = kind
        pending = pending[~hit]
    return region, type_code


def _result_table(answered: _Answered) -> pa.Table:
    codes = country_codes()
    valid = answered.type_code != _UNKNOWN
    e164 = pc.binary_join_element_wise(
        _PREFIXES.take(_indices(answered.country_code)), answered.nsn, _EMPTY_STRING
    )
    # Index len(homes) is the null entry: rows without a region.
    regions = strings([*codes.homes, None])
    region = np.where(answered.region < 0, len(codes.homes), answered.region)
    valid_array = bools(valid)
    return pa.table(
        {
            "e164": pc.if_else(valid_array, e164, _NULL_STRING),
            "valid": valid_array,
            "reason": pc.if_else(valid_array, _NULL_STRING, _INVALID_NUMBER),
            "region": regions.take(_indices(region)),
            "number_type": _TYPE_NAMES.take(_indices(np.where(valid, answered.type_code, 11))),
            "country_code": numbers(answered.country_code, pa.int32()),
            "extension": pa.nulls(len(valid), pa.string()),
        }
    )


def _indices(values: np.ndarray) -> pa.Array:
    return numbers(values, pa.int64())
