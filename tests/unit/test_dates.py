from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluorodesk.domain.dates import (
    add_months,
    describe_due,
    end_of_month,
    parse_date,
    parse_date_into,
    week_start,
)
from fluorodesk.errors import ValidationError


def test_end_of_month_handles_leap_years():
    assert end_of_month(date(2028, 2, 10)) == date(2028, 2, 29)
    assert end_of_month(date(2027, 2, 10)) == date(2027, 2, 28)
    assert end_of_month(date(2026, 12, 1)) == date(2026, 12, 31)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 1, 1)), st.integers(-600, 600))
def test_add_months_lands_in_the_right_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_week_start_is_monday():
    assert week_start(date(2026, 11, 26)) == date(2026, 11, 23)
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-03-31", date(2026, 3, 31)), ("03/31/2026", date(2026, 3, 31)), ("  ", None), (None, None)],
)
def test_parse_date_accepts_iso_and_us(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "31/03/2026", "tomorrow", "2026/03/31"])
def test_parse_date_rejects_garbage_with_a_field_message(text):
    with pytest.raises(ValidationError) as info:
        parse_date(text, field="issued_on")
    assert "issued_on" in info.value.fields
    assert text.strip() in info.value.fields["issued_on"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
        ("12/31/2100", "2100-12-31"),
        ("1899-12-31", "1899-12-31"),
        (date(9999, 12, 31), "9999-12-31"),  # an Excel date cell, or a draft filled in code
        (datetime(1, 1, 1, 8, 30), "0001-01-01"),
    ],
)
def test_parse_date_refuses_a_year_outside_1900_to_2099(value, shown):
    with pytest.raises(ValidationError) as info:
        parse_date(value, field="expires_on")
    assert info.value.fields == {
        "expires_on": f"“{shown}” is not a plausible date: the year must be between 1900 and 2099."
    }


@pytest.mark.parametrize("text", ["1900-01-01", "2099-12-31", "01/01/1900", "12/31/2099"])
def test_parse_date_accepts_the_first_and_last_plausible_days(text):
    assert parse_date(text) in (date(1900, 1, 1), date(2099, 12, 31))


@given(st.text(max_size=30))
def test_parse_date_never_crashes(text):
    try:
        result = parse_date(text)
    except ValidationError:
        return
    assert result is None or isinstance(result, date)


def test_describe_due():
    today = date(2026, 11, 26)
    assert describe_due(today, today) == "due today"
    assert describe_due(date(2026, 11, 27), today) == "due in 1 day"
    assert describe_due(date(2026, 11, 20), today) == "6 days overdue"


def test_parse_date_into_gives_the_date_and_leaves_errors_alone():
    errors: dict[str, str] = {"other": "kept"}
    assert parse_date_into("03/31/2026", "on", errors) == date(2026, 3, 31)
    assert parse_date_into("  ", "on", errors) is None
    assert errors == {"other": "kept"}


def test_parse_date_into_puts_the_message_under_the_field_and_gives_none():
    errors: dict[str, str] = {"other": "kept"}
    assert parse_date_into("31/03/2026", "received_on", errors) is None
    assert errors == {
        "other": "kept",
        "received_on": "“31/03/2026” is not a date; use YYYY-MM-DD (e.g. 2026-03-31) or MM/DD/YYYY.",
    }
