"""The director's sign-off of a period's exposure-rate checks or garment inspections.

Signing re-asks the director's password, stores a snapshot of every record in the period (its set:
ids and content) and the snapshot's SHA-256, and writes an audit event that carries the sign-off's
id, area, period and that hash.  From then on the records dated in the period are *locked*:

* ``ensure_unlocked(session, area, record_date)`` raises ``ConflictError`` for a date inside a
  signed period.  Every write path that creates, edits or voids an exposure check or a garment
  inspection calls it first, inside its transaction (for an edit that moves the date: with the old
  and the new date).
* The one way to correct a locked record is an **amendment**: a new record whose ``amends_id``
  points at the original.  An amendment may be dated in a signed period only when it corrects a
  record of that same period (``ensure_unlocked(..., amends=original)``); the original stays
  exactly as it was signed, except that it is marked as voided by its amendment.
* Follow-ups that do not change what was signed stay possible: a corrective action on a locked
  check, adding a scanned document.  Removing an attachment from a locked record is refused.
* ``verify_signoffs`` (run by ``fluorodesk check``) compares each signed period's set with what is
  on file, so a change made behind the app's back (e.g. with an SQLite editor) is reported: a
  signed record changed, removed or voided without an amendment; a record added to the period that
  is not an amendment the audit trail recorded; a snapshot that is not the one the audit event
  hashed; a sign-off whose row was removed (its audit event remains) or that has no event at all.
  The audit trail itself is protected by its hash chain and the anchors kept outside the database
  (services/audit.py).

A sign-off is never edited or deleted.  Two sign-offs of the same area may not overlap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import Attachment, AuditEvent, ExposureCheck, GarmentInspection, Signoff
from fluorodesk.domain.dates import parse_date
from fluorodesk.domain.enums import SignoffArea
from fluorodesk.domain.permissions import Permission
from fluorodesk.errors import ConflictError, PermissionDeniedError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.auth import check_password, require
from fluorodesk.services.base import Service

#: Which table and which date column each area locks.
AREA_RECORDS: dict[SignoffArea, tuple[type[Any], str]] = {
    SignoffArea.EXPOSURE: (ExposureCheck, "checked_on"),
    SignoffArea.GARMENTS: (GarmentInspection, "inspected_on"),
}

#: Attachment owner types that belong to a lockable record (owner_type → area).  Capability
#: branches that attach files to checks or inspections under another owner_type add it here.
LOCKABLE_OWNERS: dict[str, SignoffArea] = {
    "exposure_check": SignoffArea.EXPOSURE,
    "exposure_checks": SignoffArea.EXPOSURE,
    "inspection": SignoffArea.GARMENTS,
    "garment_inspection": SignoffArea.GARMENTS,
    "garment_inspections": SignoffArea.GARMENTS,
}

#: Columns that may change on a signed record without breaking the signature: correcting a signed
#: check or inspection records an amendment that marks the original as voided ("Amended by #n").
#: A plain void of a signed record is refused by ensure_record_unlocked, so only amendments set them.
UNSIGNED_FIELDS: frozenset[str] = frozenset({"voided_at", "void_reason"})


@dataclass(frozen=True)
class SignoffRow:
    id: int
    area: SignoffArea
    period_start: date
    period_end: date
    signed_at: datetime
    signed_by: str
    signer_name: str
    statement: str
    record_count: int

    @property
    def words(self) -> str:
        return (
            f"{self.area.label} from {self.period_start} to {self.period_end} signed off by "
            f"{self.signer_name or self.signed_by} on {self.signed_at:%Y-%m-%d}"
        )


@dataclass(frozen=True)
class PeriodSummary:
    area: SignoffArea
    period_start: date
    period_end: date
    records: int
    voided: int
    amendments: int
    overlapping: tuple[SignoffRow, ...]


def _row(s: Signoff) -> SignoffRow:
    return SignoffRow(
        s.id,
        s.area,
        s.period_start,
        s.period_end,
        s.signed_at,
        s.signed_by,
        s.signer_name,
        s.statement,
        s.record_count,
    )


def _area(value: SignoffArea | str) -> SignoffArea:
    try:
        return SignoffArea(value)
    except ValueError:
        raise ValidationError(
            fields={"area": "Choose exposure-rate checks or garment inspections."}
        ) from None


# --------------------------------------------------------------------------- locking


def covering_signoff(session: Session, area: SignoffArea | str, record_date: date | None) -> Signoff | None:
    if record_date is None:
        return None
    return session.scalar(
        select(Signoff)
        .where(
            Signoff.area == SignoffArea(area),
            Signoff.period_start <= record_date,
            Signoff.period_end >= record_date,
        )
        .limit(1)
    )


def ensure_unlocked(
    session: Session,
    area: SignoffArea | str,
    record_date: date | None,
    *,
    amends: Any = None,
) -> None:
    """Refuse (ConflictError) a write to a record dated in a signed-off period.

    ``amends`` is the original record when the write files a *new* record that corrects it (its
    ``amends_id``): that is how a locked record is corrected, so it is allowed in the original's own
    signed period, but not in another one, where it would add a record to what was signed.
    """
    signed = covering_signoff(session, area, record_date)
    if signed is None:
        return
    if amends is not None:
        _model, date_attr = AREA_RECORDS[SignoffArea(area)]
        original = covering_signoff(session, area, getattr(amends, date_attr))
        if original is not None and original.id == signed.id:
            return
        raise ConflictError(
            f"{_row(signed).words}, so an amendment dated {record_date} would add a record to what "
            "was signed: it can be dated in that period only when it corrects one of its records."
        )
    raise ConflictError(
        f"{_row(signed).words}, so records dated {record_date} are locked. "
        "To correct one, record an amendment that references it."
    )


def ensure_record_unlocked(session: Session, record: Any) -> None:
    """``ensure_unlocked`` for an existing exposure check or garment inspection (edit, void)."""
    for area, (model, date_attr) in AREA_RECORDS.items():
        if isinstance(record, model):
            ensure_unlocked(session, area, getattr(record, date_attr))
            return


def ensure_attachment_removable(session: Session, attachment: Attachment) -> None:
    area = LOCKABLE_OWNERS.get(attachment.owner_type)
    if area is None:
        return
    model, date_attr = AREA_RECORDS[area]
    record = session.get(model, attachment.owner_id)
    if record is not None:
        ensure_unlocked(session, area, getattr(record, date_attr))


# --------------------------------------------------------------------------- snapshots and checks


def _records_in(session: Session, area: SignoffArea, start: date, end: date) -> Sequence[Any]:
    model, date_attr = AREA_RECORDS[area]
    column = getattr(model, date_attr)
    return session.scalars(select(model).where(column >= start, column <= end).order_by(model.id)).all()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def period_set(session: Session, area: SignoffArea, first: date, last: date) -> tuple[str, str, int]:
    """The set a sign-off of ``first``…``last`` stores: its snapshot (canonical JSON of every
    record's content by id), the snapshot's SHA-256, and how many records it holds."""
    records = {str(r.id): audit.snapshot(r) for r in _records_in(session, area, first, last)}
    blob = _canonical(records)
    return blob, _sha256(blob), len(records)


@dataclass(frozen=True)
class SignedEvent:
    """What a sign-off's audit event says about it (the event is chained, so it is the reference)."""

    event_id: int
    signoff_id: int
    area: str
    period_start: str
    period_end: str
    records_sha256: str
    signer: str


def _signed_events(session: Session) -> tuple[dict[int, SignedEvent], set[int]]:
    """The newest sign-off event per sign-off id, and the ids whose rows a later demo reload
    (``fluorodesk demo --force``, which replaces every record and keeps the trail) removed."""
    latest: dict[int, SignedEvent] = {}
    for event in session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "signoffs", AuditEvent.action == "sign_off")
        .order_by(AuditEvent.id)
    ):
        try:
            changes = json.loads(event.changes)
            after = {k: v[1] for k, v in changes.items()}
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            after = {}
        latest[int(event.entity_id or 0)] = SignedEvent(
            event.id,
            int(event.entity_id or 0),
            str(after.get("area", "")),
            str(after.get("period_start", "")),
            str(after.get("period_end", "")),
            str(after.get("records_sha256", "")),
            str(after.get("signer_name") or after.get("signed_by") or ""),
        )
    return latest, {sid for sid, e in latest.items() if e.event_id < _last_demo_load(session)}


def _last_demo_load(session: Session) -> int:
    """The first event of the newest demo load (0 when there is none).  A load writes its own
    events (its sign-offs, its scans; actor "demo") and then its "demo" event, in one transaction:
    those sign-offs' rows must exist; the sign-offs of any earlier event it replaced."""
    demo = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action == "demo"))
    if demo is None:
        return 0
    first = demo
    before = (
        select(AuditEvent.id, AuditEvent.actor).where(AuditEvent.id < demo).order_by(AuditEvent.id.desc())
    )
    for event_id, actor in session.execute(before.limit(1000)):
        if actor != "demo" or event_id != first - 1:
            break
        first = event_id
    return first


def _created_by_the_app(session: Session, entity: str, ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` whose creation an audit event recorded (its change list gives the new id)."""
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for entity_id, changes in session.execute(
            select(AuditEvent.entity_id, AuditEvent.changes).where(
                AuditEvent.entity == entity, AuditEvent.entity_id.in_(chunk)
            )
        ):
            try:
                made = json.loads(changes).get("id") == [None, entity_id]
            except (ValueError, AttributeError):
                made = False
            if made and entity_id is not None:
                found.add(entity_id)
    return found


def _set_problems(session: Session, signed: Signoff, stored: dict[str, dict[str, Any]]) -> list[str]:
    """The signed set against what is on file now: changed, removed, voided, added records."""
    model, date_attr = AREA_RECORDS[signed.area]
    date_column = getattr(model, date_attr)
    ids = sorted(int(k) for k in stored)
    current: dict[int, Any] = {}
    for start in range(0, len(ids), 500):  # one query per 500 records, not one per record
        chunk = ids[start : start + 500]
        current.update((r.id, r) for r in session.scalars(select(model).where(model.id.in_(chunk))))
    amended = set(session.scalars(select(model.amends_id).where(model.amends_id.is_not(None))))
    problems: list[str] = []
    for key, snapshot in sorted(stored.items(), key=lambda kv: int(kv[0])):
        record = current.get(int(key))
        if record is None:
            problems.append(f"record #{key} was removed after sign-off")
            continue
        now = audit.snapshot(record)
        changed = sorted(f for f, v in snapshot.items() if f not in UNSIGNED_FIELDS and now.get(f, v) != v)
        if changed:
            problems.append(f"record #{key} changed after sign-off ({', '.join(changed)})")
            continue
        voided = snapshot.get("voided_at") is None and now.get("voided_at") is not None
        if voided and int(key) not in amended:  # only an amendment voids a signed record
            problems.append(f"record #{key} was voided after sign-off")
    # Records dated in the period now that were not signed: only amendments the app recorded.
    in_period = session.execute(
        select(model.id, date_column, model.amends_id)
        .where(date_column >= signed.period_start, date_column <= signed.period_end)
        .order_by(model.id)
    )
    added = [row for row in in_period if str(row[0]) not in stored]
    recorded = _created_by_the_app(session, model.__tablename__, [i for i, _, a in added if a is not None])
    for record_id, day, amends_id in added:
        if amends_id is None or record_id not in recorded:
            problems.append(f"record #{record_id} dated {day} was added after sign-off")
    return problems


def verify_signoffs(session: Session) -> list[str]:
    """Problems with signed periods: a set changed after sign-off, a sign-off removed or forged."""
    problems: list[str] = []
    events, replaced = _signed_events(session)
    rows = session.scalars(select(Signoff).order_by(Signoff.id)).all()
    for signed in rows:
        period = f"{signed.period_start}…{signed.period_end}"
        label = f"sign-off #{signed.id} ({signed.area.label.lower()} {period})"
        event = events.get(signed.id)
        if event is None:
            problems.append(f"{label}: it has no event in the audit trail (it was not made in FluoroDesk)")
            continue
        if _sha256(signed.records) != signed.records_sha256:
            problems.append(f"{label}: its record snapshot was altered")
            continue
        if (event.records_sha256, event.area, event.period_start, event.period_end) != (
            signed.records_sha256,
            signed.area.value,
            signed.period_start.isoformat(),
            signed.period_end.isoformat(),
        ):
            problems.append(
                f"{label}: its set of records is not the one signed (the hash differs from its audit event)"
            )
            continue
        try:
            stored: dict[str, dict[str, Any]] = json.loads(signed.records)
        except ValueError:
            problems.append(f"{label}: its record snapshot cannot be read")
            continue
        problems.extend(f"{label}: {p}" for p in _set_problems(session, signed, stored))
    present = {s.id for s in rows}
    for signoff_id, event in sorted(events.items()):
        if signoff_id in present or signoff_id in replaced:
            continue
        try:
            area = SignoffArea(event.area).label.lower()
        except ValueError:
            area = event.area
        by = f" by {event.signer}" if event.signer else ""
        problems.append(
            f"sign-off #{signoff_id} ({area} {event.period_start}…{event.period_end}){by} was removed "
            f"(its audit event #{event.event_id} remains), so its records are no longer locked"
        )
    return problems


def record_signoff(
    session: Session,
    area: SignoffArea,
    first: date,
    last: date,
    *,
    signed_by: str,
    signer_name: str,
    statement: str = "",
    signed_at: datetime | None = None,
    actor: str | None = None,
) -> Signoff:
    """Write the sign-off row with its snapshot, and its audit event (no checks:
    ``SignoffService.sign`` does those).  The event carries the sign-off's id, area, period and
    the snapshot's hash (the snapshot itself is long), so ``verify_signoffs`` can tell a removed or
    rewritten sign-off from outside its row."""
    blob, blob_sha256, count = period_set(session, area, first, last)
    signed = Signoff(
        area=area,
        period_start=first,
        period_end=last,
        signed_at=(signed_at or utcnow()).replace(microsecond=0),
        signed_by=signed_by,
        signer_name=signer_name,
        statement=statement,
        record_count=count,
        records=blob,
        records_sha256=blob_sha256,
    )
    session.add(signed)
    session.flush()
    after = audit.snapshot(signed)
    after.pop("records", None)
    audit.record(
        session,
        actor=actor or signed_by,
        action="sign_off",
        entity="signoffs",
        entity_id=signed.id,
        summary=f"{area.label} {first} to {last} signed off ({signed.record_count} records)",
        after=after,
    )
    return signed


# --------------------------------------------------------------------------- the service


class SignoffService(Service):
    def list_rows(self, area: SignoffArea | str | None = None) -> list[SignoffRow]:
        with self.db.read() as session:
            stmt = select(Signoff).order_by(Signoff.period_start.desc(), Signoff.id.desc())
            if area is not None:
                stmt = stmt.where(Signoff.area == _area(area))
            return [_row(s) for s in session.scalars(stmt)]

    def locked_until(self, area: SignoffArea | str) -> date | None:
        """The end of the latest signed period for ``area`` (for display)."""
        rows = self.list_rows(area)
        return max((r.period_end for r in rows), default=None)

    def is_locked(self, area: SignoffArea | str, record_date: date) -> bool:
        with self.db.read() as session:
            return covering_signoff(session, area, record_date) is not None

    def preview(self, area: SignoffArea | str, start: date | str, end: date | str) -> PeriodSummary:
        area, first, last = self._validate_period(area, start, end)
        with self.db.read() as session:
            return self._summary(session, area, first, last)

    def sign(
        self,
        area: SignoffArea | str,
        start: date | str,
        end: date | str,
        *,
        password: str,
        statement: str = "",
    ) -> SignoffRow:
        area, first, last = self._validate_period(area, start, end)
        if not password:
            raise ValidationError(fields={"password": "Type your password to sign."})
        statement = (statement or "").strip()
        if len(statement) > 2000:
            raise ValidationError(fields={"statement": "The statement can be at most 2000 characters."})
        with self.db.read() as session:
            if require(session, self.actor, Permission.SIGN_OFF) is None:
                raise PermissionDeniedError(
                    "Sign-offs need a director's account. Create the director account first."
                )
        # Throttled and audited like every password check, in transactions of its own: a wrong try
        # stays in the trail.
        signer = check_password(
            self.db, self.actor, password, where="the sign-off", wrong="That is not your password."
        )
        with self.db.write() as session:
            require(session, self.actor, Permission.SIGN_OFF)  # still, in the transaction that signs
            summary = self._summary(session, area, first, last)
            if summary.overlapping:
                other = summary.overlapping[0]
                raise ConflictError(
                    f"{other.words}; a period can be signed off only once. "
                    "Choose dates that do not overlap it."
                )
            signed = record_signoff(
                session,
                area,
                first,
                last,
                signed_by=signer.username,
                signer_name=signer.full_name,
                statement=statement,
                actor=self.actor,
            )
            return _row(signed)

    # ---- helpers

    def _validate_period(
        self, area: SignoffArea | str, start: date | str, end: date | str
    ) -> tuple[SignoffArea, date, date]:
        errors: dict[str, str] = {}
        try:
            the_area = _area(area)
        except ValidationError as exc:
            errors.update(exc.fields)
            the_area = SignoffArea.EXPOSURE
        first = last = None
        try:
            first = parse_date(start, field="period_start")
        except ValidationError as exc:
            errors.update(exc.fields)
        try:
            last = parse_date(end, field="period_end")
        except ValidationError as exc:
            errors.update(exc.fields)
        if first is None and "period_start" not in errors:
            errors["period_start"] = "The first day of the period is required."
        if last is None and "period_end" not in errors:
            errors["period_end"] = "The last day of the period is required."
        if first and last and last < first:
            errors["period_end"] = "The period ends before it starts."
        if last and last > self.today():
            errors["period_end"] = "A period can be signed off only once it is over (today or earlier)."
        if errors:
            raise ValidationError(fields=errors)
        assert first is not None and last is not None
        return the_area, first, last

    def _summary(self, session: Session, area: SignoffArea, first: date, last: date) -> PeriodSummary:
        records = _records_in(session, area, first, last)
        overlapping = session.scalars(
            select(Signoff).where(
                Signoff.area == area, Signoff.period_start <= last, Signoff.period_end >= first
            )
        ).all()
        return PeriodSummary(
            area,
            first,
            last,
            records=len(records),
            voided=sum(1 for r in records if getattr(r, "voided_at", None) is not None),
            amendments=sum(1 for r in records if getattr(r, "amends_id", None) is not None),
            overlapping=tuple(_row(s) for s in overlapping),
        )
