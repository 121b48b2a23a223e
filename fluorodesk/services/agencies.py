"""Agencies: the staffing vendors that supply technicians, their contacts, and who they supply.

An agency technician works under the agency's contract; a freelance technician contracts directly.
Agencies are deactivated, never deleted: their contracts and technicians keep pointing at them.
Each change is one operation taking the caller's write transaction (``*_in``): the dialog's own, or
an import's (which also adds the agency a technician row names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Agency, AgencyContact
from fluorodesk.domain.contracts import ContractState
from fluorodesk.domain.text import clean, looks_like_email
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.contracts.loading import ContractFacts, contract_facts, load_contracts

#: The longest text each field of the agency form takes (as the database declares it).
_LIMITS = {"name": 160, "contact_name": 120, "phone": 40, "email": 160}


@dataclass(frozen=True)
class ContactDraft:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""
    id: int | None = None  # an existing contact being edited


@dataclass(frozen=True)
class AgencyDraft:
    name: str
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    contacts: tuple[ContactDraft, ...] = ()


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class SuppliedTechnician:
    id: int
    name: str
    employment: str
    retired_on: date | None


@dataclass(frozen=True)
class AgencyContractLine:
    id: int
    title: str
    status: str
    current: bool


@dataclass(frozen=True)
class AgencyRow:
    id: int
    name: str
    contact_name: str
    phone: str
    email: str
    address: str
    notes: str
    active: bool
    technicians: tuple[str, ...]  # active (not retired) technicians it supplies
    contract_status: str  # the current contract in words, or "No contract"
    contract_in_force: bool


@dataclass(frozen=True)
class AgencyDetail:
    row: AgencyRow
    contacts: tuple[ContactRow, ...]
    technicians: tuple[SuppliedTechnician, ...]  # retired ones too, marked
    contracts: tuple[AgencyContractLine, ...]  # newest first


def agency_draft(agency: Agency) -> AgencyDraft:
    """The draft that would file ``agency`` as stored, its contacts included (an edit starts from it)."""
    return AgencyDraft(
        name=agency.name,
        contact_name=agency.contact_name,
        phone=agency.phone,
        email=agency.email,
        address=agency.address,
        notes=agency.notes,
        contacts=tuple(ContactDraft(c.name, c.role, c.phone, c.email, c.id) for c in agency.contacts),
    )


def _email_problem(email: str) -> str | None:
    if email and not looks_like_email(email):
        return f"“{email}” is not an e-mail address."
    return None


def _current_facts(facts: Sequence[ContractFacts]) -> ContractFacts | None:
    """The contract that describes the agency today: in force first, then pending or unsigned, else newest."""
    order = {ContractState.IN_FORCE: 0, ContractState.PENDING: 1, ContractState.UNSIGNED: 2}
    current = [f for f in facts if f.state in order]
    if current:
        return min(current, key=lambda f: (order[f.state], -f.contract.effective_on.toordinal()))
    return max(facts, key=lambda f: f.contract.effective_on) if facts else None


def _row(agency: Agency, facts: Sequence[ContractFacts], as_of: date) -> AgencyRow:
    mine = [f for f in facts if f.contract.agency_id == agency.id]
    current = _current_facts(mine)
    techs = tuple(
        t.full_name
        for t in sorted(agency.technicians, key=lambda t: (t.last_name, t.first_name))
        if t.retired_on is None or t.retired_on > as_of
    )
    return AgencyRow(
        id=agency.id,
        name=agency.name,
        contact_name=agency.contact_name,
        phone=agency.phone,
        email=agency.email,
        address=agency.address,
        notes=agency.notes,
        active=agency.active,
        technicians=techs,
        contract_status=current.status if current else "No contract",
        contract_in_force=current is not None and current.state is ContractState.IN_FORCE,
    )


def _load(session: Session, *, include_inactive: bool) -> Sequence[Agency]:
    stmt = (
        select(Agency)
        .options(selectinload(Agency.technicians), selectinload(Agency.contacts))
        .order_by(func.lower(Agency.name))
    )
    if not include_inactive:
        stmt = stmt.where(Agency.active.is_(True))
    return session.scalars(stmt).all()


class AgencyService(Service):
    # ---- reading

    def list_rows(self, *, include_inactive: bool = False, as_of: date | None = None) -> list[AgencyRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            facts = contract_facts(session, load_contracts(session), as_of)
            return [_row(a, facts, as_of) for a in _load(session, include_inactive=include_inactive)]

    def choices(self, *, include_inactive: bool = False) -> list[tuple[int, str]]:
        with self.db.read() as session:
            stmt = select(Agency.id, Agency.name).order_by(func.lower(Agency.name))
            if not include_inactive:
                stmt = stmt.where(Agency.active.is_(True))
            return [(i, n) for i, n in session.execute(stmt)]

    def get(self, agency_id: int, *, as_of: date | None = None) -> AgencyDetail:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return self._detail(session, agency_id, as_of)

    def _detail(self, session: Session, agency_id: int, as_of: date) -> AgencyDetail:
        agency = existing(session, Agency, agency_id, "agency")
        contracts = load_contracts(session)
        facts = contract_facts(session, contracts, as_of)
        mine = sorted(
            (f for f in facts if f.contract.agency_id == agency.id),
            key=lambda f: f.contract.effective_on,
            reverse=True,
        )
        return AgencyDetail(
            row=_row(agency, facts, as_of),
            contacts=tuple(ContactRow(c.id, c.name, c.role, c.phone, c.email) for c in agency.contacts),
            technicians=tuple(
                SuppliedTechnician(t.id, t.full_name, t.employment_type.label, t.retired_on)
                for t in sorted(agency.technicians, key=lambda t: (t.last_name, t.first_name))
            ),
            contracts=tuple(
                AgencyContractLine(f.contract.id, f.contract.title, f.status, f.state.current) for f in mine
            ),
        )

    # ---- changing

    @staticmethod
    def _validated(draft: AgencyDraft) -> tuple[dict[str, str], list[ContactDraft]]:
        """The form's rules: every field's problem, and the contacts to keep (blank new rows dropped)."""
        values = {
            "name": clean(draft.name),
            "contact_name": clean(draft.contact_name),
            "phone": clean(draft.phone),
            "email": clean(draft.email),
            "address": (draft.address or "").strip(),
            "notes": (draft.notes or "").strip(),
        }
        errors: dict[str, str] = {}
        if not values["name"]:
            errors["name"] = "Enter the agency's name."
        problem = _email_problem(values["email"])
        if problem:
            errors["email"] = problem
        for name, limit in _LIMITS.items():
            if len(values[name]) > limit:
                errors[name] = f"At most {limit} characters."
        contacts: list[ContactDraft] = []
        for index, contact in enumerate(draft.contacts):
            cleaned = ContactDraft(
                clean(contact.name),
                clean(contact.role),
                clean(contact.phone),
                clean(contact.email),
                contact.id,
            )
            blank = not any((cleaned.name, cleaned.role, cleaned.phone, cleaned.email))
            if blank and contact.id is None:
                continue  # an empty row the user added and left blank
            if not cleaned.name:
                errors[f"contacts.{index}"] = "Enter the contact's name (or remove the row)."
            else:
                problem = _email_problem(cleaned.email) or next(
                    (
                        f"The contact's {what} is at most {limit} characters."
                        for what, value, limit in (
                            ("name", cleaned.name, 120),
                            ("role", cleaned.role, 80),
                            ("phone", cleaned.phone, 40),
                            ("e-mail", cleaned.email, 160),
                        )
                        if len(value) > limit
                    ),
                    None,
                )
                if problem:
                    errors[f"contacts.{index}"] = problem
            contacts.append(cleaned)
        if errors:
            raise ValidationError(fields=errors)
        return values, contacts

    def _check_name(self, session: Session, name: str, agency_id: int | None) -> None:
        stmt = select(Agency.id).where(func.lower(Agency.name) == name.lower())
        if agency_id is not None:
            stmt = stmt.where(Agency.id != agency_id)
        if session.scalar(stmt) is not None:
            raise ValidationError(fields={"name": f"Another agency is already called “{name}”."})

    def create_in(self, session: Session, draft: AgencyDraft) -> Agency:
        """Add an agency (active) with its contacts."""
        values, contacts = self._validated(draft)
        self._check_name(session, values["name"], None)
        agency = Agency(**values)
        self.stamp(agency, new=True)
        session.add(agency)
        audit.created(session, self.actor, "agencies", agency, f"Agency {agency.name} added")
        self._sync_contacts(session, agency, contacts)
        return agency

    def update_in(self, session: Session, agency_id: int, draft: AgencyDraft) -> Agency:
        """Change an agency's details and make its contacts those of the draft."""
        values, contacts = self._validated(draft)
        agency = existing(session, Agency, agency_id, "agency")
        self._check_name(session, values["name"], agency_id)
        before = audit.snapshot(agency)
        for key, value in values.items():
            setattr(agency, key, value)
        if audit.changed(session, self.actor, "agencies", agency, before, f"Agency {agency.name} changed"):
            self.stamp(agency)
        self._sync_contacts(session, agency, contacts)
        return agency

    def create(self, draft: AgencyDraft) -> AgencyDetail:
        with self.writing() as session:
            return self._detail(session, self.create_in(session, draft).id, self.today())

    def update(self, agency_id: int, draft: AgencyDraft) -> AgencyDetail:
        with self.writing() as session:
            return self._detail(session, self.update_in(session, agency_id, draft).id, self.today())

    def _sync_contacts(self, session: Session, agency: Agency, contacts: list[ContactDraft]) -> None:
        """Make the agency's contacts match the form: update by id, add new ones, remove the rest."""
        stored = {c.id: c for c in agency.contacts}
        kept: set[int] = set()
        for position, draft in enumerate(contacts):
            contact = stored.get(draft.id) if draft.id is not None else None
            if draft.id is not None and contact is None:
                raise ConflictError("A contact of this agency was changed elsewhere; close and reopen it.")
            if contact is None:
                contact = AgencyContact(
                    agency_id=agency.id,
                    name=draft.name,
                    role=draft.role,
                    phone=draft.phone,
                    email=draft.email,
                    position=position,
                )
                self.stamp(contact, new=True)
                session.add(contact)
                audit.created(
                    session,
                    self.actor,
                    "agency_contacts",
                    contact,
                    f"Contact {contact.name} added to {agency.name}",
                )
                continue
            kept.add(contact.id)
            before = audit.snapshot(contact)
            contact.name, contact.role = draft.name, draft.role
            contact.phone, contact.email, contact.position = draft.phone, draft.email, position
            summary = f"Contact {contact.name} of {agency.name} changed"
            if audit.changed(session, self.actor, "agency_contacts", contact, before, summary):
                self.stamp(contact)
        for contact_id, contact in stored.items():
            if contact_id in kept:
                continue
            # A contact person is not a regulated record; the audit event keeps every detail.
            audit.record(
                session,
                actor=self.actor,
                action="delete",
                entity="agency_contacts",
                entity_id=contact.id,
                summary=f"Contact {contact.name} removed from {agency.name}",
                before=audit.snapshot(contact),
            )
            session.delete(contact)
        session.flush()
        session.expire(agency, ["contacts"])

    def set_active_in(self, session: Session, agency_id: int, active: bool) -> Agency:
        """Deactivate (no longer offered for new contracts or technicians) or reactivate an agency."""
        agency = existing(session, Agency, agency_id, "agency")
        if agency.active is active:
            raise ConflictError(
                f"{agency.name} is already {'active' if active else 'deactivated'}; nothing changed."
            )
        before = audit.snapshot(agency)
        agency.active = active
        self.stamp(agency)
        audit.changed(
            session,
            self.actor,
            "agencies",
            agency,
            before,
            f"Agency {agency.name} {'reactivated' if active else 'deactivated'}",
            action="reactivate" if active else "deactivate",
        )
        return agency

    def set_active(self, agency_id: int, active: bool) -> AgencyRow:
        with self.writing() as session:
            return self._detail(session, self.set_active_in(session, agency_id, active).id, self.today()).row

    def deactivate(self, agency_id: int) -> AgencyRow:
        return self.set_active(agency_id, False)

    def reactivate(self, agency_id: int) -> AgencyRow:
        return self.set_active(agency_id, True)
