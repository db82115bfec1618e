"""The public surface is explicit and pinned: changing it is a deliberate act."""

from __future__ import annotations

import ringfence
import ringfence.phone

PUBLIC = {
    "ConfigurationError",
    "Contact",
    "ContactNotFound",
    "ContactStore",
    "FormatStyle",
    "InputFileError",
    "InvalidPhoneNumber",
    "MatchLevel",
    "MissingDependency",
    "NormalizeResult",
    "NumberMatch",
    "NumberType",
    "PhoneInfo",
    "PhoneNumber",
    "PhoneReason",
    "RingfenceError",
    "Settings",
    "__version__",
    "compare",
    "describe",
    "find_numbers",
    "load_settings",
    "normalize",
    "normalize_many",
    "parse",
    "redact",
}


def test_top_level_all_is_pinned():
    assert set(ringfence.__all__) == PUBLIC
    for name in ringfence.__all__:
        assert hasattr(ringfence, name)


def test_phone_package_reexports_match():
    for name in ringfence.phone.__all__:
        assert hasattr(ringfence.phone, name)
    assert ringfence.parse is ringfence.phone.parse


def test_phone_reason_members_are_the_documented_ones():
    assert [m.name for m in ringfence.PhoneReason] == [
        "NOT_A_NUMBER",
        "INVALID_COUNTRY_CODE",
        "TOO_SHORT_AFTER_IDD",
        "TOO_SHORT_NSN",
        "TOO_LONG",
        "INVALID_NUMBER",
    ]
