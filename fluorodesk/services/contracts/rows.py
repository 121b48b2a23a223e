"""What the contract windows, the packet and the export read: frozen rows built from the contract facts
(``loading``), one function per view, each taking the caller's session and an ``as_of`` date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from fluorodesk.db.models import ClauseDefinition, Contract, ContractEvaluation, Technician
from fluorodesk.domain.contracts import (
    ContractState,
    EvaluationOutcome,
    cancellation_deadline,
    current_term_end,
    ends_on,
    evaluation_due,
)
from fluorodesk.domain.enums import ClauseStatus, ContractParty, RateBasis, RenewalType
from fluorodesk.services.contracts.loading import (
    ContractFacts,
    applies,
    contract_facts,
    load_clause_definitions,
    load_contracts,
    missing_required_clauses,
    party_name,
    rate_words,
    technicians_covered,
    working_technicians,
)
from fluorodesk.services.settings import load_settings

APPLIES_TO = {
    "all": "Every contract",
    "agency": "Contracts with an agency",
    "technician": "Contracts with a technician",
}

# --------------------------------------------------------------------------- rows out


@dataclass(frozen=True)
class ContractRow:
    id: int
    party: str
    party_type: ContractParty
    title: str
    effective_on: date
    expires_on: date | None
    term_end: date | None
    renewal_type: RenewalType
    signed_on: date | None
    in_force: bool
    missing_clauses: tuple[str, ...]
    status: str  # in words
    state: ContractState = ContractState.UNSIGNED
    agency_id: int | None = None
    technician_id: int | None = None
    ends_on: date | None = None  # last day it applies, as seen today
    notice_by: date | None = None  # auto-renewing: last day to give notice for this term
    insurance_expires_on: date | None = None
    rate: str = ""
    evaluation_due: date | None = None
    last_evaluated_on: date | None = None
    renews_contract_id: int | None = None
    renewed_by_id: int | None = None
    terminated_on: date | None = None
    covered: tuple[str, ...] = ()  # technicians working under it
    evaluation_overdue: bool = False
    insurance_expired: bool = False
    notice_passed: bool = False  # auto-renewing: too late to give notice for the current term

    @property
    def current(self) -> bool:
        return self.state.current


@dataclass(frozen=True)
class ClauseCheckRow:
    clause_id: int
    key: str
    title: str
    description: str
    required: bool
    applies_to: str
    builtin: bool
    active: bool
    status: ClauseStatus
    note: str
    saved: bool  # False: no decision recorded yet (shown as missing)


@dataclass(frozen=True)
class EvaluationRow:
    id: int
    contract_id: int
    evaluated_on: date
    evaluator: str
    outcome: str  # EvaluationOutcome value (kept as text: older values stay readable)
    outcome_label: str
    notes: str
    recorded_by: str


@dataclass(frozen=True)
class HistoryRow:
    """One contract in a renewal chain (oldest first)."""

    id: int
    title: str
    effective_on: date
    expires_on: date | None
    signed_on: date | None
    renewal_type: RenewalType
    rate: str
    status: str
    is_this: bool


@dataclass(frozen=True)
class ContractDetail:
    row: ContractRow
    party_type: ContractParty
    agency_id: int | None
    technician_id: int | None
    title: str
    effective_on: date
    expires_on: date | None
    renewal_type: RenewalType
    notice_days: int
    renewal_term_months: int | None
    signed_on: date | None
    clinic_signatory: str
    party_signatory: str
    rate_amount: float | None
    rate_basis: RateBasis | None
    cancellation_terms: str
    overtime_terms: str
    insurance_expires_on: date | None
    renews_contract_id: int | None
    terminated_on: date | None
    termination_reason: str
    notes: str
    clauses: tuple[ClauseCheckRow, ...]
    procedure_ids: tuple[int, ...]
    evaluations: tuple[EvaluationRow, ...]  # this contract and the ones it renewed, newest first
    history: tuple[HistoryRow, ...]


@dataclass(frozen=True)
class ClauseDefinitionRow:
    id: int
    key: str
    title: str
    description: str
    builtin: bool
    required: bool
    applies_to: str
    active: bool
    position: int

    @property
    def applies_label(self) -> str:
        return APPLIES_TO.get(self.applies_to, self.applies_to)


@dataclass(frozen=True)
class ProcedureTypeRow:
    id: int
    cpt_code: str
    name: str


@dataclass(frozen=True)
class PartyChoice:
    id: int
    name: str
    active: bool  # agency active / technician not retired
    detail: str = ""  # a technician's agency or "Freelance"


@dataclass(frozen=True)
class PartyChoices:
    agencies: tuple[PartyChoice, ...]
    technicians: tuple[PartyChoice, ...]


# --------------------------------------------------------------------------- building them


def contract_row(
    facts: ContractFacts,
    definitions: Sequence[ClauseDefinition],
    technicians: Sequence[Technician],
    interval_months: int,
    as_of: date,
) -> ContractRow:
    c, terms = facts.contract, facts.terms
    evaluations = facts.evaluations(as_of)
    last = evaluations[0].evaluated_on if evaluations else None
    in_force = facts.state is ContractState.IN_FORCE
    notice_by = (
        cancellation_deadline(terms, as_of)
        if facts.state.current and terms.terminated_on is None and terms.superseded_on is None
        else None
    )
    return ContractRow(
        id=c.id,
        party=party_name(c),
        party_type=c.party_type,
        title=c.title,
        effective_on=c.effective_on,
        expires_on=c.expires_on,
        term_end=current_term_end(terms, as_of),
        renewal_type=c.renewal_type,
        signed_on=c.signed_on,
        in_force=in_force,
        missing_clauses=tuple(missing_required_clauses(c, definitions)),
        status=facts.status,
        state=facts.state,
        agency_id=c.agency_id,
        technician_id=c.technician_id,
        ends_on=ends_on(terms, as_of),
        notice_by=notice_by,
        insurance_expires_on=c.insurance_expires_on,
        rate=rate_words(c.rate_amount, c.rate_basis),
        evaluation_due=evaluation_due(last, facts.chain_start, interval_months) if in_force else None,
        last_evaluated_on=last,
        renews_contract_id=c.renews_contract_id,
        renewed_by_id=facts.renewal.id if facts.renewal is not None else None,
        terminated_on=c.terminated_on,
        covered=tuple(t.full_name for t in technicians_covered(c, technicians))
        if facts.state.current
        else (),
        evaluation_overdue=in_force and evaluation_due(last, facts.chain_start, interval_months) < as_of,
        insurance_expired=c.insurance_expires_on is not None and c.insurance_expires_on < as_of,
        notice_passed=notice_by is not None and notice_by < as_of,
    )


def evaluation_row(e: ContractEvaluation) -> EvaluationRow:
    try:
        label = EvaluationOutcome(e.outcome).label
    except ValueError:
        label = e.outcome
    return EvaluationRow(
        e.id, e.contract_id, e.evaluated_on, e.evaluator, e.outcome, label, e.notes, e.created_by
    )


def clause_checklist(
    contract: Contract | None, party_type: ContractParty, definitions: Sequence[ClauseDefinition]
) -> list[ClauseCheckRow]:
    """The checklist a contract shows: every active clause for its kind of party, plus any clause it
    already has a decision for (a retired clause stays visible on the contracts that recorded it)."""
    checks = {c.clause_id: c for c in contract.clause_checks} if contract is not None else {}
    rows = []
    for clause in definitions:
        check = checks.get(clause.id)
        relevant = clause.active and applies(clause, party_type)
        if not relevant and (check is None or not applies(clause, party_type)):
            continue
        rows.append(
            ClauseCheckRow(
                clause.id,
                clause.key,
                clause.title,
                clause.description,
                clause.required,
                clause.applies_to,
                clause.builtin,
                clause.active,
                check.status if check is not None else ClauseStatus.MISSING,
                check.note if check is not None else "",
                check is not None,
            )
        )
    return rows


def clause_row(d: ClauseDefinition) -> ClauseDefinitionRow:
    return ClauseDefinitionRow(
        d.id, d.key, d.title, d.description, d.builtin, d.required, d.applies_to, d.active, d.position
    )


def contract_rows(session: Session, as_of: date) -> list[ContractRow]:
    """The Contracts tab's list: every contract, newest first, as seen on ``as_of``."""
    definitions = load_clause_definitions(session)
    technicians = working_technicians(session, as_of)
    interval = int(load_settings(session)["contracts.evaluation_interval_months"])
    return [
        contract_row(f, definitions, technicians, interval, as_of)
        for f in contract_facts(session, load_contracts(session), as_of)
    ]


def contract_details(
    session: Session, as_of: date, *, contract_id: int | None = None
) -> list[ContractDetail]:
    """What the contract dialog shows, for one contract or (the packet) every contract, as seen on
    ``as_of``: its row, terms, checklist, procedures, evaluations and renewal history."""
    contracts = load_contracts(session, procedures=contract_id is None)  # one contract: its own, lazily
    all_facts = {f.contract.id: f for f in contract_facts(session, contracts, as_of)}
    if contract_id is None:
        wanted = list(all_facts.values())
    elif contract_id in all_facts:
        wanted = [all_facts[contract_id]]
    else:
        return []
    definitions = load_clause_definitions(session)
    technicians = working_technicians(session, as_of)
    interval = int(load_settings(session)["contracts.evaluation_interval_months"])
    # Who renews whom: the earliest renewal of each contract (as ``contract_facts`` decides).
    by_renews = {
        x.renews_contract_id: x for x in sorted(contracts, key=lambda x: (x.effective_on, x.id), reverse=True)
    }
    return [
        _detail(
            f,
            all_facts,
            by_renews,
            definitions,
            contract_row(f, definitions, technicians, interval, as_of),
            as_of,
        )
        for f in wanted
    ]


def _detail(
    facts: ContractFacts,
    all_facts: dict[int, ContractFacts],
    by_renews: dict[int | None, Contract],
    definitions: Sequence[ClauseDefinition],
    row: ContractRow,
    as_of: date,
) -> ContractDetail:
    c = facts.contract
    chain = list(facts.chain)
    follower = facts.renewal
    seen = {x.id for x in chain}
    while follower is not None and follower.id not in seen:
        chain.append(follower)
        seen.add(follower.id)
        follower = by_renews.get(follower.id)
    history = tuple(
        HistoryRow(
            x.id,
            x.title,
            x.effective_on,
            x.expires_on,
            x.signed_on,
            x.renewal_type,
            rate_words(x.rate_amount, x.rate_basis),
            all_facts[x.id].status,
            x.id == c.id,
        )
        for x in chain
    )
    return ContractDetail(
        row=row,
        party_type=c.party_type,
        agency_id=c.agency_id,
        technician_id=c.technician_id,
        title=c.title,
        effective_on=c.effective_on,
        expires_on=c.expires_on,
        renewal_type=c.renewal_type,
        notice_days=c.notice_days or 0,
        renewal_term_months=c.renewal_term_months,
        signed_on=c.signed_on,
        clinic_signatory=c.clinic_signatory,
        party_signatory=c.party_signatory,
        rate_amount=c.rate_amount,
        rate_basis=c.rate_basis,
        cancellation_terms=c.cancellation_terms,
        overtime_terms=c.overtime_terms,
        insurance_expires_on=c.insurance_expires_on,
        renews_contract_id=c.renews_contract_id,
        terminated_on=c.terminated_on,
        termination_reason=c.termination_reason,
        notes=c.notes,
        clauses=tuple(clause_checklist(c, c.party_type, definitions)),
        procedure_ids=tuple(sorted(p.procedure_type_id for p in c.procedures)),
        evaluations=tuple(evaluation_row(e) for e in facts.evaluations(as_of)),
        history=history,
    )
