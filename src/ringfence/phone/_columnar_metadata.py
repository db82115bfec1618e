"""libphonenumber metadata in the form the columnar path uses: RE2 patterns and lookup tables.

Every pattern comes from phonenumbers' own metadata; the helpers of ``phonenumberutil`` that
only depend on a length are evaluated once per length here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from phonenumbers import PhoneMetadata

# (code, PhoneMetadata attribute) in the order of phonenumbers' _number_type_helper.
_SPECIAL_TYPES = (
    (4, "premium_rate"),
    (3, "toll_free"),
    (5, "shared_cost"),
    (6, "voip"),
    (7, "personal_number"),
    (8, "pager"),
    (9, "uan"),
    (10, "voicemail"),
)
# A number is matched as one mark byte for its length, then its digits.
LENGTH_MARKS = np.arange(ord("a"), ord("a") + 64, dtype=np.uint8)
NON_GEO = "001"


@dataclass(frozen=True)
class Region:
    """The metadata one region (or non-geographic country code) needs here, as RE2 patterns.

    Number-description patterns are prefixed with a class of length marks: a number is
    matched as ``mark(len) + digits``, so the possible-length test of ``_is_number_matching_desc``
    is part of the same regex."""

    country_code: int
    idd: str | None
    national_prefix: str | None  # ^(?:national_prefix_for_parsing)
    transform: str | None
    prefix_groups: int
    general_full: str | None  # the general pattern without lengths (_match_national_number)
    general: str | None
    special: tuple[tuple[int, str], ...]
    fixed_line: str | None
    mobile: str | None
    same_mobile_and_fixed_line: bool
    leading_digits: str | None
    keeps_stripped: tuple[bool, ...]  # by length: parse keeps a stripped national number


def _desc_pattern(desc: object) -> str | None:
    """``_is_number_matching_desc`` as one regex over ``mark(len) + digits``."""
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or not pattern:
        return None
    lengths = [length for length in desc.possible_length if length >= 0]  # type: ignore[attr-defined]
    if desc.possible_length and not lengths:  # type: ignore[attr-defined]
        return None
    marks = "".join(chr(LENGTH_MARKS[length]) for length in lengths) if lengths else ""
    mark_class = f"[{marks}]" if marks else "."
    return f"^{mark_class}(?:{pattern})$"


def _keeps_stripped(metadata: PhoneMetadata) -> tuple[bool, ...]:
    """For each length, whether parse keeps a number stripped of its national prefix:
    ``_test_number_length`` is neither TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY nor INVALID_LENGTH."""
    from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

    refused = (
        ValidationResult.TOO_SHORT,
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
        ValidationResult.INVALID_LENGTH,
    )
    return tuple(
        _test_number_length("5" * length, metadata) not in refused
        for length in range(len(LENGTH_MARKS))
    )


@functools.cache
def region_metadata(key: str) -> Region | None:
    """Metadata of a region code, or of a non-geographic country code written ``+800``."""
    from phonenumbers import PhoneMetadata

    if key.startswith("+"):
        metadata = PhoneMetadata.metadata_for_nongeo_region(int(key[1:]), None)
    else:
        metadata = PhoneMetadata.metadata_for_region(key, None)
    if metadata is None:
        return None
    # Every metadata entry has both; the stubs allow None.
    assert metadata.general_desc is not None
    assert metadata.country_code is not None
    general = metadata.general_desc.national_number_pattern
    national_prefix = metadata.national_prefix_for_parsing or None
    return Region(
        country_code=metadata.country_code,
        idd=metadata.international_prefix,
        national_prefix=f"^(?:{national_prefix})" if national_prefix else None,
        transform=metadata.national_prefix_transform_rule or None,
        prefix_groups=re.compile(national_prefix).groups if national_prefix else 0,
        general_full=f"^(?:{general})$" if general else None,
        general=_desc_pattern(metadata.general_desc),
        special=tuple(
            (code, pattern)
            for code, name in _SPECIAL_TYPES
            if (pattern := _desc_pattern(getattr(metadata, name))) is not None
        ),
        fixed_line=_desc_pattern(metadata.fixed_line),
        mobile=_desc_pattern(metadata.mobile),
        same_mobile_and_fixed_line=bool(metadata.same_mobile_and_fixed_line_pattern),
        leading_digits=f"^(?:{metadata.leading_digits})" if metadata.leading_digits else None,
        keeps_stripped=_keeps_stripped(metadata),
    )


@dataclass(frozen=True)
class CountryCodes:
    """Country calling codes as lookup tables, and the metadata keys ("homes") parse uses.

    Homes are the region codes, then the non-geographic codes written ``+800``; ids index
    ``homes``. ``known[w]`` flags the ``w``-digit country codes (indexed by their value)."""

    homes: tuple[str, ...]
    home_id: dict[str, int]
    known: dict[int, np.ndarray]
    home_of_code: np.ndarray  # country code -> id of the home parse reads it with
    code_of_home: np.ndarray  # home id -> country code
    regions_of_code: dict[int, tuple[str, ...]]


@functools.cache
def country_codes() -> CountryCodes:
    import phonenumbers

    table = dict(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    non_geo = sorted(code for code, owners in table.items() if owners[0] == NON_GEO)
    homes = (*regions, *(f"+{code}" for code in non_geo))
    home_id = {home: i for i, home in enumerate(homes)}
    known = {width: np.zeros(10**width, bool) for width in (1, 2, 3)}
    home_of_code = np.full(1000, -1, np.int32)
    for code, owners in table.items():
        known[len(str(code))][code] = True
        home_of_code[code] = home_id[f"+{code}" if owners[0] == NON_GEO else owners[0]]
    code_of_home = np.array(
        [phonenumbers.country_code_for_region(h) if h[0] != "+" else int(h[1:]) for h in homes],
        np.int32,
    )
    return CountryCodes(homes, home_id, known, home_of_code, code_of_home, table)
