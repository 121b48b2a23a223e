"""Reading contracts: the queries, who a contract is with, and what is derived about each contract as of
a date (``ContractFacts``: state, status words, renewal chain), shared by the rows, the findings, the
packet and the agencies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    ClauseDefinition,
    Contract,
    ContractEvaluation,
    Technician,
)
from fluorodesk.domain.contracts import ContractState, ContractTerms, contract_state, status_words
from fluorodesk.domain.enums import ClauseStatus, ContractParty, RateBasis


def rate_words(amount: float | None, basis: RateBasis | None) -> str:
    if amount is None:
        return ""
    text = f"${amount:,.2f}"
    return f"{text} {basis.label.lower()}" if basis else text


def party_name(contract: Contract) -> str:
    if contract.party_type is ContractParty.AGENCY and contract.agency is not None:
        return contract.agency.name
    if contract.party_type is ContractParty.TECHNICIAN and contract.technician is not None:
        return contract.technician.full_name
    return "(no party)"


def applies(clause: ClauseDefinition, party_type: ContractParty) -> bool:
    return clause.applies_to in ("all", party_type.value)


def missing_required_clauses(contract: Contract, definitions: Sequence[ClauseDefinition]) -> list[str]:
    """Required active clauses for this kind of party not marked present or not applicable."""
    checks = {c.clause_id: c.status for c in contract.clause_checks}
    return [
        clause.title
        for clause in definitions
        if clause.active
        and clause.required
        and applies(clause, contract.party_type)
        and checks.get(clause.id, ClauseStatus.MISSING) is ClauseStatus.MISSING
    ]


def load_contracts(session: Session, *, procedures: bool = False) -> Sequence[Contract]:
    """Every contract, newest first, with its agency, technician, clause checks, evaluations, and its
    procedures when asked (only a contract's detail shows them: 12 rows a contract the list skips)."""
    options = [
        selectinload(Contract.agency),
        selectinload(Contract.technician),
        selectinload(Contract.clause_checks),  # each check's clause: from the clause definitions
        selectinload(Contract.evaluations),
    ]
    if procedures:
        options.append(selectinload(Contract.procedures))
    stmt = select(Contract).options(*options).order_by(Contract.effective_on.desc(), Contract.id.desc())
    return session.scalars(stmt).all()


def load_clause_definitions(session: Session) -> Sequence[ClauseDefinition]:
    """Clause definitions in checklist order."""
    order = (ClauseDefinition.position, ClauseDefinition.id)
    return session.scalars(select(ClauseDefinition).order_by(*order)).all()


@dataclass
class ContractFacts:
    """Everything derived about one contract as of a date (internal to services: holds the ORM object)."""

    contract: Contract
    terms: ContractTerms
    state: ContractState
    status: str
    renewal: Contract | None  # the contract that renews this one, if any (signed or not)
    chain: list[Contract]  # this contract and the ones it renewed, oldest first

    @property
    def chain_start(self) -> date:
        return self.chain[0].effective_on

    def evaluations(self, as_of: date) -> list[ContractEvaluation]:
        found = [e for c in self.chain for e in c.evaluations if e.evaluated_on <= as_of]
        return sorted(found, key=lambda e: (e.evaluated_on, e.id), reverse=True)


def terms_of(contract: Contract, *, superseded_on: date | None = None) -> ContractTerms:
    return ContractTerms(
        effective_on=contract.effective_on,
        expires_on=contract.expires_on,
        renewal=contract.renewal_type,
        notice_days=contract.notice_days or 0,
        signed_on=contract.signed_on,
        terminated_on=contract.terminated_on,
        renewal_term_months=contract.renewal_term_months,
        superseded_on=superseded_on,
    )


def contract_facts(session: Session, contracts: Sequence[Contract], as_of: date) -> list[ContractFacts]:
    """Facts for every contract; a renewal signed by ``as_of`` supersedes its predecessor from its start."""
    by_id = {c.id: c for c in contracts}
    renewals: dict[int, Contract] = {}
    for c in sorted(contracts, key=lambda c: (c.effective_on, c.id)):
        if c.renews_contract_id is not None and c.renews_contract_id not in renewals:
            renewals[c.renews_contract_id] = c
    out = []
    for c in contracts:
        renewal = renewals.get(c.id)
        superseded = (
            renewal.effective_on
            if renewal is not None and renewal.signed_on is not None and renewal.signed_on <= as_of
            else None
        )
        terms = terms_of(c, superseded_on=superseded)
        chain = [c]
        seen = {c.id}
        while chain[0].renews_contract_id in by_id and chain[0].renews_contract_id not in seen:
            previous = by_id[chain[0].renews_contract_id]  # type: ignore[index]
            seen.add(previous.id)
            chain.insert(0, previous)
        out.append(
            ContractFacts(c, terms, contract_state(terms, as_of), status_words(terms, as_of), renewal, chain)
        )
    return out


def technicians_covered(contract: Contract, technicians: Iterable[Technician]) -> list[Technician]:
    if contract.party_type is ContractParty.TECHNICIAN:
        return [t for t in technicians if t.id == contract.technician_id]
    return [t for t in technicians if t.agency_id is not None and t.agency_id == contract.agency_id]


def working_technicians(session: Session, as_of: date) -> list[Technician]:
    """Technicians who have started and are not retired on ``as_of`` (by name)."""
    techs = session.scalars(
        select(Technician)
        .options(selectinload(Technician.agency))
        .order_by(Technician.last_name, Technician.first_name, Technician.id)
    ).all()
    return [
        t
        for t in techs
        if (t.retired_on is None or t.retired_on > as_of) and (t.start_date is None or t.start_date <= as_of)
    ]
