"""Read-only queries the audit packet needs that no capability service offers (yet).

Each function takes the packet's one read session (a consistent snapshot), honours ``as_of``
(nothing dated after it counts, so a packet for a past date is reproducible) and returns frozen
rows, never live ORM objects.  (The packet's dose and dosimetry sections read through those
services' own functions; what stays here has no service of its own.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import (
    Attachment,
    Contract,
    Credential,
    ExposureCheck,
    FluoroUnit,
    Garment,
    GarmentInspection,
    Meter,
    MeterCalibration,
    PhysicistSurvey,
    Technician,
)
from fluorodesk.domain.garments import garment_name
from fluorodesk.services.integrity import check_attachment


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def voided_by(voided_at: datetime | None, as_of: date) -> bool:
    """A record voided after ``as_of`` still counted on ``as_of``."""
    return voided_at is not None and voided_at.date() <= as_of


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class DocumentOnFile:
    id: int
    owner_type: str
    owner_id: int
    purpose: str
    name: str
    media_type: str
    path: Path  # absolute
    sha256: str
    size_bytes: int
    added_at: datetime
    added_by: str
    problem: str | None  # None, "missing" or "altered (...)"


def documents_on_file(
    session: Session, root: Path, as_of: date, *, verify: bool = True
) -> list[DocumentOnFile]:
    """Attachments that were on file on ``as_of`` (added by then, not removed by then), each checked
    against its SHA-256 unless ``verify`` is false."""
    rows = session.scalars(
        select(Attachment).order_by(Attachment.owner_type, Attachment.owner_id, Attachment.id)
    )
    out = []
    for att in rows:
        added = _day(att.added_at)
        if added is not None and added > as_of:
            continue
        removed = _day(att.removed_at)
        if removed is not None and removed <= as_of:
            continue
        out.append(
            DocumentOnFile(
                id=att.id,
                owner_type=att.owner_type,
                owner_id=att.owner_id,
                purpose=att.purpose,
                name=att.original_name,
                media_type=att.media_type,
                path=root / att.stored_path,
                sha256=att.sha256,
                size_bytes=att.size_bytes,
                added_at=att.added_at,
                added_by=att.added_by,
                problem=check_attachment(root, att) if verify else None,
            )
        )
    return out


def owner_labels(session: Session, docs: Sequence[DocumentOnFile]) -> dict[tuple[str, int], str]:
    """What each document belongs to, in words ("Maria Alvarez: BLS"), for the owner types the
    app uses; an unknown type reads "<type> #<id>"."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for doc in docs:
        wanted[doc.owner_type].add(doc.owner_id)
    labels: dict[tuple[str, int], str] = {}
    for owner_type, ids in wanted.items():
        describe = _DESCRIBERS.get(owner_type)
        found = describe(session, ids) if describe else {}
        for owner_id in ids:
            labels[(owner_type, owner_id)] = found.get(owner_id) or (
                f"{owner_type.replace('_', ' ').capitalize()} #{owner_id}"
                + (" (record no longer exists)" if describe else "")
            )
    return labels


def _credentials(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(Credential.id, Credential.type, Technician.first_name, Technician.last_name)
        .join(Technician, Technician.id == Credential.technician_id)
        .where(Credential.id.in_(ids))
    )
    return {cid: f"{first} {last}: {ctype.label}" for cid, ctype, first, last in rows}


def _technicians(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(Technician.id, Technician.first_name, Technician.last_name).where(Technician.id.in_(ids))
    )
    return {tid: f"{first} {last}" for tid, first, last in rows}


def _contracts(session: Session, ids: set[int]) -> dict[int, str]:
    from fluorodesk.services.contracts.loading import party_name

    rows = session.scalars(select(Contract).where(Contract.id.in_(ids)))
    return {c.id: f"Contract with {party_name(c)} ({c.effective_on.isoformat()})" for c in rows}


def _garments(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Garment.id, Garment.type, Garment.code).where(Garment.id.in_(ids)))
    return {gid: garment_name(kind, code) for gid, kind, code in rows}


def _inspections(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(GarmentInspection.id, GarmentInspection.inspected_on, Garment.code)
        .join(Garment, Garment.id == GarmentInspection.garment_id)
        .where(GarmentInspection.id.in_(ids))
    )
    return {iid: f"Inspection of {code} on {day.isoformat()}" for iid, day, code in rows}


def _units(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(FluoroUnit.id, FluoroUnit.code, FluoroUnit.name).where(FluoroUnit.id.in_(ids))
    )
    return {uid: f"{code} {name}" for uid, code, name in rows}


def _surveys(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(PhysicistSurvey.id, PhysicistSurvey.surveyed_on, FluoroUnit.code)
        .join(FluoroUnit, FluoroUnit.id == PhysicistSurvey.unit_id)
        .where(PhysicistSurvey.id.in_(ids))
    )
    return {sid: f"Physicist survey of {code} on {day.isoformat()}" for sid, day, code in rows}


def _meters(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Meter.id, Meter.name).where(Meter.id.in_(ids)))
    return {mid: f"Meter {name}" for mid, name in rows}


def _calibrations(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(MeterCalibration.id, MeterCalibration.calibrated_on, Meter.name)
        .join(Meter, Meter.id == MeterCalibration.meter_id)
        .where(MeterCalibration.id.in_(ids))
    )
    return {cid: f"Calibration of {name} on {day.isoformat()}" for cid, day, name in rows}


def _checks(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(ExposureCheck.id, ExposureCheck.checked_on, FluoroUnit.code)
        .join(FluoroUnit, FluoroUnit.id == ExposureCheck.unit_id)
        .where(ExposureCheck.id.in_(ids))
    )
    return {cid: f"Exposure check of {code} on {day.isoformat()}" for cid, day, code in rows}


_DESCRIBERS = {
    "credential": _credentials,
    "technician": _technicians,
    "contract": _contracts,
    "garment": _garments,
    "inspection": _inspections,
    "garment_inspection": _inspections,
    "fluoro_unit": _units,
    "unit": _units,
    "survey": _surveys,
    "physicist_survey": _surveys,
    "meter": _meters,
    "meter_calibration": _calibrations,
    "calibration": _calibrations,
    "exposure_check": _checks,
}




# --------------------------------------------------------------------------- reference data


def procedure_types(session: Session) -> dict[int, tuple[str, str]]:
    """CPT code and name of every procedure type, by id."""
    from fluorodesk.db.models import ProcedureType

    return {p.id: (p.cpt_code, p.name) for p in session.scalars(select(ProcedureType))}
