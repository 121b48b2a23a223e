"""Reading what a user typed into an exposure, unit, meter or survey form: a value, or a sentence in
``errors[field]`` saying what is wrong with it."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from enum import Enum
from typing import TypeVar

from fluorodesk.domain.dates import parse_date
from fluorodesk.errors import ValidationError

E = TypeVar("E", bound=Enum)


def parse_number(
    raw: float | int | str | None,
    errors: dict[str, str],
    field: str,
    label: str,
    *,
    required: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float | None:
    """A number typed by a user ('93.5'); problems go into ``errors[field]`` as a sentence."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[field] = f"{label} is required."
        return None
    try:
        value = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        text = str(raw).strip()
        hint = " Use a point for decimals (93.5)." if "," in text else ""
        errors[field] = f"{label}: “{text}” is not a number.{hint}"
        return None
    if not math.isfinite(value):
        errors[field] = f"{label} must be a finite number."
        return None
    if positive and value <= 0:
        errors[field] = f"{label} must be more than 0."
    elif minimum is not None and value < minimum:
        errors[field] = f"{label} must be at least {minimum:g}."
    elif maximum is not None and value > maximum:
        errors[field] = f"{label} must be at most {maximum:g}."
    return value


def parse_day(
    raw: date | str | None, errors: dict[str, str], field: str, label: str, *, required: bool = False
) -> date | None:
    try:
        value = parse_date(raw, field=field)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None
    if value is None and required:
        errors[field] = f"{label} is required."
    return value


def parse_enum(
    raw: E | str | None, enum_cls: type[E], errors: dict[str, str], field: str, message: str
) -> E | None:
    if raw is None or raw == "":
        errors[field] = message
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        errors[field] = message
        return None


def check_length(value: str, limit: int, errors: dict[str, str], field: str, label: str) -> None:
    if len(value) > limit:
        errors[field] = f"{label} is too long (at most {limit} characters)."


def local_date(moment: datetime) -> date:
    """The local calendar date of a naive UTC timestamp (what the user saw on the clock)."""
    return date.fromtimestamp(moment.replace(tzinfo=UTC).timestamp())
