"""Exposure meters (ion chambers, solid-state dosimeters) and their calibration certificates.

A certificate is attached to its calibration record (attachment owner type ``meter_calibration``).
Each change is one operation taking the caller's write transaction (``*_in``), as in the other services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ExposureCheck, Meter, MeterCalibration
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.exposure import Calibration, CalibrationState, calibration_on, default_calibration_due
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.attachments import counts_by_owner
from fluorodesk.services.base import Service, existing
from fluorodesk.services.exposure.inputs import check_length, parse_day
from fluorodesk.services.settings import load_settings

ATTACHMENT_OWNER = "meter_calibration"


@dataclass(frozen=True)
class CalibrationRow:
    id: int
    meter_id: int
    meter: str
    calibrated_on: date
    due_on: date
    laboratory: str
    certificate_number: str
    attachments: int


@dataclass(frozen=True)
class MeterRow:
    id: int
    name: str
    manufacturer: str
    model: str
    serial: str
    retired_on: date | None
    last_calibrated_on: date | None
    due_on: date | None
    state: CalibrationState  # today
    words: str  # "Calibrated 2026-01-30, valid until 2028-01-30 (due in 430 days)"
    checks: int  # exposure checks made with it

    @property
    def label(self) -> str:
        return f"{self.name} ({self.words})"


@dataclass(frozen=True)
class MeterDraft:
    name: str
    manufacturer: str = ""
    model: str = ""
    serial: str = ""


@dataclass(frozen=True)
class CalibrationDraft:
    meter_id: int
    calibrated_on: date | str | None
    due_on: date | str | None = None  # blank: the clinic's calibration interval after calibrated_on
    laboratory: str = ""
    certificate_number: str = ""


def meter_draft(meter: Meter) -> MeterDraft:
    """The draft that would file ``meter`` as it is stored (an edit starts from it)."""
    return MeterDraft(meter.name, meter.manufacturer, meter.model, meter.serial)


def _meter_row(meter: Meter, as_of: date, checks: int) -> MeterRow:
    status = calibration_on((Calibration(c.calibrated_on, c.due_on) for c in meter.calibrations), as_of)
    cal = status.calibration
    if meter.retired_on is not None and meter.retired_on <= as_of:
        words = f"Retired {meter.retired_on}"
    elif cal is None:
        words = "No calibration on file"
    elif status.state is CalibrationState.VALID:
        words = (
            f"Calibrated {cal.calibrated_on}, valid until {cal.due_on} ({describe_due(cal.due_on, as_of)})"
        )
    else:
        words = f"Calibration lapsed {cal.due_on} (calibrated {cal.calibrated_on})"
    return MeterRow(
        id=meter.id,
        name=meter.name,
        manufacturer=meter.manufacturer,
        model=meter.model,
        serial=meter.serial,
        retired_on=meter.retired_on,
        last_calibrated_on=cal.calibrated_on if cal else None,
        due_on=cal.due_on if cal else None,
        state=status.state,
        words=words,
        checks=checks,
    )


def meter_rows(session: Session, as_of: date, *, include_retired: bool = False) -> list[MeterRow]:
    """Every meter by name as of ``as_of`` (those retired by then only with ``include_retired``), with
    where its calibration stands and the checks made with it."""
    counts = dict(
        session.execute(
            select(ExposureCheck.meter_id, func.count())
            .where(ExposureCheck.voided_at.is_(None))
            .group_by(ExposureCheck.meter_id)
        ).all()
    )
    meters = session.scalars(
        select(Meter).options(selectinload(Meter.calibrations)).order_by(Meter.name)
    ).all()
    return [
        _meter_row(m, as_of, counts.get(m.id, 0))
        for m in meters
        if include_retired or m.retired_on is None or m.retired_on > as_of
    ]


def calibration_rows(session: Session, meter: Meter, as_of: date | None = None) -> list[CalibrationRow]:
    """The meter's calibrations, newest first; ``as_of`` leaves out those made after that date."""
    kept = [c for c in meter.calibrations if as_of is None or c.calibrated_on <= as_of]
    counts = counts_by_owner(session, ATTACHMENT_OWNER, [c.id for c in kept])
    return [
        _calibration_row(c, meter, counts.get(c.id, 0))
        for c in sorted(kept, key=lambda c: (c.calibrated_on, c.id), reverse=True)
    ]


class MeterService(Service):
    def list_meters(self, *, include_retired: bool = False, as_of: date | None = None) -> list[MeterRow]:
        with self.db.read() as session:
            return meter_rows(session, as_of or self.today(), include_retired=include_retired)

    def get(self, meter_id: int) -> MeterRow:
        with self.db.read() as session:
            meter = existing(session, Meter, meter_id, "meter")
            return _meter_row(meter, self.today(), self._count(session, meter_id))

    def calibrations(self, meter_id: int, *, as_of: date | None = None) -> list[CalibrationRow]:
        """Newest first; ``as_of`` leaves out calibrations made after that date."""
        with self.db.read() as session:
            return calibration_rows(session, existing(session, Meter, meter_id, "meter"), as_of)

    # ---- meters

    def _validate_meter(self, session: Session, draft: MeterDraft, meter_id: int | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        values = {
            "name": clean(draft.name),
            "manufacturer": clean(draft.manufacturer),
            "model": clean(draft.model),
            "serial": clean(draft.serial),
        }
        if not values["name"]:
            errors["name"] = "Give the meter a name people recognise (e.g. RaySafe X2 #1)."
        for field, limit in (("name", 120), ("manufacturer", 120), ("model", 120), ("serial", 80)):
            check_length(values[field], limit, errors, field, field.capitalize())
        if errors:
            raise ValidationError(fields=errors)
        clash = session.scalar(select(Meter.id).where(Meter.name == values["name"]))
        if clash is not None and clash != meter_id:
            raise ConflictError(f"Another meter is already called {values['name']}.")
        return values

    def create_meter_in(self, session: Session, draft: MeterDraft) -> Meter:
        values = self._validate_meter(session, draft, None)
        meter = Meter(**values)
        self.stamp(meter, new=True)
        session.add(meter)
        audit.created(session, self.actor, "meters", meter, f"Meter {meter.name} added")
        return meter

    def create_meter(self, draft: MeterDraft) -> MeterRow:
        with self.writing() as session:
            return _meter_row(self.create_meter_in(session, draft), self.today(), 0)

    def update_meter_in(self, session: Session, meter_id: int, draft: MeterDraft) -> Meter:
        meter = existing(session, Meter, meter_id, "meter")
        values = self._validate_meter(session, draft, meter_id)
        before = audit.snapshot(meter)
        for key, value in values.items():
            setattr(meter, key, value)
        if audit.changed(session, self.actor, "meters", meter, before, f"Meter {meter.name} updated"):
            self.stamp(meter)
        return meter

    def update_meter(self, meter_id: int, draft: MeterDraft) -> MeterRow:
        with self.writing() as session:
            meter = self.update_meter_in(session, meter_id, draft)
            return _meter_row(meter, self.today(), self._count(session, meter_id))

    def retire_meter_in(self, session: Session, meter_id: int, retired_on: date | str | None = None) -> Meter:
        errors: dict[str, str] = {}
        day = parse_day(retired_on, errors, "retired_on", "The date") or self.today()
        if errors:
            raise ValidationError(fields=errors)
        meter = existing(session, Meter, meter_id, "meter")
        if meter.retired_on is not None:
            raise ConflictError(f"Meter {meter.name} was already retired on {meter.retired_on}.")
        last = session.scalar(
            select(func.max(ExposureCheck.checked_on)).where(
                ExposureCheck.meter_id == meter_id, ExposureCheck.voided_at.is_(None)
            )
        )
        if last is not None and day <= last:
            raise ValidationError(fields={"retired_on": f"Meter {meter.name} was used on {last}."})
        before = audit.snapshot(meter)
        meter.retired_on = day
        self.stamp(meter)
        audit.changed(
            session,
            self.actor,
            "meters",
            meter,
            before,
            f"Meter {meter.name} retired from {day}",
            action="retire",
        )
        return meter

    def retire_meter(self, meter_id: int, retired_on: date | str | None = None) -> MeterRow:
        with self.writing() as session:
            meter = self.retire_meter_in(session, meter_id, retired_on)
            return _meter_row(meter, self.today(), self._count(session, meter_id))

    # ---- calibrations

    def _validate_calibration(self, session: Session, draft: CalibrationDraft) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        calibrated = parse_day(
            draft.calibrated_on, errors, "calibrated_on", "The calibration date", required=True
        )
        due = parse_day(draft.due_on, errors, "due_on", "The due date")
        if calibrated is not None and calibrated > self.today():
            errors["calibrated_on"] = f"{calibrated} is in the future."
        if calibrated is not None and due is None and "due_on" not in errors:
            due = default_calibration_due(
                calibrated, int(load_settings(session)["exposure.meter_calibration_months"])
            )
        if calibrated is not None and due is not None and due <= calibrated:
            errors["due_on"] = "The due date must be after the calibration date."
        laboratory, certificate = clean(draft.laboratory), clean(draft.certificate_number)
        check_length(laboratory, 160, errors, "laboratory", "The laboratory")
        check_length(certificate, 80, errors, "certificate_number", "The certificate number")
        if errors:
            raise ValidationError(fields=errors)
        return dict(
            calibrated_on=calibrated, due_on=due, laboratory=laboratory, certificate_number=certificate
        )

    def add_calibration_in(self, session: Session, draft: CalibrationDraft) -> MeterCalibration:
        meter = existing(session, Meter, draft.meter_id, "meter")
        values = self._validate_calibration(session, draft)
        if any(c.calibrated_on == values["calibrated_on"] for c in meter.calibrations):
            raise ConflictError(
                f"Meter {meter.name} already has a calibration on {values['calibrated_on']}; "
                "correct that one."
            )
        calibration = MeterCalibration(meter_id=meter.id, **values)
        self.stamp(calibration, new=True)
        session.add(calibration)
        audit.created(
            session,
            self.actor,
            "meter_calibrations",
            calibration,
            f"Calibration of meter {meter.name} on {calibration.calibrated_on}, due {calibration.due_on}",
        )
        return calibration

    def add_calibration(self, draft: CalibrationDraft) -> CalibrationRow:
        with self.writing() as session:
            calibration = self.add_calibration_in(session, draft)
            return _calibration_row(calibration, calibration.meter, 0)

    def update_calibration_in(
        self, session: Session, calibration_id: int, draft: CalibrationDraft
    ) -> MeterCalibration:
        calibration = existing(session, MeterCalibration, calibration_id, "calibration record")
        values = self._validate_calibration(session, draft)
        meter = calibration.meter
        if any(
            c.calibrated_on == values["calibrated_on"] and c.id != calibration.id for c in meter.calibrations
        ):
            raise ConflictError(f"Meter {meter.name} already has a calibration on {values['calibrated_on']}.")
        before = audit.snapshot(calibration)
        for key, value in values.items():
            setattr(calibration, key, value)
        if audit.changed(
            session,
            self.actor,
            "meter_calibrations",
            calibration,
            before,
            f"Calibration of meter {meter.name} corrected",
        ):
            self.stamp(calibration)
        return calibration

    def update_calibration(self, calibration_id: int, draft: CalibrationDraft) -> CalibrationRow:
        with self.writing() as session:
            calibration = self.update_calibration_in(session, calibration_id, draft)
            counts = counts_by_owner(session, ATTACHMENT_OWNER, [calibration.id])
            return _calibration_row(calibration, calibration.meter, counts.get(calibration.id, 0))

    # ---- helpers

    @staticmethod
    def _count(session: Session, meter_id: int) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ExposureCheck)
                .where(ExposureCheck.meter_id == meter_id, ExposureCheck.voided_at.is_(None))
            )
            or 0
        )


def _calibration_row(calibration: MeterCalibration, meter: Meter, attachments: int) -> CalibrationRow:
    return CalibrationRow(
        id=calibration.id,
        meter_id=meter.id,
        meter=meter.name,
        calibrated_on=calibration.calibrated_on,
        due_on=calibration.due_on,
        laboratory=calibration.laboratory,
        certificate_number=calibration.certificate_number,
        attachments=attachments,
    )
