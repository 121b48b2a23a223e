"""Contracts: terms, signatures, rates, the required-clause checklist, procedures covered, renewals
(a new contract linked to the one it renews, so the history of terms is kept), termination, annual
evaluations of each contracted service, the clinic's own clause definitions, and contract findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    Agency,
    ClauseDefinition,
    Contract,
    ContractClauseCheck,
    ContractEvaluation,
    ContractProcedure,
    ProcedureType,
    Technician,
)
from fluorodesk.domain.contracts import (
    ContractState,
    ContractTerms,
    EvaluationOutcome,
    cancellation_deadline,
    contract_state,
    current_term_end,
    describe_days,
    ends_on,
    evaluation_due,
    renewal_months,
    status_words,
    suggested_expiry,
    term_problems,
)
from fluorodesk.domain.dates import parse_date_into
from fluorodesk.domain.enums import Area, ClauseStatus, ContractParty, RateBasis, RenewalType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings

APPLIES_TO = {
    "all": "Every contract",
    "agency": "Contracts with an agency",
    "technician": "Contracts with a technician",
}
PROCEDURES_CLAUSE = "procedures"

# --------------------------------------------------------------------------- DTOs


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
class ClauseEntry:
    clause_id: int
    status: ClauseStatus | str
    note: str = ""


@dataclass(frozen=True)
class ContractDraft:
    party_type: ContractParty | str | None
    agency_id: int | None = None
    technician_id: int | None = None
    title: str = ""
    effective_on: date | str | None = None
    expires_on: date | str | None = None
    renewal_type: RenewalType | str | None = RenewalType.FIXED
    notice_days: int | str | None = 0
    renewal_term_months: int | str | None = None
    signed_on: date | str | None = None
    clinic_signatory: str = ""
    party_signatory: str = ""
    rate_amount: float | str | None = None
    rate_basis: RateBasis | str | None = None
    cancellation_terms: str = ""
    overtime_terms: str = ""
    insurance_expires_on: date | str | None = None
    notes: str = ""
    clauses: tuple[ClauseEntry, ...] = ()
    procedure_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class EvaluationDraft:
    contract_id: int
    evaluated_on: date | str | None
    evaluator: str
    outcome: EvaluationOutcome | str | None
    notes: str = ""


@dataclass(frozen=True)
class ClauseDraft:
    title: str
    description: str = ""
    applies_to: str = "all"
    required: bool = True


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


# --------------------------------------------------------------------------- reading helpers


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


def load_contracts(session: Session) -> Sequence[Contract]:
    """Every contract, newest first, with its agency, technician, clause checks (each with its
    clause), evaluations and procedures."""
    return session.scalars(
        select(Contract)
        .options(
            selectinload(Contract.agency),
            selectinload(Contract.technician),
            selectinload(Contract.clause_checks).selectinload(ContractClauseCheck.clause),
            selectinload(Contract.evaluations),
            selectinload(Contract.procedures),
        )
        .order_by(Contract.effective_on.desc(), Contract.id.desc())
    ).all()


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


def _row(
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


def _evaluation_row(e: ContractEvaluation) -> EvaluationRow:
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


# --------------------------------------------------------------------------- input parsing


def _parse_int(raw: int | str | None, field: str, message: str, errors: dict[str, str]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        errors[field] = message
        return None


_AMOUNT = re.compile(r"^\$?\s*-?[\d,]*\.?\d+$")


def parse_amount(raw: float | str | None, errors: dict[str, str]) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = raw.strip()
        if not text:
            return None
        compact = text.replace(" ", "")
        if compact.startswith("-$"):
            compact = "$-" + compact[2:]
        if not _AMOUNT.match(compact):
            errors["rate_amount"] = f"“{text}” is not an amount; type a number such as 62.50."
            return None
        value = float(compact.replace("$", "").replace(",", ""))
    if value != value or value in (float("inf"), float("-inf")):
        errors["rate_amount"] = "Type a number such as 62.50."
        return None
    if value < 0:
        errors["rate_amount"] = "The rate cannot be negative."
        return None
    return value


def _enum(cls: Any, raw: Any, field: str, message: str, errors: dict[str, str]) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return cls(raw)
    except ValueError:
        errors[field] = message
        return None


@dataclass(frozen=True)
class _Parsed:
    party_type: ContractParty | None
    agency_id: int | None
    technician_id: int | None
    title: str
    effective_on: date | None
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
    notes: str
    clauses: dict[int, tuple[ClauseStatus, str]]
    procedure_ids: tuple[int, ...]


# The form's values stored on the contract row itself (the checklist and procedures are child rows).
_CONTRACT_COLUMNS = tuple(f.name for f in fields(_Parsed) if f.name not in ("clauses", "procedure_ids"))


def _parse(draft: ContractDraft, today: date) -> _Parsed:
    """Check everything that needs no database; raise one ValidationError with every field's message."""
    errors: dict[str, str] = {}
    party_type = _enum(
        ContractParty,
        draft.party_type,
        "party_type",
        "Choose whether the contract is with an agency or a technician.",
        errors,
    )
    if party_type is None and "party_type" not in errors:
        errors["party_type"] = "Choose whether the contract is with an agency or a technician."
    agency_id = draft.agency_id if party_type is ContractParty.AGENCY else None
    technician_id = draft.technician_id if party_type is ContractParty.TECHNICIAN else None
    if party_type is ContractParty.AGENCY and agency_id is None:
        errors["party"] = "Choose the agency this contract is with."
    if party_type is ContractParty.TECHNICIAN and technician_id is None:
        errors["party"] = "Choose the technician this contract is with."

    dates: dict[str, date | None] = {}
    for name in ("effective_on", "expires_on", "signed_on", "insurance_expires_on"):
        dates[name] = parse_date_into(getattr(draft, name), name, errors)
    renewal = (
        _enum(RenewalType, draft.renewal_type, "renewal_type", "Choose how the contract renews.", errors)
        or RenewalType.FIXED
    )
    notice = _parse_int(draft.notice_days, "notice_days", "Notice is a whole number of days.", errors)
    months = _parse_int(
        draft.renewal_term_months,
        "renewal_term_months",
        "A renewal term is a whole number of months.",
        errors,
    )
    if renewal is not RenewalType.AUTO:
        notice, months = 0, None
    bad_dates = {k for k in ("effective_on", "expires_on", "signed_on") if k in errors}
    for field, message in term_problems(
        effective_on=dates["effective_on"],
        expires_on=dates["expires_on"],
        renewal=renewal,
        notice_days=notice,
        renewal_term_months=months,
        signed_on=dates["signed_on"],
        today=today,
    ).items():
        if field in bad_dates:
            continue  # the unreadable date already has its message
        if field == "effective_on" and "effective_on" in errors:
            continue
        errors.setdefault(field, message)

    clinic_signatory, party_signatory = clean(draft.clinic_signatory), clean(draft.party_signatory)
    if dates["signed_on"] is not None:
        if not clinic_signatory:
            errors["clinic_signatory"] = "Say who signed for the clinic."
        if not party_signatory:
            who = "the agency" if party_type is ContractParty.AGENCY else "the technician"
            errors["party_signatory"] = f"Say who signed for {who}."

    amount = parse_amount(draft.rate_amount, errors)
    basis = _enum(RateBasis, draft.rate_basis, "rate_basis", "Choose per day, per case or per hour.", errors)
    if amount is not None and basis is None and "rate_basis" not in errors:
        errors["rate_basis"] = "Say whether the rate is per day, per case or per hour."

    clauses: dict[int, tuple[ClauseStatus, str]] = {}
    for entry in draft.clauses:
        try:
            clauses[entry.clause_id] = (ClauseStatus(entry.status), clean(entry.note))
        except ValueError:
            errors[f"clause.{entry.clause_id}"] = "Choose present, missing or not applicable."
    if errors:
        raise ValidationError(fields=errors)
    return _Parsed(
        party_type=party_type,
        agency_id=agency_id,
        technician_id=technician_id,
        title=clean(draft.title),
        effective_on=dates["effective_on"],
        expires_on=dates["expires_on"],
        renewal_type=renewal,
        notice_days=notice or 0,
        renewal_term_months=months,
        signed_on=dates["signed_on"],
        clinic_signatory=clinic_signatory,
        party_signatory=party_signatory,
        rate_amount=amount,
        rate_basis=basis,
        cancellation_terms=draft.cancellation_terms.strip(),
        overtime_terms=draft.overtime_terms.strip(),
        insurance_expires_on=dates["insurance_expires_on"],
        notes=draft.notes.strip(),
        clauses=clauses,
        procedure_ids=tuple(dict.fromkeys(draft.procedure_ids)),
    )


def _checklist_state(contract: Contract) -> dict[str, Any]:
    """Clause decisions and procedures as plain values, for the audit trail's before/after."""
    state: dict[str, Any] = {
        f"clause:{c.clause.key}": c.status.value + (f" ({c.note})" if c.note else "")
        for c in contract.clause_checks
    }
    state["procedures"] = ",".join(sorted(str(p.procedure_type_id) for p in contract.procedures))
    return state


# --------------------------------------------------------------------------- the service


class ContractService(Service):
    # ---- reading

    def list_rows(self, *, as_of: date | None = None) -> list[ContractRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            definitions = load_clause_definitions(session)
            technicians = working_technicians(session, as_of)
            interval = int(settings["contracts.evaluation_interval_months"])
            return [
                _row(f, definitions, technicians, interval, as_of)
                for f in contract_facts(session, load_contracts(session), as_of)
            ]

    def get(self, contract_id: int, *, as_of: date | None = None) -> ContractDetail:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return self._detail(session, contract_id, as_of)

    def _detail(self, session: Session, contract_id: int, as_of: date) -> ContractDetail:
        contracts = load_contracts(session)
        all_facts = {f.contract.id: f for f in contract_facts(session, contracts, as_of)}
        facts = all_facts.get(contract_id)
        if facts is None:
            raise NotFoundError("That contract no longer exists.")
        settings = load_settings(session)
        definitions = load_clause_definitions(session)
        row = _row(
            facts,
            definitions,
            working_technicians(session, as_of),
            int(settings["contracts.evaluation_interval_months"]),
            as_of,
        )
        c = facts.contract
        chain = list(facts.chain)
        follower = facts.renewal
        seen = {x.id for x in chain}
        by_renews = {
            x.renews_contract_id: x
            for x in sorted(contracts, key=lambda x: (x.effective_on, x.id), reverse=True)
        }
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
        evaluations = sorted(
            (e for x in facts.chain for e in x.evaluations),
            key=lambda e: (e.evaluated_on, e.id),
            reverse=True,
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
            evaluations=tuple(_evaluation_row(e) for e in evaluations),
            history=history,
        )

    def checklist_for(self, party_type: ContractParty | str) -> list[ClauseCheckRow]:
        """The empty checklist a new contract with this kind of party starts from."""
        with self.db.read() as session:
            return clause_checklist(None, ContractParty(party_type), load_clause_definitions(session))

    def renewal_defaults(self, contract_id: int) -> tuple[ContractDraft, list[ClauseCheckRow]]:
        """What a renewal of ``contract_id`` starts from: the same party and terms, the next term's
        dates, no signature yet, and the old clause decisions to review against the new document."""
        with self.db.read() as session:
            contract = session.scalar(
                select(Contract)
                .where(Contract.id == contract_id)
                .options(selectinload(Contract.clause_checks), selectinload(Contract.procedures))
            )
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            terms = terms_of(contract)
            last = contract.terminated_on - timedelta(days=1) if contract.terminated_on else None
            end = last or current_term_end(terms, max(self.today(), contract.effective_on))
            effective = (end or self.today()) + timedelta(days=1)
            expires = (
                suggested_expiry(effective, renewal_months(terms))
                if contract.expires_on is not None
                else None
            )
            old = {c.clause_id: c for c in contract.clause_checks}
            rows = []
            for row in clause_checklist(None, contract.party_type, load_clause_definitions(session)):
                check = old.get(row.clause_id)
                if check is not None:
                    row = replace(row, status=check.status, note=check.note)
                rows.append(row)
            draft = ContractDraft(
                party_type=contract.party_type,
                agency_id=contract.agency_id,
                technician_id=contract.technician_id,
                title=contract.title,
                effective_on=effective,
                expires_on=expires,
                renewal_type=contract.renewal_type,
                notice_days=contract.notice_days,
                renewal_term_months=contract.renewal_term_months,
                rate_amount=contract.rate_amount,
                rate_basis=contract.rate_basis,
                cancellation_terms=contract.cancellation_terms,
                overtime_terms=contract.overtime_terms,
                insurance_expires_on=contract.insurance_expires_on,
                clauses=tuple(ClauseEntry(r.clause_id, r.status, r.note) for r in rows),
                procedure_ids=tuple(sorted(p.procedure_type_id for p in contract.procedures)),
            )
            return draft, rows

    def procedure_types(self) -> list[ProcedureTypeRow]:
        with self.db.read() as session:
            rows = session.scalars(
                select(ProcedureType).where(ProcedureType.active.is_(True)).order_by(ProcedureType.cpt_code)
            ).all()
            return [ProcedureTypeRow(p.id, p.cpt_code, p.name) for p in rows]

    def party_choices(self) -> PartyChoices:
        with self.db.read() as session:
            agencies = session.scalars(select(Agency).order_by(func.lower(Agency.name))).all()
            techs = session.scalars(
                select(Technician)
                .options(selectinload(Technician.agency))
                .order_by(Technician.last_name, Technician.first_name)
            ).all()
            today = self.today()
            return PartyChoices(
                tuple(PartyChoice(a.id, a.name, a.active) for a in agencies),
                tuple(
                    PartyChoice(
                        t.id,
                        t.full_name,
                        t.retired_on is None or t.retired_on > today,
                        t.agency.name if t.agency else t.employment_type.label,
                    )
                    for t in techs
                ),
            )

    # ---- creating and changing

    def _check_party(self, session: Session, parsed: _Parsed, previous: Contract | None) -> None:
        unchanged = previous is not None and (previous.agency_id, previous.technician_id) == (
            parsed.agency_id,
            parsed.technician_id,
        )
        if parsed.party_type is ContractParty.AGENCY:
            agency = session.get(Agency, parsed.agency_id)
            if agency is None:
                raise ValidationError(fields={"party": "That agency no longer exists; choose another."})
            if not agency.active and not unchanged:
                raise ValidationError(
                    fields={"party": f"{agency.name} is deactivated; reactivate it in Agencies first."}
                )
        else:
            tech = session.get(Technician, parsed.technician_id)
            if tech is None:
                raise ValidationError(fields={"party": "That technician no longer exists; choose another."})
            if tech.retired_on is not None and tech.retired_on <= self.today() and not unchanged:
                raise ValidationError(fields={"party": f"{tech.full_name} is retired."})

    def _apply(self, session: Session, contract: Contract, parsed: _Parsed) -> None:
        definitions = load_clause_definitions(session)
        by_id = {d.id: d for d in definitions}
        errors: dict[str, str] = {}
        for clause_id, (status, note) in parsed.clauses.items():
            clause = by_id.get(clause_id)
            if clause is None:
                errors["clauses"] = (
                    "A clause on this form was removed elsewhere; close and reopen the contract."
                )
            elif status is ClauseStatus.NOT_APPLICABLE and clause.required and not note:
                errors[f"clause.{clause_id}"] = f"Say why “{clause.title}” does not apply to this contract."
        known = set(session.scalars(select(ProcedureType.id)).all())
        if set(parsed.procedure_ids) - known:
            errors["procedures"] = "A procedure on this form no longer exists; close and reopen the contract."
        procedures_clause = next((d for d in definitions if d.key == PROCEDURES_CLAUSE), None)
        if (
            procedures_clause is not None
            and parsed.clauses.get(procedures_clause.id, (None, ""))[0] is ClauseStatus.PRESENT
            and not parsed.procedure_ids
        ):
            errors["procedures"] = (
                "Tick the procedures the contract covers (its “Procedures covered” clause is marked present)."
            )
        if errors:
            raise ValidationError(fields=errors)

        for name in _CONTRACT_COLUMNS:
            setattr(contract, name, getattr(parsed, name))

        # Checklist: a row for every active clause applicable to the party, plus the form's decisions.
        checks = {c.clause_id: c for c in contract.clause_checks}
        wanted = dict(parsed.clauses)
        for clause in definitions:
            if (
                clause.active
                and applies(clause, parsed.party_type)
                and clause.id not in wanted
                and clause.id not in checks
            ):  # type: ignore[arg-type]
                wanted[clause.id] = (ClauseStatus.MISSING, "")
        for clause_id, (status, note) in wanted.items():
            check = checks.get(clause_id)
            if check is None:
                contract.clause_checks.append(
                    ContractClauseCheck(
                        clause_id=clause_id, clause=by_id[clause_id], status=status, note=note
                    )
                )
            else:
                check.status, check.note = status, note
        current = {p.procedure_type_id: p for p in contract.procedures}
        for procedure_id in parsed.procedure_ids:
            if procedure_id not in current:
                contract.procedures.append(ContractProcedure(procedure_type_id=procedure_id))
        for procedure_id, link in current.items():
            if procedure_id not in parsed.procedure_ids:
                contract.procedures.remove(link)

    def create(self, draft: ContractDraft, *, renews_contract_id: int | None = None) -> ContractDetail:
        parsed = _parse(draft, self.today())
        with self.writing() as session:
            previous = None
            if renews_contract_id is not None:
                previous = session.get(Contract, renews_contract_id)
                if previous is None:
                    raise NotFoundError("The contract being renewed no longer exists.")
                self._check_renewal(session, previous, parsed)
            self._check_party(session, parsed, previous)
            contract = Contract(
                renews_contract_id=renews_contract_id, created_by=self.actor, updated_by=self.actor
            )
            self._apply(session, contract, parsed)
            session.add(contract)
            session.flush()
            session.refresh(contract, ["agency", "technician"])
            name = party_name(contract)
            audit.record(
                session,
                actor=self.actor,
                action="renew" if previous is not None else "create",
                entity="contracts",
                entity_id=contract.id,
                summary=(
                    f"Contract with {name} renewed (new terms from {contract.effective_on})"
                    if previous is not None
                    else f"Contract with {name} added"
                ),
                after={**audit.snapshot(contract), **_checklist_state(contract)},
            )
            return self._detail(session, contract.id, self.today())

    def renew(self, contract_id: int, draft: ContractDraft) -> ContractDetail:
        """A new contract with the same party carrying on from ``contract_id``; the old one is kept."""
        return self.create(draft, renews_contract_id=contract_id)

    def _check_renewal(self, session: Session, previous: Contract, parsed: _Parsed) -> None:
        already = session.scalar(select(Contract).where(Contract.renews_contract_id == previous.id))
        if already is not None:
            raise ConflictError(
                f"This contract was already renewed (the contract effective {already.effective_on}); "
                "renew that one instead."
            )
        if (parsed.party_type, parsed.agency_id, parsed.technician_id) != (
            previous.party_type,
            previous.agency_id,
            previous.technician_id,
        ):
            raise ValidationError(
                fields={"party": "A renewal is with the same party as the contract it renews."}
            )
        if parsed.effective_on is not None and parsed.effective_on <= previous.effective_on:
            raise ValidationError(
                fields={
                    "effective_on": f"A renewal takes effect after the contract it renews "
                    f"(effective {previous.effective_on})."
                }
            )

    def update(self, contract_id: int, draft: ContractDraft) -> ContractDetail:
        parsed = _parse(draft, self.today())
        with self.writing() as session:
            contract = session.scalar(
                select(Contract)
                .where(Contract.id == contract_id)
                .options(
                    selectinload(Contract.clause_checks).selectinload(ContractClauseCheck.clause),
                    selectinload(Contract.procedures),
                )
            )
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            if contract.renews_contract_id is not None:
                previous = session.get(Contract, contract.renews_contract_id)
                if previous is not None and (parsed.agency_id, parsed.technician_id) != (
                    previous.agency_id,
                    previous.technician_id,
                ):
                    raise ValidationError(
                        fields={"party": "A renewal is with the same party as the contract it renews."}
                    )
            self._check_party(session, parsed, contract)
            before = {**audit.snapshot(contract), **_checklist_state(contract)}
            self._apply(session, contract, parsed)
            session.flush()
            after = {**audit.snapshot(contract), **_checklist_state(contract)}
            if audit.diff(before, after):
                contract.updated_by = self.actor
                session.refresh(contract, ["agency", "technician"])
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="contracts",
                    entity_id=contract.id,
                    summary=f"Contract with {party_name(contract)} changed",
                    before=before,
                    after=after,
                )
            return self._detail(session, contract.id, self.today())

    def terminate(self, contract_id: int, ends_from: date | str | None, reason: str) -> ContractDetail:
        """Record notice or an early end: the contract no longer applies from ``ends_from``."""
        errors: dict[str, str] = {}
        day = parse_date_into(ends_from, "terminated_on", errors)
        if day is None and "terminated_on" not in errors:
            errors["terminated_on"] = "Enter the first day the contract no longer applies."
        if not clean(reason):
            errors["termination_reason"] = (
                "Say why it ends (notice given, replaced, services no longer needed…)."
            )
        if errors:
            raise ValidationError(fields=errors)
        with self.writing() as session:
            contract = session.get(Contract, contract_id)
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            if contract.terminated_on is not None:
                raise ConflictError(f"This contract already ends on {contract.terminated_on}.")
            if day < contract.effective_on:  # type: ignore[operator]
                raise ValidationError(
                    fields={
                        "terminated_on": f"It cannot end before it takes effect ({contract.effective_on})."
                    }
                )
            before = audit.snapshot(contract)
            contract.terminated_on = day
            contract.termination_reason = clean(reason)
            contract.updated_by = self.actor
            session.refresh(contract, ["agency", "technician"])
            audit.record(
                session,
                actor=self.actor,
                action="terminate",
                entity="contracts",
                entity_id=contract.id,
                summary=f"Contract with {party_name(contract)} ends from {day}: "
                f"{contract.termination_reason}",
                before=before,
                after=audit.snapshot(contract),
            )
            return self._detail(session, contract.id, self.today())

    def withdraw_termination(self, contract_id: int) -> ContractDetail:
        """Undo a termination recorded by mistake (or notice withdrawn by agreement)."""
        with self.writing() as session:
            contract = session.get(Contract, contract_id)
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            if contract.terminated_on is None:
                raise ConflictError("This contract has no termination to withdraw.")
            before = audit.snapshot(contract)
            contract.terminated_on = None
            contract.termination_reason = ""
            contract.updated_by = self.actor
            session.refresh(contract, ["agency", "technician"])
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="contracts",
                entity_id=contract.id,
                summary=f"Termination of the contract with {party_name(contract)} withdrawn",
                before=before,
                after=audit.snapshot(contract),
            )
            return self._detail(session, contract.id, self.today())

    # ---- evaluations

    def add_evaluation(self, draft: EvaluationDraft) -> EvaluationRow:
        errors: dict[str, str] = {}
        day = parse_date_into(draft.evaluated_on, "evaluated_on", errors)
        if day is None and "evaluated_on" not in errors:
            errors["evaluated_on"] = "Enter the date of the evaluation."
        elif day is not None and day > self.today():
            errors["evaluated_on"] = f"The evaluation date ({day}) is in the future."
        if not clean(draft.evaluator):
            errors["evaluator"] = "Say who evaluated the service."
        outcome = _enum(
            EvaluationOutcome,
            draft.outcome,
            "outcome",
            "Choose satisfactory, needs improvement or unsatisfactory.",
            errors,
        )
        if outcome is None:
            errors.setdefault("outcome", "Choose satisfactory, needs improvement or unsatisfactory.")
        if outcome is not None and outcome is not EvaluationOutcome.SATISFACTORY and not draft.notes.strip():
            errors["notes"] = "Note what needs to improve."
        if errors:
            raise ValidationError(fields=errors)
        with self.writing() as session:
            contract = session.get(Contract, draft.contract_id)
            if contract is None:
                raise NotFoundError("That contract no longer exists.")
            if day < contract.effective_on:  # type: ignore[operator]
                raise ValidationError(
                    fields={"evaluated_on": f"The contract only took effect on {contract.effective_on}."}
                )
            evaluation = ContractEvaluation(
                contract_id=contract.id,
                evaluated_on=day,
                evaluator=clean(draft.evaluator),
                outcome=outcome.value,
                notes=draft.notes.strip(),
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(evaluation)
            session.flush()
            session.refresh(contract, ["agency", "technician"])
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="contract_evaluations",
                entity_id=evaluation.id,
                summary=f"Evaluation of {party_name(contract)} on {day}: {outcome.label}",
                after=audit.snapshot(evaluation),
            )
            return _evaluation_row(evaluation)

    # ---- the clinic's clause definitions

    def clause_definitions(self, *, include_retired: bool = False) -> list[ClauseDefinitionRow]:
        with self.db.read() as session:
            return [_clause_row(d) for d in load_clause_definitions(session) if include_retired or d.active]

    def _clause_input(self, session: Session, draft: ClauseDraft, clause_id: int | None) -> str:
        errors: dict[str, str] = {}
        title = clean(draft.title)
        if not title:
            errors["title"] = "Enter the clause as a short title (e.g. “Parking and badge access”)."
        elif session.scalar(
            select(ClauseDefinition.id).where(
                func.lower(ClauseDefinition.title) == title.lower(), ClauseDefinition.id != (clause_id or -1)
            )
        ):
            errors["title"] = f"There is already a clause called “{title}”."
        if draft.applies_to not in APPLIES_TO:
            errors["applies_to"] = "Choose which contracts the clause applies to."
        if errors:
            raise ValidationError(fields=errors)
        return title

    def create_clause(self, draft: ClauseDraft) -> ClauseDefinitionRow:
        with self.writing() as session:
            title = self._clause_input(session, draft, None)
            base = "custom_" + (re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40] or "clause")
            key, n = base, 2
            while session.scalar(select(ClauseDefinition.id).where(ClauseDefinition.key == key)):
                key, n = f"{base}_{n}", n + 1
            position = (session.scalar(select(func.max(ClauseDefinition.position))) or 0) + 1
            clause = ClauseDefinition(
                key=key,
                title=title,
                description=draft.description.strip(),
                builtin=False,
                required=bool(draft.required),
                applies_to=draft.applies_to,
                active=True,
                position=position,
            )
            session.add(clause)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="clause_definitions",
                entity_id=clause.id,
                summary=f"Clause “{title}” added to the checklist",
                after=audit.snapshot(clause),
            )
            return _clause_row(clause)

    def update_clause(self, clause_id: int, draft: ClauseDraft) -> ClauseDefinitionRow:
        with self.writing() as session:
            clause = session.get(ClauseDefinition, clause_id)
            if clause is None:
                raise NotFoundError("That clause no longer exists.")
            if clause.builtin:
                raise ConflictError("Built-in clauses come from the regulations and cannot be changed.")
            title = self._clause_input(session, draft, clause_id)
            before = audit.snapshot(clause)
            clause.title = title
            clause.description = draft.description.strip()
            clause.applies_to = draft.applies_to
            clause.required = bool(draft.required)
            after = audit.snapshot(clause)
            if audit.diff(before, after):
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="clause_definitions",
                    entity_id=clause.id,
                    summary=f"Clause “{title}” changed",
                    before=before,
                    after=after,
                )
            return _clause_row(clause)

    def set_clause_active(self, clause_id: int, active: bool) -> ClauseDefinitionRow:
        """Retire a clinic clause (not asked on new contracts; kept where recorded), or restore it."""
        with self.writing() as session:
            clause = session.get(ClauseDefinition, clause_id)
            if clause is None:
                raise NotFoundError("That clause no longer exists.")
            if clause.builtin:
                raise ConflictError("Built-in clauses come from the regulations and cannot be retired.")
            if clause.active is active:
                raise ConflictError(f"“{clause.title}” is already {'in use' if active else 'retired'}.")
            before = audit.snapshot(clause)
            clause.active = active
            audit.record(
                session,
                actor=self.actor,
                action="restore" if active else "retire",
                entity="clause_definitions",
                entity_id=clause.id,
                summary=f"Clause “{clause.title}” {'restored' if active else 'retired'}",
                before=before,
                after=audit.snapshot(clause),
            )
            return _clause_row(clause)


def _clause_row(d: ClauseDefinition) -> ClauseDefinitionRow:
    return ClauseDefinitionRow(
        d.id, d.key, d.title, d.description, d.builtin, d.required, d.applies_to, d.active, d.position
    )


# --------------------------------------------------------------------------- findings


def _finding(
    severity: Severity,
    code: str,
    subject: str,
    message: str,
    action: str,
    due: date | None,
    entity_id: int | None,
    entity: str = "contracts",
) -> Finding:
    return Finding(Area.CONTRACTS, severity, code, subject, message, action, due, entity, entity_id)


def _no_contract_reason(tech: Technician, facts: Sequence[ContractFacts], as_of: date) -> str:
    if tech.agency_id is not None:
        mine = [
            f
            for f in facts
            if f.contract.party_type is ContractParty.AGENCY and f.contract.agency_id == tech.agency_id
        ]
        whose = f"{tech.agency.name}'s contract" if tech.agency is not None else "The agency's contract"
        none = (
            f"Supplied by {tech.agency.name if tech.agency else 'an agency'}, which has no contract on file."
        )
    else:
        mine = [
            f
            for f in facts
            if f.contract.party_type is ContractParty.TECHNICIAN and f.contract.technician_id == tech.id
        ]
        whose = "The contract"
        none = "No contract on file."
    if not mine:
        return none
    latest = max(mine, key=lambda f: (f.contract.effective_on, f.contract.id))
    state = latest.state
    if state is ContractState.UNSIGNED:
        return f"{whose} is not signed."
    if state is ContractState.PENDING:
        return f"{whose} only starts on {latest.contract.effective_on}."
    if state is ContractState.EXPIRED:
        return f"{whose} expired on {current_term_end(latest.terms, as_of)}."
    if state is ContractState.TERMINATED:
        return f"{whose} ended on {latest.contract.terminated_on}."
    return f"{whose} is not in force."


def _unsigned(f: ContractFacts, name: str, as_of: date) -> Finding:
    c = f.contract
    if c.effective_on <= as_of:
        starts = f"took effect {c.effective_on}"
    else:
        starts = f"takes effect {c.effective_on} ({describe_days(c.effective_on, as_of, verb='starts')})"
    return _finding(
        Severity.WARNING,
        "contract.unsigned",
        name,
        f"The contract “{c.title or 'untitled'}” {starts} but is not signed.",
        "Get both parties' signatures and record the signed date and signatories.",
        c.effective_on,
        c.id,
    )


def _missing_clauses(f: ContractFacts, name: str, missing: list[str]) -> Finding:
    plural = "s" if len(missing) != 1 else ""
    return _finding(
        Severity.WARNING,
        "contract.missing_clauses",
        name,
        f"Lacks {len(missing)} required clause{plural}: {', '.join(missing)}.",
        "Amend the contract (attach the amendment), or mark the clause not applicable with a reason.",
        None,
        f.contract.id,
    )


def _ending(f: ContractFacts, name: str, as_of: date, warn_days: int) -> Finding | None:
    """A contract that will stop applying soon with nothing signed to follow it."""
    c, terms = f.contract, f.terms
    last = ends_on(terms, as_of)
    auto_renews = c.renewal_type is RenewalType.AUTO and terms.terminated_on is None
    if auto_renews or terms.superseded_on is not None or last is None or (last - as_of).days > warn_days:
        return None
    cover = "Put a new contract in place, or arrange other cover, before it ends."
    if terms.terminated_on is not None:
        message = f"Ends {last} ({describe_days(last, as_of, verb='ends')}; notice given)."
        action = cover
    elif c.renewal_type is RenewalType.MANUAL:
        message = f"Expires {last} ({describe_days(last, as_of, verb='expires')}) unless renewed."
        action = "Sign the renewal before it expires (Renew… on the Contracts tab)."
    else:
        message = f"Fixed term ends {last} ({describe_days(last, as_of, verb='ends')})."
        action = cover
    if f.renewal is not None:
        message += " Its renewal is entered but not signed yet."
    return _finding(Severity.WARNING, "contract.expiring", name, message, action, last, c.id)


def _notice(f: ContractFacts, name: str, as_of: date, warn_days: int) -> Finding | None:
    """An auto-renewing contract: notice date coming up, or just passed (it will renew)."""
    c, terms = f.contract, f.terms
    if c.renewal_type is not RenewalType.AUTO or terms.terminated_on or terms.superseded_on:
        return None
    deadline = cancellation_deadline(terms, as_of)
    end = current_term_end(terms, as_of)
    if deadline is None or end is None:
        return None
    months = renewal_months(terms)
    renews_on = end + timedelta(days=1)
    if as_of <= deadline and (deadline - as_of).days <= warn_days:
        return _finding(
            Severity.INFO,
            "contract.cancellation_notice",
            name,
            f"Renews automatically on {renews_on} for {months} months unless notice is given "
            f"by {deadline} ({describe_days(deadline, as_of, verb='due')}).",
            "Decide whether to keep it; if not, give written notice by then and record it (Terminate…).",
            deadline,
            c.id,
        )
    if deadline < as_of <= end:
        return _finding(
            Severity.INFO,
            "contract.notice_passed",
            name,
            f"The cancellation notice date ({deadline}) has passed: it renews automatically "
            f"on {renews_on} for another {months} months.",
            "Nothing to do to keep it; to end it now, agree an end date with the party.",
            renews_on,
            c.id,
        )
    return None


def _insurance(f: ContractFacts, name: str, as_of: date, warn_days: int) -> Finding | None:
    expires = f.contract.insurance_expires_on
    if expires is None:
        return None
    if expires < as_of:
        return _finding(
            Severity.WARNING,
            "contract.insurance_expired",
            name,
            f"Certificate of insurance expired {expires}.",
            "Ask for a current certificate of insurance and record its expiry date.",
            expires,
            f.contract.id,
        )
    if (expires - as_of).days <= warn_days:
        return _finding(
            Severity.INFO,
            "contract.insurance_expiring",
            name,
            f"Certificate of insurance expires {expires} ({describe_days(expires, as_of, verb='expires')}).",
            "Ask for the renewed certificate of insurance.",
            expires,
            f.contract.id,
        )
    return None


def _evaluation(f: ContractFacts, name: str, as_of: date, interval: int) -> Finding | None:
    evaluations = f.evaluations(as_of)
    last = evaluations[0].evaluated_on if evaluations else None
    due = evaluation_due(last, f.chain_start, interval)
    if due >= as_of:
        return None
    since = f"last evaluated {last}" if last else f"never evaluated since it started {f.chain_start}"
    return _finding(
        Severity.WARNING,
        "contract.evaluation_overdue",
        name,
        f"Evaluation of the contracted service was due {due} ({since}).",
        "Evaluate the service (quality, reliability, QC logs, incidents) and record it.",
        due,
        f.contract.id,
    )


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out: list[Finding | None] = []
    facts = contract_facts(session, load_contracts(session), as_of)
    definitions = load_clause_definitions(session)
    technicians = working_technicians(session, as_of)
    warn_days = int(settings["contracts.warning_days"])
    interval = int(settings["contracts.evaluation_interval_months"])
    covered: set[int] = set()
    for f in facts:
        name = party_name(f.contract)
        if f.state is ContractState.IN_FORCE:
            covered.update(t.id for t in technicians_covered(f.contract, technicians))
        if not f.state.current:
            continue  # expired, ended or renewed: history (a tech left without cover is reported below)
        if f.state is ContractState.UNSIGNED:
            if (f.contract.effective_on - as_of).days > warn_days:
                continue  # a draft for later: nothing to chase yet
            out.append(_unsigned(f, name, as_of))
        missing = missing_required_clauses(f.contract, definitions)
        if missing:
            out.append(_missing_clauses(f, name, missing))
        if f.state is ContractState.UNSIGNED:
            continue
        out.append(_ending(f, name, as_of, warn_days))
        out.append(_notice(f, name, as_of, warn_days))
        out.append(_insurance(f, name, as_of, warn_days))
        if f.state is ContractState.IN_FORCE:
            out.append(_evaluation(f, name, as_of, interval))
    for tech in technicians:
        if tech.id not in covered:
            out.append(
                _finding(
                    Severity.CRITICAL,
                    "technician.no_contract",
                    tech.full_name,
                    "Works without a signed contract in force. " + _no_contract_reason(tech, facts, as_of),
                    "Put a signed contract on file (directly or through the agency) before the next shift.",
                    None,
                    tech.id,
                    entity="technicians",
                )
            )
    return [x for x in out if x is not None]
