"""describe: geography, original carrier, time zones and the generalization ladder."""

from __future__ import annotations

from ringfence.phone._backend import reference
from ringfence.phone.model import PhoneInfo, PhoneNumber
from ringfence.phone.parsing import normalize, to_numobj

_BLOCK_HIDDEN_DIGITS = 4


def describe(number: PhoneNumber | str, locale: str = "en", region: str | None = None) -> PhoneInfo:
    """Describe a number: where it is, who it was allocated to, its time zones.

    Args:
        number: a :class:`PhoneNumber`, or a raw string (normalized with ``region``).
        locale: language of the descriptions, e.g. ``en``, ``de``, ``zh``.
        region: default region when ``number`` is a raw string.

    Raises:
        InvalidPhoneNumber: ``number`` is a string that is not a valid number.
    """
    if isinstance(number, str):
        number = normalize(number, region)
    # The geocoder, carrier and time-zone data ship only with the reference package.
    import phonenumbers
    from phonenumbers import carrier, geocoder, timezone

    numobj = to_numobj(number)
    language = (locale or "en").replace("-", "_").split("_")[0].lower()
    ndc_length = reference().module.length_of_national_destination_code(numobj)
    nsn = number.national_number
    return PhoneInfo(
        region=number.region,
        country_code=number.country_code,
        country_name=geocoder.country_name_for_number(numobj, language),
        description=geocoder.description_for_number(numobj, language),
        original_carrier=carrier.name_for_number(numobj, language),
        time_zones=tuple(
            tz for tz in timezone.time_zones_for_number(numobj) if tz != "Etc/Unknown"
        ),
        number_type=number.number_type,
        destination_code=nsn[:ndc_length] if ndc_length else None,
        destination_code_is_place=bool(ndc_length) and phonenumbers.is_number_geographical(numobj),
        number_block=number.e164[: max(len(number.e164) - _BLOCK_HIDDEN_DIGITS, 2)],
    )


def destination_prefix(number: PhoneNumber) -> str:
    """The country code and national destination code, ``+44 20`` or ``+33 6`` (``+CC``
    alone where the plan has none): the level of the generalization ladder below the
    country, coarse enough for metrics and reports."""
    ndc_length = reference().module.length_of_national_destination_code(to_numobj(number))
    ndc = number.national_number[:ndc_length] if ndc_length else ""
    return f"+{number.country_code} {ndc}".rstrip()
