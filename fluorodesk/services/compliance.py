"""Every finding in the clinic as of a date: one list for the Overview, `status` and the packet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.domain.findings import Finding, sort_findings
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services import contracts, exposure, garments, technicians
from fluorodesk.services.base import Service
from fluorodesk.services.dosimetry.findings import findings as dosimetry_findings
from fluorodesk.services.procedures.findings import findings as dose_findings
from fluorodesk.services.settings import load_settings

Provider = Callable[[Session, ClinicSettings, date], list[Finding]]

#: One provider per area.
AREAS: tuple[Provider, ...] = (
    technicians.findings,
    contracts.findings,
    garments.findings,
    exposure.findings,
    dose_findings,
    dosimetry_findings,
)


def collect(session: Session, as_of: date) -> list[Finding]:
    settings = load_settings(session)
    found: list[Finding] = []
    for provider in AREAS:
        found.extend(provider(session, settings, as_of))
    return sort_findings(found)


class ComplianceService(Service):
    def findings(self, as_of: date | None = None) -> list[Finding]:
        """Every finding as of ``as_of`` (today)."""
        with self.db.read() as session:
            return collect(session, as_of or self.today())
