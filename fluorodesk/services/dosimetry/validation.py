"""Reading what a dosimetry dialog typed into values, collecting a message per field (the dialogs show
each under its field; an import reports it on the column)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.dose import Period
from fluorodesk.domain.text import squash
from fluorodesk.errors import ValidationError

MAX_TEXT = 120


def parse_day(
    value: date | str | None, name: str, errors: dict[str, str], *, required: str = ""
) -> date | None:
    try:
        parsed = parse_date(value, field=name)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None
    if parsed is None and required:
        errors[name] = required
    return parsed


def refuse_future(errors: dict[str, str], today: date, **days: date | None) -> None:
    """Refuse each of ``days`` (field name = value) that is after ``today``."""
    for name, day in days.items():
        if day is not None and day > today:
            errors[name] = f"{day} is in the future."


def short_text(
    value: str | None, name: str, errors: dict[str, str], *, required: str = "", limit: int = MAX_TEXT
) -> str:
    text = squash(value)
    if not text and required:
        errors[name] = required
    elif len(text) > limit:
        errors[name] = f"At most {limit} characters."
    return text


def chosen_quarter(
    year: int | None, number: int | None, errors: dict[str, str], name: str = "quarter"
) -> Period | None:
    try:
        y = int(year) if year is not None else None
        q = int(number) if number is not None else None
    except (TypeError, ValueError):
        y = q = None
    if y is None or q is None or not 1 <= q <= 4 or not 1990 <= y <= 2200:
        errors[name] = "Choose the quarter."
        return None
    return Period.of(date(y, 3 * q - 2, 1), "quarter")


def chosen_technician(
    session: Session, technician_id: int | None, errors: dict[str, str]
) -> Technician | None:
    if technician_id is None:
        errors["technician_id"] = "Choose the technician."
        return None
    tech = session.get(Technician, technician_id)
    if tech is None:
        errors["technician_id"] = "That technician no longer exists."
    return tech
