"""parse and normalize: from a raw string to a :class:`PhoneNumber`."""

from __future__ import annotations

from typing import Any

from ringfence.errors import InvalidPhoneNumber
from ringfence.phone._backend import Backend, get_backend, reference
from ringfence.phone._safety import MAX_INPUT_LENGTH, phone_context_is_safe
from ringfence.phone.model import NUMBER_TYPE_BY_CODE, NumberType, PhoneNumber, PhoneReason

# NumberParseException.error_type -> reason (same integers in every backend).
_REASON_BY_ERROR_TYPE = {
    0: PhoneReason.INVALID_COUNTRY_CODE,
    1: PhoneReason.NOT_A_NUMBER,
    2: PhoneReason.TOO_SHORT_AFTER_IDD,
    3: PhoneReason.TOO_SHORT_NSN,
    4: PhoneReason.TOO_LONG,
}
_UNKNOWN_TYPE = 99
_E164 = 0
_NON_GEO_REGION = "001"


def _region_arg(region: str | None) -> str:
    """libphonenumber's region argument: upper-case code, or ``ZZ`` for none."""
    if region is None or not isinstance(region, str) or not region.strip():
        return "ZZ"
    return region.strip().upper()


def screen(raw: object) -> PhoneReason | None:
    """Refuse, cheaply, input that must never reach a backend; ``None`` means go on."""
    if not isinstance(raw, str):
        return PhoneReason.NOT_A_NUMBER
    if len(raw) > MAX_INPUT_LENGTH:
        return PhoneReason.TOO_LONG
    if not phone_context_is_safe(raw):
        return PhoneReason.NOT_A_NUMBER
    return None


def parse_numobj(backend: Backend, raw: object, region: str | None) -> Any:
    """Screen and parse with a backend; raise ``InvalidPhoneNumber`` with a reason."""
    reason = screen(raw)
    if reason is not None:
        raise InvalidPhoneNumber(reason.message, reason=reason)
    module = backend.module
    try:
        return module.parse(raw, _region_arg(region))
    except module.NumberParseException as exc:
        reason = _REASON_BY_ERROR_TYPE.get(exc.error_type, PhoneReason.NOT_A_NUMBER)
        raise InvalidPhoneNumber(reason.message, reason=reason) from None


def numobj_fields(backend: Backend, numobj: Any) -> tuple[str, str, str | None, int, bool, bool]:
    """The derived fields of a parsed number: e164, region, extension, type, valid, possible.

    Validity is derived from the number type: libphonenumber's ``isValidNumber`` is exactly
    "the type for the number's region is not UNKNOWN", and the type is computed anyway, so we
    skip a second, costly region lookup (the test suite checks the equivalence).
    """
    module = backend.module
    type_code = module.number_type(numobj)
    region = module.region_code_for_number(numobj)
    return (
        module.format_number(numobj, _E164),
        region,
        numobj.extension or None,
        type_code,
        type_code != _UNKNOWN_TYPE,
        module.is_possible_number(numobj),
    )


def build_phone_number(backend: Backend, numobj: Any) -> PhoneNumber:
    """Wrap a backend's parsed number into the immutable :class:`PhoneNumber`."""
    e164, region, extension, type_code, valid, possible = numobj_fields(backend, numobj)
    return PhoneNumber(
        e164=e164,
        country_code=int(numobj.country_code),
        national_number=e164[1 + len(str(numobj.country_code)) :],
        extension=extension,
        region=None if region in (None, _NON_GEO_REGION) else region,
        number_type=NUMBER_TYPE_BY_CODE.get(type_code, NumberType.UNKNOWN),
        is_valid=valid,
        is_possible=possible,
        metadata_version=backend.metadata_version,
        backend=backend.name,
    )


def parse(raw: str, region: str | None = None, *, backend: str = "reference") -> PhoneNumber:
    """Parse a phone number the way libphonenumber does, without requiring validity.

    Accepts national and international forms, IDD prefixes (``00``, ``011``, ...), RFC 3966
    ``tel:`` URIs with ``phone-context``, extensions (``ext.``, ``x``, ``#``, ``;ext=``),
    Unicode digits (full-width, Arabic-Indic, ...), vanity letters, and punctuation or junk
    around the number.

    Args:
        raw: the text as a person or a system wrote it (at most 250 characters).
        region: ISO 3166-1 alpha-2 code used for numbers written in national form.
        backend: ``reference`` (default), ``fast`` or ``auto``.

    Raises:
        InvalidPhoneNumber: with a ``reason`` among NOT_A_NUMBER, INVALID_COUNTRY_CODE,
            TOO_SHORT_AFTER_IDD, TOO_SHORT_NSN and TOO_LONG.
    """
    chosen = get_backend(backend)
    return build_phone_number(chosen, parse_numobj(chosen, raw, region))


def normalize(raw: str, region: str | None = None, *, backend: str = "reference") -> PhoneNumber:
    """Parse and require a valid number: the canonical form the rest of ringfence uses.

    Raises:
        InvalidPhoneNumber: as :func:`parse`, or with reason INVALID_NUMBER when the number
            parses but is not valid for its region.
    """
    number = parse(raw, region, backend=backend)
    if not number.is_valid:
        reason = PhoneReason.INVALID_NUMBER
        raise InvalidPhoneNumber(reason.message, reason=reason)
    return number


def to_numobj(number: PhoneNumber) -> Any:
    """Rebuild a reference-backend number object from a :class:`PhoneNumber`."""
    module = reference().module
    leading_zeros = len(number.national_number) - len(number.national_number.lstrip("0"))
    numobj = module.PhoneNumber(
        country_code=number.country_code,
        national_number=int(number.national_number or "0"),
        extension=number.extension,
    )
    if leading_zeros:
        numobj.italian_leading_zero = True
        numobj.number_of_leading_zeros = leading_zeros
    return numobj
