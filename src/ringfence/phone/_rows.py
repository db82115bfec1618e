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


_SHARED = object()


def _single_region_by_country_code(module: object) -> dict[int, str | None]:
    """Country codes used by one region only, mapped to it (``None`` for non-geographic).

    For those, libphonenumber's ``region_code_for_number`` is a table lookup; skipping the
    call saves a conversion of the number object per row. Shared codes (+1, +7, +44, ...)
    still ask the backend, which picks the region from the number.
    """
    table: dict[int, tuple[str, ...]] = module.COUNTRY_CODE_TO_REGION_CODE  # type: ignore[attr-defined]
    return {
        code: (None if regions[0] == _NON_GEO_REGION else regions[0])
        for code, regions in table.items()
        if len(regions) == 1
    }


def normalize_rows(
    backend_name: str, values: list[str | None], regions: list[str | None]
) -> Columns:
    """Normalize ``values[i]`` with default region ``regions[i]``; return column lists.

    Validity is "number type is not UNKNOWN", which is libphonenumber's own definition of
    ``isValidNumber`` and saves a second region lookup per row. This is the hot loop of bulk
    work: the screening of :func:`ringfence.phone.parsing.screen` is inlined, and each row
    costs one tuple append; columns are made by one transposition at the end.
    """
    module = get_backend(backend_name).module
    single_region = _single_region_by_country_code(module)
    parse, parse_error = module.parse, module.NumberParseException
    number_type, region_of = module.number_type, module.region_code_for_number
    format_number = module.format_number
    rows: list[tuple[object, ...]] = []
    append = rows.append
    for value, region in zip(values, regions, strict=True):
        if value.__class__ is not str:
            append(_REFUSED[_NOT_A_NUMBER])
            continue
        if len(value) > MAX_INPUT_LENGTH:
            append(_REFUSED[_TOO_LONG])
            continue
        if ";phone-context=" in value and not phone_context_is_safe(value):
            append(_REFUSED[_NOT_A_NUMBER])
            continue
        try:
            numobj = parse(value, region or "ZZ")
        except parse_error as exc:
            append(_REFUSED[_REASON_BY_ERROR_TYPE.get(exc.error_type, _NOT_A_NUMBER)])
            continue
        type_code = number_type(numobj)
        number_region = single_region.get(numobj.country_code, _SHARED)
        if number_region is _SHARED:
            number_region = region_of(numobj)
            if number_region == _NON_GEO_REGION:
                number_region = None
        if type_code == _UNKNOWN_TYPE:
            append(
                (
                    None,
                    False,
                    _INVALID_NUMBER,
                    number_region,
                    "unknown",
                    numobj.country_code,
                    numobj.extension or None,
                )
            )
        else:
            append(
                (
                    format_number(numobj, 0),
                    True,
                    None,
                    number_region,
                    _TYPE_NAMES[type_code],
                    numobj.country_code,
                    numobj.extension or None,
                )
            )
    if not rows:
        return ([], [], [], [], [], [], [])
    return tuple(map(list, zip(*rows, strict=True)))  # type: ignore[return-value]


_REFUSED = {
    reason: (None, False, reason, None, "unknown", None, None)
    for reason in (*_REASON_BY_ERROR_TYPE.values(), _INVALID_NUMBER)
}
