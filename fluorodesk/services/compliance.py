"""Every finding in the clinic as of a date: one list for the Overview, `status` and the packet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.domain.findings import Finding, sort_findings
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.base import Service
from fluorodesk.services.contracts import findings as contract_findings
from fluorodesk.services.dosimetry import findings as dosimetry_findings
from fluorodesk.services.exposure import findings as exposure_findings
from fluorodesk.services.garments import findings as garment_findings
from fluorodesk.services.procedures import findings as dose_findings
from fluorodesk.services.settings import load_settings
from fluorodesk.services.technicians import findings as technician_findings

Provider = Callable[[Session, ClinicSettings, date], list[Finding]]

#: One provider per area.
AREAS: tuple[Provider, ...] = (
    technician_findings.findings,
    contract_findings.findings,
    garment_findings.findings,
    exposure_findings.findings,
    dose_findings.findings,
    dosimetry_findings.findings,
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
