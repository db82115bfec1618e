"""describe and compare."""

from __future__ import annotations

import pytest

from ringfence import InvalidPhoneNumber, compare, describe, normalize
from ringfence.phone import MatchLevel, NumberType


def test_describe_geographic_number():
    info = describe("+1 650 253 0000")
    assert info.region == "US"
    assert info.description == "Mountain View, CA"
    assert "America/Los_Angeles" in info.time_zones
    assert info.destination_code == "650"
    assert info.destination_code_is_place is True
    assert info.number_block == "+1650253"
    assert info.ladder() == [("country", "US"), ("area", "+1650"), ("number_block", "+1650253")]


def test_mobile_destination_code_is_not_a_place():
    info = describe("+44 7400 123456")
    assert info.number_type is NumberType.MOBILE
    assert info.destination_code == "7400"
    assert info.destination_code_is_place is False
    assert info.original_carrier  # the original allocation, not today's carrier
    # The area step of the ladder falls back to the country for a mobile number.
    assert info.ladder()[1] == ("area", "GB")


def test_describe_in_another_locale():
    assert describe("+49 30 1234567", locale="de").description == "Berlin"
    assert describe(normalize("+33 1 23 45 67 89"), locale="fr").country_name == "France"


def test_describe_refuses_invalid_string():
    with pytest.raises(InvalidPhoneNumber):
        describe("+1 555 555 5555")


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("+1 650 253 0000", "+16502530000", MatchLevel.EXACT),
        ("+1 650 253 0000", "650-253-0000", MatchLevel.NSN),
        ("+1 650 253 0000", "253-0000", MatchLevel.SHORT_NSN),
        ("+1 650 253 0000 ext. 1", "+1 650 253 0000", MatchLevel.SHORT_NSN),
        ("+1 650 253 0000", "+1 650 253 0001", MatchLevel.NO_MATCH),
        ("+1 650 253 0000", "not a number", MatchLevel.NO_MATCH),
        ("+1 650 253 0000", "tel:1;phone-context=" + "aa." * 25 + "aa!", MatchLevel.NO_MATCH),
    ],
)
def test_compare_levels(a, b, level):
    assert compare(a, b) is level
    assert compare(b, a) is level


def test_compare_phone_number_objects():
    assert compare(normalize("+44 20 8366 1177"), "020 8366 1177") is MatchLevel.NSN
    assert compare(normalize("+44 20 8366 1177"), normalize("020 8366 1177", "GB")) is (
        MatchLevel.EXACT
    )
