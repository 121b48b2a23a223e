"""Fluoroscopy units (C-arms) and their physicist baselines: the register, retirement, re-baselining.

Each change is one operation taking the caller's write transaction (``*_in``): the dialog's own (the
method of the same name without ``_in``, which then builds the row the window shows), or an import's.
About 630 lines: the unit's row, its baseline history and the unit dialog's operations go together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.models import ExposureCheck, FluoroUnit, UnitBaseline
from fluorodesk.domain.enums import ExposureMode, RateUnit, Severity
from fluorodesk.domain.exposure import (
    HLC_RULE_DATE,
    Baseline,
    PeriodState,
    SurveyDue,
    baseline_for,
    survey_due,
)
from fluorodesk.domain.findings import sort_findings
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean, counted
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.exposure.evaluation import UnitEvaluation
from fluorodesk.services.exposure.findings import unit_findings
from fluorodesk.services.exposure.inputs import check_length, parse_day, parse_enum, parse_number
from fluorodesk.services.exposure.loading import baselines_of, default_tolerance, load_unit_logs
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


def unit_draft(unit: FluoroUnit) -> UnitDraft:
    """The draft that would file ``unit`` as it is stored (an edit starts from it)."""
    return UnitDraft(
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
        notes=unit.notes,
    )


def baseline_row(
    unit_id: int, baseline: Baseline, settings: ClinicSettings, row: UnitBaseline | None
) -> BaselineRow:
    """``baseline`` in words, with the tolerance that applies from its date (``baseline_for``)."""
    applied = baseline_for(
        [baseline], baseline.effective_on, baseline.mode, None, default_tolerance(settings)
    )
    return BaselineRow(
        id=row.id if row else None,
        unit_id=unit_id,
        effective_on=baseline.effective_on if row else None,
        mode=baseline.mode,
        rate=baseline.rate,
        rate_unit=baseline.rate_unit,
        kvp=baseline.kvp,
        ma=baseline.ma,
        tolerance_pct=baseline.tolerance_pct,
        tolerance_effective=applied.tolerance_pct,
        set_by=row.set_by if row else "",
        notes=row.notes if row else "On the unit record",
    )


def _recorded(row: UnitBaseline) -> Baseline:
    return Baseline(row.effective_on, row.mode, row.rate, row.rate_unit, row.tolerance_pct, row.kvp, row.ma)


def unit_row(evaluation: UnitEvaluation) -> UnitRow:
    """A unit as the units list shows it: its details, the baseline in effect, where its checks stand
    and what needs attention (``unit_findings``), as of the evaluation's date."""
    unit, settings, as_of = evaluation.unit, evaluation.settings, evaluation.as_of
    applied = baseline_for(baselines_of(unit), as_of, ExposureMode.NORMAL, None, default_tolerance(settings))
    current = None
    if applied.baseline is not None:
        match = next(
            (
                b
                for b in unit.baselines
                if b.effective_on == applied.baseline.effective_on and b.mode is applied.baseline.mode
            ),
            None,
        )
        current = baseline_row(unit.id, applied.baseline, settings, match)
    surveys = [s.surveyed_on for s in unit.surveys if s.surveyed_on <= as_of]
    found = sort_findings(unit_findings(evaluation))
    this_period = evaluation.this_period()
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
        baseline=current,
        last_check_on=evaluation.check_dates[-1] if evaluation.check_dates else None,
        this_period=this_period.state if this_period else None,
        missed_count=len(evaluation.missed()),
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


def unit_rows(
    session: Session, settings: ClinicSettings, as_of: date, *, unit_id: int | None = None
) -> list[UnitRow]:
    """Every unit (or one) as of ``as_of``, by code, each judged in summary (``load_unit_logs``)."""
    return [
        unit_row(UnitEvaluation.of_log(log, settings, as_of))
        for log in load_unit_logs(session, settings, as_of, unit_id)
    ]


def baseline_rows(session: Session, settings: ClinicSettings, unit: FluoroUnit) -> list[BaselineRow]:
    """The unit's baseline history, newest first; the unit record's own baseline last, while it still
    applies to the readings before the first recorded one."""
    rows = [
        baseline_row(unit.id, _recorded(b), settings, b)
        for b in sorted(unit.baselines, key=lambda b: (b.effective_on, b.id), reverse=True)
    ]
    on_record = baseline_for(baselines_of(unit), date.min, ExposureMode.NORMAL, None, 0.0).baseline
    first_check = session.scalar(
        select(func.min(ExposureCheck.checked_on)).where(ExposureCheck.unit_id == unit.id)
    )
    starts = [d for d in (unit.in_service_on, first_check) if d]
    first = min(starts, default=None)
    covered = first is not None and any(
        b.mode is ExposureMode.NORMAL and b.effective_on <= first for b in unit.baselines
    )
    if on_record is not None and not covered:
        rows.append(baseline_row(unit.id, on_record, settings, None))
    return rows


class UnitService(Service):
    # ---- reading

    def list_units(self, *, include_retired: bool = False, as_of: date | None = None) -> list[UnitRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return [
                row
                for row in unit_rows(session, load_settings(session), as_of)
                if include_retired or row.retired_on is None or row.retired_on > as_of
            ]

    def get(self, unit_id: int, *, as_of: date | None = None) -> UnitRow:
        with self.db.read() as session:
            return self._row(session, unit_id, as_of)

    def baselines(self, unit_id: int) -> list[BaselineRow]:
        """The unit's baseline history, newest first; the unit record's own baseline last, if any."""
        with self.db.read() as session:
            unit = existing(session, FluoroUnit, unit_id, "fluoroscopy unit")
            return baseline_rows(session, load_settings(session), unit)

    def _row(self, session: Session, unit_id: int, as_of: date | None = None) -> UnitRow:
        rows = unit_rows(session, load_settings(session), as_of or self.today(), unit_id=unit_id)
        if not rows:
            existing(session, FluoroUnit, unit_id, "fluoroscopy unit")  # raises "no longer exists"
        return rows[0]

    def _written(self, session: Session, unit_id: int) -> UnitRow:
        session.flush()
        session.expire_all()
        return self._row(session, unit_id)

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
        valid = (ExposureCheck.voided_at.is_(None),)
        if unit is not None and in_service is not None:
            first = session.scalar(
                select(func.min(ExposureCheck.checked_on)).where(ExposureCheck.unit_id == unit.id, *valid)
            )
            if first is not None and first < in_service:
                errors["in_service_on"] = f"{unit.code} has checks from {first}; it was in service by then."
        if unit is not None and not draft.has_hlc and unit.has_hlc:
            hlc_checks = session.scalar(
                select(func.count())
                .select_from(ExposureCheck)
                .where(
                    ExposureCheck.unit_id == unit.id, ExposureCheck.mode == ExposureMode.HIGH_LEVEL, *valid
                )
            )
            if hlc_checks:
                errors["has_hlc"] = (
                    f"{unit.code} has {counted(hlc_checks, 'high-level-control checks')} on file."
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

    def create_in(
        self, session: Session, draft: UnitDraft, baseline: BaselineDraft | None = None
    ) -> FluoroUnit:
        """Add a unit, optionally with its first baseline (its fields prefixed ``baseline_`` on error)."""
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
        unit = FluoroUnit(**values)
        self.stamp(unit, new=True)
        session.add(unit)
        audit.created(
            session, self.actor, "fluoro_units", unit, f"Fluoroscopy unit {unit.code} {unit.name} added"
        )
        if baseline_values is not None:
            self._add_baseline(session, unit, baseline_values)
        return unit

    def create(self, draft: UnitDraft, baseline: BaselineDraft | None = None) -> UnitRow:
        with self.writing() as session:
            unit = self.create_in(session, draft, baseline)
            return self._written(session, unit.id)

    def update_in(self, session: Session, unit_id: int, draft: UnitDraft) -> FluoroUnit:
        unit = existing(session, FluoroUnit, unit_id, "fluoroscopy unit")
        values = self._validate_unit(session, draft, unit)
        before = audit.snapshot(unit)
        for key, value in values.items():
            setattr(unit, key, value)
        if audit.changed(
            session, self.actor, "fluoro_units", unit, before, f"Fluoroscopy unit {unit.code} updated"
        ):
            self.stamp(unit)
        return unit

    def update(self, unit_id: int, draft: UnitDraft) -> UnitRow:
        with self.writing() as session:
            self.update_in(session, unit_id, draft)
            return self._written(session, unit_id)

    def retire_in(
        self, session: Session, unit_id: int, retired_on: date | str | None, reason: str
    ) -> FluoroUnit:
        """Take a unit out of service from ``retired_on`` (its first day out of service)."""
        errors: dict[str, str] = {}
        day = parse_day(retired_on, errors, "retired_on", "The date it left service", required=True)
        reason = clean(reason)
        if not reason:
            errors["reason"] = "Say why the unit leaves service (sold, replaced, broken beyond repair...)."
        unit = existing(session, FluoroUnit, unit_id, "fluoroscopy unit")
        if unit.retired_on is not None:
            raise ConflictError(f"{unit.code} was already retired on {unit.retired_on}.")
        if day is not None:
            last = session.scalar(
                select(func.max(ExposureCheck.checked_on)).where(
                    ExposureCheck.unit_id == unit.id, ExposureCheck.voided_at.is_(None)
                )
            )
            if last is not None and day <= last:
                errors["retired_on"] = f"{unit.code} has a check on {last}; it left service after that."
            elif unit.in_service_on is not None and day <= unit.in_service_on:
                errors["retired_on"] = f"{unit.code} only went into service on {unit.in_service_on}."
        if errors:
            raise ValidationError(fields=errors)
        before = audit.snapshot(unit)
        unit.retired_on = day
        unit.retired_reason = reason
        self.stamp(unit)
        audit.changed(
            session,
            self.actor,
            "fluoro_units",
            unit,
            before,
            f"Fluoroscopy unit {unit.code} retired from {day}: {reason}",
            action="retire",
        )
        return unit

    def retire(self, unit_id: int, retired_on: date | str | None, reason: str) -> UnitRow:
        with self.writing() as session:
            self.retire_in(session, unit_id, retired_on, reason)
            return self._written(session, unit_id)

    def return_to_service_in(self, session: Session, unit_id: int) -> FluoroUnit:
        """Undo a retirement (entered by mistake, or the unit came back)."""
        unit = existing(session, FluoroUnit, unit_id, "fluoroscopy unit")
        if unit.retired_on is None:
            raise ConflictError(f"{unit.code} is in service.")
        before = audit.snapshot(unit)
        unit.retired_on = None
        unit.retired_reason = ""
        self.stamp(unit)
        audit.changed(
            session,
            self.actor,
            "fluoro_units",
            unit,
            before,
            f"Fluoroscopy unit {unit.code} returned to service",
        )
        return unit

    def return_to_service(self, unit_id: int) -> UnitRow:
        with self.writing() as session:
            self.return_to_service_in(session, unit_id)
            return self._written(session, unit_id)

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
        session.flush()  # a new unit has its id from here on
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
        row = UnitBaseline(unit_id=unit.id, **values)
        self.stamp(row, new=True)
        session.add(row)
        audit.created(
            session,
            self.actor,
            "unit_baselines",
            row,
            f"Baseline for {unit.code} ({row.mode.label.lower()}) from {row.effective_on}: "
            f"{row.rate:g} {row.rate_unit.value}",
        )
        return row

    def add_baseline_in(self, session: Session, draft: BaselineDraft) -> UnitBaseline:
        """Record a new baseline; readings from its date on are compared with it, older ones keep theirs."""
        if draft.unit_id is None:
            raise ValidationError(fields={"unit_id": "Choose the unit."})
        unit = existing(session, FluoroUnit, draft.unit_id, "fluoroscopy unit")
        values = self._validate_baseline(draft, has_hlc=unit.has_hlc)
        return self._add_baseline(session, unit, values)

    def add_baseline(self, draft: BaselineDraft) -> BaselineRow:
        with self.writing() as session:
            row = self.add_baseline_in(session, draft)
            return self._baseline_dto(session, row)

    def update_baseline_in(self, session: Session, baseline_id: int, draft: BaselineDraft) -> UnitBaseline:
        """Correct a recorded baseline (a typo); audited, and it re-judges the readings it covers."""
        row = existing(session, UnitBaseline, baseline_id, "baseline")
        unit = row.unit
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
        if audit.changed(
            session,
            self.actor,
            "unit_baselines",
            row,
            before,
            f"Baseline for {unit.code} from {row.effective_on} corrected",
        ):
            self.stamp(row)
        return row

    def update_baseline(self, baseline_id: int, draft: BaselineDraft) -> BaselineRow:
        with self.writing() as session:
            row = self.update_baseline_in(session, baseline_id, draft)
            return self._baseline_dto(session, row)

    def _baseline_dto(self, session: Session, row: UnitBaseline) -> BaselineRow:
        session.flush()
        return baseline_row(row.unit_id, _recorded(row), load_settings(session), row)


def _prefixed(field: str) -> str:
    return f"baseline_{field}"


__all__ = [
    "BaselineDraft",
    "BaselineRow",
    "UnitDraft",
    "UnitRow",
    "UnitService",
    "unit_draft",
    "unit_row",
    "unit_rows",
]
