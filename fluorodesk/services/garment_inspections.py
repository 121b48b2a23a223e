"""Garment inspections: record (with defects), amend, void, and complete a missing disposition.

An inspection is a regulated record: it is never deleted or edited in place.  A wrong one is voided
with a reason, or amended by a new inspection that points at it (the old one is then voided with
"Amended by #N").  Recording a result moves the garment in the same transaction: a failed garment
leaves service at once (quarantined until its disposition is known, removed when it is removed or
discarded), and a pass returns a quarantined garment to service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Garment, GarmentDefect, GarmentInspection
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.enums import (
    DefectZone,
    Disposition,
    GarmentStatus,
    GarmentType,
    InspectionMethod,
    InspectionResult,
    SignoffArea,
)
from fluorodesk.domain.garments import (
    INSPECTABLE,
    Defect,
    ProposedResult,
    RejectionThresholds,
    awaiting_reinspection,
    check_disposition,
    check_result,
    check_technique,
    describe_methods,
    found_on,
    inspection_refusal,
    join_methods,
    parse_area_mm2,
    parse_kvp,
    parse_methods,
    propose_result,
    status_after_inspection,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import counts_by_owner
from fluorodesk.services.base import Service, existing
from fluorodesk.services.garments.operations import change_status
from fluorodesk.services.garments.state import latest_inspections, status_changes
from fluorodesk.services.settings import load_settings
from fluorodesk.services.signoff import ensure_record_unlocked, ensure_unlocked

OWNER_TYPE = "inspection"  # attachments (images) of an inspection


@dataclass(frozen=True)
class DefectDraft:
    zone: DefectZone | str
    area: str | float  # mm², "3 x 4" (mm) or "ø4" as typed
    description: str = ""


@dataclass(frozen=True)
class InspectionDraft:
    garment_id: int
    inspector: str
    inspected_on: date | str | None = None  # blank: today
    methods: Sequence[InspectionMethod | str] | str = ("visual", "tactile")
    kvp: str | float | None = None
    equipment: str = ""
    acceptance: bool | None = None  # None: the garment's first inspection is its acceptance inspection
    result: InspectionResult | str | None = None  # None: take the proposed result
    disposition: Disposition | str | None = None  # None on a pass: return to service
    notes: str = ""
    defects: Sequence[DefectDraft] = field(default_factory=tuple)


@dataclass(frozen=True)
class DefectRow:
    zone: DefectZone
    area_mm2: float
    description: str


@dataclass(frozen=True)
class InspectionRow:
    id: int
    garment_id: int
    garment_code: str
    garment_type: GarmentType
    inspected_on: date
    inspector: str
    methods: tuple[InspectionMethod, ...]
    kvp: float | None
    equipment: str
    acceptance: bool
    result: InspectionResult
    disposition: Disposition | None
    notes: str
    defects: tuple[DefectRow, ...]
    amends_id: int | None
    voided_at: datetime | None
    void_reason: str
    recorded_at: datetime
    recorded_by: str
    images: int = 0
    garment_status: GarmentStatus | None = None  # the garment's status now

    @property
    def methods_words(self) -> str:
        words = describe_methods(self.methods)
        return f"{words} ({self.kvp:g} kVp)" if self.kvp is not None else words

    @property
    def defects_words(self) -> str:
        return "; ".join(f"{d.zone.label} {d.area_mm2:g} mm²" for d in self.defects)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


def thresholds_from(settings: ClinicSettings) -> RejectionThresholds:
    return RejectionThresholds(
        critical_mm2=float(settings["garments.reject_critical_mm2"]),
        noncritical_mm2=float(settings["garments.reject_noncritical_mm2"]),
        thyroid_mm2=float(settings["garments.reject_thyroid_mm2"]),
    )


def _row(i: GarmentInspection, images: int = 0) -> InspectionRow:
    return InspectionRow(
        id=i.id,
        garment_id=i.garment_id,
        garment_code=i.garment.code,
        garment_type=i.garment.type,
        inspected_on=i.inspected_on,
        inspector=i.inspector,
        methods=parse_methods(i.methods),
        kvp=i.kvp,
        equipment=i.equipment,
        acceptance=i.acceptance,
        result=i.result,
        disposition=i.disposition,
        notes=i.notes,
        defects=tuple(DefectRow(d.zone, d.area_mm2, d.description) for d in i.defects),
        amends_id=i.amends_id,
        voided_at=i.voided_at,
        void_reason=i.void_reason,
        recorded_at=i.created_at,
        recorded_by=i.created_by,
        images=images,
        garment_status=i.garment.status,
    )


def _image_count(session: Session, inspection_id: int) -> int:
    return counts_by_owner(session, OWNER_TYPE, [inspection_id]).get(inspection_id, 0)


def inspection_rows(session: Session, *where: object) -> list[InspectionRow]:
    """The inspections matching ``where`` (SQL conditions), newest first: what the Aprons tab's detail,
    the inspection-day list and the packet's inspection log show."""
    found = session.scalars(
        select(GarmentInspection)
        .where(*where)  # type: ignore[arg-type]
        .options(selectinload(GarmentInspection.defects), selectinload(GarmentInspection.garment))
        .order_by(GarmentInspection.inspected_on.desc(), GarmentInspection.id.desc())
    ).all()
    counts = counts_by_owner(session, OWNER_TYPE, [i.id for i in found])
    return [_row(i, counts.get(i.id, 0)) for i in found]


@dataclass(frozen=True)
class _Parsed:
    inspected_on: date
    inspector: str
    methods: tuple[InspectionMethod, ...]
    kvp: float | None
    equipment: str
    result: InspectionResult | None
    disposition: Disposition | None
    notes: str
    defects: tuple[tuple[DefectZone, float, str], ...]


class GarmentInspectionService(Service):
    # ---- the rule, for live proposals

    def thresholds(self) -> RejectionThresholds:
        with self.db.read() as session:
            return thresholds_from(load_settings(session))

    def propose(self, garment_id: int, defects: Sequence[DefectDraft]) -> ProposedResult:
        parsed = self._parse_defects(defects)
        with self.db.read() as session:
            garment = existing(session, Garment, garment_id, "garment")
            return propose_result(
                garment.type, [Defect(z, a) for z, a, _ in parsed], thresholds_from(load_settings(session))
            )

    # ---- reading

    def get(self, inspection_id: int) -> InspectionRow:
        with self.db.read() as session:
            inspection = existing(session, GarmentInspection, inspection_id, "inspection")
            return _row(inspection, _image_count(session, inspection.id))

    def inspectors(self, limit: int = 30) -> list[str]:
        """Names used on recent inspections, most recent first (for typing help)."""
        with self.db.read() as session:
            rows = session.execute(
                select(GarmentInspection.inspector)
                .group_by(GarmentInspection.inspector)
                .order_by(func.max(GarmentInspection.id).desc())
                .limit(limit)
            ).all()
            return [name for (name,) in rows if name]

    def list_for_garment(self, garment_id: int) -> list[InspectionRow]:
        """Every inspection of a garment, newest first, voided ones included (they stay readable)."""
        return self._list(GarmentInspection.garment_id == garment_id)

    def recorded_on(self, day: date) -> list[InspectionRow]:
        """Inspections dated ``day`` that stand (the inspection-day running list), latest recorded first."""
        rows = self._list(GarmentInspection.inspected_on == day, GarmentInspection.voided_at.is_(None))
        return sorted(rows, key=lambda r: (r.recorded_at, r.id), reverse=True)

    def _list(self, *where: object) -> list[InspectionRow]:
        with self.db.read() as session:
            return inspection_rows(session, *where)

    # ---- recording
    #
    # Each change is one operation taking the caller's write transaction (``*_in``): the window's own
    # (``record``, ``amend``, ``void``, ``set_disposition`` wrap them) or an import's.

    def record(self, draft: InspectionDraft) -> InspectionRow:
        """Record an inspection and move the garment accordingly, in one transaction."""
        with self.writing() as session:
            return self._result(session, self.record_in(session, draft))

    def amend(self, inspection_id: int, draft: InspectionDraft, *, reason: str) -> InspectionRow:
        """Replace a wrong inspection by a corrected one that points at it; the old one is voided."""
        with self.writing() as session:
            return self._result(session, self.amend_in(session, inspection_id, draft, reason=reason))

    def void(self, inspection_id: int, *, reason: str) -> InspectionRow:
        """Mark an inspection as not standing (see ``void_in``)."""
        with self.writing() as session:
            return self._result(session, self.void_in(session, inspection_id, reason=reason))

    def set_disposition(
        self, inspection_id: int, disposition: Disposition | str, *, notes: str = ""
    ) -> InspectionRow:
        """Complete a failed inspection that was recorded without a disposition; the garment follows."""
        with self.writing() as session:
            inspection = self.set_disposition_in(session, inspection_id, disposition, notes=notes)
            return self._result(session, inspection)

    def record_in(self, session: Session, draft: InspectionDraft) -> GarmentInspection:
        """Record an inspection and move the garment accordingly."""
        return self._write(session, draft, self._parse(draft), amends=None)

    def amend_in(
        self, session: Session, inspection_id: int, draft: InspectionDraft, *, reason: str
    ) -> GarmentInspection:
        """File the corrected inspection pointing at the original, and void the original."""
        errors: dict[str, str] = {}
        reason = (reason or "").strip()
        if not reason:
            errors["amend_reason"] = "Say what was wrong with the original record."
        try:
            parsed = self._parse(draft)
        except ValidationError as exc:
            errors.update(exc.fields)
        if errors:
            raise ValidationError(fields=errors)
        original = existing(session, GarmentInspection, inspection_id, "inspection")
        if original.voided_at is not None:
            raise ConflictError("That inspection was already voided or amended; amend the current one.")
        if original.garment_id != draft.garment_id:
            raise ValidationError(fields={"garment": "An amendment must be for the same garment."})
        inspection = self._write(session, draft, parsed, amends=original)
        before = audit.snapshot(original)
        original.voided_at = self.now()
        original.void_reason = f"Amended by inspection #{inspection.id}: {reason}"
        self.stamp(original)
        audit.changed(
            session,
            self.actor,
            "garment_inspections",
            original,
            before,
            f"Inspection #{original.id} of {original.garment.code} amended by #{inspection.id}: {reason}",
            action="amend",
        )
        return inspection

    def void_in(self, session: Session, inspection_id: int, *, reason: str) -> GarmentInspection:
        """Mark an inspection as not standing (entered for the wrong garment, a duplicate...).

        The garment's status is not changed automatically: if voiding leaves it out of service
        wrongly, return it to service (a passing inspection on file is required) or re-inspect it.
        """
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(fields={"reason": "Say why this inspection record is wrong."})
        inspection = existing(session, GarmentInspection, inspection_id, "inspection")
        if inspection.voided_at is not None:
            raise ConflictError("That inspection was already voided.")
        ensure_record_unlocked(session, inspection)
        before = audit.snapshot(inspection)
        inspection.voided_at = self.now()
        inspection.void_reason = reason
        self.stamp(inspection)
        audit.changed(
            session,
            self.actor,
            "garment_inspections",
            inspection,
            before,
            f"Inspection #{inspection.id} of {inspection.garment.code} voided: {reason}",
            action="void",
        )
        return inspection

    def set_disposition_in(
        self, session: Session, inspection_id: int, disposition: Disposition | str, *, notes: str = ""
    ) -> GarmentInspection:
        """Complete a failed inspection recorded without a disposition; the garment follows when this
        is its newest inspection and it is still in use or held."""
        try:
            chosen = Disposition(disposition)
        except ValueError:
            raise ValidationError(fields={"disposition": "Choose repair, remove or discard."}) from None
        inspection = existing(session, GarmentInspection, inspection_id, "inspection")
        if inspection.voided_at is not None:
            raise ConflictError("That inspection was voided; it needs no disposition.")
        if inspection.disposition is not None:
            raise ConflictError(
                f"That inspection already has a disposition ({inspection.disposition.label}); "
                "amend the inspection to change it."
            )
        problem = check_disposition(inspection.result, chosen)
        if problem:
            raise ValidationError(fields={"disposition": problem})
        ensure_record_unlocked(session, inspection)
        before = audit.snapshot(inspection)
        inspection.disposition = chosen
        if notes.strip():
            inspection.notes = (inspection.notes + "\n" if inspection.notes else "") + notes.strip()
        self.stamp(inspection)
        garment = inspection.garment
        audit.changed(
            session,
            self.actor,
            "garment_inspections",
            inspection,
            before,
            f"Disposition of inspection #{inspection.id} ({garment.code}): {chosen.label}",
            action="disposition",
        )
        newest = latest_inspections(session, self.today(), garment_id=garment.id).get(garment.id)
        if newest is not None and newest.id == inspection.id and garment.status in INSPECTABLE:
            change_status(
                session,
                garment,
                status_after_inspection(inspection.result, chosen),
                on=max(self.today(), garment.status_changed_on or self.today()),
                reason=f"Disposition of the failed inspection of {inspection.inspected_on}: {chosen.label}",
                actor=self.actor,
                inspection_id=inspection.id,
            )
        return inspection

    # ---- internals

    def _parse_defects(self, defects: Sequence[DefectDraft]) -> tuple[tuple[DefectZone, float, str], ...]:
        errors: dict[str, str] = {}
        out = []
        for n, d in enumerate(defects, start=1):
            try:
                zone = DefectZone(d.zone)
            except ValueError:
                errors[f"defect_{n}_zone"] = (
                    f"Defect {n}: choose where it is (critical area, seam/overlap/back, thyroid)."
                )
                zone = DefectZone.CRITICAL
            try:
                area = parse_area_mm2(d.area, field=f"defect_{n}_area")
            except ValidationError as exc:
                errors.update({k: f"Defect {n}: {v}" for k, v in exc.fields.items()})
                continue
            description = (d.description or "").strip()
            out.append((zone, area, description))
        if errors:
            raise ValidationError(fields=errors)
        return tuple(out)

    def _parse(self, draft: InspectionDraft) -> _Parsed:
        errors: dict[str, str] = {}
        today = self.today()
        day = parse_date_into(draft.inspected_on, "inspected_on", errors) or today
        if day > today:
            errors["inspected_on"] = "The inspection date can't be in the future."
        inspector = (draft.inspector or "").strip()
        if not inspector:
            errors["inspector"] = "Who inspected it? (name and credential, e.g. Grace Chen, RT(R))"
        elif len(inspector) > 120:
            errors["inspector"] = "At most 120 characters."
        methods: tuple[InspectionMethod, ...] = ()
        kvp = None
        try:
            methods = parse_methods(draft.methods)
        except ValidationError as exc:
            errors.update(exc.fields)
        try:
            kvp = parse_kvp(draft.kvp)
        except ValidationError as exc:
            errors.update(exc.fields)
        if "methods" not in errors and "kvp" not in errors:
            errors.update(check_technique(methods, kvp))
        equipment = (draft.equipment or "").strip()
        if len(equipment) > 120:
            errors["equipment"] = "At most 120 characters."
        result = None
        if draft.result not in (None, ""):
            try:
                result = InspectionResult(draft.result)
            except ValueError:
                errors["result"] = "Choose pass or fail."
        disposition = None
        if draft.disposition not in (None, ""):
            try:
                disposition = Disposition(draft.disposition)
            except ValueError:
                errors["disposition"] = "Choose a disposition."
        defects: tuple[tuple[DefectZone, float, str], ...] = ()
        try:
            defects = self._parse_defects(draft.defects)
        except ValidationError as exc:
            errors.update(exc.fields)
        if errors:
            raise ValidationError(fields=errors)
        return _Parsed(
            day, inspector, methods, kvp, equipment, result, disposition, (draft.notes or "").strip(), defects
        )

    def _write(
        self, session: Session, draft: InspectionDraft, p: _Parsed, *, amends: GarmentInspection | None
    ) -> GarmentInspection:
        # A signed-off period is locked; an amendment referencing the original is how it is corrected.
        ensure_unlocked(session, SignoffArea.GARMENTS, p.inspected_on, amends=amends)
        garment = existing(session, Garment, draft.garment_id, "garment")
        # An amendment may correct the inspection that took the garment out of service.
        refusal = None
        if amends is None or garment.status in (GarmentStatus.LOST, GarmentStatus.DISPOSED):
            refusal = inspection_refusal(
                garment.code, garment.status, garment.status_changed_on, on=p.inspected_on
            )
        if refusal:
            raise ConflictError(refusal)
        errors: dict[str, str] = {}
        if garment.received_on is not None and p.inspected_on < garment.received_on:
            errors["inspected_on"] = (
                f"{garment.code} was received on {garment.received_on}; the inspection can't be earlier."
            )
        # A garment found after being lost is re-inspected on or after that day (only such a garment
        # needs its last inspection looked up here).
        found = found_on(status_changes(garment), self.today())
        if found is not None and p.inspected_on < found:
            last = latest_inspections(session, self.today(), garment_id=garment.id).get(garment.id)
            if awaiting_reinspection(found, [last.inspected_on] if last else []):
                errors["inspected_on"] = (
                    f"{garment.code} was found on {found}; its re-inspection must be dated on or after that."
                )
        # The clinic's limits judge defects; with none entered the proposal is a pass whatever they are.
        limits = thresholds_from(load_settings(session)) if p.defects else RejectionThresholds()
        proposed = propose_result(garment.type, [Defect(z, a) for z, a, _ in p.defects], limits)
        result = p.result or proposed.result
        errors.update(check_result(proposed, result, p.notes))
        disposition = p.disposition
        if disposition is None and result is InspectionResult.PASS:
            disposition = Disposition.RETURN_TO_SERVICE
        problem = check_disposition(result, disposition)
        if problem:
            errors["disposition"] = problem
        if errors:
            raise ValidationError(fields=errors)

        # The newest standing inspection other than the one amended (any date: a late entry may follow it).
        before = latest_inspections(
            session, date.max, garment_id=garment.id, excluding=amends.id if amends is not None else None
        ).get(garment.id)
        acceptance = draft.acceptance if draft.acceptance is not None else before is None
        inspection = GarmentInspection(
            garment=garment,
            inspected_on=p.inspected_on,
            inspector=p.inspector,
            methods=join_methods(p.methods),
            kvp=p.kvp,
            equipment=p.equipment,
            acceptance=bool(acceptance),
            result=result,
            disposition=disposition,
            notes=p.notes,
            amends_id=amends.id if amends is not None else None,
        )
        self.stamp(inspection, new=True)
        for zone, area, description in p.defects:
            inspection.defects.append(GarmentDefect(zone=zone, area_mm2=area, description=description))
        session.add(inspection)
        session.flush()
        # Not audit.created: the event also lists the defects, which are part of the record.
        audit.record(
            session,
            actor=self.actor,
            action="create",
            entity="garment_inspections",
            entity_id=inspection.id,
            summary=f"Inspection of {garment.code} on {p.inspected_on}: {result.label}"
            + (f" ({disposition.label})" if disposition else "")
            + (f", amends #{amends.id}" if amends is not None else ""),
            after={
                **audit.snapshot(inspection),
                "defects": [f"{z.value} {a:g} mm² {d}".strip() for z, a, d in p.defects],
            },
        )
        # The garment follows its newest standing inspection (a late entry for an older date does not
        # move it), and a quarantine or removal recorded after the inspection date is not undone by it;
        # a failure still takes a garment out of use (in service or held), whatever its date.
        newest = before is None or before.inspected_on <= inspection.inspected_on
        not_stale = garment.status_changed_on is None or inspection.inspected_on >= garment.status_changed_on
        failed_in_use = result is InspectionResult.FAIL and garment.status in INSPECTABLE
        if newest and (not_stale or failed_in_use):
            target = status_after_inspection(result, disposition)
            why = proposed.summary if result is InspectionResult.FAIL and proposed.reasons else result.label
            if result is InspectionResult.FAIL and not proposed.reasons:
                why = f"Fail: {p.notes}"
            change_status(
                session,
                garment,
                target,
                on=max(p.inspected_on, garment.status_changed_on or p.inspected_on),
                reason=f"Inspection of {p.inspected_on}: {why}"
                + (f" Disposition: {disposition.label}." if disposition else " Disposition pending."),
                actor=self.actor,
                inspection_id=inspection.id,
            )
        return inspection

    def _result(self, session: Session, inspection: GarmentInspection) -> InspectionRow:
        session.flush()
        session.refresh(inspection)
        return _row(inspection, _image_count(session, inspection.id))
