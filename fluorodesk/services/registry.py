"""All services for one database and one acting user, built on first use."""

from __future__ import annotations

import getpass
from datetime import date
from functools import cached_property

from fluorodesk.db.database import Database
from fluorodesk.services.attachments import AttachmentService
from fluorodesk.services.backup import BackupService
from fluorodesk.services.compliance import ComplianceService
from fluorodesk.services.contracts import ContractService
from fluorodesk.services.demo import DemoService
from fluorodesk.services.dosimetry import DosimetryService
from fluorodesk.services.exposure import ExposureService
from fluorodesk.services.garments import GarmentService
from fluorodesk.services.procedures import ProcedureService
from fluorodesk.services.settings import SettingsService
from fluorodesk.services.technicians import TechnicianService


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"


class Services:
    def __init__(self, db: Database, actor: str | None = None, *, today: date | None = None) -> None:
        self.db = db
        self.actor = actor or default_actor()
        self._today = today

    def _make(self, cls):  # type: ignore[no-untyped-def]
        return cls(self.db, self.actor, today=self._today)

    @cached_property
    def settings(self) -> SettingsService:
        return self._make(SettingsService)

    @cached_property
    def technicians(self) -> TechnicianService:
        return self._make(TechnicianService)

    @cached_property
    def contracts(self) -> ContractService:
        return self._make(ContractService)

    @cached_property
    def garments(self) -> GarmentService:
        return self._make(GarmentService)

    @cached_property
    def exposure(self) -> ExposureService:
        return self._make(ExposureService)

    @cached_property
    def compliance(self) -> ComplianceService:
        return self._make(ComplianceService)

    @cached_property
    def backup(self) -> BackupService:
        return self._make(BackupService)

    @cached_property
    def demo(self) -> DemoService:
        return self._make(DemoService)

    @cached_property
    def attachments(self) -> AttachmentService:
        return self._make(AttachmentService)

    @cached_property
    def procedures(self) -> ProcedureService:
        return self._make(ProcedureService)

    @cached_property
    def dosimetry(self) -> DosimetryService:
        return self._make(DosimetryService)
