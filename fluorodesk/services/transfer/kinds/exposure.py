"""Fluoroscopy units, meters and exposure-rate checks in spreadsheets, filed through the unit, meter and
exposure services' own operations (the Exposure Logs tab's dialogs call the same ones)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ExposureCheck, FluoroUnit, Meter
from fluorodesk.domain.enums import ExposureMode, RateUnit
from fluorodesk.domain.exposure import baseline_for
from fluorodesk.domain.text import clean
from fluorodesk.services.exposure.loading import baselines_of
from fluorodesk.services.exposure.rows import CheckDraft
from fluorodesk.services.meters import MeterDraft, meter_draft
from fluorodesk.services.transfer.cells import as_bool, as_date, as_member, as_number
from fluorodesk.services.transfer.framework import (
    NEW,
    UNCHANGED,
    UPDATE,
    Col,
    Kind,
    Outcome,
    RowProblem,
    shown,
    yes_no,
)
from fluorodesk.services.units import BaselineDraft, UnitDraft, unit_draft

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


def _names(session: Session, model: type, name_column: Any) -> dict[str, int]:
    """Stored records by their name or code, any case."""
    return {name.upper(): record_id for record_id, name in session.execute(select(model.id, name_column))}


class UnitsKind(Kind):
    name = "units"
    description = "fluoroscopy units (C-arms) and the physicist's baseline in effect"
    columns = (
        Col("unit_id", True),
        Col("name"),
        Col("manufacturer"),
        Col("model"),
        Col("serial"),
        Col("room"),
        Col("manufactured_on", parse=as_date),
        Col("in_service_on", parse=as_date),
        Col("aerc", parse=as_bool),
        Col("hlc", parse=as_bool),
        Col("baseline_rate", parse=as_number),
        Col("baseline_unit", parse=lambda cell: as_member(cell, RateUnit)),
        Col("baseline_from", parse=as_date),
        Col("baseline_set_by"),
    )
    # The unit dialog's field names; a new unit's baseline fields come prefixed ``baseline_``.
    field_columns = {
        "code": "unit_id",
        "has_aerc": "aerc",
        "has_hlc": "hlc",
        "rate": "baseline_rate",
        "rate_unit": "baseline_unit",
        "baseline_rate_unit": "baseline_unit",
        "effective_on": "baseline_from",
        "baseline_effective_on": "baseline_from",
        "set_by": "baseline_set_by",
    }

    def prepare(self, session: Session, services: Services) -> dict[str, int]:
        return _names(session, FluoroUnit, FluoroUnit.code)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ids: dict[str, int]) -> Outcome:
        code = v["unit_id"]
        key = ("unit", code.upper())
        label = f"unit {code}"
        cells = {
            "name": v["name"],
            "manufacturer": v["manufacturer"],
            "model": v["model"],
            "serial": v["serial"],
            "room": v["room"],
            "manufactured_on": v["manufactured_on"],
            "in_service_on": v["in_service_on"],
            "has_aerc": v["aerc"],
            "has_hlc": v["hlc"],
        }
        given = {name: value for name, value in cells.items() if value not in (None, "")}  # blanks keep
        baseline = self._baseline(v)
        unit_id = ids.get(code.upper())
        if unit_id is None:
            unit = services.units.create_in(session, UnitDraft(code=code, **{"name": "", **given}), baseline)
            ids[code.upper()] = unit.id
            return Outcome(NEW, key, label)
        unit = session.get(FluoroUnit, unit_id)
        stored = unit_draft(unit)
        wanted = replace(stored, **given)
        changes = self.changes(vars(stored), vars(wanted))
        if wanted != stored:
            services.units.update_in(session, unit_id, wanted)
        if baseline is not None and not self._on_file(unit, baseline, services):
            services.units.add_baseline_in(session, replace(baseline, unit_id=unit_id))
            changes += (f"baseline → {v['baseline_rate']:g} {shown(v['baseline_unit'])}",)
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    @staticmethod
    def _baseline(v: dict[str, Any]) -> BaselineDraft | None:
        """The normal-mode baseline a row gives, as the unit dialog's baseline fields would (None: none)."""
        if all(
            v[c] in (None, "") for c in ("baseline_rate", "baseline_unit", "baseline_from", "baseline_set_by")
        ):
            return None
        return BaselineDraft(
            unit_id=None,
            effective_on=v["baseline_from"],
            rate=v["baseline_rate"],
            rate_unit=v["baseline_unit"],
            set_by=v["baseline_set_by"],
        )

    @staticmethod
    def _on_file(unit: FluoroUnit, baseline: BaselineDraft, services: Services) -> bool:
        """The row's baseline is the one on file from its date (or the one in effect today, when the
        row gives no date): nothing to add."""
        on = baseline.effective_on if isinstance(baseline.effective_on, date) else services.units.today()
        applied = baseline_for(baselines_of(unit), on, ExposureMode.NORMAL, None, 0.0).baseline
        return (
            applied is not None
            and (baseline.effective_on is None or applied.effective_on == baseline.effective_on)
            and (applied.rate, applied.rate_unit) == (baseline.rate, baseline.rate_unit)
        )

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        units = session.scalars(
            select(FluoroUnit).options(selectinload(FluoroUnit.baselines)).order_by(FluoroUnit.code)
        )
        for u in units:
            baseline = baseline_for(baselines_of(u), date.today(), ExposureMode.NORMAL, None, 0.0).baseline
            recorded = next(
                (
                    b
                    for b in u.baselines
                    if baseline and (b.effective_on, b.mode) == (baseline.effective_on, baseline.mode)
                ),
                None,
            )
            yield [
                u.code,
                u.name,
                u.manufacturer,
                u.model,
                u.serial,
                u.room,
                u.manufactured_on,
                u.in_service_on,
                yes_no(u.has_aerc),
                yes_no(u.has_hlc),
                baseline.rate if baseline else None,
                baseline.rate_unit.value if baseline else "",
                recorded.effective_on if recorded else None,
                recorded.set_by if recorded else "",
            ]


class MetersKind(Kind):
    name = "meters"
    description = "exposure meters (their calibrations are filed in the app, with the certificate)"
    columns = (Col("meter", True), Col("manufacturer"), Col("model"), Col("serial"))
    field_columns = {"name": "meter"}

    def prepare(self, session: Session, services: Services) -> dict[str, int]:
        return _names(session, Meter, Meter.name)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ids: dict[str, int]) -> Outcome:
        name = v["meter"]
        key = ("meter", name.upper())
        label = f"meter {name}"
        cells = {"manufacturer": v["manufacturer"], "model": v["model"], "serial": v["serial"]}
        given = {field: value for field, value in cells.items() if value}  # blanks keep
        meter_id = ids.get(name.upper())
        if meter_id is None:
            ids[name.upper()] = services.meters.create_meter_in(session, MeterDraft(name, **given)).id
            return Outcome(NEW, key, label)
        stored = meter_draft(session.get(Meter, meter_id))
        wanted = replace(stored, **given)
        if wanted == stored:
            return Outcome(UNCHANGED, key, label)
        services.meters.update_meter_in(session, meter_id, wanted)
        return Outcome(UPDATE, key, label, self.changes(vars(stored), vars(wanted)))

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        for m in session.scalars(select(Meter).order_by(Meter.name)):
            yield [m.name, m.manufacturer, m.model, m.serial]


class ExposureChecksKind(Kind):
    name = "exposure_checks"
    description = "exposure-rate QC checks"
    columns = (
        Col("unit_id", True),
        Col("checked_on", True, as_date),
        Col("performed_by", True),
        Col("mode", True, lambda cell: as_member(cell, ExposureMode)),
        Col("kvp", parse=as_number),
        Col("ma", parse=as_number),
        Col("rate", True, as_number),
        Col("rate_unit", True, lambda cell: as_member(cell, RateUnit)),
        Col("meter"),
        Col("notes"),
    )
    field_columns = {"meter_id": "meter", "technician_id": "performed_by"}

    @dataclass
    class Context:
        # The records themselves, not only their ids: held here, they stay in the session's identity
        # map, so the check service's look-ups for each row cost no query.
        units: dict[str, FluoroUnit]
        meters: dict[str, Meter]
        checks: dict[tuple[Any, ...], ExposureCheck]  # valid checks on file, by what identifies one

    def prepare(self, session: Session, services: Services) -> Context:
        stored = session.scalars(select(ExposureCheck).where(ExposureCheck.voided_at.is_(None)))
        return self.Context(
            {u.code.upper(): u for u in session.scalars(select(FluoroUnit))},
            {m.name.upper(): m for m in session.scalars(select(Meter))},
            {(c.unit_id, c.checked_on, c.mode, c.rate_unit, c.rate): c for c in stored},
        )

    def apply(self, session: Session, services: Services, v: dict[str, Any], ctx: Context) -> Outcome:
        unit = ctx.units.get(v["unit_id"].upper())
        if unit is None:
            raise RowProblem("unit_id", f"no unit “{v['unit_id']}” on file; import units first")
        unit_id, meter_id = unit.id, None
        if v["meter"]:
            meter = ctx.meters.get(v["meter"].upper())
            if meter is None:
                raise RowProblem("meter", f"no meter “{v['meter']}” on file; import meters first")
            meter_id = meter.id
        key = (unit_id, v["checked_on"], v["mode"], v["rate_unit"], v["rate"])
        label = f"check of {v['unit_id']} on {v['checked_on']}"
        on_file = ctx.checks.get(key)
        if on_file is None:
            draft = CheckDraft(
                unit_id=unit_id,
                checked_on=v["checked_on"],
                performed_by=v["performed_by"],
                meter_id=meter_id,
                mode=v["mode"],
                rate=v["rate"],
                rate_unit=v["rate_unit"],
                kvp=v["kvp"],
                ma=v["ma"],
                notes=v["notes"],
            )
            services.exposure.record_check_in(session, draft)
            return Outcome(NEW, key, label)
        # A check is a regulated record: never changed by an import, only recognised.
        given = {
            "performed_by": clean(v["performed_by"]),
            "kvp": v["kvp"],
            "ma": v["ma"],
            "meter": meter_id,
            "notes": (v["notes"] or "").strip(),
        }
        stored = {
            "performed_by": on_file.performed_by,
            "kvp": on_file.kvp,
            "ma": on_file.ma,
            "meter": on_file.meter_id,
            "notes": on_file.notes,
        }
        differs = [name for name, value in given.items() if value not in (None, "") and value != stored[name]]
        if differs:
            raise RowProblem(
                differs[0],
                f"a different {label} ({shown(v['mode']).lower()}, {v['rate']:g} {shown(v['rate_unit'])}) "
                "is on file; correct it in the app",
            )
        return Outcome(UNCHANGED, key, label)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        checks = session.scalars(
            select(ExposureCheck)
            .where(ExposureCheck.voided_at.is_(None))
            .options(selectinload(ExposureCheck.unit), selectinload(ExposureCheck.meter))
            .order_by(ExposureCheck.checked_on, ExposureCheck.id)
        )
        for c in checks:
            yield [
                c.unit.code,
                c.checked_on,
                c.performed_by,
                c.mode.value,
                c.kvp,
                c.ma,
                c.rate,
                c.rate_unit.value,
                c.meter.name if c.meter else "",
                c.notes,
            ]
