"""Fluoroscopy units (C-arms) and their physicist baselines: the register, retirement, re-baselining."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import FluoroUnit, UnitBaseline
from fluorodesk.domain.enums import ExposureMode, RateUnit, Severity
from fluorodesk.domain.exposure import HLC_RULE_DATE, Baseline, PeriodState, SurveyDue, survey_due
from fluorodesk.domain.findings import sort_findings
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import counted
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.exposure import (
    ClockedService,
    UnitEvaluation,
    check_length,
    clean,
    get_unit,
    load_units,
    parse_day,
    parse_enum,
    parse_number,
    reference_baseline,
    unit_findings,
    unit_label,
)
from fluorodesk.services.settings import load_settings


@dataclass(frozen=True)
class BaselineRow:
    id: int | None  # None: the baseline written on the unit record (before any recorded baseline)
    unit_id: int
    effective_on: date | None
    mode: ExposureMode
    rate: float
    rate_unit: RateUnit
    kvp: float | None
    ma: float | None
    tolerance_pct: float | None  # as recorded; None means the clinic's setting
    tolerance_effective: float
    set_by: str
    notes: str

    @property
    def words(self) -> str:
        technique = ""
        if self.kvp is not None or self.ma is not None:
            parts = [
                f"{self.kvp:g} kVp" if self.kvp is not None else "",
                f"{self.ma:g} mA" if self.ma else "",
            ]
            technique = " at " + " / ".join(p for p in parts if p)
        since = f" since {self.effective_on}" if self.effective_on else ""
        return f"{self.rate:g} {self.rate_unit.value}{technique}, ±{self.tolerance_effective:g}%{since}"


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    manufacturer: str
    model: str
    serial: str
    room: str
    registration_number: str
    registration_expires_on: date | None
    manufactured_on: date | None
    has_aerc: bool
    has_hlc: bool
    in_service_on: date | None
    retired_on: date | None
    retired_reason: str
    notes: str
    baseline: BaselineRow | None  # normal mode, in effect today
    last_check_on: date | None
    this_period: PeriodState | None
    missed_count: int  # over the unit's whole calendar
    survey: SurveyDue
    attention: tuple[str, ...]  # its findings, most urgent first
    worst: Severity | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def retired(self) -> bool:
        return self.retired_on is not None

    @property
    def status_words(self) -> str:
        if self.retired_on is not None:
            return f"Retired {self.retired_on}"
        if not self.attention:
            return "All current"
        n = len(self.attention)
        return f"{n} problem{'s' if n != 1 else ''}"

    @property
    def hlc_words(self) -> str:
        if not self.has_hlc:
            return "No high-level control"
        if self.manufactured_on is not None and self.manufactured_on < HLC_RULE_DATE:
            return "High-level control; made before 1995-05-19, so no limit in HLC"
        return "High-level control (limited in HLC)"


@dataclass(frozen=True)
class UnitDraft:
    code: str
    name: str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    room: str = ""
    registration_number: str = ""
    registration_expires_on: date | str | None = None
    manufactured_on: date | str | None = None
    has_aerc: bool = True
    has_hlc: bool = False
    in_service_on: date | str | None = None
    notes: str = ""


@dataclass(frozen=True)
class BaselineDraft:
    unit_id: int | None
    effective_on: date | str | None
    rate: float | str | None
    rate_unit: RateUnit | str | None
    mode: ExposureMode | str | None = ExposureMode.NORMAL
    kvp: float | str | None = None
    ma: float | str | None = None
    tolerance_pct: float | str | None = None
    set_by: str = ""
    notes: str = ""


def baseline_row(
    unit: FluoroUnit, baseline: Baseline, settings: ClinicSettings, row: UnitBaseline | None
) -> BaselineRow:
    tolerance = (
        baseline.tolerance_pct
        if baseline.tolerance_pct is not None
        else float(settings["exposure.tolerance_pct"])
    )
    return BaselineRow(
        id=row.id if row else None,
        unit_id=unit.id,
        effective_on=baseline.effective_on if row else None,
        mode=baseline.mode,
        rate=baseline.rate,
        rate_unit=baseline.rate_unit,
        kvp=baseline.kvp,
        ma=baseline.ma,
        tolerance_pct=baseline.tolerance_pct,
        tolerance_effective=tolerance,
        set_by=row.set_by if row else "",
        notes=row.notes if row else "On the unit record",
    )


def unit_row(
    unit: FluoroUnit, settings: ClinicSettings, as_of: date, evaluation: UnitEvaluation | None = None
) -> UnitRow:
    evaluation = evaluation or UnitEvaluation(unit, settings, as_of)
    calendar = evaluation.calendar()
    current = reference_baseline(unit, as_of, ExposureMode.NORMAL)
    current_row = None
    if current is not None:
        match = next(
            (b for b in unit.baselines if b.effective_on == current.effective_on and b.mode is current.mode),
            None,
        )
        current_row = baseline_row(unit, current, settings, match)
    surveys = [s.surveyed_on for s in unit.surveys if s.surveyed_on <= as_of]
    found = sort_findings(unit_findings(unit, settings, as_of, evaluation))
    return UnitRow(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        manufacturer=unit.manufacturer,
        model=unit.model,
        serial=unit.serial,
        room=unit.room,
        registration_number=unit.registration_number,
        registration_expires_on=unit.registration_expires_on,
        manufactured_on=unit.manufactured_on,
        has_aerc=unit.has_aerc,
        has_hlc=unit.has_hlc,
        in_service_on=unit.in_service_on,
        retired_on=unit.retired_on,
        retired_reason=unit.retired_reason,
        notes=unit.notes,
        baseline=current_row,
        last_check_on=evaluation.valid[-1].checked_on if evaluation.valid else None,
        this_period=calendar[-1].state if calendar and calendar[-1].end >= as_of else None,
        missed_count=sum(1 for p in calendar if p.state is PeriodState.MISSED),
        survey=survey_due(
            max(surveys) if surveys else None,
            as_of,
            due_months=int(settings["exposure.survey_due_months"]),
            max_months=int(settings["exposure.survey_max_months"]),
            warning_days=int(settings["exposure.warning_days"]),
        ),
        attention=tuple(f.message for f in found),
        worst=found[0].severity if found else None,
    )


class UnitService(ClockedService):
    # ---- reading

    def list_units(self, *, include_retired: bool = False, as_of: date | None = None) -> list[UnitRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            return [
                unit_row(u, settings, as_of, UnitEvaluation(u, settings, as_of))
                for u in load_units(session)
                if include_retired or u.retired_on is None or u.retired_on > as_of
            ]

    def get(self, unit_id: int, *, as_of: date | None = None) -> UnitRow:
        with self.db.read() as session:
            unit, settings, day = get_unit(session, unit_id), load_settings(session), as_of or self.today()
            return unit_row(unit, settings, day, UnitEvaluation(unit, settings, day))

    def baselines(self, unit_id: int) -> list[BaselineRow]:
        """The unit's baseline history, newest first; the unit record's own baseline last, if any."""
        with self.db.read() as session:
            unit = get_unit(session, unit_id)
            settings = load_settings(session)
            rows = [
                baseline_row(
                    unit,
                    Baseline(b.effective_on, b.mode, b.rate, b.rate_unit, b.tolerance_pct, b.kvp, b.ma),
                    settings,
                    b,
                )
                for b in sorted(unit.baselines, key=lambda b: (b.effective_on, b.id), reverse=True)
            ]
            legacy = reference_baseline(unit, date.min, ExposureMode.NORMAL)
            starts = [d for d in [unit.in_service_on] + [c.checked_on for c in unit.checks] if d]
            first = min(starts, default=None)
            covered = first is not None and any(
                b.mode is ExposureMode.NORMAL and b.effective_on <= first for b in unit.baselines
            )
            if legacy is not None and not covered:  # it still applies to the readings before the first one
                rows.append(baseline_row(unit, legacy, settings, None))
            return rows

    # ---- units

    def _validate_unit(self, session: Session, draft: UnitDraft, unit: FluoroUnit | None) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        code, name = clean(draft.code), clean(draft.name)
        if not code:
            errors["code"] = "Give the unit the ID the clinic uses for it (e.g. CA-1)."
        if not name:
            errors["name"] = "Give the unit a name (e.g. OR 1 C-arm)."
        texts = {
            "code": (code, 40, "The unit ID"),
            "name": (name, 120, "The name"),
            "manufacturer": (clean(draft.manufacturer), 120, "The manufacturer"),
            "model": (clean(draft.model), 120, "The model"),
            "serial": (clean(draft.serial), 80, "The serial number"),
            "room": (clean(draft.room), 80, "The room"),
            "registration_number": (clean(draft.registration_number), 80, "The registration number"),
        }
        for field, (value, limit, label) in texts.items():
            check_length(value, limit, errors, field, label)
        registration = parse_day(draft.registration_expires_on, errors, "registration_expires_on", "Expiry")
        made = parse_day(draft.manufactured_on, errors, "manufactured_on", "Manufacture date")
        in_service = parse_day(draft.in_service_on, errors, "in_service_on", "In-service date")
        if made is not None and made > self.today():
            errors["manufactured_on"] = "The manufacture date is in the future."
        if made is not None and in_service is not None and in_service < made:
            errors["in_service_on"] = "The unit cannot go into service before it was made."
        if unit is not None and in_service is not None:
            first = min((c.checked_on for c in unit.checks if c.voided_at is None), default=None)
            if first is not None and first < in_service:
                errors["in_service_on"] = f"{unit.code} has checks from {first}; it was in service by then."
        if unit is not None and not draft.has_hlc and unit.has_hlc:
            hlc_checks = [c for c in unit.checks if c.voided_at is None and c.mode is ExposureMode.HIGH_LEVEL]
            if hlc_checks:
                errors["has_hlc"] = (
                    f"{unit.code} has {counted(len(hlc_checks), 'high-level-control checks')} on file."
                )
        if errors:
            raise ValidationError(fields=errors)
        clash = session.scalar(select(FluoroUnit.id).where(FluoroUnit.code == code))
        if clash is not None and (unit is None or clash != unit.id):
            raise ConflictError(f"Another unit already has the ID {code}.")
        return {
            **{field: value for field, (value, _limit, _label) in texts.items()},
            "registration_expires_on": registration,
            "manufactured_on": made,
            "in_service_on": in_service,
            "has_aerc": bool(draft.has_aerc),
            "has_hlc": bool(draft.has_hlc),
            "notes": (draft.notes or "").strip(),
        }

    def create(self, draft: UnitDraft, baseline: BaselineDraft | None = None) -> UnitRow:
        """Add a unit, optionally with its first baseline (fields prefixed ``baseline_`` on error)."""
        with self.writing() as session:
            errors: dict[str, str] = {}
            try:
                values = self._validate_unit(session, draft, None)
            except ValidationError as exc:
                errors.update(exc.fields)
                values = {}
            baseline_values = None
            if baseline is not None:
                try:
                    baseline_values = self._validate_baseline(
                        baseline, has_hlc=bool(draft.has_hlc), default_day=values.get("in_service_on")
                    )
                except ValidationError as exc:
                    errors.update({_prefixed(k): v for k, v in exc.fields.items()})
            if errors:
                raise ValidationError(fields=errors)
            unit = FluoroUnit(created_by=self.actor, updated_by=self.actor, **values)
            session.add(unit)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="fluoro_units",
                entity_id=unit.id,
                summary=f"Fluoroscopy unit {unit.code} {unit.name} added",
                after=audit.snapshot(unit),
            )
            if baseline_values is not None:
                self._add_baseline(session, unit, baseline_values)
            return self._row(session, unit.id)

    def update(self, unit_id: int, draft: UnitDraft) -> UnitRow:
        with self.writing() as session:
            unit = get_unit(session, unit_id)
            values = self._validate_unit(session, draft, unit)
            before = audit.snapshot(unit)
            for key, value in values.items():
                setattr(unit, key, value)
            unit.updated_by = self.actor
            after = audit.snapshot(unit)
            if audit.diff(before, after):
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="fluoro_units",
                    entity_id=unit.id,
                    summary=f"Fluoroscopy unit {unit.code} updated",
                    before=before,
                    after=after,
                )
            return self._row(session, unit.id)

    def retire(self, unit_id: int, retired_on: date | str | None, reason: str) -> UnitRow:
        """Take a unit out of service from ``retired_on`` (its first day out of service)."""
        errors: dict[str, str] = {}
        day = parse_day(retired_on, errors, "retired_on", "The date it left service", required=True)
        reason = clean(reason)
        if not reason:
            errors["reason"] = "Say why the unit leaves service (sold, replaced, broken beyond repair...)."
        with self.writing() as session:
            unit = get_unit(session, unit_id)
            if unit.retired_on is not None:
                raise ConflictError(f"{unit.code} was already retired on {unit.retired_on}.")
            if day is not None:
                last = max((c.checked_on for c in unit.checks if c.voided_at is None), default=None)
                if last is not None and day <= last:
                    errors["retired_on"] = f"{unit.code} has a check on {last}; it left service after that."
                elif unit.in_service_on is not None and day <= unit.in_service_on:
                    errors["retired_on"] = f"{unit.code} only went into service on {unit.in_service_on}."
            if errors:
                raise ValidationError(fields=errors)
            before = audit.snapshot(unit)
            unit.retired_on = day
            unit.retired_reason = reason
            unit.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="retire",
                entity="fluoro_units",
                entity_id=unit.id,
                summary=f"Fluoroscopy unit {unit.code} retired from {day}: {reason}",
                before=before,
                after=audit.snapshot(unit),
            )
            return self._row(session, unit.id)

    def return_to_service(self, unit_id: int) -> UnitRow:
        """Undo a retirement (entered by mistake, or the unit came back)."""
        with self.writing() as session:
            unit = get_unit(session, unit_id)
            if unit.retired_on is None:
                raise ConflictError(f"{unit.code} is in service.")
            before = audit.snapshot(unit)
            unit.retired_on = None
            unit.retired_reason = ""
            unit.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="fluoro_units",
                entity_id=unit.id,
                summary=f"Fluoroscopy unit {unit.code} returned to service",
                before=before,
                after=audit.snapshot(unit),
            )
            return self._row(session, unit.id)

    def _row(self, session: Session, unit_id: int) -> UnitRow:
        session.flush()
        session.expire_all()
        return unit_row(get_unit(session, unit_id), load_settings(session), self.today())

    # ---- baselines

    def _validate_baseline(
        self, draft: BaselineDraft, *, has_hlc: bool, default_day: date | None = None
    ) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        day = parse_day(draft.effective_on, errors, "effective_on", "The date the baseline applies from")
        if day is None and "effective_on" not in errors:
            day = default_day
            if day is None:
                errors["effective_on"] = "Say from which date the baseline applies."
        if day is not None and day > self.today():
            errors["effective_on"] = f"{day} is in the future; record the baseline once it is set."
        mode = parse_enum(
            draft.mode, ExposureMode, errors, "mode", "Choose the mode the baseline was measured in."
        )
        if mode is ExposureMode.HIGH_LEVEL and not has_hlc:
            errors["mode"] = "This unit has no high-level control."
        rate_unit = parse_enum(
            draft.rate_unit,
            RateUnit,
            errors,
            "rate_unit",
            "Choose the unit of the baseline (mGy/min or R/min).",
        )
        rate = parse_number(
            draft.rate, errors, "rate", "The baseline rate", required=True, positive=True, maximum=10000
        )
        kvp = parse_number(draft.kvp, errors, "kvp", "kVp", minimum=20, maximum=200)
        ma = parse_number(draft.ma, errors, "ma", "mA", positive=True, maximum=1500)
        tolerance = parse_number(
            draft.tolerance_pct, errors, "tolerance_pct", "The tolerance", positive=True, maximum=100
        )
        set_by = clean(draft.set_by)
        if not set_by:
            errors["set_by"] = "Say who set the baseline (usually the physicist)."
        check_length(set_by, 120, errors, "set_by", "The name")
        if errors:
            raise ValidationError(fields=errors)
        return dict(
            effective_on=day,
            mode=mode,
            rate=rate,
            rate_unit=rate_unit,
            kvp=kvp,
            ma=ma,
            tolerance_pct=tolerance,
            set_by=set_by,
            notes=(draft.notes or "").strip(),
        )

    def _add_baseline(self, session: Session, unit: FluoroUnit, values: dict) -> UnitBaseline:  # type: ignore[type-arg]
        clash = session.scalar(
            select(UnitBaseline.id).where(
                UnitBaseline.unit_id == unit.id,
                UnitBaseline.mode == values["mode"],
                UnitBaseline.effective_on == values["effective_on"],
            )
        )
        if clash is not None:
            raise ConflictError(
                f"{unit.code} already has a {values['mode'].label.lower()}-mode baseline starting "
                f"{values['effective_on']}; correct that one instead."
            )
        row = UnitBaseline(unit_id=unit.id, created_by=self.actor, updated_by=self.actor, **values)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=self.actor,
            action="create",
            entity="unit_baselines",
            entity_id=row.id,
            summary=f"Baseline for {unit.code} ({row.mode.label.lower()}) from {row.effective_on}: "
            f"{row.rate:g} {row.rate_unit.value}",
            after=audit.snapshot(row),
        )
        return row

    def add_baseline(self, draft: BaselineDraft) -> BaselineRow:
        """Record a new baseline; readings from its date on are compared with it, older ones keep theirs."""
        with self.writing() as session:
            if draft.unit_id is None:
                raise ValidationError(fields={"unit_id": "Choose the unit."})
            unit = get_unit(session, draft.unit_id)
            values = self._validate_baseline(draft, has_hlc=unit.has_hlc)
            row = self._add_baseline(session, unit, values)
            return self._baseline_dto(session, row.id)

    def update_baseline(self, baseline_id: int, draft: BaselineDraft) -> BaselineRow:
        """Correct a recorded baseline (a typo); audited, and it re-judges the readings it covers."""
        with self.writing() as session:
            row = session.get(UnitBaseline, baseline_id)
            if row is None:
                raise NotFoundError("That baseline no longer exists.")
            unit = get_unit(session, row.unit_id)
            values = self._validate_baseline(draft, has_hlc=unit.has_hlc)
            clash = session.scalar(
                select(UnitBaseline.id).where(
                    UnitBaseline.unit_id == unit.id,
                    UnitBaseline.mode == values["mode"],
                    UnitBaseline.effective_on == values["effective_on"],
                    UnitBaseline.id != row.id,
                )
            )
            if clash is not None:
                raise ConflictError("Another baseline for that mode starts on the same day.")
            before = audit.snapshot(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="unit_baselines",
                entity_id=row.id,
                summary=f"Baseline for {unit.code} from {row.effective_on} corrected",
                before=before,
                after=audit.snapshot(row),
            )
            return self._baseline_dto(session, row.id)

    def _baseline_dto(self, session: Session, baseline_id: int) -> BaselineRow:
        session.flush()
        row = session.get(UnitBaseline, baseline_id)
        assert row is not None
        unit = row.unit
        return baseline_row(
            unit,
            Baseline(row.effective_on, row.mode, row.rate, row.rate_unit, row.tolerance_pct, row.kvp, row.ma),
            load_settings(session),
            row,
        )


def _prefixed(field: str) -> str:
    return f"baseline_{field}"


__all__ = ["BaselineDraft", "BaselineRow", "UnitDraft", "UnitRow", "UnitService", "unit_label", "unit_row"]
