"""Protective garment rules: proposed pass/fail from defects and the next inspection due date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import DefectZone, GarmentType, InspectionResult


@dataclass(frozen=True)
class RejectionThresholds:
    """Largest acceptable defect per zone, in mm² (Lambert & McKeon 2001 by default)."""

    critical_mm2: float = 15.0
    noncritical_mm2: float = 670.0
    thyroid_mm2: float = 11.0

    def limit_for(self, zone: DefectZone) -> float:
        return {
            DefectZone.CRITICAL: self.critical_mm2,
            DefectZone.NONCRITICAL: self.noncritical_mm2,
            DefectZone.THYROID: self.thyroid_mm2,
        }[zone]


@dataclass(frozen=True)
class Defect:
    zone: DefectZone
    area_mm2: float


@dataclass(frozen=True)
class ProposedResult:
    result: InspectionResult
    reasons: tuple[str, ...]


def propose_result(
    garment_type: GarmentType, defects: Iterable[Defect], thresholds: RejectionThresholds
) -> ProposedResult:
    """Fail when any defect is *larger than* its zone's limit; a defect exactly at the limit passes.

    Every defect on a thyroid shield is judged by the thyroid limit, whatever zone was ticked.
    """
    reasons = []
    for defect in defects:
        zone = DefectZone.THYROID if garment_type is GarmentType.THYROID else defect.zone
        limit = thresholds.limit_for(zone)
        if defect.area_mm2 > limit:
            reasons.append(f"{zone.label} defect {defect.area_mm2:g} mm² exceeds {limit:g} mm²")
    return ProposedResult(InspectionResult.FAIL if reasons else InspectionResult.PASS, tuple(reasons))


def next_inspection_due(
    received_on: date | None, last_inspected_on: date | None, interval_months: int
) -> date | None:
    """Never inspected: the acceptance inspection is due on receipt.  Otherwise last + interval."""
    if last_inspected_on is not None:
        return add_months(last_inspected_on, interval_months)
    return received_on
