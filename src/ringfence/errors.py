"""The one error tree of ringfence.

Every error raised on purpose by ringfence derives from :class:`RingfenceError`, and each one
also subclasses the builtin exception it specialises, so ``except ValueError`` keeps working for
callers that do not know ringfence. Every error carries a machine-readable ``reason`` code;
messages never contain a phone number, a code or a key.

Tree::

    RingfenceError
    ├── InvalidPhoneNumber (ValueError)       .reason: PhoneReason
    ├── ConfigurationError (ValueError)       .reason: str, e.g. "invalid_setting"
    ├── MissingDependency (ImportError)       .reason: "missing_extra"; names the install command
    └── InputFileError (ValueError)           .reason: str, e.g. "unreadable_file"
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class RingfenceError(Exception):
    """Root of every error ringfence raises on purpose.

    Attributes:
        reason: a stable, machine-readable code (an enum member or a snake_case string).
    """

    default_reason: str = "error"

    def __init__(self, message: str, *, reason: Any = None) -> None:
        super().__init__(message)
        self.reason = reason if reason is not None else self.default_reason

    @property
    def reason_code(self) -> str:
        """The reason as a plain string (the enum's value for enum reasons)."""
        return str(self.reason.value) if isinstance(self.reason, Enum) else str(self.reason)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason_code!r}, message={str(self)!r})"


class InvalidPhoneNumber(RingfenceError, ValueError):
    """A string is not a phone number, or not a valid one.

    ``reason`` is a :class:`ringfence.phone.PhoneReason`. The message never repeats the input.
    """

    default_reason = "not_a_number"


class ConfigurationError(RingfenceError, ValueError):
    """Settings are missing, malformed or unsafe for the environment."""

    default_reason = "invalid_setting"


class MissingDependency(RingfenceError, ImportError):
    """An optional extra is needed; the message names the install command."""

    default_reason = "missing_extra"

    @classmethod
    def for_extra(cls, extra: str, module: str) -> MissingDependency:
        """Build the error for a module that ships in the extra ``extra``."""
        return cls(
            f"this feature needs the '{module}' module from the '{extra}' extra: "
            f"install it with `uv sync --extra {extra}` or `pip install 'ringfence[{extra}]'`"
        )


class InputFileError(RingfenceError, ValueError):
    """An input file cannot be read as a whole (missing, wrong format, missing column)."""

    default_reason = "unreadable_file"
