"""Agencies, technicians and their credentials in spreadsheets, filed through the agency, technician
and credential services' own operations (the forms' rules, messages and audit events)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Agency, Credential, Technician
from fluorodesk.domain.enums import CredentialType, EmploymentType
from fluorodesk.errors import ValidationError
from fluorodesk.services.agencies import AgencyDraft, agency_draft
from fluorodesk.services.credentials import VerificationDraft
from fluorodesk.services.technicians.checks import normalise_arrt_id
from fluorodesk.services.technicians.rows import (
    CredentialDraft,
    TechnicianDraft,
    credential_draft,
    technician_draft,
)
from fluorodesk.services.transfer.cells import CellError, as_bool, as_date, as_member, text
from fluorodesk.services.transfer.framework import (
    NEW,
    UNCHANGED,
    UPDATE,
    Col,
    Kind,
    Outcome,
    RowProblem,
    yes_no,
)
from fluorodesk.services.transfer.kinds.lookups import People, tech_reference

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


def _given(cells: dict[str, Any]) -> dict[str, Any]:
    """The cells that say something (blank cells never erase stored values)."""
    return {name: value for name, value in cells.items() if value not in (None, "")}


# --------------------------------------------------------------------------- agencies


class AgenciesKind(Kind):
    name = "agencies"
    description = "staffing agencies"
    columns = (
        Col("name", True),
        Col("contact_name"),
        Col("phone"),
        Col("email"),
        Col("address"),
        Col("notes"),
        Col("active", parse=as_bool),
    )

    def prepare(self, session: Session, services: Services) -> dict[str, int]:
        return {
            name.lower(): agency_id for agency_id, name in session.execute(select(Agency.id, Agency.name))
        }

    def apply(self, session: Session, services: Services, v: dict[str, Any], ids: dict[str, int]) -> Outcome:
        key = ("agency", v["name"].lower())
        label = f"agency {v['name']}"
        given = _given({name: v[name] for name in ("contact_name", "phone", "email", "address", "notes")})
        agency_id = ids.get(v["name"].lower())
        if agency_id is None:
            agency = services.agencies.create_in(session, AgencyDraft(name=v["name"], **given))
            if v["active"] is False:
                services.agencies.set_active_in(session, agency.id, False)
            ids[v["name"].lower()] = agency.id
            return Outcome(NEW, key, label)
        agency = session.get(Agency, agency_id)
        stored = agency_draft(agency)
        wanted = replace(stored, **given)
        changes = self.changes(vars(stored), vars(wanted))
        if wanted != stored:
            services.agencies.update_in(session, agency_id, wanted)
        if v["active"] is not None and v["active"] is not agency.active:
            changes += (f"active → {yes_no(v['active'])}",)
            services.agencies.set_active_in(session, agency_id, v["active"])
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        for a in session.scalars(select(Agency).order_by(Agency.name)):
            yield [a.name, a.contact_name, a.phone, a.email, a.address, a.notes, yes_no(a.active)]


# --------------------------------------------------------------------------- technicians


@dataclass
class RosterLookups:
    people: People
    agencies: dict[str, Agency]  # by lower-case name


class TechniciansKind(Kind):
    name = "technicians"
    description = "the roster"
    columns = (
        Col("first_name", True),
        Col("last_name", True),
        Col("email"),
        Col("phone"),
        Col("employment_type", parse=lambda cell: as_member(cell, EmploymentType)),
        Col("agency"),
        Col("arrt_id"),
        Col("notes"),
    )
    field_columns = {"agency_id": "agency"}

    def prepare(self, session: Session, services: Services) -> RosterLookups:
        agencies = {a.name.lower(): a for a in session.scalars(select(Agency))}
        return RosterLookups(People.load(session), agencies)

    def apply(self, session: Session, services: Services, v: dict[str, Any], ctx: RosterLookups) -> Outcome:
        people = ctx.people
        label = f"{v['first_name']} {v['last_name']}"
        email, arrt_id = v["email"], normalise_arrt_id(v["arrt_id"])
        tech = (people.by_arrt.get(arrt_id) if arrt_id else None) or (
            people.by_email.get(email.lower()) if email else None
        )
        if tech is None and not arrt_id and not email:
            named = people.by_name.get(label.lower(), [])
            tech = named[0] if len(named) == 1 else None
        key = ("technician", arrt_id or email.lower() or label.lower())
        given = _given(
            {
                "first_name": v["first_name"],
                "last_name": v["last_name"],
                "email": email,
                "phone": v["phone"],
                "employment_type": v["employment_type"],
                "arrt_id": v["arrt_id"],
                "notes": v["notes"],
            }
        )
        if v["agency"]:
            given["agency_id"] = self._agency_id(session, services, v["agency"], ctx.agencies)
            given.setdefault("employment_type", EmploymentType.AGENCY)  # the row names who supplies them
        elif v["employment_type"] not in (None, EmploymentType.AGENCY):
            given["agency_id"] = None  # no longer through an agency, as the row says
        if tech is None:
            tech = services.technicians.create_in(session, TechnicianDraft(**given))
            people.add(tech)
            return Outcome(NEW, key, label)
        stored = technician_draft(tech)
        wanted = replace(stored, **given)
        changes = self.changes(vars(stored), {k: v for k, v in vars(wanted).items() if k != "agency_id"})
        if wanted.agency_id != stored.agency_id:
            changes += (f"agency → {v['agency'] or 'none'}",)
        if wanted != stored:
            services.technicians.update_in(session, tech.id, wanted)
            people.add(tech)
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    @staticmethod
    def _agency_id(session: Session, services: Services, name: str, agencies: dict[str, Agency]) -> int:
        """The agency called ``name`` (any case); one not on file yet is added, as the Agencies window
        would add it (one added by a row that was then taken back is gone: added again)."""
        found = agencies.get(name.lower())
        if found is not None and inspect(found).persistent:
            return found.id
        try:
            agency = services.agencies.create_in(session, AgencyDraft(name=name))
        except ValidationError as exc:
            raise RowProblem("agency", "; ".join(exc.fields.values()) or str(exc)) from None
        agencies[name.lower()] = agency
        return agency.id

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        techs = session.scalars(
            select(Technician).options(selectinload(Technician.agency)).order_by(Technician.last_name)
        )
        for t in techs:
            yield [
                t.first_name,
                t.last_name,
                t.email,
                t.phone,
                t.employment_type.value,
                t.agency.name if t.agency else "",
                t.arrt_id or "",
                t.notes,
            ]


# --------------------------------------------------------------------------- credentials

IMPORTED_VERIFICATION = "as recorded in the imported spreadsheet"

#: The types a spreadsheet may hold (a dosimeter badge and "other" are kept in the app).
IMPORTABLE_TYPES = tuple(
    t for t in CredentialType if t not in (CredentialType.OTHER, CredentialType.DOSIMETER_BADGE)
)


def as_credential_type(cell: Any) -> CredentialType | None:
    """The credential type named by its stored value or the words the window shows, in any case."""
    ctype = as_member(cell, CredentialType)
    if ctype is not None and ctype not in IMPORTABLE_TYPES:
        raise CellError(f"“{text(cell)}” is not one of: {', '.join(t.label for t in IMPORTABLE_TYPES)}")
    return ctype


@dataclass
class CredentialLookups:
    people: People
    existing: dict[tuple, int]  # (technician id, type, issued on, number) -> credential id


class CredentialsKind(Kind):
    name = "credentials"
    description = "licences, certifications and HR items"
    columns = (
        Col("technician", True),
        Col("type", True, as_credential_type),
        Col("number"),
        Col("issuer"),
        Col("issued_on", parse=as_date),
        Col("expires_on", parse=as_date),
        Col("verified_on", parse=as_date),
        Col("verified_by"),
        Col("result"),  # optional: exclusion check clear/excluded, TB result (the dialog requires them)
        Col("verification_method"),  # optional: how it was verified (default: the spreadsheet's word)
    )

    def prepare(self, session: Session, services: Services) -> CredentialLookups:
        stored = session.execute(
            select(
                Credential.id,
                Credential.technician_id,
                Credential.type,
                Credential.issued_on,
                Credential.number,
            ).where(Credential.voided_at.is_(None))
        )
        existing = {(tech_id, ctype, issued, number): cid for cid, tech_id, ctype, issued, number in stored}
        return CredentialLookups(People.load(session), existing)

    def apply(
        self, session: Session, services: Services, v: dict[str, Any], ctx: CredentialLookups
    ) -> Outcome:
        tech = ctx.people.find(v["technician"])
        ctype: CredentialType = v["type"]
        key = (tech.id, ctype, v["issued_on"], v["number"])
        label = f"{ctype.label} of {tech.full_name}"
        details = _given({"issuer": v["issuer"], "expires_on": v["expires_on"], "result": v["result"]})
        verification = _given(
            {
                "verified_on": v["verified_on"],
                "verified_by": v["verified_by"],
                "verification_method": v["verification_method"],
            }
        )
        credential_id = ctx.existing.get(key)
        if credential_id is None:
            if v["verified_on"] is not None:
                verification.setdefault("verification_method", IMPORTED_VERIFICATION)
            draft = CredentialDraft(
                tech.id, ctype, number=v["number"], issued_on=v["issued_on"], **details, **verification
            )
            ctx.existing[key] = services.credentials.add_in(session, draft).id
            return Outcome(NEW, key, label)
        stored = credential_draft(session.get(Credential, credential_id))
        if v["verified_on"] is not None and stored.verified_on is None:
            verification.setdefault("verification_method", IMPORTED_VERIFICATION)
        wanted = replace(stored, **details)
        verified = replace(stored, **verification)
        changes = self.changes(vars(stored), vars(wanted)) + self.changes(vars(stored), vars(verified))
        if wanted != stored:
            services.credentials.update_in(session, credential_id, wanted)
        if verified != stored:
            services.credentials.record_verification_in(
                session,
                credential_id,
                VerificationDraft(
                    verified.verified_on,
                    verified.verified_by,
                    verified.verification_method,
                    verified.verification_reference,
                ),
            )
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        creds = session.scalars(
            select(Credential)
            .where(Credential.voided_at.is_(None), Credential.type.in_(IMPORTABLE_TYPES))
            .options(selectinload(Credential.technician))
            .order_by(Credential.id)
        )
        for c in creds:
            yield [
                tech_reference(c.technician),
                c.type.value,
                c.number,
                c.issuer,
                c.issued_on,
                c.expires_on,
                c.verified_on,
                c.verified_by,
                c.result,
                c.verification_method,
            ]
