"""Finding the technician a spreadsheet row names (by e-mail, ARRT ID or "First Last"), and the
reference an export writes for one: every kind that refers to technicians uses these."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.services.transfer.framework import RowProblem


@dataclass
class People:
    by_arrt: dict[str, Technician] = field(default_factory=dict)
    by_email: dict[str, Technician] = field(default_factory=dict)
    by_name: dict[str, list[Technician]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, session: Session) -> People:
        people = cls()
        for tech in session.scalars(select(Technician)):
            people.add(tech)
        return people

    def add(self, tech: Technician) -> None:
        if tech.arrt_id:
            self.by_arrt[tech.arrt_id] = tech
        if tech.email:
            self.by_email[tech.email.lower()] = tech
        self.by_name[tech.full_name.lower()].append(tech)

    def find(self, reference: str, column: str = "technician") -> Technician:
        """Technician by e-mail, ARRT ID or "First Last"."""
        ref = reference.strip()
        tech = self.by_email.get(ref.lower()) or self.by_arrt.get(ref)
        if tech is not None:
            return tech
        named = self.by_name.get(" ".join(ref.lower().split()), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise RowProblem(column, f"“{ref}” matches {len(named)} technicians; use their e-mail or ARRT ID")
        raise RowProblem(column, f"no technician “{ref}” (give an e-mail, ARRT ID or “First Last” on file)")


def tech_reference(tech: Technician | None) -> str:
    if tech is None:
        return ""
    return tech.email or tech.arrt_id or tech.full_name
