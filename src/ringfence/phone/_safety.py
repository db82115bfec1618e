"""Input screening that runs before any string reaches a phonenumbers backend.

Two defences:

* a length cap, so a 10 MB string costs a ``len()`` and nothing more;
* a linear-time check of the RFC 3966 ``phone-context`` parameter. phonenumbers validates it
  with ``_RFC3966_DOMAINNAME_PATTERN``, whose label ``[alnum]+((-)*[alnum])*`` can split a run
  of letters in exponentially many ways: a failing 80-character value locks a thread for
  seconds, and every few more characters multiply that. We validate the same language with an
  unambiguous pattern and refuse invalid values ourselves (the result phonenumbers would give,
  ``NOT_A_NUMBER``); a value we accept also matches quickly in phonenumbers.
"""

from __future__ import annotations

import re

# libphonenumber refuses longer input (_MAX_INPUT_STRING_LENGTH); we refuse it before copying.
MAX_INPUT_LENGTH = 250

_PHONE_CONTEXT = ";phone-context="
# As in libphonenumber: ASCII letters, and digits of any script (\d is Unicode-aware).
_ALNUM = r"[A-Za-z\d]"
_ALPHA = r"[A-Za-z]"
# Same language as libphonenumber's domainname rule, each character matched one way only.
_LABEL = rf"{_ALNUM}+(?:-+{_ALNUM}+)*"
_TOPLABEL = rf"{_ALPHA}{_ALNUM}*(?:-+{_ALNUM}+)*"
_DOMAINNAME = re.compile(rf"(?:{_LABEL}\.)*{_TOPLABEL}\.?")
# global-number-digits: "+" then digits and visual separators with at least one digit.
_GLOBAL_DIGITS = re.compile(r"\+[\d\-.()]*\d[\d\-.()]*")


def phone_context_is_safe(raw: str) -> bool:
    """False when ``raw`` has a ``phone-context`` value that RFC 3966 does not allow.

    Mirrors phonenumbers' ``_is_phone_context_valid`` (an empty value is invalid; the value
    ends at the next ``;``), without its exponential worst case.
    """
    start = raw.find(_PHONE_CONTEXT)
    if start == -1:
        return True
    value_start = start + len(_PHONE_CONTEXT)
    end = raw.find(";", value_start)
    value = raw[value_start:] if end == -1 else raw[value_start:end]
    if not value:
        return False
    return bool(_GLOBAL_DIGITS.fullmatch(value) or _DOMAINNAME.fullmatch(value))
