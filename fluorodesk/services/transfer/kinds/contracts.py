"""Contracts in spreadsheets, filed through the contract service's own operations (the contract
dialog's draft, checks and audit events).

A row is one contract, known by its party and start date. The ``clauses`` cell lists the clause keys
the contract contains; the other clauses of its checklist are marked missing (a clause recorded as not
applicable stays so). ``terminated_on`` records the contract's end as Terminate… does. Blank cells keep
what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import Agency, ClauseDefinition, Contract, ContractClauseCheck, ProcedureType
from fluorodesk.domain.enums import ClauseStatus, ContractParty, RenewalType
from fluorodesk.services.base import existing
from fluorodesk.services.contracts.drafts import ClauseEntry, ContractDraft, contract_draft
from fluorodesk.services.contracts.loading import load_clause_definitions
from fluorodesk.services.transfer.cells import as_date, as_member
from fluorodesk.services.transfer.framework import NEW, UNCHANGED, UPDATE, Col, Kind, Outcome, RowProblem

# The technician lookups move to kinds/lookups.py (technicians work); import them from there once they do.
from fluorodesk.services.transfer.kinds.lookups import People, tech_reference

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


def _keys(cell: str) -> list[str]:
    """Clause keys or CPT codes joined by ``;`` (blank entries ignored)."""
    return [k.strip() for k in (cell or "").split(";") if k.strip()]


@dataclass
class Lookups:
    """What the rows refer to, by the names a file uses."""

    people: People
    agencies: dict[str, tuple[int, str]]  # lower-case name -> (id, name)
    clauses: dict[str, int]  # key -> id
    procedures: dict[str, int]  # CPT code -> id
    contracts: dict[tuple[str, int | None, date], int]  # (party type, party id, start) -> id


class ContractsKind(Kind):
    name = "contracts"
    description = "contracts with agencies and freelance technicians"
    columns = (
        Col("party", True),
        Col("starts_on", True, as_date),
        Col("ends_on", parse=as_date),
        Col("signed_on", parse=as_date),
        Col("renewal", parse=lambda cell: as_member(cell, RenewalType)),
        Col("clauses"),
        Col("title"),
        Col("clinic_signatory"),
        Col("party_signatory"),
        Col("procedures"),
        Col("terminated_on", parse=as_date),
        Col("termination_reason"),
    )
    field_columns = {
        "party_type": "party",
        "effective_on": "starts_on",
        "expires_on": "ends_on",
        "renewal_type": "renewal",
        "procedure_ids": "procedures",
    }

    def prepare(self, session: Session, services: Services) -> Lookups:
        contracts = session.execute(
            select(
                Contract.id,
                Contract.party_type,
                Contract.agency_id,
                Contract.technician_id,
                Contract.effective_on,
            )
        )
        return Lookups(
            People.load(session),
            {
                name.lower(): (agency_id, name)
                for agency_id, name in session.execute(select(Agency.id, Agency.name))
            },
            {
                key: clause_id
                for clause_id, key in session.execute(select(ClauseDefinition.id, ClauseDefinition.key))
            },
            {
                code.upper(): pid
                for pid, code in session.execute(select(ProcedureType.id, ProcedureType.cpt_code))
            },
            {(kind.value, agency or tech, start): cid for cid, kind, agency, tech, start in contracts},
        )

    def apply(self, session: Session, services: Services, v: dict[str, Any], ids: Lookups) -> Outcome:
        party_type, party_id, party = self._party(v["party"], ids)
        key = (party_type.value, party_id, v["starts_on"])
        label = f"contract with {party} from {v['starts_on']}"
        clause_ids = self._clause_ids(v["clauses"], ids)
        given: dict[str, Any] = {
            name: value
            for name, value in (
                ("title", v["title"]),
                ("expires_on", v["ends_on"]),
                ("signed_on", v["signed_on"]),
                ("renewal_type", v["renewal"]),
                ("clinic_signatory", v["clinic_signatory"]),
                ("party_signatory", v["party_signatory"]),
                ("procedure_ids", self._procedure_ids(v["procedures"], ids)),
            )
            if value not in (None, "", ())  # blanks keep what is stored
        }
        contract_id = ids.contracts.get(key)
        if contract_id is None:
            draft = ContractDraft(
                party_type=party_type,
                agency_id=party_id if party_type is ContractParty.AGENCY else None,
                technician_id=party_id if party_type is ContractParty.TECHNICIAN else None,
                effective_on=v["starts_on"],
                clauses=tuple(ClauseEntry(clause_id, ClauseStatus.PRESENT) for clause_id in clause_ids),
                **given,
            )
            ended = (v["terminated_on"], v["termination_reason"])
            contract = services.contracts.create_in(session, draft, ended=ended if any(ended) else None)
            ids.contracts[key] = contract.id
            return Outcome(NEW, key, label)
        contract = existing(session, Contract, contract_id, "contract")
        stored = contract_draft(contract, load_clause_definitions(session))
        wanted = replace(stored, **given)
        if clause_ids:
            wanted = replace(wanted, clauses=_marked_present(stored.clauses, clause_ids))
        changes = self._changes(stored, wanted, v)
        if wanted != stored:
            services.contracts.update_in(session, contract_id, wanted)
        ends = v["terminated_on"]
        if ends is not None and ends != contract.terminated_on:  # a different end is refused by the service
            services.contracts.terminate_in(session, contract_id, ends, v["termination_reason"])
            changes += (f"terminated_on → {ends}",)
        return Outcome(UPDATE if changes else UNCHANGED, key, label, changes)

    @staticmethod
    def _party(reference: str, ids: Lookups) -> tuple[ContractParty, int, str]:
        """The agency named ``reference``, or else the technician it names."""
        agency = ids.agencies.get(reference.strip().lower())
        if agency is not None:
            return ContractParty.AGENCY, agency[0], agency[1]
        try:
            tech = ids.people.find(reference, "party")
        except RowProblem as exc:
            if ids.people.by_name.get(" ".join(reference.lower().split())):
                raise  # a name several technicians share: its own message
            raise RowProblem(
                "party",
                f"no agency or technician “{reference.strip()}” on file (give the agency's name, "
                "or the technician's e-mail, ARRT ID or “First Last”)",
            ) from exc
        return ContractParty.TECHNICIAN, tech.id, tech.full_name

    @staticmethod
    def _clause_ids(cell: str, ids: Lookups) -> list[int]:
        keys = _keys(cell)
        unknown = [k for k in keys if k not in ids.clauses]
        if unknown:
            word = "key" if len(unknown) == 1 else "keys"
            raise RowProblem(
                "clauses", f"unknown clause {word} {', '.join(unknown)}; known: {', '.join(ids.clauses)}"
            )
        return [ids.clauses[k] for k in keys]

    @staticmethod
    def _procedure_ids(cell: str, ids: Lookups) -> tuple[int, ...]:
        codes = _keys(cell)
        unknown = [c for c in codes if c.upper() not in ids.procedures]
        if unknown:
            raise RowProblem("procedures", f"no procedure with the CPT code {', '.join(unknown)}")
        return tuple(sorted({ids.procedures[c.upper()] for c in codes}))

    def _changes(self, stored: ContractDraft, wanted: ContractDraft, v: dict[str, Any]) -> tuple[str, ...]:
        plain = ("title", "expires_on", "signed_on", "renewal_type", "clinic_signatory", "party_signatory")
        changes = self.changes({n: getattr(stored, n) for n in plain}, {n: getattr(wanted, n) for n in plain})
        if wanted.clauses != stored.clauses:
            changes += (f"clauses → {v['clauses']}",)
        if wanted.procedure_ids != stored.procedure_ids:
            changes += (f"procedures → {v['procedures']}",)
        return changes

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        contracts = session.scalars(
            select(Contract)
            .options(
                selectinload(Contract.agency),
                selectinload(Contract.technician),
                selectinload(Contract.clause_checks).selectinload(ContractClauseCheck.clause),
                selectinload(Contract.procedures),
            )
            .order_by(Contract.effective_on, Contract.id)
        )
        codes = {pid: code for pid, code in session.execute(select(ProcedureType.id, ProcedureType.cpt_code))}
        for c in contracts:
            yield [
                c.agency.name if c.agency else tech_reference(c.technician),
                c.effective_on,
                c.expires_on,
                c.signed_on,
                c.renewal_type.value,
                ";".join(k.clause.key for k in c.clause_checks if k.status is ClauseStatus.PRESENT),
                c.title,
                c.clinic_signatory,
                c.party_signatory,
                ";".join(sorted(codes[p.procedure_type_id] for p in c.procedures)),
                c.terminated_on,
                c.termination_reason,
            ]


def _marked_present(entries: tuple[ClauseEntry, ...], present: list[int]) -> tuple[ClauseEntry, ...]:
    """The checklist with the file's clauses present, the others present before now missing (a clause
    recorded as not applicable keeps its decision unless the file lists it)."""
    out = []
    for entry in entries:
        if entry.clause_id in present:
            entry = replace(entry, status=ClauseStatus.PRESENT)
        elif entry.status is ClauseStatus.PRESENT:
            entry = replace(entry, status=ClauseStatus.MISSING)
        out.append(entry)
    listed = {e.clause_id for e in entries}
    out.extend(
        ClauseEntry(clause_id, ClauseStatus.PRESENT) for clause_id in present if clause_id not in listed
    )
    return tuple(out)
