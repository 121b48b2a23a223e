"""Contracts with their clause checklists and evaluations, as of the packet date.

Status words come from services/contracts (the same rules as the Contracts tab and the findings).
The clause checklist is the one on file now (the database keeps no history of ticks); its audit
trail is in FluoroDesk.  When the contracts capability lands, the lead can add its richer fields
(document versions, renewal chain) to ``_detail``.
"""

from __future__ import annotations

from fluorodesk.db.models import Contract
from fluorodesk.domain.contracts import cancellation_deadline, current_term_end
from fluorodesk.domain.dates import add_months, describe_due
from fluorodesk.domain.enums import ClauseStatus, RenewalType
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Block, Column, Fields, Para, Row, Section, SubHeading, Table, Tone
from fluorodesk.reports.sections.common import DASH, d, documents_table, join
from fluorodesk.services import packet_data
from fluorodesk.services.contracts.loading import (
    contract_facts,
    load_contracts,
    missing_required_clauses,
    party_name,
    technicians_covered,
    terms_of,
)
from fluorodesk.services.technicians import load_technicians

KEY = "contracts"
TITLE = "Contracts"
OWNER_TYPES = ("contract", "contract_evaluation", "agency")


def included(contract: Contract, ctx: PacketContext) -> bool:
    """On file by the packet date and not over before the period began."""
    on_file = contract.effective_on <= ctx.as_of or (
        contract.signed_on is not None and contract.signed_on <= ctx.as_of
    )
    if not on_file:
        return False
    if contract.terminated_on is not None and contract.terminated_on < ctx.period_from:
        return False
    end = current_term_end(terms_of(contract), ctx.period_from)
    return end is None or end >= ctx.period_from


def _status_tone(words: str) -> Tone:
    if words.startswith("In force"):
        return ""
    if words.startswith(("Not signed", "Expired", "Ended")):
        return "bad"
    return "muted"


def gather(ctx: PacketContext) -> Section:
    from fluorodesk.services.contracts.loading import load_clause_definitions

    on_file = load_contracts(ctx.session)
    # Status words from the contracts service's own rules (renewal chains, supersession, notice).
    status = {f.contract.id: f.status for f in contract_facts(ctx.session, on_file, ctx.as_of)}
    contracts = sorted(
        (c for c in on_file if included(c, ctx)),
        key=lambda c: (party_name(c).lower(), c.effective_on),
    )
    if not contracts:
        return Section(KEY, TITLE, (Para("No contracts on file for this period.", "empty"),))
    definitions = load_clause_definitions(ctx.session)
    technicians = [
        t
        for t in load_technicians(ctx.session)
        if (t.retired_on is None or t.retired_on > ctx.as_of)
        and (t.start_date is None or t.start_date <= ctx.as_of)
    ]
    procedures = packet_data.procedure_types(ctx.session)
    rows = []
    for c in contracts:
        words = status[c.id]
        missing = missing_required_clauses(c, definitions)
        rows.append(
            Row(
                (
                    party_name(c),
                    c.title or DASH,
                    f"{c.effective_on.isoformat()} to {d(current_term_end(terms_of(c), ctx.as_of))}",
                    c.renewal_type.label,
                    d(c.signed_on if c.signed_on and c.signed_on <= ctx.as_of else None),
                    words,
                    f"{len(missing)} required missing" if missing else "All required present",
                ),
                "bad" if _status_tone(words) == "bad" else ("warn" if missing else _status_tone(words)),
            )
        )
    blocks: list[Block] = [
        Para(
            f"{counted(len(contracts), 'contracts')} on file for the period, with their status on "
            f"{ctx.as_of.isoformat()}. A technician works only under a signed contract in force, "
            "directly or through an agency."
        ),
        Table(
            (
                Column("Party", 1.6),
                Column("Contract", 1.7),
                Column("Term", 1.5),
                Column("Renewal", 1.1),
                Column("Signed", 0.9),
                Column("Status", 1.4),
                Column("Clauses", 1.1),
            ),
            tuple(rows),
        ),
    ]
    for c in contracts:
        blocks.extend(_detail(c, ctx, definitions, technicians, procedures, status[c.id]))
    return Section(KEY, TITLE, tuple(blocks))


def _detail(contract, ctx, definitions, technicians, procedures, words) -> list[Block]:  # type: ignore[no-untyped-def]
    terms = terms_of(contract)
    as_of = ctx.as_of
    end = current_term_end(terms, as_of)
    renewal = contract.renewal_type.label
    if contract.renewal_type is RenewalType.AUTO:
        deadline = cancellation_deadline(terms, as_of)
        renewal += f", {contract.notice_days} days' notice" + (
            f" (give notice by {deadline.isoformat()} to stop the next renewal)" if deadline else ""
        )
    signed = contract.signed_on is not None and contract.signed_on <= as_of
    signatories = join([contract.clinic_signatory, contract.party_signatory], " and ")
    covered = technicians_covered(contract, technicians)
    pairs = [
        ("Party", f"{party_name(contract)} ({contract.party_type.label.lower()})"),
        ("Status", words),
        ("Term", f"{contract.effective_on.isoformat()} to {d(end)}"),
        ("Renewal", renewal),
        (
            "Signed",
            f"{contract.signed_on.isoformat()}" + (f" by {signatories}" if signatories else "")
            if signed and contract.signed_on
            else "Not signed",
        ),
        ("Covers", ", ".join(t.full_name for t in covered) or "No current technicians"),
    ]
    if contract.rate_amount is not None:
        basis = contract.rate_basis.label.lower() if contract.rate_basis else ""
        pairs.append(("Rate", f"{contract.rate_amount:,.2f} {basis}".strip()))
    if contract.cancellation_terms:
        pairs.append(("Cancellation", contract.cancellation_terms))
    if contract.overtime_terms:
        pairs.append(("Overtime", contract.overtime_terms))
    if contract.insurance_expires_on is not None:
        ins = contract.insurance_expires_on
        pairs.append(
            ("Insurance certificate", f"{'expired' if ins < as_of else 'valid to'} {ins.isoformat()}")
        )
    codes = sorted(
        procedures[p.procedure_type_id][0] for p in contract.procedures if p.procedure_type_id in procedures
    )
    if codes:
        pairs.append(("Procedures (CPT)", ", ".join(codes)))
    if contract.terminated_on is not None and contract.terminated_on <= as_of:
        pairs.append(("Terminated", contract.terminated_on.isoformat()))
    if contract.notes:
        pairs.append(("Notes", contract.notes))

    blocks: list[Block] = [
        SubHeading(
            f"{party_name(contract)}: {contract.title or 'contract'} ({contract.effective_on.isoformat()})"
        ),
        Fields(tuple(pairs)),
        _clauses(contract, definitions),
        _evaluations(contract, ctx, words),
    ]
    docs = ctx.documents_for(("contract",), contract.id)
    for evaluation in contract.evaluations:
        docs.extend(ctx.documents_for(("contract_evaluation",), evaluation.id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return blocks


def _clauses(contract, definitions) -> Table:  # type: ignore[no-untyped-def]
    checks = {c.clause_id: c for c in contract.clause_checks}
    missing = set(missing_required_clauses(contract, definitions))
    rows = []
    for clause in definitions:
        check = checks.get(clause.id)
        applies = clause.applies_to in ("all", contract.party_type.value)
        if not clause.active or (check is None and not applies):
            continue
        status = check.status if check else ClauseStatus.MISSING
        if status is ClauseStatus.MISSING:
            words, tone = ("Missing (required)", "bad") if clause.title in missing else ("Missing", "warn")
        elif status is ClauseStatus.NOT_APPLICABLE:
            words, tone = "Not applicable", "muted"
        else:
            words, tone = "Present", ""
        rows.append(Row((clause.title, words, (check.note if check else "") or DASH), tone))
    return Table(
        (Column("Clause", 3.5), Column("Status", 1.4), Column("Note", 2.5)),
        tuple(rows),
        title="Clause checklist",
        empty="No clauses defined.",
    )


def _evaluations(contract: Contract, ctx: PacketContext, words: str) -> Table:
    done = sorted(
        (e for e in contract.evaluations if e.evaluated_on <= ctx.as_of), key=lambda e: e.evaluated_on
    )
    interval = int(ctx.settings["contracts.evaluation_interval_months"])
    base = done[-1].evaluated_on if done else contract.effective_on
    due = add_months(base, interval)
    if words.startswith("In force"):
        when = describe_due(due, ctx.as_of)
        title = f"Evaluations (next due {due.isoformat()}, {when})"
    else:
        title = "Evaluations"
    return Table(
        (Column("Date", 0.9), Column("Evaluator", 1.5), Column("Outcome", 1.3), Column("Notes", 3.6)),
        tuple(
            Row(
                (
                    e.evaluated_on.isoformat(),
                    e.evaluator,
                    e.outcome.replace("_", " ").capitalize(),
                    e.notes or DASH,
                ),
                "bad"
                if e.outcome == "unsatisfactory"
                else ("warn" if e.outcome == "needs_improvement" else ""),
            )
            for e in done
        ),
        title=title,
        empty="No evaluation on file yet.",
    )


SPEC = SectionSpec(
    KEY, TITLE, gather, "Every contract with its clause checklist and evaluations", OWNER_TYPES
)
