"""Reading what a dosimetry dialog typed into values, collecting a message per field (the dialogs show
each under its field; an import reports it on the column)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    DoseEntry,
    DoseQuantity,
    InvestigationLevel,
    classify_reading,
    parse_dose_entry,
)
from fluorodesk.domain.enums import DoseReadingKind
from fluorodesk.domain.text import squash
from fluorodesk.errors import ValidationError
from fluorodesk.services.dosimetry.rows import InvestigationDraft, ReadingDraft

#: The reading dialog's dose fields (and the import's columns), as a report lists them.
DOSE_CELLS = ("deep_msv", "lens_msv", "shallow_msv")

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


def investigation_values(draft: InvestigationDraft, today: date, errors: dict[str, str]) -> dict[str, Any]:
    """What the investigation dialog typed, as the record's values (its quarter as ``quarter``)."""
    quarter = chosen_quarter(draft.year, draft.quarter, errors)
    try:
        level = InvestigationLevel(draft.level)
    except ValueError:
        errors["level"] = "Choose the level that was reached."
        level = InvestigationLevel.ALARA1
    try:
        quantity = DoseQuantity(draft.quantity)
    except ValueError:
        errors["quantity"] = "Choose the dose quantity."
        quantity = DoseQuantity.DEEP
    opened = parse_day(
        draft.opened_on, "opened_on", errors, required="Enter the day the investigation started."
    )
    closed = parse_day(draft.closed_on, "closed_on", errors)
    refuse_future(errors, today, opened_on=opened, closed_on=closed)
    if opened and closed and closed < opened and "closed_on" not in errors:
        errors["closed_on"] = "It cannot close before it opened."
    investigator = short_text(
        draft.investigator, "investigator", errors, required="Say who investigates (RSO or physicist)."
    )
    findings_text = (draft.findings or "").strip()
    if closed is not None and not findings_text:
        errors["findings"] = "Write what was found before closing the investigation."
    dose = None
    if draft.dose_msv not in (None, ""):
        try:
            entry = parse_dose_entry(draft.dose_msv)
            dose = entry.value
            if dose is None:
                raise ValueError("Enter the dose in mSv.")
        except ValueError as exc:
            errors["dose_msv"] = str(exc)
    return {
        "quarter": quarter,
        "level": level,
        "quantity": quantity,
        "opened_on": opened,
        "closed_on": closed,
        "investigator": investigator,
        "findings": findings_text,
        "actions": (draft.actions or "").strip(),
        "dose_msv": dose,
    }


def dose_entries(draft: ReadingDraft, errors: dict[str, str]) -> tuple[DoseReadingKind, dict[str, DoseEntry]]:
    """The three dose cells as the reading dialog reads them ("M", a number in mSv, or blank), and the
    reading's kind; each problem goes into ``errors`` under its field."""
    entries: dict[str, DoseEntry] = {}
    for name in DOSE_CELLS:
        try:
            entries[name] = parse_dose_entry(getattr(draft, name))
        except ValueError as exc:
            errors[name] = str(exc)
            entries[name] = DoseEntry()
    kind, problems = classify_reading(entries, unused=draft.unused)
    for name, message in problems.items():
        errors.setdefault(name, message)
    return kind, entries
