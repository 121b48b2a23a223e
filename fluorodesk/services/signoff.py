"""The director's sign-off of a period's exposure-rate checks or garment inspections.

Signing re-asks the director's password, stores a snapshot of every record in the period (and its
SHA-256) and writes an audit event.  From then on the records dated in the period are *locked*:

* ``ensure_unlocked(session, area, record_date)`` raises ``ConflictError`` for a date inside a
  signed period.  Every write path that creates, edits or voids an exposure check or a garment
  inspection calls it first, inside its transaction (for an edit that moves the date: with the old
  and the new date).
* The one way to correct a locked record is an **amendment**: a new record whose ``amends_id``
  points at the original.  Creating an amendment is allowed in a signed period
  (``ensure_unlocked(..., amendment=True)``); the original stays exactly as it was signed.
* Follow-ups that do not change what was signed stay possible: a corrective action on a locked
  check, adding a scanned document.  Removing an attachment from a locked record is refused.
* ``verify_signoffs`` (run by ``fluorodesk check``) compares every signed record with its snapshot,
  so a change made behind the app's back (e.g. with an SQLite editor) is reported.

A sign-off is never edited or deleted.  Two sign-offs of the same area may not overlap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import Attachment, ExposureCheck, GarmentInspection, Signoff
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
    amendment: bool = False,
) -> None:
    """Refuse (ConflictError) a write to a record dated in a signed-off period.

    ``amendment=True`` for a *new* record that references the original it corrects (its
    ``amends_id``): that is how a locked record is corrected, so it is allowed.
    """
    if amendment:
        return
    signed = covering_signoff(session, area, record_date)
    if signed is None:
        return
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


def verify_signoffs(session: Session) -> list[str]:
    """Problems with signed records: snapshot altered, record changed or removed after sign-off."""
    problems: list[str] = []
    for signed in session.scalars(select(Signoff).order_by(Signoff.id)):
        label = (
            f"sign-off #{signed.id} ({signed.area.label.lower()} {signed.period_start}…{signed.period_end})"
        )
        if _sha256(signed.records) != signed.records_sha256:
            problems.append(f"{label}: its record snapshot was altered")
            continue
        try:
            stored: dict[str, dict[str, Any]] = json.loads(signed.records)
        except ValueError:
            problems.append(f"{label}: its record snapshot cannot be read")
            continue
        model, _date_attr = AREA_RECORDS[signed.area]
        ids = sorted(int(k) for k in stored)
        current: dict[int, Any] = {}
        for start in range(0, len(ids), 500):  # one query per 500 records, not one per record
            chunk = ids[start : start + 500]
            current.update((r.id, r) for r in session.scalars(select(model).where(model.id.in_(chunk))))
        for key, snapshot in sorted(stored.items(), key=lambda kv: int(kv[0])):
            record = current.get(int(key))
            if record is None:
                problems.append(f"{label}: record #{key} was removed after sign-off")
                continue
            now = audit.snapshot(record)
            changed = sorted(
                f for f, v in snapshot.items() if f not in UNSIGNED_FIELDS and now.get(f, v) != v
            )
            if changed:
                problems.append(f"{label}: record #{key} changed after sign-off ({', '.join(changed)})")
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
) -> Signoff:
    """Write the sign-off row with its snapshot (no checks: ``SignoffService.sign`` does those)."""
    records = {str(r.id): audit.snapshot(r) for r in _records_in(session, area, first, last)}
    blob = _canonical(records)
    signed = Signoff(
        area=area,
        period_start=first,
        period_end=last,
        signed_at=(signed_at or utcnow()).replace(microsecond=0),
        signed_by=signed_by,
        signer_name=signer_name,
        statement=statement,
        record_count=len(records),
        records=blob,
        records_sha256=_sha256(blob),
    )
    session.add(signed)
    session.flush()
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
            )
            after = audit.snapshot(signed)
            after.pop("records", None)  # the snapshot is long; its hash is in records_sha256
            audit.record(
                session,
                actor=self.actor,
                action="sign_off",
                entity="signoffs",
                entity_id=signed.id,
                summary=f"{area.label} {first} to {last} signed off ({signed.record_count} records)",
                after=after,
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
