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
    from ringfence.contacts import Contact, ContactNotFound, ContactStore
    from ringfence.settings import Settings, load_settings

__version__ = "0.1.0"

# Imported on first use: settings pull in pydantic and the store SQLAlchemy, and pool
# workers of the phone core should start without either.
_LAZY = {
    "Settings": "ringfence.settings",
    "load_settings": "ringfence.settings",
    "ContactStore": "ringfence.contacts",
    "Contact": "ringfence.contacts",
    "ContactNotFound": "ringfence.contacts",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ringfence' has no attribute {name!r}")


__all__ = [
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
]
