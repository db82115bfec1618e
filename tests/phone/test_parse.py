"""Known answers for parse and normalize, written from libphonenumber's documented behaviour."""

from __future__ import annotations

import pytest

from ringfence import InvalidPhoneNumber, RingfenceError, normalize, parse
from ringfence.phone import NumberType, PhoneReason

# (raw, default region, E.164, region, type)
KNOWN_VALID = [
    ("(650) 253-0000", "US", "+16502530000", "US", NumberType.FIXED_LINE_OR_MOBILE),
    ("020 8366 1177", "GB", "+442083661177", "GB", NumberType.FIXED_LINE),
    ("07400 123456", "GB", "+447400123456", "GB", NumberType.MOBILE),
    ("030 1234567", "DE", "+49301234567", "DE", NumberType.FIXED_LINE),
    ("01 23 45 67 89", "FR", "+33123456789", "FR", NumberType.FIXED_LINE),
    ("06 12 34 56 78", "FR", "+33612345678", "FR", NumberType.MOBILE),
    ("03-1234-5678", "JP", "+81312345678", "JP", NumberType.FIXED_LINE),
    ("090-1234-5678", "JP", "+819012345678", "JP", NumberType.MOBILE),
    ("098765 43210", "IN", "+919876543210", "IN", NumberType.MOBILE),
    ("(11) 91234-5678", "BR", "+5511912345678", "BR", NumberType.MOBILE),
    ("0412 345 678", "AU", "+61412345678", "AU", NumberType.MOBILE),
    ("+39 06 1234 5678", None, "+390612345678", "IT", NumberType.FIXED_LINE),
    ("+54 9 11 1234-5678", None, "+5491112345678", "AR", NumberType.MOBILE),
    ("1-800-FLOWERS", "US", "+18003569377", "US", NumberType.TOLL_FREE),
    ("+800 1234 5678", None, "+80012345678", None, NumberType.TOLL_FREE),
    ("00 44 20 8366 1177", "DE", "+442083661177", "GB", NumberType.FIXED_LINE),
    ("011 44 20 8366 1177", "US", "+442083661177", "GB", NumberType.FIXED_LINE),
    ("tel:+1-650-253-0000", None, "+16502530000", "US", NumberType.FIXED_LINE_OR_MOBILE),
    (
        "tel:253-0000;phone-context=+1-650",
        None,
        "+16502530000",
        "US",
        NumberType.FIXED_LINE_OR_MOBILE,
    ),
    (
        "tel:020-8366-1177;phone-context=example.co.uk",
        "GB",
        "+442083661177",
        "GB",
        NumberType.FIXED_LINE,
    ),
    ("１-６５０-２５３-００００", "US", "+16502530000", "US", NumberType.FIXED_LINE_OR_MOBILE),
    ("+٤٤ ٢٠ ٨٣٦٦ ١١٧٧", None, "+442083661177", "GB", NumberType.FIXED_LINE),
    ("Tel: (650) 253-0000.", "US", "+16502530000", "US", NumberType.FIXED_LINE_OR_MOBILE),
    ("☎ 650-253-0000 !!", "US", "+16502530000", "US", NumberType.FIXED_LINE_OR_MOBILE),
]


@pytest.mark.parametrize(("raw", "region", "e164", "number_region", "kind"), KNOWN_VALID)
def test_normalize_known_numbers(raw, region, e164, number_region, kind):
    """Each documented form normalizes to the E.164 number, region and line type expected."""
    number = normalize(raw, region)
    assert number.e164 == e164
    assert number.region == number_region
    assert number.number_type is kind
    assert number.is_valid and number.is_possible


def test_italian_leading_zero_kept_in_national_number():
    number = parse("+39 06 1234 5678")
    assert number.national_number == "0612345678"
    assert number.country_code == 39
    assert number.format("national") == "06 1234 5678"


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("650-253-0000 ext. 123", "123"),
        ("650-253-0000 x123", "123"),
        ("650-253-0000 #123", "123"),
        ("tel:+1-650-253-0000;ext=123", "123"),
        ("(650) 253-0000 extension 7", "7"),
    ],
)
def test_extensions_are_split_off(raw, extension):
    number = normalize(raw, "US")
    assert number.e164 == "+16502530000"
    assert number.extension == extension
    assert number.format("rfc3966") == f"tel:+1-650-253-0000;ext={extension}"


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("hello world", "US", PhoneReason.NOT_A_NUMBER),
        ("", "US", PhoneReason.NOT_A_NUMBER),
        ("650 253 0000", None, PhoneReason.INVALID_COUNTRY_CODE),
        ("+999 1234 5678", None, PhoneReason.INVALID_COUNTRY_CODE),
        ("650 253 0000", "XX", PhoneReason.INVALID_COUNTRY_CODE),
        ("0044", "GB", PhoneReason.TOO_SHORT_AFTER_IDD),
        ("011", "US", PhoneReason.TOO_SHORT_AFTER_IDD),
        ("+49 0", "DE", PhoneReason.TOO_SHORT_NSN),
        ("+1 " + "2" * 20, None, PhoneReason.TOO_LONG),
        ("1" * 251, "US", PhoneReason.TOO_LONG),
    ],
)
def test_parse_reason_codes(raw, region, reason):
    with pytest.raises(InvalidPhoneNumber) as caught:
        parse(raw, region)
    assert caught.value.reason is reason
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RingfenceError)


def test_normalize_refuses_parseable_but_invalid_number():
    assert parse("+1 555 555 5555").is_valid is False
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize("+1 555 555 5555")
    assert caught.value.reason is PhoneReason.INVALID_NUMBER


def test_non_string_input_is_not_a_number():
    with pytest.raises(InvalidPhoneNumber) as caught:
        parse(6502530000, "US")  # type: ignore[arg-type]
    assert caught.value.reason is PhoneReason.NOT_A_NUMBER


def test_formats():
    number = normalize("+44 20 8366 1177")
    assert number.format("e164") == "+442083661177"
    assert number.format("international") == "+44 20 8366 1177"
    assert number.format("national") == "020 8366 1177"
    assert number.format("rfc3966") == "tel:+44-20-8366-1177"
    with pytest.raises(ValueError):
        number.format("bogus")


def test_repr_and_str_never_show_the_number():
    number = normalize("+1 650 253 0123 ext. 99")
    for shown in (repr(number), str(number), number.masked()):
        assert "6502530123" not in shown.replace(" ", "").replace("-", "")
        assert "650" not in shown and "253" not in shown and "99" not in shown
    assert number.masked() == "+1 ***-***-0123 ext. ***"


def test_error_messages_never_echo_input():
    secret = "+1 555 555 5555"
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize(secret)
    assert "555" not in str(caught.value) and "555" not in repr(caught.value)


def test_every_result_names_its_metadata_version():
    import phonenumbers

    assert parse("+16502530000").metadata_version == phonenumbers.__version__
    assert parse("+16502530000").backend == "reference"
