"""The per-row hot loop of bulk normalization, kept free of heavy imports.

It runs in pool workers, so importing it must stay cheap (no pyarrow). Each row gets the
fields of a valid number or a reason code; nothing raises.
"""

from __future__ import annotations

from ringfence.phone._backend import get_backend
from ringfence.phone._safety import MAX_INPUT_LENGTH, phone_context_is_safe
from ringfence.phone.model import NUMBER_TYPE_BY_CODE, PhoneReason

Columns = tuple[
    list[str | None],  # e164
    list[bool],  # valid
    list[str | None],  # reason
    list[str | None],  # region
    list[str],  # number_type
    list[int | None],  # country_code
    list[str | None],  # extension
]

_REASON_BY_ERROR_TYPE = {
    0: PhoneReason.INVALID_COUNTRY_CODE.value,
    1: PhoneReason.NOT_A_NUMBER.value,
    2: PhoneReason.TOO_SHORT_AFTER_IDD.value,
    3: PhoneReason.TOO_SHORT_NSN.value,
    4: PhoneReason.TOO_LONG.value,
}
_TYPE_NAMES = {code: member.value for code, member in NUMBER_TYPE_BY_CODE.items()}
_UNKNOWN_TYPE = 99
_NOT_A_NUMBER = PhoneReason.NOT_A_NUMBER.value
_TOO_LONG = PhoneReason.TOO_LONG.value
_INVALID_NUMBER = PhoneReason.INVALID_NUMBER.value
_NON_GEO_REGION = "001"


def _screen(value: object) -> str | None:
    if not isinstance(value, str):
        return _NOT_A_NUMBER
    if len(value) > MAX_INPUT_LENGTH:
        return _TOO_LONG
    if ";phone-context=" in value and not phone_context_is_safe(value):
        return _NOT_A_NUMBER
    return None


def normalize_rows(
    backend_name: str, values: list[str | None], regions: list[str | None]
) -> Columns:
    """Normalize ``values[i]`` with default region ``regions[i]``; return column lists.

    Validity is "number type is not UNKNOWN", which is libphonenumber's own definition of
    ``isValidNumber`` and saves a second region lookup per row.
    """
    module = get_backend(backend_name).module
    parse, parse_error = module.parse, module.NumberParseException
    number_type, region_of = module.number_type, module.region_code_for_number
    format_number = module.format_number
    cols: Columns = ([], [], [], [], [], [], [])
    e164s, valids, reasons, out_regions, types, codes, extensions = cols
    for value, region in zip(values, regions, strict=True):
        reason = _screen(value)
        numobj = None
        if reason is None:
            try:
                numobj = parse(value, region or "ZZ")
            except parse_error as exc:
                reason = _REASON_BY_ERROR_TYPE.get(exc.error_type, _NOT_A_NUMBER)
        if numobj is None:
            e164s.append(None)
            valids.append(False)
            reasons.append(reason)
            out_regions.append(None)
            types.append("unknown")
            codes.append(None)
            extensions.append(None)
            continue
        type_code = number_type(numobj)
        valid = type_code != _UNKNOWN_TYPE
        number_region = region_of(numobj)
        e164s.append(format_number(numobj, 0) if valid else None)
        valids.append(valid)
        reasons.append(None if valid else _INVALID_NUMBER)
        out_regions.append(None if number_region == _NON_GEO_REGION else number_region)
        types.append(_TYPE_NAMES.get(type_code, "unknown"))
        codes.append(numobj.country_code)
        extensions.append(numobj.extension or None)
    return cols
