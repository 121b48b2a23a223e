"""Contracts and agencies: table rows, which contract covers a technician, contract findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import ClauseDefinition, Contract, ContractClauseCheck, Technician
from fluorodesk.domain.contracts import ContractTerms, cancellation_deadline, current_term_end, is_in_force
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import Area, ClauseStatus, ContractParty, RenewalType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.base import Service


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


def terms_of(contract: Contract) -> ContractTerms:
    return ContractTerms(
        effective_on=contract.effective_on,
        expires_on=contract.expires_on,
        renewal=contract.renewal_type,
        notice_days=contract.notice_days or 0,
        signed_on=contract.signed_on,
        terminated_on=contract.terminated_on,
    )


def party_name(contract: Contract) -> str:
    if contract.party_type is ContractParty.AGENCY and contract.agency is not None:
        return contract.agency.name
    if contract.technician is not None:
        return contract.technician.full_name
    return "(no party)"


def missing_required_clauses(contract: Contract, definitions: Sequence[ClauseDefinition]) -> list[str]:
    """Required clauses for this kind of party that are not marked present or not applicable."""
    checks = {c.clause_id: c.status for c in contract.clause_checks}
    missing = []
    for clause in definitions:
        if not (clause.active and clause.required):
            continue
        if clause.applies_to not in ("all", contract.party_type.value):
            continue
        if checks.get(clause.id, ClauseStatus.MISSING) is ClauseStatus.MISSING:
            missing.append(clause.title)
    return missing


def load_contracts(session: Session) -> Sequence[Contract]:
    return session.scalars(
        select(Contract)
        .options(
            selectinload(Contract.agency),
            selectinload(Contract.technician),
            selectinload(Contract.clause_checks).selectinload(ContractClauseCheck.clause),
            selectinload(Contract.evaluations),
        )
        .order_by(Contract.effective_on.desc())
    ).all()


def load_clause_definitions(session: Session) -> Sequence[ClauseDefinition]:
    return session.scalars(select(ClauseDefinition).order_by(ClauseDefinition.position)).all()


def contract_status_words(contract: Contract, as_of: date) -> str:
    terms = terms_of(contract)
    if contract.terminated_on and contract.terminated_on <= as_of:
        return f"Terminated {contract.terminated_on.isoformat()}"
    if contract.signed_on is None:
        return "Not signed"
    if contract.effective_on > as_of:
        return f"Starts {contract.effective_on.isoformat()}"
    if is_in_force(terms, as_of):
        end = current_term_end(terms, as_of)
        return "In force" + (f" to {end.isoformat()}" if end else "")
    return f"Expired {contract.expires_on.isoformat()}" if contract.expires_on else "Not in force"


def technicians_covered(contract: Contract, technicians: Sequence[Technician]) -> list[Technician]:
    if contract.party_type is ContractParty.TECHNICIAN:
        return [t for t in technicians if t.id == contract.technician_id]
    return [t for t in technicians if t.agency_id is not None and t.agency_id == contract.agency_id]


class ContractService(Service):
    def list_rows(self, *, as_of: date | None = None) -> list[ContractRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            definitions = load_clause_definitions(session)
            rows = []
            for c in load_contracts(session):
                terms = terms_of(c)
                rows.append(
                    ContractRow(
                        id=c.id,
                        party=party_name(c),
                        party_type=c.party_type,
                        title=c.title,
                        effective_on=c.effective_on,
                        expires_on=c.expires_on,
                        term_end=current_term_end(terms, as_of),
                        renewal_type=c.renewal_type,
                        signed_on=c.signed_on,
                        in_force=is_in_force(terms, as_of),
                        missing_clauses=tuple(missing_required_clauses(c, definitions)),
                        status=contract_status_words(c, as_of),
                    )
                )
            return rows


def findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    from fluorodesk.services.technicians import load_technicians

    out: list[Finding] = []
    contracts = load_contracts(session)
    definitions = load_clause_definitions(session)
    technicians = [
        t
        for t in load_technicians(session)
        if (t.retired_on is None or t.retired_on > as_of) and (t.start_date is None or t.start_date <= as_of)
    ]
    warn_days = int(settings["contracts.warning_days"])
    covered: set[int] = set()
    for contract in contracts:
        terms = terms_of(contract)
        name = party_name(contract)
        ended = contract.terminated_on is not None and contract.terminated_on <= as_of
        if ended:
            continue
        if is_in_force(terms, as_of):
            covered.update(t.id for t in technicians_covered(contract, technicians))
        if contract.signed_on is None or contract.signed_on > as_of:
            out.append(
                Finding(
                    Area.CONTRACTS,
                    Severity.WARNING,
                    "contract.unsigned",
                    name,
                    f"Contract effective {contract.effective_on.isoformat()} is not signed.",
                    "Get both parties' signatures and record the signed date.",
                    contract.effective_on,
                    "contracts",
                    contract.id,
                )
            )
            continue
        end = current_term_end(terms, as_of)
        if end is not None and end < as_of:
            continue  # expired: shows up as technicians without a contract
        if contract.renewal_type is RenewalType.AUTO:
            deadline = cancellation_deadline(terms, as_of)
            if deadline is not None and 0 <= (deadline - as_of).days <= warn_days:
                out.append(
                    Finding(
                        Area.CONTRACTS,
                        Severity.INFO,
                        "contract.cancellation_notice",
                        name,
                        f"Renews automatically on {end}; notice to cancel is due by {deadline} "
                        f"({describe_due(deadline, as_of)}).",
                        "Decide whether to renew; give notice by the deadline if not.",
                        deadline,
                        "contracts",
                        contract.id,
                    )
                )
        elif end is not None and (end - as_of).days <= warn_days:
            out.append(
                Finding(
                    Area.CONTRACTS,
                    Severity.WARNING,
                    "contract.expiring",
                    name,
                    f"Contract expires {end.isoformat()} ({describe_due(end, as_of)}).",
                    "Renew the contract or arrange replacement cover.",
                    end,
                    "contracts",
                    contract.id,
                )
            )
        missing = missing_required_clauses(contract, definitions)
        if missing:
            out.append(
                Finding(
                    Area.CONTRACTS,
                    Severity.WARNING,
                    "contract.missing_clauses",
                    name,
                    f"Contract lacks {len(missing)} required clause(s): {', '.join(missing)}.",
                    "Amend the contract, or mark the clause not applicable with a reason.",
                    None,
                    "contracts",
                    contract.id,
                )
            )
        if contract.insurance_expires_on is not None and contract.insurance_expires_on < as_of:
            out.append(
                Finding(
                    Area.CONTRACTS,
                    Severity.WARNING,
                    "contract.insurance_expired",
                    name,
                    f"Certificate of insurance expired {contract.insurance_expires_on.isoformat()}.",
                    "Ask for a current certificate of insurance.",
                    contract.insurance_expires_on,
                    "contracts",
                    contract.id,
                )
            )
    for tech in technicians:
        if tech.id not in covered:
            out.append(
                Finding(
                    Area.CONTRACTS,
                    Severity.CRITICAL,
                    "technician.no_contract",
                    tech.full_name,
                    "Works without a signed contract in force (directly or through an agency).",
                    "Put a signed contract on file before the next shift.",
                    None,
                    "technicians",
                    tech.id,
                )
            )
    return out
