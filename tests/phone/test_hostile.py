"""Hostile input: every case gets a reason code, never a crash or a hang."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from ringfence import InvalidPhoneNumber, normalize, normalize_many, parse
from ringfence.phone import PhoneReason
from ringfence.phone._safety import phone_context_is_safe
from tests.conftest import without_hanging

# The phone-context value that makes phonenumbers' domain-name regex backtrack exponentially.
EVIL_PHONE_CONTEXTS = [
    "tel:1;phone-context=" + "aa." * 25 + "aa!",
    "tel:1;phone-context=" + "a1." * 40 + "-",
    "tel:1;phone-context=" + "a" * 200 + "!",
    "tel:+1-650-253-0000;phone-context=" + "ab." * 70 + "a_",
]


def _reason(raw: object, region: str | None = "US") -> PhoneReason:
    with pytest.raises(InvalidPhoneNumber) as caught:
        without_hanging(lambda: parse(raw, region))  # type: ignore[arg-type]
    return caught.value.reason


@pytest.mark.parametrize("raw", EVIL_PHONE_CONTEXTS)
def test_evil_phone_context_is_refused_without_backtracking(raw):
    assert _reason(raw) is PhoneReason.NOT_A_NUMBER


def test_ten_megabyte_string_is_too_long():
    assert _reason("1" * 10_000_000) is PhoneReason.TOO_LONG
    assert _reason("+" + "١" * 10_000_000) is PhoneReason.TOO_LONG


@pytest.mark.parametrize(
    "raw",
    [
        "\x00",
        "650\x00253\x000000",
        "\x1b[31m650-253-0000",
        "\r\n\t",
        "\u202e0000-352-056",
        "\ud800",
    ],
)
def test_control_characters_and_nul_bytes(raw):
    try:
        number = without_hanging(lambda: parse(raw, "US"))
    except InvalidPhoneNumber as exc:
        assert isinstance(exc.reason, PhoneReason)
    else:
        assert number.e164.startswith("+")


def test_deeply_nested_tel_junk():
    assert _reason("tel:" * 1000 + "+16502530000") is PhoneReason.TOO_LONG
    assert _reason("tel:tel:tel:;ext=;ext=;phone-context=;isub=") is PhoneReason.NOT_A_NUMBER


def _decimal_zeros() -> list[int]:
    """The code point of the digit zero of every Unicode decimal-digit block."""
    return [
        cp
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Nd" and unicodedata.decimal(chr(cp)) == 0
    ]


def test_every_unicode_digit_block():
    """A number written in any script's digits parses like its ASCII form, or gets a reason."""
    zeros = _decimal_zeros()
    assert len(zeros) > 50
    parsed = 0
    for zero in zeros:
        digits = "".join(chr(zero + int(d)) for d in "6502530000")
        try:
            number = parse(f"+1 {digits}")
        except InvalidPhoneNumber as exc:
            assert isinstance(exc.reason, PhoneReason)
        else:
            assert number.e164 == "+16502530000"
            parsed += 1
    assert parsed >= 40  # libphonenumber knows the common scripts


def test_normalize_many_survives_all_of_it():
    rows = [
        *EVIL_PHONE_CONTEXTS,
        "1" * 10_000_000,
        "\x00",
        None,
        12,
        3.5,
        object(),
        "+1 650 253 \ud800",  # a lone surrogate: no UTF-8 form
        "+1 650 253 0000",
    ]
    result = without_hanging(lambda: normalize_many(rows, "US", workers=1))
    reasons = result.table.column("reason").to_pylist()
    assert reasons[:4] == ["not_a_number"] * 4
    assert reasons[4] == "too_long"
    assert reasons[-2] == "not_a_number"
    assert reasons[-1] is None
    assert all(reason is not None for reason in reasons[:-1])


def test_safe_phone_context_check_matches_the_rfc_language():
    assert phone_context_is_safe("tel:1234;phone-context=+1-650")
    assert phone_context_is_safe("tel:1234;phone-context=example.com")
    assert phone_context_is_safe("tel:1234;phone-context=a-b--c.example.")
    assert phone_context_is_safe("tel:1234;phone-context=example.com;isub=1")
    assert not phone_context_is_safe("tel:1234;phone-context=")
    assert not phone_context_is_safe("tel:1234;phone-context=-a.com")
    assert not phone_context_is_safe("tel:1234;phone-context=1.2")  # top label needs a letter
    assert not phone_context_is_safe("tel:1234;phone-context=+")
    assert phone_context_is_safe("650 253 0000")


def test_region_none_with_garbage():
    assert _reason("   ", None) is PhoneReason.NOT_A_NUMBER
    with pytest.raises(InvalidPhoneNumber):
        normalize("+", None)
