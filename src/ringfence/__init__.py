"""ringfence: phone numbers as customer data.

Contact data, authentication data and analytics data, with privacy throughout. The public
surface is listed in ``__all__`` and pinned by a test.
"""

from ringfence.errors import (
    ConfigurationError,
    InputFileError,
    InvalidPhoneNumber,
    MissingDependency,
    RingfenceError,
)
from ringfence.phone import (
    FormatStyle,
    MatchLevel,
    NormalizeResult,
    NumberMatch,
    NumberType,
    PhoneInfo,
    PhoneNumber,
    PhoneReason,
    compare,
    describe,
    find_numbers,
    normalize,
    normalize_many,
    parse,
    redact,
)
from ringfence.settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
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
]
