"""Property-based tests (hypothesis) of the parser and formatter."""

from __future__ import annotations

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import phonenumberutil

from ringfence import InvalidPhoneNumber, normalize, parse
from ringfence.phone import FormatStyle
from ringfence.phone._safety import phone_context_is_safe


def _example_numbers() -> list[tuple[str, str]]:
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                examples.append((phonenumbers.format_number(example, 0), region))
    return examples


EXAMPLES = _example_numbers()


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid number from any region: an example number with its last digits changed."""
    e164, region = draw(st.sampled_from(EXAMPLES))
    tail = draw(st.integers(min_value=0, max_value=99))
    candidate = f"{e164[:-2]}{tail:02d}"
    try:
        normalize(candidate)
    except InvalidPhoneNumber:
        assume(False)
    return candidate, region


@given(valid_numbers())
@settings(max_examples=400, suppress_health_check=[HealthCheck.filter_too_much])
def test_normalize_of_e164_is_idempotent(case):
    e164, _ = case
    once = normalize(e164)
    assert once.e164 == e164
    assert normalize(once.e164) == once


@given(valid_numbers(), st.sampled_from(list(FormatStyle)))
@settings(max_examples=400, suppress_health_check=[HealthCheck.filter_too_much])
def test_format_then_parse_gives_the_same_number(case, style):
    e164, _ = case
    number = normalize(e164)
    # A national form is read back in the number's own region.
    back = parse(number.format(style), number.region or "ZZ")
    assert back.e164 == number.e164
    assert back.extension == number.extension


@given(st.text(max_size=300))
@settings(max_examples=500)
def test_parse_raises_only_invalid_phone_number(text):
    try:
        number = parse(text, "US")
    except InvalidPhoneNumber as exc:
        assert exc.reason is not None
    else:
        assert number.e164.startswith("+")


@given(st.text(alphabet="aZ19.-+()!_", max_size=12))
@settings(max_examples=2000)
def test_safe_phone_context_check_accepts_what_phonenumbers_accepts(value):
    """Our linear-time check and phonenumbers' own (short inputs only) agree exactly."""
    raw = "tel:1234;phone-context=" + value
    theirs = phonenumberutil._is_phone_context_valid(
        phonenumberutil._extract_phone_context(raw, raw.find(";phone-context="))
    )
    assert phone_context_is_safe(raw) == bool(theirs)
