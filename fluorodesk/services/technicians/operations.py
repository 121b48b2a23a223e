"""The technician service: the roster as the tab lists it, one technician's file, and the roster's
changes (add, edit, retire, return to the roster).

Each change is one operation taking the caller's write transaction (``*_in``): the window's own
(``create``, ``update``, ``retire``, ``unretire``), or an import's, which files many in one.
Credentials are changed through ``services.credentials`` and CE activities through ``services.ce``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Agency, Technician
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.settings import load_settings
from fluorodesk.services.technicians.checks import check_references, normalise_arrt_id, validated
from fluorodesk.services.technicians.loading import (
    ce_entries,
    facts_by_technician,
    load_technicians,
    technician_file,
    to_row,
)
from fluorodesk.services.technicians.rows import (
    AgencyChoice,
    CredentialDraft,
    TechnicianDraft,
    TechnicianFile,
    TechnicianRow,
)


class TechnicianService(Service):
    # ---- reading

    def list_rows(self, *, as_of: date | None = None, include_retired: bool = False) -> list[TechnicianRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            entries = ce_entries(session)
            facts = facts_by_technician(session)
            return [
                to_row(t, settings, as_of, entries.get(t.id, []), facts.get(t.id, {}))
                for t in load_technicians(session, include_retired=include_retired, credentials=False)
            ]

    def get_file(self, technician_id: int, *, as_of: date | None = None) -> TechnicianFile:
        as_of = as_of or self.today()
        with self.db.read() as session:
            techs = load_technicians(session, ids=[technician_id], ce=True)
            if not techs:
                raise NotFoundError("That technician no longer exists.")
            return technician_file(session, techs[0], load_settings(session), as_of)

    def list_agencies(self) -> list[AgencyChoice]:
        with self.db.read() as session:
            return [
                AgencyChoice(a.id, a.name, a.active)
                for a in session.scalars(select(Agency).order_by(Agency.name))
            ]

    def arrt_id_owner(self, arrt_id: str, *, exclude_id: int | None = None) -> str | None:
        """Name of the technician who already has this ARRT ID (for the dialog's live check)."""
        arrt_id = normalise_arrt_id(arrt_id)
        if not arrt_id:
            return None
        with self.db.read() as session:
            other = session.scalars(
                select(Technician).where(Technician.arrt_id == arrt_id, Technician.id != (exclude_id or -1))
            ).first()
            return other.full_name if other else None

    def _row(self, session: Session, tech_id: int) -> TechnicianRow:
        """The changed technician's row, read back in the write transaction."""
        session.flush()
        session.expire_all()
        tech = load_technicians(session, ids=[tech_id])[0]
        return to_row(tech, load_settings(session), self.today())

    # ---- the roster's changes

    def create_in(self, session: Session, draft: TechnicianDraft) -> Technician:
        """Add a technician to the roster."""
        values = validated(draft)
        check_references(session, values, None)
        tech = Technician(**values)
        self.stamp(tech, new=True)
        session.add(tech)
        audit.created(session, self.actor, "technicians", tech, f"Technician {tech.full_name} added")
        return tech

    def update_in(self, session: Session, technician_id: int, draft: TechnicianDraft) -> Technician:
        """Change a technician's details (retiring goes through ``retire_in``)."""
        tech = existing(session, Technician, technician_id, "technician")
        values = validated(draft)
        check_references(session, values, tech.id)
        before = audit.snapshot(tech)
        for key, value in values.items():
            setattr(tech, key, value)
        if audit.changed(
            session, self.actor, "technicians", tech, before, f"Technician {tech.full_name} changed"
        ):
            self.stamp(tech)
        return tech

    def retire_in(
        self, session: Session, technician_id: int, retired_on: date | str | None, reason: str
    ) -> Technician:
        """Take a technician off the roster.  Their file and history stay; ``unretire_in`` undoes it."""
        errors: dict[str, str] = {}
        day = parse_date_into(retired_on, "retired_on", errors)
        if day is None and "retired_on" not in errors:
            errors["retired_on"] = "Enter the last day they worked here (or today)."
        elif day is not None and day > self.today():
            errors["retired_on"] = "The retirement date is in the future; retire them on or after that day."
        reason = clean(reason)
        if not reason:
            errors["retired_reason"] = "Say why (e.g. moved away, assignment ended)."
        if errors:
            raise ValidationError(fields=errors)
        tech = existing(session, Technician, technician_id, "technician")
        if tech.retired_on is not None:
            raise ConflictError(f"{tech.full_name} was already retired on {tech.retired_on}.")
        if day is not None and tech.start_date is not None and day < tech.start_date:
            raise ValidationError(
                fields={"retired_on": f"That is before they started ({tech.start_date.isoformat()})."}
            )
        before = audit.snapshot(tech)
        tech.retired_on = day
        tech.retired_reason = reason
        self.stamp(tech)
        audit.changed(
            session,
            self.actor,
            "technicians",
            tech,
            before,
            f"Technician {tech.full_name} retired: {reason}",
            action="retire",
        )
        return tech

    def unretire_in(self, session: Session, technician_id: int) -> Technician:
        """Put a retired technician back on the roster."""
        tech = existing(session, Technician, technician_id, "technician")
        if tech.retired_on is None:
            raise ConflictError(f"{tech.full_name} is not retired.")
        before = audit.snapshot(tech)
        tech.retired_on = None
        tech.retired_reason = ""
        self.stamp(tech)
        audit.changed(
            session,
            self.actor,
            "technicians",
            tech,
            before,
            f"Technician {tech.full_name} back on the roster",
            action="unretire",
        )
        return tech

    def create(self, draft: TechnicianDraft) -> TechnicianRow:
        with self.writing() as session:
            return self._row(session, self.create_in(session, draft).id)

    def update(self, technician_id: int, draft: TechnicianDraft) -> TechnicianRow:
        with self.writing() as session:
            return self._row(session, self.update_in(session, technician_id, draft).id)

    def retire(self, technician_id: int, retired_on: date | str | None, reason: str) -> TechnicianRow:
        with self.writing() as session:
            return self._row(session, self.retire_in(session, technician_id, retired_on, reason).id)

    def unretire(self, technician_id: int) -> TechnicianRow:
        with self.writing() as session:
            return self._row(session, self.unretire_in(session, technician_id).id)

    def add_credential(self, draft: CredentialDraft) -> int:
        """Kept for callers of the first version; see ``services.credentials``."""
        from fluorodesk.services.credentials import CredentialService

        return CredentialService(self.db, self.actor, today=self._today).add(draft).id
