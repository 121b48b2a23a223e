"""Calendar arithmetic for expiry and due dates (plain dates, no time zones)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from fluorodesk.errors import ValidationError


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """Same day-of-month ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def days_between(start: date, end: date) -> int:
    return (end - start).days


def week_start(day: date) -> date:
    """Monday of the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

#: The years a date typed into FluoroDesk may fall in: a year outside is a typo (0001-01-01, 9999-12-31)
#: that would otherwise sit in the records as "valid for ever" or break date arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2099


def parse_date(text: str | date | datetime | None, *, field: str = "date") -> date | None:
    """Parse ISO (2026-03-31) or US (03/31/2026) dates; blank is None; anything else, or a year outside
    1900–2099, a ValidationError naming ``field``."""
    if text is None:
        return None
    if isinstance(text, date):
        day = text.date() if isinstance(text, datetime) else text
    else:
        text = str(text).strip()
        if not text:
            return None
        try:
            match = _US_DATE.match(text)
            if match:
                month, day_of_month, year = (int(g) for g in match.groups())
                day = date(year, month, day_of_month)
            else:
                day = date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(
                fields={field: f"“{text}” is not a date; use YYYY-MM-DD (e.g. 2026-03-31) or MM/DD/YYYY."}
            ) from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            fields={
                field: f"“{day.isoformat()}” is not a plausible date: "
                f"the year must be between {FIRST_YEAR} and {LAST_YEAR}."
            }
        )
    return day


def parse_date_into(text: str | date | datetime | None, field: str, errors: dict[str, str]) -> date | None:
    """``parse_date``, but a bad date's message goes into ``errors`` (and gives None) instead of raising:
    for forms that report every field's problem at once."""
    try:
        return parse_date(text, field=field)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None


def describe_due(due: date, as_of: date) -> str:
    """Human wording for a due or expiry date relative to ``as_of``: 'due in 12 days', '3 days overdue'."""
    delta = (due - as_of).days
    if delta == 0:
        return "due today"
    if delta > 0:
        return f"due in {delta} day{'s' if delta != 1 else ''}"
    return f"{-delta} day{'s' if delta != -1 else ''} overdue"
