"""Shared output helpers of the CLI."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from ringfence.errors import RingfenceError

EXIT_INVALID = 2


def print_json(payload: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def fail(exc: RingfenceError, *, as_json: bool = False) -> NoReturn:
    """Report an error with its reason code and exit with status 2."""
    if as_json:
        print_json({"error": {"reason": exc.reason_code, "message": str(exc)}})
    else:
        sys.stderr.write(f"error [{exc.reason_code}]: {exc}\n")
    raise SystemExit(EXIT_INVALID)


def read_stdin_text() -> str:
    """All of stdin as text; bytes that are not UTF-8 survive a round trip unchanged."""
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def write_stdout_text(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
