"""Reading technicians from the database and turning them into the rows the tab and the packet show
(each through the rules of ``rules``, as of the date asked)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import CeActivity, Credential, Technician
from fluorodesk.domain.ce import CeEntry
from fluorodesk.domain.credentials import CredentialFacts, CredentialState, CredentialStatus, effective_record
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.attachments import counts_by_purpose
from fluorodesk.services.technicians.rows import (
    CredentialLine,
    TechnicianFile,
    TechnicianRow,
    ce_row,
    credential_record,
    exemption_row,
)
from fluorodesk.services.technicians.rules import (
    Facts,
    credential_facts,
    evaluate_ce,
    evaluate_technician,
    open_exemptions,
    required_types,
)


def load_technicians(
    session: Session,
    *,
    include_retired: bool = True,
    ids: Sequence[int] | None = None,
    credentials: bool = True,
    ce: bool = False,
) -> Sequence[Technician]:
    """Technicians by name with their exemptions and agency, their credentials (unless
    ``credentials=False``: a list takes their facts from ``facts_by_technician``) and their CE
    activities (``ce``)."""
    options = [selectinload(Technician.exemptions), selectinload(Technician.agency)]
    if credentials:
        options.append(selectinload(Technician.credentials))
    if ce:
        options.append(selectinload(Technician.ce_activities))
    stmt = (
        select(Technician)
        .options(*options)
        .order_by(Technician.last_name, Technician.first_name, Technician.id)
    )
    if not include_retired:
        stmt = stmt.where(Technician.retired_on.is_(None))
    if ids is not None:
        stmt = stmt.where(Technician.id.in_(list(ids)))
    return session.scalars(stmt).all()


def facts_by_technician(session: Session) -> dict[int, Facts]:
    """Every technician's live (not voided) credentials as the rules' facts, by type in record order.

    A Core query: a list asks only where each technician stands, and building ORM objects for ten
    years of credential records was half the Technicians tab's first open.
    """
    stmt = (
        select(
            Credential.technician_id,
            Credential.type,
            Credential.issued_on,
            Credential.expires_on,
            Credential.verified_on,
            Credential.result,
            Credential.id,
        )
        .where(Credential.voided_at.is_(None))
        .order_by(Credential.id)
    )
    out: dict[int, Facts] = defaultdict(dict)
    for tech_id, ctype, issued, expires, verified, result, cred_id in session.execute(stmt):
        out[tech_id].setdefault(ctype, []).append(
            CredentialFacts(ctype, issued, expires, verified, result, cred_id)
        )
    return out


def ce_entries(session: Session, ids: Sequence[int] | None = None) -> dict[int, list[CeEntry]]:
    """Every technician's CE activities (not voided) as plain facts.

    A Core query: a roster of 30 technicians with years of CE is thousands of rows, and building ORM
    objects for them cost more than everything else in the roster together.
    """
    stmt = select(
        CeActivity.technician_id,
        CeActivity.completed_on,
        CeActivity.credits,
        CeActivity.fluoro_safety,
        CeActivity.digital_radiography,
    ).where(CeActivity.voided_at.is_(None))
    if ids is not None:
        stmt = stmt.where(CeActivity.technician_id.in_(list(ids)))
    out: dict[int, list[CeEntry]] = defaultdict(list)
    for tech_id, completed, credits, fluoro, digital in session.execute(stmt):
        out[tech_id].append(CeEntry(completed, credits, bool(fluoro), bool(digital)))
    return out


def to_row(
    tech: Technician,
    settings: ClinicSettings,
    as_of: date,
    entries: Sequence[CeEntry] | None = None,
    facts: Facts | None = None,
) -> TechnicianRow:
    """``tech``'s row on ``as_of`` (``entries`` and ``facts``: from ``ce_entries`` and
    ``facts_by_technician``, or else from the technician's loaded records)."""
    facts = credential_facts(tech) if facts is None else facts
    statuses, ready = evaluate_technician(tech, settings, as_of, facts)
    return TechnicianRow(
        id=tech.id,
        first_name=tech.first_name,
        last_name=tech.last_name,
        employment_type=tech.employment_type,
        agency=tech.agency.name if tech.agency else "",
        arrt_id=tech.arrt_id or "",
        email=tech.email,
        phone=tech.phone,
        start_date=tech.start_date,
        retired_on=tech.retired_on,
        readiness=ready,
        statuses=statuses,
        agency_id=tech.agency_id,
        birth_month=tech.birth_month,
        ce_biennium_start=tech.ce_biennium_start,
        notes=tech.notes,
        retired_reason=tech.retired_reason,
        ce=evaluate_ce(tech, settings, as_of, entries, facts),
    )


def technician_files(
    session: Session, techs: Sequence[Technician], settings: ClinicSettings, as_of: date
) -> list[TechnicianFile]:
    """Each technician's file as of ``as_of`` (their CE activities are read here if not loaded;
    the files' attachment counts in two queries for all of them)."""
    credentials = counts_by_purpose(session, "credential", [c.id for t in techs for c in t.credentials])
    activities = counts_by_purpose(session, "ce_activity", [a.id for t in techs for a in t.ce_activities])
    return [_file(t, settings, as_of, credentials, activities) for t in techs]


def technician_file(
    session: Session, tech: Technician, settings: ClinicSettings, as_of: date
) -> TechnicianFile:
    return technician_files(session, [tech], settings, as_of)[0]


def _file(
    tech: Technician,
    settings: ClinicSettings,
    as_of: date,
    credential_counts: dict[tuple[int, str], int],
    ce_counts: dict[tuple[int, str], int],
) -> TechnicianFile:
    row = to_row(tech, settings, as_of)
    required = set(required_types(settings))
    exempt = open_exemptions(tech, as_of)
    records = {c.id: credential_record(c, credential_counts) for c in tech.credentials}
    by_type = credential_facts(tech)
    effective_ids: set[int] = set()
    lines = []
    for status in row.statuses:
        current = effective_record(by_type.get(status.type, []), as_of)
        record = records.get(current.record_id) if current and current.record_id else None
        if record is not None:
            effective_ids.add(record.id)
        ex = exempt.get(status.type)
        lines.append(
            CredentialLine(
                status.type,
                status,
                status.type in required,
                record,
                exemption_row(ex) if ex is not None else None,
            )
        )
    history = []
    status_of = {s.type: s for s in row.statuses}
    for cred in sorted(tech.credentials, key=lambda c: (c.issued_on or date.min, c.id), reverse=True):
        if cred.voided_at is not None:
            note = "Voided" + (f": {cred.void_reason}" if cred.void_reason else "")
        elif cred.id in effective_ids:
            note = ""
        elif cred.issued_on is not None and cred.issued_on > as_of:
            note = f"Not in force until {cred.issued_on.isoformat()}"
        else:
            note = "Superseded by a newer record"
        status = status_of.get(cred.type) or CredentialStatus(cred.type, CredentialState.NOT_APPLICABLE)
        history.append(CredentialLine(cred.type, status, cred.type in required, records[cred.id], None, note))
    activities = tuple(
        ce_row(a, row.ce, ce_counts, as_of)
        for a in sorted(tech.ce_activities, key=lambda a: (a.completed_on, a.id), reverse=True)
    )
    return TechnicianFile(
        row=row,
        as_of=as_of,
        lines=tuple(lines),
        records=tuple(history),
        ce_activities=activities,
        exemptions=tuple(exemption_row(e) for e in sorted(tech.exemptions, key=lambda e: e.id)),
    )
