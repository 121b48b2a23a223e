"""Vocabularies shared by the database, services, UI and reports.

Values are stable strings: they are stored in the database, written to CSV and JSON, and must not
change once released.  ``label`` is what a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    @property
    def label(self) -> str:
        # Keyed by class too: StrEnum members of different enums with the same value compare equal.
        return _LABELS.get((type(self).__name__, self.value), self.value.replace("_", " ").capitalize())

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Severity(LabelledEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 0, "warning": 1, "info": 2}[self.value]


class Area(LabelledEnum):
    CREDENTIALS = "credentials"
    CONTRACTS = "contracts"
    GARMENTS = "garments"
    EXPOSURE = "exposure"
    DOSE = "dose"
    DOSIMETRY = "dosimetry"
    SYSTEM = "system"


class EmploymentType(LabelledEnum):
    PER_DIEM = "per_diem"
    AGENCY = "agency"
    EMPLOYEE = "employee"


class CredentialType(LabelledEnum):
    ARRT = "arrt"
    STATE_LICENSE = "state_license"
    FLUORO_PERMIT = "fluoro_permit"
    BLS = "bls"
    TB_SCREENING = "tb_screening"
    BACKGROUND_CHECK = "background_check"
    EXCLUSION_CHECK = "exclusion_check"
    HEPATITIS_B = "hepatitis_b"
    COMPETENCY = "competency"
    ORIENTATION = "orientation"
    FLUORO_TRAINING = "fluoro_training"
    DOSIMETER_BADGE = "dosimeter_badge"
    OTHER = "other"


class Role(LabelledEnum):
    FRONT_DESK = "front_desk"
    DIRECTOR = "director"


class SignoffArea(LabelledEnum):
    """Record families the director signs off by period (signed records are locked)."""

    EXPOSURE = "exposure"
    GARMENTS = "garments"


class ContractParty(LabelledEnum):
    AGENCY = "agency"
    TECHNICIAN = "technician"


class RenewalType(LabelledEnum):
    FIXED = "fixed"  # fixed term, ends on its expiry date
    AUTO = "auto"  # renews automatically unless cancelled N days before expiry
    MANUAL = "manual"  # expires unless a renewal is signed


class RateBasis(LabelledEnum):
    PER_DAY = "per_day"
    PER_CASE = "per_case"
    PER_HOUR = "per_hour"


class ClauseStatus(LabelledEnum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"


class GarmentType(LabelledEnum):
    APRON = "apron"
    VEST_SKIRT = "vest_skirt"
    WRAP = "wrap"
    THYROID = "thyroid"
    GLOVES = "gloves"
    EYEWEAR = "eyewear"
    OTHER = "other"


class GarmentStatus(LabelledEnum):
    IN_SERVICE = "in_service"
    QUARANTINED = "quarantined"
    LOST = "lost"
    REMOVED = "removed"
    DISPOSED = "disposed"


class InspectionMethod(LabelledEnum):
    VISUAL = "visual"
    TACTILE = "tactile"
    FLUOROSCOPIC = "fluoroscopic"
    RADIOGRAPHIC = "radiographic"


class DefectZone(LabelledEnum):
    CRITICAL = "critical"  # over critical organs: front chest/pelvis, gonads
    NONCRITICAL = "noncritical"  # seam, overlap or back
    THYROID = "thyroid"


class InspectionResult(LabelledEnum):
    PASS = "pass"
    FAIL = "fail"


class Disposition(LabelledEnum):
    RETURN_TO_SERVICE = "return_to_service"
    REPAIR = "repair"
    REMOVE = "remove"
    DISCARD = "discard"


class ExposureMode(LabelledEnum):
    NORMAL = "normal"
    HIGH_LEVEL = "high_level"
    PULSED = "pulsed"


class RateUnit(LabelledEnum):
    MGY_PER_MIN = "mGy/min"
    R_PER_MIN = "R/min"


class ExposureVerdict(LabelledEnum):
    PASS = "pass"
    OUTSIDE_TOLERANCE = "outside_tolerance"
    OVER_LIMIT = "over_limit"


class SurveyResult(LabelledEnum):
    PASS = "pass"
    CONDITIONAL = "conditional"
    FAIL = "fail"


class KapUnit(LabelledEnum):
    GY_CM2 = "Gy·cm²"
    MGY_CM2 = "mGy·cm²"
    UGY_M2 = "µGy·m²"


class BadgePosition(LabelledEnum):
    COLLAR = "collar"
    WAIST = "waist"
    RING = "ring"
    FETAL = "fetal"


class DoseReadingKind(LabelledEnum):
    MEASURED = "measured"
    MINIMAL = "minimal"  # "M": below the vendor's reporting minimum, not zero
    UNUSED = "unused"  # badge returned unworn


_LABELS: dict[tuple[str, str], str] = {
    ("EmploymentType", EmploymentType.PER_DIEM.value): "Freelance per diem",
    ("EmploymentType", EmploymentType.AGENCY.value): "Agency",
    ("EmploymentType", EmploymentType.EMPLOYEE.value): "Employee",
    ("CredentialType", CredentialType.ARRT.value): "ARRT certification",
    ("CredentialType", CredentialType.STATE_LICENSE.value): "State licence",
    ("CredentialType", CredentialType.FLUORO_PERMIT.value): "Fluoroscopy permit",
    ("CredentialType", CredentialType.BLS.value): "BLS",
    ("CredentialType", CredentialType.TB_SCREENING.value): "TB screening",
    ("CredentialType", CredentialType.BACKGROUND_CHECK.value): "Background check",
    ("CredentialType", CredentialType.EXCLUSION_CHECK.value): "Exclusion check (OIG/SAM)",
    ("CredentialType", CredentialType.HEPATITIS_B.value): "Hepatitis B record",
    ("CredentialType", CredentialType.COMPETENCY.value): "Competency assessment",
    ("CredentialType", CredentialType.ORIENTATION.value): "Orientation",
    ("CredentialType", CredentialType.FLUORO_TRAINING.value): "Annual fluoroscopy safety training",
    ("CredentialType", CredentialType.DOSIMETER_BADGE.value): "Dosimeter badge assigned",
    ("Role", Role.FRONT_DESK.value): "Front desk",
    ("Role", Role.DIRECTOR.value): "Director",
    ("SignoffArea", SignoffArea.EXPOSURE.value): "Exposure-rate checks",
    ("SignoffArea", SignoffArea.GARMENTS.value): "Garment inspections",
    ("RenewalType", RenewalType.FIXED.value): "Fixed term",
    ("RenewalType", RenewalType.AUTO.value): "Renews automatically",
    ("RenewalType", RenewalType.MANUAL.value): "Expires unless renewed",
    ("ClauseStatus", ClauseStatus.NOT_APPLICABLE.value): "Not applicable",
    ("GarmentType", GarmentType.APRON.value): "Full apron",
    ("GarmentType", GarmentType.VEST_SKIRT.value): "Vest/skirt",
    ("GarmentType", GarmentType.THYROID.value): "Thyroid shield",
    ("GarmentStatus", GarmentStatus.IN_SERVICE.value): "In service",
    ("GarmentStatus", GarmentStatus.REMOVED.value): "Removed from service",
    ("DefectZone", DefectZone.CRITICAL.value): "Critical area",
    ("DefectZone", DefectZone.NONCRITICAL.value): "Seam/overlap/back",
    ("DefectZone", DefectZone.THYROID.value): "Thyroid",
    ("Disposition", Disposition.RETURN_TO_SERVICE.value): "Return to service",
    ("ExposureMode", ExposureMode.HIGH_LEVEL.value): "High-level control",
    ("RateUnit", RateUnit.MGY_PER_MIN.value): "mGy/min",
    ("RateUnit", RateUnit.R_PER_MIN.value): "R/min",
    ("ExposureVerdict", ExposureVerdict.OUTSIDE_TOLERANCE.value): "Outside tolerance",
    ("ExposureVerdict", ExposureVerdict.OVER_LIMIT.value): "Over limit",
    ("InspectionResult", InspectionResult.PASS.value): "Pass",
    ("InspectionResult", InspectionResult.FAIL.value): "Fail",
    ("DoseReadingKind", DoseReadingKind.MINIMAL.value): "M (below minimum)",
}
