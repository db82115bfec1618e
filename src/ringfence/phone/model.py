"""Value objects and enums of the phone core. Pure data: no parsing, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PhoneReason(StrEnum):
    """Why a string is not (a valid) phone number; the value is the stable reason code."""

    NOT_A_NUMBER = "not_a_number"
    INVALID_COUNTRY_CODE = "invalid_country_code"
    TOO_SHORT_AFTER_IDD = "too_short_after_idd"
    TOO_SHORT_NSN = "too_short_nsn"
    TOO_LONG = "too_long"
    INVALID_NUMBER = "invalid_number"

    @property
    def message(self) -> str:
        """A human sentence for the reason, which never repeats the input."""
        return _REASON_MESSAGES[self]


_REASON_MESSAGES = {
    PhoneReason.NOT_A_NUMBER: "the input does not look like a phone number",
    PhoneReason.INVALID_COUNTRY_CODE: (
        "no valid country calling code: give a number starting with + or a default region"
    ),
    PhoneReason.TOO_SHORT_AFTER_IDD: "too few digits after the international dialling prefix",
    PhoneReason.TOO_SHORT_NSN: "too few digits to be a phone number",
    PhoneReason.TOO_LONG: "too many characters or digits to be a phone number",
    PhoneReason.INVALID_NUMBER: "the number is not a valid number for its country",
}


class NumberType(StrEnum):
    """Kind of line, as libphonenumber classifies it from the number's range."""

    FIXED_LINE = "fixed_line"
    MOBILE = "mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"


# libphonenumber's PhoneNumberType integers, shared by every backend.
NUMBER_TYPE_BY_CODE: dict[int, NumberType] = {
    0: NumberType.FIXED_LINE,
    1: NumberType.MOBILE,
    2: NumberType.FIXED_LINE_OR_MOBILE,
    3: NumberType.TOLL_FREE,
    4: NumberType.PREMIUM_RATE,
    5: NumberType.SHARED_COST,
    6: NumberType.VOIP,
    7: NumberType.PERSONAL_NUMBER,
    8: NumberType.PAGER,
    9: NumberType.UAN,
    10: NumberType.VOICEMAIL,
    99: NumberType.UNKNOWN,
}


class FormatStyle(StrEnum):
    """Output formats of :meth:`PhoneNumber.format`."""

    E164 = "e164"
    INTERNATIONAL = "international"
    NATIONAL = "national"
    RFC3966 = "rfc3966"


class MatchLevel(StrEnum):
    """How closely two numbers match (libphonenumber's ``isNumberMatch``)."""

    EXACT = "exact"
    NSN = "nsn"
    SHORT_NSN = "short_nsn"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A parsed phone number. Immutable; compares by value.

    ``repr()`` and ``str()`` show only the masked form; use :attr:`e164` or :meth:`format` to
    get the number itself.

    Attributes:
        e164: canonical form, e.g. ``+16502530000`` (without the extension).
        country_code: country calling code, e.g. ``1``.
        national_number: national significant number as digits, leading zeros kept.
        extension: extension digits, or ``None``.
        region: ISO 3166-1 alpha-2 code of the number's region, or ``None`` (non-geographic
            numbers, or invalid numbers of shared country codes).
        number_type: kind of line.
        is_valid: the number is in an assigned range for its region.
        is_possible: the number has a possible length for its region.
        metadata_version: libphonenumber metadata release that produced these fields.
        backend: which backend parsed it (``reference`` or ``fast``).
    """

    e164: str = field(repr=False)
    country_code: int
    national_number: str = field(repr=False)
    extension: str | None = field(repr=False)
    region: str | None
    number_type: NumberType
    is_valid: bool
    is_possible: bool
    metadata_version: str = field(compare=False)
    backend: str = field(compare=False)

    def format(self, style: FormatStyle | str = FormatStyle.E164) -> str:
        """Format the number: ``e164``, ``international``, ``national`` or ``rfc3966``.

        E.164 has no extension; the other styles include it.
        """
        from ringfence.phone.formatting import format_number

        return format_number(self, FormatStyle(style))

    def masked(self) -> str:
        """The international form with all but the last digits hidden: ``+1 ***-***-0123``.

        The country code stays visible; the last 4 digits stay visible when the national
        number has at least 8 digits, else the last 2; extension digits are hidden.
        """
        from ringfence.phone.formatting import masked

        return masked(self)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return (
            f"PhoneNumber({self.masked()!r}, region={self.region!r}, "
            f"type={self.number_type.value}, valid={self.is_valid})"
        )


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    """What can be said about a number beyond its digits.

    Attributes:
        region: ISO 3166-1 alpha-2 code, or ``None``.
        country_code: country calling code.
        country_name: name of the region in the requested locale.
        description: geographic description (city or area) for geographic numbers; for other
            numbers libphonenumber falls back to the country name or gives an empty string.
        original_carrier: carrier the number block was originally allocated to. Numbers are
            ported between carriers, so this is *not* the current carrier.
        time_zones: IANA time-zone names the number may be in.
        number_type: kind of line.
        destination_code: national destination code (area code or mobile prefix), or ``None``.
        destination_code_is_place: ``True`` only when the destination code names a
            geographic area. Mobile and non-geographic destination codes are not places.
        number_block: E.164 prefix without the last 4 digits (a block of 10,000 numbers).
    """

    region: str | None
    country_code: int
    country_name: str
    description: str
    original_carrier: str
    time_zones: tuple[str, ...]
    number_type: NumberType
    destination_code: str | None
    destination_code_is_place: bool
    number_block: str

    def ladder(self) -> list[tuple[str, str]]:
        """Generalization ladder, from coarsest to finest: country, area, number block.

        The area step is the destination code when it is a place, else the country again
        (a mobile prefix says nothing about where the person is).
        """
        country = self.region or f"+{self.country_code}"
        area = (
            f"+{self.country_code}{self.destination_code}"
            if self.destination_code and self.destination_code_is_place
            else country
        )
        return [("country", country), ("area", area), ("number_block", self.number_block)]


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """A phone number found in text: ``text[start:end] == raw``."""

    start: int
    end: int
    raw: str = field(repr=False)
    number: PhoneNumber
