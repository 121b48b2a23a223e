"""Continuing-education activities: log (with the certificate copied in), correct, void."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import CeActivity, Technician
from fluorodesk.domain.ce import credits_problem
from fluorodesk.domain.dates import parse_date
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import attach_in_session
from fluorodesk.services.base import Service
from fluorodesk.services.technicians import CeActivityRow, ce_row, clean, counts_by_purpose, too_long

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
        try:
            completed = parse_date(draft.completed_on, field="completed_on")
        except ValidationError as exc:
            errors.update(exc.fields)
            completed = None
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

    def add(self, draft: CeDraft, files: Sequence[str | Path] = ()) -> CeActivityRow:
        """Log a CE activity with its certificate(s), in one transaction."""
        values = self._validated(draft)
        written: list[Path] = []
        try:
            with self.writing() as session:
                tech = session.get(Technician, draft.technician_id)
                if tech is None:
                    raise NotFoundError("That technician no longer exists.")
                act = CeActivity(
                    technician_id=tech.id, **values, created_by=self.actor, updated_by=self.actor
                )
                session.add(act)
                session.flush()
                audit.record(
                    session,
                    actor=self.actor,
                    action="create",
                    entity="ce_activities",
                    entity_id=act.id,
                    summary=f"CE “{act.title}” ({act.credits:g} credits) logged for {tech.full_name}",
                    after=audit.snapshot(act),
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
                        written=written,
                        field="files",
                    )
                return self._row(session, act)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def update(self, activity_id: int, draft: CeDraft) -> CeActivityRow:
        values = self._validated(draft)
        with self.writing() as session:
            act = session.get(CeActivity, activity_id)
            if act is None:
                raise NotFoundError("That CE activity no longer exists.")
            if act.voided_at is not None:
                raise ConflictError("This activity was voided; log it again instead.")
            before = audit.snapshot(act)
            for key, value in values.items():
                setattr(act, key, value)
            after = audit.snapshot(act)
            if after != before:
                act.updated_by = self.actor
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="ce_activities",
                    entity_id=act.id,
                    summary=f"CE “{act.title}” of {act.technician.full_name} corrected",
                    before=before,
                    after=after,
                )
            return self._row(session, act)

    def void(self, activity_id: int, reason: str) -> CeActivityRow:
        reason = clean(reason)
        if not reason:
            raise ValidationError(fields={"void_reason": "Say why this activity is wrong."})
        with self.writing() as session:
            act = session.get(CeActivity, activity_id)
            if act is None:
                raise NotFoundError("That CE activity no longer exists.")
            if act.voided_at is not None:
                raise ConflictError("This activity was already voided.")
            before = audit.snapshot(act)
            act.voided_at = utcnow().replace(microsecond=0)
            act.void_reason = reason
            act.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="ce_activities",
                entity_id=act.id,
                summary=f"CE “{act.title}” of {act.technician.full_name} voided: {reason}",
                before=before,
                after=audit.snapshot(act),
            )
            return self._row(session, act)
