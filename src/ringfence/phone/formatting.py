"""Formatting and masking of :class:`PhoneNumber` values."""

from __future__ import annotations

from dataclasses import replace

from ringfence.phone._backend import reference
from ringfence.phone.model import FormatStyle, PhoneNumber
from ringfence.phone.parsing import to_numobj

_STYLE_CODES = {
    FormatStyle.E164: 0,
    FormatStyle.INTERNATIONAL: 1,
    FormatStyle.NATIONAL: 2,
    FormatStyle.RFC3966: 3,
}


def format_number(number: PhoneNumber, style: FormatStyle) -> str:
    """Format ``number`` in ``style`` (E.164 never carries the extension)."""
    if style is FormatStyle.E164:
        return number.e164
    module = reference().module
    return str(module.format_number(to_numobj(number), _STYLE_CODES[style]))


def _visible_digits(national_number: str) -> int:
    return 4 if len(national_number) >= 8 else 2


def mask_digits(text: str, keep_last: int, mask_char: str = "*") -> str:
    """Replace every digit of ``text`` but the last ``keep_last`` with ``mask_char``."""
    visible_from = sum(ch.isdigit() for ch in text) - keep_last
    out: list[str] = []
    seen = 0
    for ch in text:
        if ch.isdigit():
            out.append(ch if seen >= visible_from else mask_char)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def masked(number: PhoneNumber) -> str:
    """International form with the national digits hidden except the last few."""
    text = format_number(replace(number, extension=None), FormatStyle.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    body = text[len(prefix) :] if text.startswith(prefix) else text
    suffix = " ext. ***" if number.extension else ""
    return prefix + mask_digits(body, _visible_digits(number.national_number)) + suffix
