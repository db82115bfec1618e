"""compare: how closely two numbers match, as libphonenumber's ``isNumberMatch``."""

from __future__ import annotations

from typing import Any

from ringfence.phone._backend import reference
from ringfence.phone.model import MatchLevel, PhoneNumber
from ringfence.phone.parsing import screen, to_numobj

# MatchType integers of libphonenumber.
_LEVEL_BY_CODE = {
    0: MatchLevel.NO_MATCH,  # NOT_A_NUMBER: something that is not a number matches nothing
    1: MatchLevel.NO_MATCH,
    2: MatchLevel.SHORT_NSN,
    3: MatchLevel.NSN,
    4: MatchLevel.EXACT,
}


def _operand(value: PhoneNumber | str) -> Any:
    if isinstance(value, PhoneNumber):
        return to_numobj(value)
    if screen(value) is not None:
        return None
    return value


def compare(a: PhoneNumber | str, b: PhoneNumber | str) -> MatchLevel:
    """Compare two numbers given as :class:`PhoneNumber` objects or raw strings.

    * EXACT: same country code, national number and extension.
    * NSN: same national number (and extension) where one side has no country code.
    * SHORT_NSN: one national number is a suffix of the other (a number written without
      its area code), or extensions are missing on one side.
    * NO_MATCH: different numbers, or either side is not a number at all.

    Raw strings without a ``+`` are compared by their national digits, never guessed into a
    region.
    """
    left, right = _operand(a), _operand(b)
    if left is None or right is None:
        return MatchLevel.NO_MATCH
    code = reference().module.is_number_match(left, right)
    return _LEVEL_BY_CODE[int(code)]
