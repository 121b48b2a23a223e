"""All services for one database and one acting user, built on first use."""

from __future__ import annotations

import getpass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from fluorodesk.db.database import Database

if TYPE_CHECKING:  # each service module is imported when first used (start-up speed)
    from fluorodesk.services.agencies import AgencyService
    from fluorodesk.services.attachments import AttachmentService
    from fluorodesk.services.audit_trail import AuditTrailService
    from fluorodesk.services.auth import AuthService
    from fluorodesk.services.backup import BackupService
    from fluorodesk.services.ce import CeService
    from fluorodesk.services.compliance import ComplianceService
    from fluorodesk.services.contracts.operations import ContractService
    from fluorodesk.services.credentials import CredentialService
    from fluorodesk.services.demo import DemoService
    from fluorodesk.services.dosimetry.operations import DosimetryService
    from fluorodesk.services.exposure.operations import ExposureService
    from fluorodesk.services.garment_inspections import GarmentInspectionService
    from fluorodesk.services.garments.operations import GarmentService
    from fluorodesk.services.meters import MeterService
    from fluorodesk.services.procedures.operations import ProcedureService
    from fluorodesk.services.settings import SettingsService
    from fluorodesk.services.signoff import SignoffService
    from fluorodesk.services.surveys import SurveyService
    from fluorodesk.services.technicians.operations import TechnicianService
    from fluorodesk.services.transfer.service import ExportService, ImportService
    from fluorodesk.services.units import UnitService


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
        from fluorodesk.services.settings import SettingsService

        return self._make(SettingsService)

    @cached_property
    def technicians(self) -> TechnicianService:
        from fluorodesk.services.technicians.operations import TechnicianService

        return self._make(TechnicianService)

    @cached_property
    def credentials(self) -> CredentialService:
        from fluorodesk.services.credentials import CredentialService

        return self._make(CredentialService)

    @cached_property
    def ce(self) -> CeService:
        from fluorodesk.services.ce import CeService

        return self._make(CeService)

    @cached_property
    def contracts(self) -> ContractService:
        from fluorodesk.services.contracts.operations import ContractService

        return self._make(ContractService)

    @cached_property
    def agencies(self) -> AgencyService:
        from fluorodesk.services.agencies import AgencyService

        return self._make(AgencyService)

    @cached_property
    def garments(self) -> GarmentService:
        from fluorodesk.services.garments.operations import GarmentService

        return self._make(GarmentService)

    @cached_property
    def garment_inspections(self) -> GarmentInspectionService:
        from fluorodesk.services.garment_inspections import GarmentInspectionService

        return self._make(GarmentInspectionService)

    @cached_property
    def exposure(self) -> ExposureService:
        from fluorodesk.services.exposure.operations import ExposureService

        return self._make(ExposureService)

    @cached_property
    def units(self) -> UnitService:
        from fluorodesk.services.units import UnitService

        return self._make(UnitService)

    @cached_property
    def meters(self) -> MeterService:
        from fluorodesk.services.meters import MeterService

        return self._make(MeterService)

    @cached_property
    def surveys(self) -> SurveyService:
        from fluorodesk.services.surveys import SurveyService

        return self._make(SurveyService)

    @cached_property
    def compliance(self) -> ComplianceService:
        from fluorodesk.services.compliance import ComplianceService

        return self._make(ComplianceService)

    @cached_property
    def backup(self) -> BackupService:
        from fluorodesk.services.backup import BackupService

        return self._make(BackupService)

    @cached_property
    def demo(self) -> DemoService:
        from fluorodesk.services.demo import DemoService

        return self._make(DemoService)

    @cached_property
    def attachments(self) -> AttachmentService:
        from fluorodesk.services.attachments import AttachmentService

        return self._make(AttachmentService)

    @cached_property
    def imports(self) -> ImportService:
        from fluorodesk.services.transfer.service import ImportService

        return self._make(ImportService)

    @cached_property
    def exports(self) -> ExportService:
        from fluorodesk.services.transfer.service import ExportService

        return self._make(ExportService)

    @cached_property
    def auth(self) -> AuthService:
        from fluorodesk.services.auth import AuthService

        return self._make(AuthService)

    @cached_property
    def signoff(self) -> SignoffService:
        from fluorodesk.services.signoff import SignoffService

        return self._make(SignoffService)

    @cached_property
    def audit_trail(self) -> AuditTrailService:
        from fluorodesk.services.audit_trail import AuditTrailService

        return self._make(AuditTrailService)

    @cached_property
    def procedures(self) -> ProcedureService:
        from fluorodesk.services.procedures.operations import ProcedureService

        return self._make(ProcedureService)

    @cached_property
    def dosimetry(self) -> DosimetryService:
        from fluorodesk.services.dosimetry.operations import DosimetryService

        return self._make(DosimetryService)
