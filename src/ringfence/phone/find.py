"""find_numbers and redact: phone numbers inside free text."""

from __future__ import annotations

import re
import sys
from typing import Literal

from ringfence.phone._backend import get_backend
from ringfence.phone.formatting import mask_digits
from ringfence.phone.model import NumberMatch
from ringfence.phone.parsing import build_phone_number

Leniency = Literal["possible", "valid", "strict_grouping", "exact_grouping"]
_SURROGATE = re.compile("[\ud800-\udfff]")
_LENIENCY_CODES: dict[str, int] = {
    "possible": 0,
    "valid": 1,
    "strict_grouping": 2,
    "exact_grouping": 3,
}


def _leniency_code(leniency: str) -> int:
    try:
        return _LENIENCY_CODES[leniency]
    except KeyError:
        allowed = ", ".join(_LENIENCY_CODES)
        raise ValueError(f"unknown leniency {leniency!r}: expected one of {allowed}") from None


def find_numbers(
    text: str,
    region: str | None = None,
    leniency: Leniency | str = "valid",
    *,
    backend: str = "auto",
) -> list[NumberMatch]:
    """Find every phone number in ``text``, in order.

    Args:
        text: any text; numbers may use any format :func:`parse` accepts.
        region: region for numbers written in national form; with ``None`` only numbers in
            international form (``+...``) are found.
        leniency: ``possible``, ``valid`` (default), ``strict_grouping`` or
            ``exact_grouping`` — how strict a candidate must be to count, as in libphonenumber.
        backend: ``auto`` (the fast backend when installed), ``reference`` or ``fast``.

    Returns:
        Matches with ``start``/``end`` offsets into ``text`` and the parsed ``number``.
        Unlike libphonenumber's matcher there is no cap on candidates tried: a long text is
        searched to its end, never cut short silently.
    """
    if not isinstance(text, str):
        raise TypeError("find_numbers() needs a str")
    chosen = get_backend(backend)
    module = chosen.module
    # Lone surrogates (undecodable bytes kept by "surrogateescape") cannot cross into the
    # compiled backend; a same-length stand-in keeps every offset aligned with ``text``.
    scanned = _SURROGATE.sub("\ufffd", text)
    matcher = module.PhoneNumberMatcher(
        scanned,
        (region or "ZZ").upper(),
        leniency=_leniency_code(leniency),
        max_tries=sys.maxsize,
    )
    return [
        NumberMatch(
            start=match.start,
            end=match.end,
            raw=text[match.start : match.end],
            number=build_phone_number(chosen, match.number),
        )
        for match in matcher
    ]


def redact(
    text: str,
    region: str | None = None,
    leniency: Leniency | str = "possible",
    *,
    keep_last: int = 0,
    mask_char: str = "*",
    backend: str = "auto",
) -> str:
    """Mask the digits of every phone number found in ``text``; change nothing else.

    The default leniency is ``possible``: redaction errs on the side of hiding. Punctuation
    inside a number stays, so the text keeps its shape and length.

    Args:
        keep_last: how many trailing digits of each number stay visible (default none).
        mask_char: the single character that replaces a digit.
    """
    if len(mask_char) != 1:
        raise ValueError("mask_char must be a single character")
    if keep_last < 0:
        raise ValueError("keep_last must be >= 0")
    pieces: list[str] = []
    cursor = 0
    for match in find_numbers(text, region, leniency, backend=backend):
        pieces.append(text[cursor : match.start])
        pieces.append(mask_digits(match.raw, keep_last, mask_char))
        cursor = match.end
    pieces.append(text[cursor:])
    return "".join(pieces)
