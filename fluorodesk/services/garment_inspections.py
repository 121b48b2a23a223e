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

from fluorodesk.db.base import utcnow
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
    Defect,
    ProposedResult,
    RejectionThresholds,
    check_disposition,
    check_result,
    check_technique,
    describe_methods,
    inspection_refusal,
    join_methods,
    parse_area_mm2,
    parse_kvp,
    parse_methods,
    propose_result,
    status_after_inspection,
)
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import counts_by_owner
from fluorodesk.services.base import Service
from fluorodesk.services.garments import change_status, garment_state, load_garments
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
            garment = session.get(Garment, garment_id)
            if garment is None:
                raise NotFoundError("That garment no longer exists.")
            return propose_result(
                garment.type, [Defect(z, a) for z, a, _ in parsed], thresholds_from(load_settings(session))
            )

    # ---- reading

    def get(self, inspection_id: int) -> InspectionRow:
        with self.db.read() as session:
            inspection = session.get(GarmentInspection, inspection_id)
            if inspection is None:
                raise NotFoundError("That inspection no longer exists.")
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
            found = session.scalars(
                select(GarmentInspection)
                .where(*where)  # type: ignore[arg-type]
                .options(selectinload(GarmentInspection.defects), selectinload(GarmentInspection.garment))
                .order_by(GarmentInspection.inspected_on.desc(), GarmentInspection.id.desc())
            ).all()
            counts = counts_by_owner(session, OWNER_TYPE, [i.id for i in found])
            return [_row(i, counts.get(i.id, 0)) for i in found]

    # ---- recording

    def record(self, draft: InspectionDraft) -> InspectionRow:
        """Record an inspection and move the garment accordingly, in one transaction."""
        parsed = self._parse(draft)
        with self.writing() as session:
            inspection = self._write(session, draft, parsed, amends=None)
            return self._result(session, inspection)

    def amend(self, inspection_id: int, draft: InspectionDraft, *, reason: str) -> InspectionRow:
        """Replace a wrong inspection by a corrected one that points at it; the old one is voided."""
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
        with self.writing() as session:
            original = session.get(GarmentInspection, inspection_id)
            if original is None:
                raise NotFoundError("That inspection no longer exists.")
            if original.voided_at is not None:
                raise ConflictError("That inspection was already voided or amended; amend the current one.")
            if original.garment_id != draft.garment_id:
                raise ValidationError(fields={"garment": "An amendment must be for the same garment."})
            inspection = self._write(session, draft, parsed, amends=original)
            before = audit.snapshot(original)
            original.voided_at = utcnow().replace(microsecond=0)
            original.void_reason = f"Amended by inspection #{inspection.id}: {reason}"
            original.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="amend",
                entity="garment_inspections",
                entity_id=original.id,
                summary=f"Inspection #{original.id} of {original.garment.code} "
                f"amended by #{inspection.id}: {reason}",
                before=before,
                after=audit.snapshot(original),
            )
            return self._result(session, inspection)

    def void(self, inspection_id: int, *, reason: str) -> InspectionRow:
        """Mark an inspection as not standing (entered for the wrong garment, a duplicate...).

        The garment's status is not changed automatically: if voiding leaves it out of service
        wrongly, return it to service (a passing inspection on file is required) or re-inspect it.
        """
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(fields={"reason": "Say why this inspection record is wrong."})
        with self.writing() as session:
            inspection = session.get(GarmentInspection, inspection_id)
            if inspection is None:
                raise NotFoundError("That inspection no longer exists.")
            if inspection.voided_at is not None:
                raise ConflictError("That inspection was already voided.")
            ensure_record_unlocked(session, inspection)
            before = audit.snapshot(inspection)
            inspection.voided_at = utcnow().replace(microsecond=0)
            inspection.void_reason = reason
            inspection.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="garment_inspections",
                entity_id=inspection.id,
                summary=f"Inspection #{inspection.id} of {inspection.garment.code} voided: {reason}",
                before=before,
                after=audit.snapshot(inspection),
            )
            return self._result(session, inspection)

    def set_disposition(
        self, inspection_id: int, disposition: Disposition | str, *, notes: str = ""
    ) -> InspectionRow:
        """Complete a failed inspection that was recorded without a disposition; the garment follows."""
        try:
            chosen = Disposition(disposition)
        except ValueError:
            raise ValidationError(fields={"disposition": "Choose repair, remove or discard."}) from None
        with self.writing() as session:
            inspection = session.get(GarmentInspection, inspection_id)
            if inspection is None:
                raise NotFoundError("That inspection no longer exists.")
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
            inspection.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="disposition",
                entity="garment_inspections",
                entity_id=inspection.id,
                summary=f"Disposition of inspection #{inspection.id} "
                f"({inspection.garment.code}): {chosen.label}",
                before=before,
                after=audit.snapshot(inspection),
            )
            garment = load_garments(session, garment_id=inspection.garment_id)[0]
            state = garment_state(garment, load_settings(session), self.today())
            if (
                state.last is not None
                and state.last.id == inspection.id
                and garment.status
                in (
                    GarmentStatus.IN_SERVICE,
                    GarmentStatus.QUARANTINED,
                )
            ):
                change_status(
                    session,
                    garment,
                    status_after_inspection(inspection.result, chosen),
                    on=max(self.today(), garment.status_changed_on or self.today()),
                    reason=f"Disposition of the failed inspection of "
                    f"{inspection.inspected_on}: {chosen.label}",
                    actor=self.actor,
                    inspection_id=inspection.id,
                )
            return self._result(session, inspection)

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
        ensure_unlocked(session, SignoffArea.GARMENTS, p.inspected_on, amendment=amends is not None)
        found = load_garments(session, garment_id=draft.garment_id)
        if not found:
            raise NotFoundError("That garment no longer exists.")
        garment = found[0]
        settings = load_settings(session)
        # An amendment may correct the inspection that took the garment out of service.
        refusal = None
        if amends is None or garment.status in (GarmentStatus.LOST, GarmentStatus.DISPOSED):
            refusal = inspection_refusal(garment.code, garment.status, garment.status_changed_on)
        if refusal:
            raise ConflictError(refusal)
        errors: dict[str, str] = {}
        if garment.received_on is not None and p.inspected_on < garment.received_on:
            errors["inspected_on"] = (
                f"{garment.code} was received on {garment.received_on}; the inspection can't be earlier."
            )
        state = garment_state(garment, settings, self.today())
        if state.awaiting_reinspection and state.found and p.inspected_on < state.found:
            errors["inspected_on"] = (
                f"{garment.code} was found on {state.found}; "
                "its re-inspection must be dated on or after that."
            )
        proposed = propose_result(
            garment.type, [Defect(z, a) for z, a, _ in p.defects], thresholds_from(settings)
        )
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

        standing = [
            i for i in garment.inspections if i.voided_at is None and (amends is None or i.id != amends.id)
        ]
        acceptance = draft.acceptance if draft.acceptance is not None else not standing
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
            created_by=self.actor,
            updated_by=self.actor,
        )
        for zone, area, description in p.defects:
            inspection.defects.append(GarmentDefect(zone=zone, area_mm2=area, description=description))
        session.add(inspection)
        session.flush()
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
        # move it), and a quarantine or removal recorded after the inspection date is not undone by it.
        newest = all((i.inspected_on, i.id) <= (inspection.inspected_on, inspection.id) for i in standing)
        not_stale = garment.status_changed_on is None or inspection.inspected_on >= garment.status_changed_on
        if newest and (not_stale or result is InspectionResult.FAIL):
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
