"""Protective garment rules: proposed pass/fail from defects, methods, status changes and due dates.

Sources (see shared/domain.md §2): rejection criteria after Lambert & McKeon 2001 (over 15 mm² over
critical organs, over 670 mm² on a seam, overlap or the back, over 11 mm² on a thyroid shield; the
limits are clinic settings); acceptance inspection on receipt, then re-inspection at an interval
(annual by default); imaging inspections use a manual technique (about 80 kVp fluoro, 70 kVp CR/DR).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import (
    DefectZone,
    Disposition,
    GarmentStatus,
    GarmentType,
    InspectionMethod,
    InspectionResult,
)
from fluorodesk.errors import ValidationError


def garment_name(kind: GarmentType, code: str) -> str:
    """How findings, the packet and its document index name a garment: "Full apron A-014"."""
    return f"{kind.label} {code}"


# --------------------------------------------------------------------------- rejection criteria


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
class DefectVerdict:
    """How one defect was judged: the zone whose limit applied, the limit, and whether it fails."""

    defect: Defect
    zone: DefectZone
    limit_mm2: float
    fails: bool

    @property
    def words(self) -> str:
        verb = "exceeds" if self.fails else "is within"
        return f"{self.zone.label} defect {self.defect.area_mm2:g} mm² {verb} {self.limit_mm2:g} mm²"


@dataclass(frozen=True)
class ProposedResult:
    result: InspectionResult
    reasons: tuple[str, ...]  # one sentence per failing defect
    verdicts: tuple[DefectVerdict, ...] = ()

    @property
    def summary(self) -> str:
        """One line a person can read: the proposal and why."""
        if self.result is InspectionResult.FAIL:
            return "Fail: " + "; ".join(self.reasons) + "."
        if not self.verdicts:
            return "Pass: no defects entered."
        return "Pass: every defect is within its limit (" + "; ".join(v.words for v in self.verdicts) + ")."


def propose_result(
    garment_type: GarmentType, defects: Iterable[Defect], thresholds: RejectionThresholds
) -> ProposedResult:
    """Fail when any defect is *larger than* its zone's limit; a defect exactly at the limit passes.

    Every defect on a thyroid shield is judged by the thyroid limit, whatever zone was ticked.
    """
    verdicts = []
    for defect in defects:
        zone = DefectZone.THYROID if garment_type is GarmentType.THYROID else defect.zone
        limit = thresholds.limit_for(zone)
        verdicts.append(DefectVerdict(defect, zone, limit, defect.area_mm2 > limit))
    reasons = tuple(v.words for v in verdicts if v.fails)
    return ProposedResult(
        InspectionResult.FAIL if reasons else InspectionResult.PASS, reasons, tuple(verdicts)
    )


def check_result(proposed: ProposedResult, chosen: InspectionResult, notes: str) -> dict[str, str]:
    """The inspector may be stricter than the rule, never more lenient.

    A pass is refused when a defect exceeds its limit.  A fail with no defect over a limit (a torn
    strap, a broken closure, thinning felt by hand) is accepted when the notes say why.
    """
    if chosen is InspectionResult.PASS and proposed.result is InspectionResult.FAIL:
        return {
            "result": "This garment cannot pass: "
            + "; ".join(proposed.reasons)
            + ". Correct the defect size if it was mistyped."
        }
    if chosen is InspectionResult.FAIL and proposed.result is InspectionResult.PASS and not notes.strip():
        return {"notes": "Say why it fails: no defect over a rejection limit was entered."}
    return {}


# --------------------------------------------------------------------------- defect sizes

MAX_AREA_MM2 = 1_000_000.0  # one square metre: anything larger is a typing mistake

_NUMBER = r"(\d+(?:[.,]\d+)?|[.,]\d+)"
_PLAIN = re.compile(rf"^{_NUMBER}$")
_RECT = re.compile(rf"^{_NUMBER}\s*[x×*]\s*{_NUMBER}$")
_ROUND = re.compile(rf"^(?:ø|⌀|o|d|dia\.?|diameter)\s*{_NUMBER}$")
_UNITS = re.compile(r"\s*(mm²|mm2|sq\.?\s*mm|mm)\s*$")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_area_mm2(text: str | float | int | None, *, field: str = "area_mm2") -> float:
    """A defect size as typed: ``15``, ``15.5 mm²``, ``3 x 5`` (mm × mm) or ``ø4`` (a round hole, mm).

    Raises ValidationError (on ``field``) for blanks, zero, negatives and anything unreadable.
    """
    if isinstance(text, bool):
        raise ValidationError(fields={field: "Enter the defect size in mm²."})
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = (text or "").strip()
        if not raw:
            raise ValidationError(fields={field: "Enter the defect size in mm² (e.g. 12, or 3 x 4 in mm)."})
        cleaned = _UNITS.sub("", raw.lower()).strip()
        if match := _PLAIN.match(cleaned):
            value = _number(match.group(1))
        elif match := _RECT.match(cleaned):
            value = _number(match.group(1)) * _number(match.group(2))
        elif match := _ROUND.match(cleaned):
            radius = _number(match.group(1)) / 2
            value = round(math.pi * radius * radius, 1)
        else:
            raise ValidationError(
                fields={
                    field: f"“{raw}” is not a size; type mm² (12), length x width in mm (3 x 4) "
                    "or a round hole's diameter (ø4)."
                }
            )
    if not math.isfinite(value) or value <= 0:
        raise ValidationError(fields={field: "A defect's size must be more than 0 mm²."})
    if value > MAX_AREA_MM2:
        raise ValidationError(fields={field: f"{value:g} mm² is more than a square metre; check the size."})
    return value


# --------------------------------------------------------------------------- methods and technique

IMAGING_METHODS = frozenset({InspectionMethod.FLUOROSCOPIC, InspectionMethod.RADIOGRAPHIC})
KVP_MIN, KVP_MAX = 40.0, 150.0
QUICK_METHODS = (InspectionMethod.VISUAL, InspectionMethod.TACTILE)


def parse_methods(value: str | Iterable[str | InspectionMethod] | None) -> tuple[InspectionMethod, ...]:
    """``"visual+tactile"`` or an iterable of values; unknown names raise ValidationError; kept in order."""
    if value is None:
        items: list[str] = []
    elif isinstance(value, str):
        items = [p for p in re.split(r"[+,\s]+", value.strip().lower()) if p]
    else:
        items = [str(getattr(v, "value", v)).strip().lower() for v in value]
    found = set()
    for item in items:
        try:
            found.add(InspectionMethod(item))
        except ValueError:
            raise ValidationError(
                fields={
                    "methods": f"“{item}” is not an inspection method "
                    "(visual, tactile, fluoroscopic, radiographic)."
                }
            ) from None
    return tuple(m for m in InspectionMethod if m in found)


def join_methods(methods: Iterable[InspectionMethod]) -> str:
    """Stored form: values joined by "+" in a fixed order."""
    chosen = set(methods)
    return "+".join(m.value for m in InspectionMethod if m in chosen)


def describe_methods(methods: Sequence[InspectionMethod]) -> str:
    """For people: "Visual + tactile"."""
    words = [m.label.lower() for m in methods]
    return (" + ".join(words)).capitalize() if words else "No method"


def parse_kvp(value: str | float | int | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        kvp = float(str(value).strip().lower().removesuffix("kvp").strip().replace(",", "."))
    except ValueError:
        raise ValidationError(fields={"kvp": f"“{value}” is not a kVp value (e.g. 80)."}) from None
    if not math.isfinite(kvp):
        raise ValidationError(fields={"kvp": f"“{value}” is not a kVp value (e.g. 80)."})
    return kvp


def check_technique(methods: Sequence[InspectionMethod], kvp: float | None) -> dict[str, str]:
    """At least one method; imaging needs its kVp (manual technique), and only imaging has one."""
    errors: dict[str, str] = {}
    imaging = bool(IMAGING_METHODS & set(methods))
    if not methods:
        errors["methods"] = "Tick at least one method (visual, tactile, fluoroscopic or radiographic)."
    if imaging and kvp is None:
        errors["kvp"] = "Enter the kVp used for the imaging (manual technique, about 80 kVp for fluoroscopy)."
    elif kvp is not None and not imaging:
        errors["kvp"] = "kVp applies only to a fluoroscopic or radiographic inspection; tick one or clear it."
    elif kvp is not None and not KVP_MIN <= kvp <= KVP_MAX:
        errors["kvp"] = f"{kvp:g} kVp is outside {KVP_MIN:g}–{KVP_MAX:g} kVp; check the value."
    return errors


# --------------------------------------------------------------------------- disposition and status


def check_disposition(result: InspectionResult, disposition: Disposition | None) -> str | None:
    if result is InspectionResult.FAIL and disposition is Disposition.RETURN_TO_SERVICE:
        return "A failed garment cannot go back into service; choose repair, remove or discard."
    return None


def status_after_inspection(result: InspectionResult, disposition: Disposition | None) -> GarmentStatus:
    """Where the garment stands after this inspection.

    A fail always leaves service: quarantined until a disposition is recorded or while it is being
    repaired; removed when it is to be removed or discarded (the disposal itself is recorded later,
    with its date and method).  A pass returns it to service unless the disposition says otherwise.
    """
    if disposition in (Disposition.REMOVE, Disposition.DISCARD):
        return GarmentStatus.REMOVED
    if disposition is Disposition.REPAIR or result is InspectionResult.FAIL:
        return GarmentStatus.QUARANTINED
    return GarmentStatus.IN_SERVICE


INSPECTABLE = frozenset({GarmentStatus.IN_SERVICE, GarmentStatus.QUARANTINED})


def inspection_refusal(
    code: str, status: GarmentStatus, since: date | None, *, on: date | None = None
) -> str | None:
    """Why a garment cannot be inspected in its current status (taken ``since``), or None.

    An inspection dated ``on`` a day before it left (lost, removed, disposed of) is the late entry
    of a past record, not a new inspection: it is allowed.
    """
    if on is not None and since is not None and on < since:
        return None
    when = f" on {since}" if since else ""
    if status is GarmentStatus.LOST:
        return f"{code} is reported lost. Mark it found first; it then needs this re-inspection before use."
    if status is GarmentStatus.REMOVED:
        return (
            f"{code} was removed from service{when}. To inspect it again, first put it in quarantine "
            "(Status → Quarantine)."
        )
    if status is GarmentStatus.DISPOSED:
        return f"{code} was disposed of{when}; it can no longer be inspected."
    return None


class StatusAction(Enum):
    QUARANTINE = "quarantine"
    RETURN_TO_SERVICE = "return_to_service"
    REPORT_LOST = "report_lost"
    FOUND = "found"
    REMOVE = "remove"
    DISPOSE = "dispose"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self][0]

    @property
    def verb(self) -> str:
        return _ACTION_LABELS[self][1]

    @property
    def target(self) -> GarmentStatus:
        return _ACTION_TARGET[self]

    @property
    def allowed_from(self) -> frozenset[GarmentStatus]:
        return _ACTION_FROM[self]


_ACTION_LABELS = {
    StatusAction.QUARANTINE: ("Quarantine (hold for inspection)", "Quarantine"),
    StatusAction.RETURN_TO_SERVICE: ("Return to service", "Return to service"),
    StatusAction.REPORT_LOST: ("Report lost", "Report lost"),
    StatusAction.FOUND: ("Found (re-inspect before use)", "Mark found"),
    StatusAction.REMOVE: ("Remove from service", "Remove"),
    StatusAction.DISPOSE: ("Record disposal", "Record disposal"),
}
_ACTION_TARGET = {
    StatusAction.QUARANTINE: GarmentStatus.QUARANTINED,
    StatusAction.RETURN_TO_SERVICE: GarmentStatus.IN_SERVICE,
    StatusAction.REPORT_LOST: GarmentStatus.LOST,
    StatusAction.FOUND: GarmentStatus.QUARANTINED,  # held until it passes a re-inspection
    StatusAction.REMOVE: GarmentStatus.REMOVED,
    StatusAction.DISPOSE: GarmentStatus.DISPOSED,
}
_S = GarmentStatus
_ACTION_FROM = {
    StatusAction.QUARANTINE: frozenset({_S.IN_SERVICE, _S.REMOVED}),
    StatusAction.RETURN_TO_SERVICE: frozenset({_S.QUARANTINED, _S.REMOVED}),
    StatusAction.REPORT_LOST: frozenset({_S.IN_SERVICE, _S.QUARANTINED}),
    StatusAction.FOUND: frozenset({_S.LOST}),
    StatusAction.REMOVE: frozenset({_S.IN_SERVICE, _S.QUARANTINED, _S.LOST}),
    StatusAction.DISPOSE: frozenset({_S.IN_SERVICE, _S.QUARANTINED, _S.REMOVED}),
}


def available_actions(status: GarmentStatus) -> list[StatusAction]:
    return [a for a in StatusAction if status in a.allowed_from]


def status_action_refusal(
    action: StatusAction,
    current: GarmentStatus,
    *,
    last_result: InspectionResult | None,
    awaiting_reinspection: bool,
) -> str | None:
    """Why ``action`` is not allowed now, in words, or None."""
    if current not in action.allowed_from:
        return f"“{action.label}” does not apply to a garment that is {current.label.lower()}."
    if action is StatusAction.RETURN_TO_SERVICE:
        if awaiting_reinspection:
            return "It was lost and found: it goes back into service by passing a re-inspection."
        if last_result is None:
            return "It has never been inspected: record a passing inspection to put it in service."
        if last_result is InspectionResult.FAIL:
            return "Its last inspection failed: record a passing inspection (after repair) instead."
    return None


# --------------------------------------------------------------------------- status history and due dates


@dataclass(frozen=True)
class StatusChange:
    changed_on: date
    from_status: GarmentStatus
    to_status: GarmentStatus


def status_on(
    changes: Sequence[StatusChange],
    current: GarmentStatus,
    current_since: date | None,
    as_of: date,
) -> GarmentStatus:
    """The garment's status on ``as_of``, replaying its recorded changes (in recorded order).

    Without recorded changes (older data), the current status counts from ``current_since`` and the
    garment is taken to have been in service before that.
    """
    if not changes:
        if current_since is None or current_since <= as_of:
            return current
        return GarmentStatus.IN_SERVICE
    status = changes[0].from_status
    for change in changes:
        if change.changed_on > as_of:
            break
        status = change.to_status
    return status


def status_since(changes: Sequence[StatusChange], current_since: date | None, as_of: date) -> date | None:
    """The day the garment took the status it had on ``as_of`` (see ``status_on``); None when it has
    been in service since it came."""
    if not changes:
        return current_since if current_since is not None and current_since <= as_of else None
    since = None
    for change in changes:
        if change.changed_on > as_of:
            break
        since = change.changed_on
    return since


def found_on(changes: Sequence[StatusChange], as_of: date) -> date | None:
    """The latest day on or before ``as_of`` it turned up after being lost."""
    days = [
        c.changed_on
        for c in changes
        if c.from_status is GarmentStatus.LOST
        and c.to_status is not GarmentStatus.LOST
        and c.changed_on <= as_of
    ]
    return max(days) if days else None


def awaiting_reinspection(found: date | None, inspection_days: Iterable[date]) -> bool:
    """Found after being lost, and no inspection since: it must be re-inspected before use."""
    return found is not None and not any(day >= found for day in inspection_days)


def next_inspection_due(
    received_on: date | None,
    last_inspected_on: date | None,
    interval_months: int,
    *,
    found: date | None = None,
) -> date | None:
    """Never inspected: the acceptance inspection is due on receipt.  Otherwise last + interval.

    A garment found after being lost is due again on the day it was found.
    """
    if found is not None and (last_inspected_on is None or last_inspected_on < found):
        return found
    if last_inspected_on is not None:
        return add_months(last_inspected_on, interval_months)
    return received_on
