"""The phone-number core: pure functions and value objects, no I/O.

Parse, normalize, describe, compare, find in text, redact, mask, and normalize in bulk.
``phonenumbers`` is the reference implementation; the ``fast`` extra (``rphonenumbers``)
serves bulk work behind the same seam.
"""

from ringfence.phone._backend import fast_available, metadata_version
from ringfence.phone._safety import MAX_INPUT_LENGTH
from ringfence.phone.bulk import NormalizeResult, normalize_many
from ringfence.phone.compare import compare
from ringfence.phone.describe import describe
from ringfence.phone.find import find_numbers, redact
from ringfence.phone.model import (
    FormatStyle,
    MatchLevel,
    NumberMatch,
    NumberType,
    PhoneInfo,
    PhoneNumber,
    PhoneReason,
)
from ringfence.phone.parsing import normalize, parse

__all__ = [
    "MAX_INPUT_LENGTH",
    "FormatStyle",
    "MatchLevel",
    "NormalizeResult",
    "NumberMatch",
    "NumberType",
    "PhoneInfo",
    "PhoneNumber",
    "PhoneReason",
    "compare",
    "describe",
    "fast_available",
    "find_numbers",
    "metadata_version",
    "normalize",
    "normalize_many",
    "parse",
    "redact",
]
