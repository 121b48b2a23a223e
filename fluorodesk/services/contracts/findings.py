"""Contract findings for the Overview, `fluorodesk status` and the packet: contracts to sign, amend,
renew, give notice on or evaluate, certificates of insurance, and technicians working without a
signed contract in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from fluorodesk.db.models import Technician
from fluorodesk.domain.contracts import (
    ContractState,
    cancellation_deadline,
    current_term_end,
    describe_days,
    ends_on,
    evaluation_due,
    renewal_months,
)
from fluorodesk.domain.enums import Area, ContractParty, RenewalType, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.services.contracts.loading import (
    ContractFacts,
    contract_facts,
    load_clause_definitions,
    load_contracts,
    missing_required_clauses,
    party_name,
    technicians_covered,
    working_technicians,
)


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
