"""Turning one spreadsheet cell into a typed value, or a sentence saying why it cannot be."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import LabelledEnum
from fluorodesk.errors import ValidationError


class CellError(ValueError):
    """A cell's value is unusable; the message is for the user."""


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns "123456" into 123456.0
    return str(value).strip()


def as_date(value: Any) -> date | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(f"{value!r} is a number, not a date; format the column as dates or type YYYY-MM-DD")
    try:  # Excel date cells too: the same range rule as a typed date
        return parse_date(value if isinstance(value, date) else text(value))
    except ValidationError as exc:
        raise CellError(next(iter(exc.fields.values()))) from exc


def as_number(value: Any, *, minimum: float | None = 0.0) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number")
    try:
        number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise CellError(f"“{text(value)}” is not a number") from None
    if not math.isfinite(number):
        raise CellError(f"“{text(value)}” is not a usable number")
    if minimum is not None and number < minimum:
        raise CellError(f"{number:g} is below {minimum:g}")
    return number


def as_int(value: Any, *, minimum: int | None = 0) -> int | None:
    number = as_number(value, minimum=minimum)
    if number is None:
        return None
    if not number.is_integer():
        raise CellError(f"{number:g} is not a whole number")
    return int(number)


def as_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in ("yes", "y", "true", "1", "x"):
        return True
    if lowered in ("no", "n", "false", "0"):
        return False
    raise CellError(f"“{text(value)}” is not yes or no")


def _words(raw: str) -> str:
    """A choice as compared: case, spaces, underscores and hyphens aside ("In service" = "in_service")."""
    return "".join(ch for ch in raw.lower() if ch not in " _-")


def as_member(value: Any, enum: type[LabelledEnum]) -> Any:
    """The member of ``enum`` named by its stored value or by the words the window shows for it."""
    raw = text(value)
    if not raw:
        return None
    wanted = _words(raw)
    for member in enum:
        if wanted in (_words(member.value), _words(member.label)):
            return member
    raise CellError(f"“{raw}” is not one of: {', '.join(m.label for m in enum)}")


def as_choice(value: Any, allowed: Iterable[str]) -> str | None:
    """Case-insensitive match against the allowed values; returns the canonical spelling."""
    raw = text(value)
    if not raw:
        return None
    options = list(allowed)
    for option in options:
        if raw.lower() == option.lower():
            return option
    raise CellError(f"“{raw}” is not one of: {', '.join(options)}")
