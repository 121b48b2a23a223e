"""The technician form's rules: a draft becomes clean values, or every field's problem in words.

``validated`` needs nothing but the draft; ``check_references`` reads, through the caller's write
transaction, what other records say (an ARRT ID on file, an agency that is gone).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Agency, Technician
from fluorodesk.domain.ce import biennium_start_problem
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import EmploymentType
from fluorodesk.domain.text import clean, looks_like_email
from fluorodesk.errors import ValidationError
from fluorodesk.services.technicians.rows import TechnicianDraft


def too_long(errors: dict[str, str], name: str, value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        errors[name] = f"{what} is too long (at most {limit} characters)."


def normalise_arrt_id(text: str | None) -> str:
    return "".join(clean(text).split())


def validated(draft: TechnicianDraft) -> dict[str, Any]:
    """Check a technician draft; ValidationError with every field's problem, or the clean values."""
    errors: dict[str, str] = {}
    first, last = clean(draft.first_name), clean(draft.last_name)
    if not first:
        errors["first_name"] = "First name is required."
    too_long(errors, "first_name", first, 80, "First name")
    if not last:
        errors["last_name"] = "Last name is required."
    too_long(errors, "last_name", last, 80, "Last name")
    employment: EmploymentType | None
    try:
        employment = EmploymentType(draft.employment_type)
    except ValueError:
        errors["employment_type"] = "Choose freelance per diem, agency or employee."
        employment = None
    agency_id = draft.agency_id
    if employment is EmploymentType.AGENCY and agency_id is None:
        errors["agency_id"] = "Choose the agency this technician comes through."
    elif employment is not None and employment is not EmploymentType.AGENCY and agency_id is not None:
        errors["agency_id"] = "Only agency technicians come through an agency; clear it or choose Agency."
    birth_month = draft.birth_month
    if birth_month is not None:
        try:
            birth_month = int(birth_month)
        except (TypeError, ValueError):
            birth_month = 0
        if not 1 <= birth_month <= 12:
            errors["birth_month"] = "Birth month must be 1 to 12."
            birth_month = None
    dates: dict[str, date | None] = {}
    for name in ("start_date", "ce_biennium_start"):
        try:
            dates[name] = parse_date(getattr(draft, name), field=name)
        except ValidationError as exc:
            errors.update(exc.fields)
            dates[name] = None
    biennium = dates["ce_biennium_start"]
    if biennium is not None:
        biennium = biennium.replace(day=1)
        problem = biennium_start_problem(biennium, birth_month)
        if problem:
            errors["ce_biennium_start"] = problem
    email = clean(draft.email)
    if email and not looks_like_email(email):
        errors["email"] = f"“{email}” is not an e-mail address."
    too_long(errors, "email", email, 160, "The e-mail address")
    phone = clean(draft.phone)
    too_long(errors, "phone", phone, 40, "The phone number")
    arrt_id = normalise_arrt_id(draft.arrt_id)
    if arrt_id and not arrt_id.isdigit():
        errors["arrt_id"] = "An ARRT ID is a number (e.g. 123456)."
    elif len(arrt_id) > 20:
        errors["arrt_id"] = "An ARRT ID has at most 20 digits."
    if errors:
        raise ValidationError(fields=errors)
    return {
        "first_name": first,
        "last_name": last,
        "employment_type": employment,
        "agency_id": agency_id,
        "arrt_id": arrt_id or None,
        "birth_month": birth_month,
        "start_date": dates["start_date"],
        "ce_biennium_start": biennium,
        "email": email,
        "phone": phone,
        "notes": draft.notes or "",
    }


def check_references(session: Session, values: dict[str, Any], tech_id: int | None) -> None:
    """Duplicate ARRT IDs and vanished agencies, as field messages (inside the write transaction)."""
    errors: dict[str, str] = {}
    arrt_id = values["arrt_id"]
    if arrt_id:
        other = session.scalars(
            select(Technician).where(Technician.arrt_id == arrt_id, Technician.id != (tech_id or -1))
        ).first()
        if other is not None:
            errors["arrt_id"] = f"{other.full_name} already has ARRT ID {arrt_id}."
    agency_id = values["agency_id"]
    if agency_id is not None and (
        not isinstance(agency_id, int) or not 0 < agency_id < 2**63 or session.get(Agency, agency_id) is None
    ):  # a stale or bad id is a field message, not a foreign-key crash (found by tests/unit/test_fuzz.py)
        errors["agency_id"] = "That agency no longer exists; choose another."
    if errors:
        raise ValidationError(fields=errors)
