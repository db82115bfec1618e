"""Legal deadlines counted in business days (weekends and public holidays excluded, with the
``holidays`` package)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays

# How long a revocation may take to honour, by the law of the number's country.
REVOCATION_BUSINESS_DAYS = {"US": 10}  # TCPA (47 CFR 64.1200(a)(10)), from April 2025


@cache
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def add_business_days(start: datetime, days: int, country: str) -> datetime:
    """``start`` plus ``days`` business days of ``country``."""
    calendar = _calendar(country)
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if _is_business_day(moment.date(), calendar):
            left -= 1
    return moment


def _is_business_day(day: date, calendar: holidays.HolidayBase) -> bool:
    return day.weekday() < 5 and day not in calendar


def revocation_deadline(received_at: datetime, region: str | None) -> datetime | None:
    """When a revocation received at ``received_at`` must be honoured, where a law says so."""
    days = REVOCATION_BUSINESS_DAYS.get(region or "")
    return add_business_days(received_at, days, region or "") if days else None
