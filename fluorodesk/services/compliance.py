"""Every finding in the clinic as of a date: one list for the Overview, `status` and the packet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.domain.findings import Finding, sort_findings
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services import contracts, dosimetry, exposure, garments, procedures, technicians
from fluorodesk.services.base import Service, read_memo
from fluorodesk.services.settings import load_settings

Provider = Callable[[Session, ClinicSettings, date], list[Finding]]

# One provider per area, with the tables its findings come from (besides the settings, which every
# provider reads): a provider's findings are reused until one of them changes (``read_memo``).
AREAS: tuple[tuple[Provider, tuple[str, ...]], ...] = (
    (technicians.findings, (*technicians.ROSTER_TABLES, "ce_activities")),
    (contracts.findings, contracts.CONTRACT_TABLES),
    (garments.findings, garments.GARMENT_TABLES),
    (exposure.findings, exposure.UNIT_TABLES),
    (procedures.findings, procedures.CASE_TABLES),
    (dosimetry.findings, dosimetry.DOSIMETRY_TABLES),
)


def collect(session: Session, as_of: date) -> list[Finding]:
    settings = load_settings(session)
    found: list[Finding] = []
    for provider, reads in AREAS:
        found.extend(
            read_memo(
                session,
                ("findings", provider.__module__, as_of),
                lambda provider=provider: provider(session, settings, as_of),
                reads=(*reads, "settings"),
            )
        )
    return sort_findings(found)  # a new list: the memo's stay as they were


class ComplianceService(Service):
    def findings(self, as_of: date | None = None) -> list[Finding]:
        """Every finding as of ``as_of`` (today); each area's worked out once per state of its records."""
        with self.db.read() as session:
            return collect(session, as_of or self.today())
