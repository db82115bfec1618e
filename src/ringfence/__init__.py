"""ringfence: phone numbers as customer data.

Contact data, authentication data and analytics data, with privacy throughout. The public
surface is listed in ``__all__`` and pinned by a test.
"""

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from ringfence.settings import Settings, load_settings

__version__ = "0.1.0"

_LAZY = {"Settings", "load_settings"}


def __getattr__(name: str) -> object:
    # Settings pull in pydantic (~0.3 s): import them only when asked, so that the CLI and
    # pool workers start fast.
    if name in _LAZY:
        from ringfence import settings

        return getattr(settings, name)
    raise AttributeError(f"module 'ringfence' has no attribute {name!r}")


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
