"""Reading the audit trail: filter by who, when, record type and text; old → new values.

Writing events is services/audit.py's job (inside each change's transaction); this module only
reads.  Times are stored in UTC; the "when" filter takes calendar dates in the computer's local
time zone, as people think of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from fluorodesk.db.base import Base, Tracked
from fluorodesk.db.models import AuditEvent
from fluorodesk.domain.dates import parse_date
from fluorodesk.errors import ValidationError
from fluorodesk.services.base import Service

#: What a person calls each table's records.
ENTITY_LABELS: dict[str, str] = {
    "agencies": "Agency",
    "agency_contacts": "Agency contact",
    "declared_pregnancies": "Declared pregnancy",
    "dose_investigations": "Dose investigation",
    "dosimetry_reviews": "Quarterly dosimetry review",
    "exposure_period_notes": "Exposure check period note",
    "garment_status_changes": "Garment status change",
    "unit_baselines": "Unit baseline",
    "clause_definitions": "Contract clause",
    "contract_evaluations": "Contract evaluation",
    "ce_activity": "CE activity",
    "inspection": "Garment inspection",
    "survey": "Physicist survey",
    "meter_calibration": "Meter calibration",
    "attachments": "Attachment",
    "ce_activities": "CE activity",
    "clinic": "Clinic",
    "contracts": "Contract",
    "corrective_actions": "Corrective action",
    "credential": "Credential",
    "credentials": "Credential",
    "credential_exemptions": "Credential exemption",
    "dosimeter_badges": "Dosimeter badge",
    "dosimetry_readings": "Dosimetry reading",
    "exposure_checks": "Exposure check",
    "fluoro_units": "Fluoroscopy unit",
    "garment_inspections": "Garment inspection",
    "garments": "Garment",
    "meter_calibrations": "Meter calibration",
    "meters": "Meter",
    "physicist_surveys": "Physicist survey",
    "procedure_records": "Procedure",
    "settings": "Setting",
    "signoffs": "Sign-off",
    "technicians": "Technician",
    "users": "User account",
}

ACTION_LABELS: dict[str, str] = {
    "create": "Created",
    "update": "Changed",
    "void": "Voided",
    "amend": "Amended",
    "retire": "Retired",
    "attach": "File attached",
    "detach": "File removed",
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "sign_in_throttled": "Refused: too many wrong passwords",
    "sign_off": "Signed off",
    "reset_password": "Password reset",
    "change_password": "Password changed",
    "demo": "Demo loaded",
    "import": "Imported",
    "restore": "Backup restored",
}


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity.replace("_", " ").capitalize())


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any

    @staticmethod
    def show(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime  # UTC, naive
    actor: str
    action: str
    entity: str
    entity_id: int | None
    summary: str
    changes: tuple[Change, ...]

    @property
    def local_time(self) -> datetime:
        return self.occurred_at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)

    @property
    def record(self) -> str:
        label = entity_label(self.entity)
        return f"{label} #{self.entity_id}" if self.entity_id is not None else label

    @property
    def what(self) -> str:
        return action_label(self.action)


@dataclass(frozen=True)
class RecordStamp:
    """Who created a record and who changed it last (the Tracked columns), local times."""

    created_at: datetime | None
    created_by: str
    updated_at: datetime | None
    updated_by: str

    @property
    def words(self) -> str:
        def when(value: datetime | None) -> str:
            return f"{value:%Y-%m-%d %H:%M}" if value else "unknown time"

        text = f"Created {when(self.created_at)} by {self.created_by or 'unknown'}"
        changed = bool(
            self.updated_at and self.created_at and (self.updated_at - self.created_at).total_seconds() >= 1
        )  # both stamps are set, microseconds apart, when a record is created
        if changed or (self.updated_by and self.updated_by != self.created_by):
            text += f" · last changed {when(self.updated_at)} by {self.updated_by or 'unknown'}"
        return text


def _changes(text: str) -> tuple[Change, ...]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return (Change("(unreadable)", None, text),)
    if not isinstance(data, dict):
        return ()
    out = []
    for name, pair in sorted(data.items()):
        if isinstance(pair, list) and len(pair) == 2:
            out.append(Change(name, pair[0], pair[1]))
        else:
            out.append(Change(name, None, pair))
    return tuple(out)


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(
        event.id,
        event.occurred_at,
        event.actor,
        event.action,
        event.entity,
        event.entity_id,
        event.summary,
        _changes(event.changes),
    )


def local_day_start_utc(day: date) -> datetime:
    """Midnight of ``day`` on this computer's clock, as naive UTC (how events are stored)."""
    local = datetime.combine(day, time.min).astimezone()  # attaches the local zone
    return local.astimezone(UTC).replace(tzinfo=None)


def _to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_MODELS: dict[str, type[Any]] | None = None


def tracked_model(table: str) -> type[Any] | None:
    global _MODELS
    if _MODELS is None:
        _MODELS = {
            m.class_.__tablename__: m.class_ for m in Base.registry.mappers if issubclass(m.class_, Tracked)
        }
    return _MODELS.get(table)


class AuditTrailService(Service):
    def query(
        self,
        *,
        actor: str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        entity: str | None = None,
        entity_id: int | None = None,
        text: str = "",
        limit: int = 5000,
    ) -> list[AuditRow]:
        """Newest first.  ``since``/``until`` are inclusive local calendar dates."""
        errors: dict[str, str] = {}
        first = last = None
        try:
            first = parse_date(since, field="since")
        except ValidationError as exc:
            errors.update(exc.fields)
        try:
            last = parse_date(until, field="until")
        except ValidationError as exc:
            errors.update(exc.fields)
        if first and last and last < first:
            errors["until"] = "The end date is before the start date."
        if errors:
            raise ValidationError(fields=errors)
        stmt = select(AuditEvent)
        if actor:
            stmt = stmt.where(AuditEvent.actor == actor)
        if entity:
            stmt = stmt.where(AuditEvent.entity == entity)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        try:
            if first:
                stmt = stmt.where(AuditEvent.occurred_at >= local_day_start_utc(first))
            if last and last < date.max:
                stmt = stmt.where(AuditEvent.occurred_at < local_day_start_utc(last + timedelta(days=1)))
        except (OverflowError, ValueError, OSError):
            pass  # a date at the end of the calendar: no bound on that side
        needle = (text or "").strip()
        if needle:
            pattern = _like(needle.lower())
            stmt = stmt.where(
                or_(
                    func.lower(AuditEvent.summary).like(pattern, escape="\\"),
                    func.lower(AuditEvent.changes).like(pattern, escape="\\"),
                    func.lower(AuditEvent.actor).like(pattern, escape="\\"),
                    func.lower(AuditEvent.entity).like(pattern, escape="\\"),
                    cast(AuditEvent.entity_id, String).like(pattern, escape="\\"),
                )
            )
        stmt = stmt.order_by(AuditEvent.id.desc()).limit(max(1, min(int(limit), 100_000)))
        with self.db.read() as session:
            return [_row(e) for e in session.scalars(stmt)]

    def actors(self) -> list[str]:
        with self.db.read() as session:
            return list(session.scalars(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)))

    def entities(self) -> list[str]:
        with self.db.read() as session:
            return list(session.scalars(select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)))

    def chain_problems(self) -> list[str]:
        """The hash chain's verdict, as ``fluorodesk check`` gives it (empty: unbroken)."""
        from fluorodesk.services.audit import verify_chain

        with self.db.read() as session:
            return [f"event #{p.event_id}: {p.message}" for p in verify_chain(session)]

    def count(self) -> int:
        with self.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    def stamp(self, entity: str, entity_id: int | None) -> RecordStamp | None:
        """Created / last changed by and when, for any record with the Tracked columns."""
        model = tracked_model(entity)
        if model is None or entity_id is None:
            return None
        with self.db.read() as session:
            return stamp_of(session, model, entity_id)


def stamp_of(session: Session, model: type[Any], entity_id: int) -> RecordStamp | None:
    record = session.get(model, entity_id)
    if record is None:
        return None
    return RecordStamp(
        _to_local(record.created_at), record.created_by, _to_local(record.updated_at), record.updated_by
    )
