"""Continuing-education activities: log (with the certificate copied in), correct, void.

Each change is one operation taking the caller's write transaction (``*_in``) with its audit event;
the dialog's methods (``add``, ``update``, ``void``) run one in a transaction of their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fluorodesk.db.models import CeActivity, Technician
from fluorodesk.domain.ce import credits_problem
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import attach_in_session, counts_by_purpose
from fluorodesk.services.base import Service, existing
from fluorodesk.services.technicians.checks import too_long
from fluorodesk.services.technicians.rows import CeActivityRow, ce_row

OWNER = "ce_activity"

CATEGORIES = ("A", "A+", "Academic", "State-approved", "Other")


@dataclass(frozen=True)
class CeDraft:
    technician_id: int
    completed_on: date | str | None
    title: str
    credits: float | str | None
    provider: str = ""
    category: str = "A"
    fluoro_safety: bool = False
    digital_radiography: bool = False
    notes: str = ""


class CeService(Service):
    def _validated(self, draft: CeDraft) -> dict[str, Any]:
        errors: dict[str, str] = {}
        completed = parse_date_into(draft.completed_on, "completed_on", errors)
        if completed is None and "completed_on" not in errors:
            errors["completed_on"] = "Enter the date it was completed."
        elif completed is not None and completed > self.today():
            errors["completed_on"] = "The completion date is in the future; log it once it is done."
        title = clean(draft.title)
        if not title:
            errors["title"] = "Enter the course or activity title."
        too_long(errors, "title", title, 200, "The title")
        provider = clean(draft.provider)
        too_long(errors, "provider", provider, 160, "The provider")
        category = clean(draft.category) or "A"
        too_long(errors, "category", category, 20, "The category")
        credits: float | None
        try:
            credits = (
                float(str(draft.credits).strip().replace(",", ".")) if draft.credits is not None else None
            )
        except ValueError:
            credits = None
        if credits is None or not math.isfinite(credits):
            errors["credits"] = "Enter the credits as a number (e.g. 1.5)."
        else:
            problem = credits_problem(credits)
            if problem:
                errors["credits"] = problem
        if errors:
            raise ValidationError(fields=errors)
        return {
            "completed_on": completed,
            "title": title,
            "provider": provider,
            "credits": round(credits or 0.0, 2),
            "category": category,
            "fluoro_safety": bool(draft.fluoro_safety),
            "digital_radiography": bool(draft.digital_radiography),
            "notes": draft.notes or "",
        }

    def _row(self, session: Session, act: CeActivity) -> CeActivityRow:
        return ce_row(act, None, counts_by_purpose(session, OWNER, [act.id]))

    def add_in(
        self,
        session: Session,
        draft: CeDraft,
        files: Sequence[str | Path] = (),
        written: list[Path] | None = None,
    ) -> CeActivity:
        """Log a CE activity with its certificate(s) (``written`` collects the copies made, for the
        caller to remove if the transaction fails)."""
        values = self._validated(draft)
        tech = existing(session, Technician, draft.technician_id, "technician")
        act = CeActivity(technician_id=tech.id, **values)
        self.stamp(act, new=True)
        session.add(act)
        audit.created(
            session,
            self.actor,
            "ce_activities",
            act,
            f"CE “{act.title}” ({act.credits:g} credits) logged for {tech.full_name}",
        )
        for path in files:
            attach_in_session(
                session,
                self.db.data_dir.root,
                self.actor,
                OWNER,
                act.id,
                path,
                purpose="certificate",
                written=[] if written is None else written,
                field="files",
            )
        return act

    def update_in(self, session: Session, activity_id: int, draft: CeDraft) -> CeActivity:
        values = self._validated(draft)
        act = existing(session, CeActivity, activity_id, "CE activity")
        if act.voided_at is not None:
            raise ConflictError("This activity was voided; log it again instead.")
        before = audit.snapshot(act)
        for key, value in values.items():
            setattr(act, key, value)
        summary = f"CE “{act.title}” of {act.technician.full_name} corrected"
        if audit.changed(session, self.actor, "ce_activities", act, before, summary):
            self.stamp(act)
        return act

    def void_in(self, session: Session, activity_id: int, reason: str) -> CeActivity:
        reason = clean(reason)
        if not reason:
            raise ValidationError(fields={"void_reason": "Say why this activity is wrong."})
        act = existing(session, CeActivity, activity_id, "CE activity")
        if act.voided_at is not None:
            raise ConflictError("This activity was already voided.")
        before = audit.snapshot(act)
        act.voided_at = self.now()
        act.void_reason = reason
        self.stamp(act)
        audit.changed(
            session,
            self.actor,
            "ce_activities",
            act,
            before,
            f"CE “{act.title}” of {act.technician.full_name} voided: {reason}",
            action="void",
        )
        return act

    def add(self, draft: CeDraft, files: Sequence[str | Path] = ()) -> CeActivityRow:
        """Log a CE activity with its certificate(s), in one transaction (copies go if it fails)."""
        written: list[Path] = []
        try:
            with self.writing() as session:
                return self._row(session, self.add_in(session, draft, files, written))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def update(self, activity_id: int, draft: CeDraft) -> CeActivityRow:
        with self.writing() as session:
            return self._row(session, self.update_in(session, activity_id, draft))

    def void(self, activity_id: int, reason: str) -> CeActivityRow:
        with self.writing() as session:
            return self._row(session, self.void_in(session, activity_id, reason))
