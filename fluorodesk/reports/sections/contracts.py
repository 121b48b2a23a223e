"""Contracts with their clause checklists and evaluations, as of the packet date.

Everything here is read from the contract service's own rows for the packet's ``as_of``
(``services.contracts.rows.contract_details``): the rows the Contracts tab and the contract dialog show,
so the status, the term, who is covered, the missing clauses and the next evaluation are the tab's.
The clause checklist is the one on file now (the database keeps no history of ticks); its audit trail
is in FluoroDesk.
"""

from __future__ import annotations

from datetime import date, timedelta

from fluorodesk.domain.contracts import ContractState
from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.enums import ClauseStatus, RenewalType
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import (
    Block,
    Column,
    Fields,
    Para,
    Row,
    Section,
    SubHeading,
    Table,
    Tone,
)
from fluorodesk.reports.sections.common import DASH, d, documents_table, join
from fluorodesk.services import packet_data
from fluorodesk.services.contracts.rows import ContractDetail, ContractRow, contract_details

KEY = "contracts"
TITLE = "Contracts"
OWNER_TYPES = ("contract", "contract_evaluation", "agency")

STATE_TONE: dict[ContractState, Tone] = {
    ContractState.IN_FORCE: "",
    ContractState.PENDING: "muted",
    ContractState.SUPERSEDED: "muted",
    ContractState.UNSIGNED: "bad",
    ContractState.EXPIRED: "bad",
    ContractState.TERMINATED: "bad",
}
OUTCOME_TONE: dict[str, Tone] = {"unsatisfactory": "bad", "needs_improvement": "warn"}


def included(row: ContractRow, ctx: PacketContext) -> bool:
    """On file by the packet date and not over before the period began."""
    on_file = row.effective_on <= ctx.as_of or (row.signed_on is not None and row.signed_on <= ctx.as_of)
    return on_file and (row.ends_on is None or row.ends_on >= ctx.period_from)


def signed_on(row: ContractRow, ctx: PacketContext) -> date | None:
    """The signature date, when it was signed by the packet date."""
    return row.signed_on if row.signed_on is not None and row.signed_on <= ctx.as_of else None


def gather(ctx: PacketContext) -> Section:
    details = sorted(
        (c for c in contract_details(ctx.session, ctx.as_of) if included(c.row, ctx)),
        key=lambda c: (c.row.party.lower(), c.effective_on),
    )
    if not details:
        return Section(KEY, TITLE, (Para("No contracts on file for this period.", "empty"),))
    rows = []
    for c in details:
        r = c.row
        tone = STATE_TONE[r.state]
        rows.append(
            Row(
                (
                    r.party,
                    r.title or DASH,
                    f"{r.effective_on.isoformat()} to {d(r.term_end)}",
                    r.renewal_type.label,
                    d(signed_on(r, ctx)),
                    r.status,
                    f"{len(r.missing_clauses)} required missing"
                    if r.missing_clauses
                    else "All required present",
                ),
                tone or ("warn" if r.missing_clauses else ""),
            )
        )
    blocks: list[Block] = [
        Para(
            f"{counted(len(details), 'contracts')} on file for the period, with their status on "
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
    procedures = packet_data.procedure_types(ctx.session)
    for c in details:
        blocks.extend(_detail(c, ctx, procedures))
    return Section(KEY, TITLE, tuple(blocks))


def _renewal(c: ContractDetail) -> str:
    r = c.row
    words = r.renewal_type.label
    if r.renewal_type is not RenewalType.AUTO:
        return words
    words += f", {c.notice_days} days' notice"
    if r.notice_by is None:
        return words
    if r.notice_passed and r.term_end is not None:
        renews = r.term_end + timedelta(days=1)
        return words + f" (notice date {r.notice_by.isoformat()} passed: renews {renews.isoformat()})"
    return words + f" (give notice by {r.notice_by.isoformat()} to stop the next renewal)"


def _detail(c: ContractDetail, ctx: PacketContext, procedures: dict[int, tuple[str, str]]) -> list[Block]:
    r = c.row
    signed = signed_on(r, ctx)
    signatories = join([c.clinic_signatory, c.party_signatory], " and ")
    pairs = [
        ("Party", f"{r.party} ({r.party_type.label.lower()})"),
        ("Status", r.status),
        ("Term", f"{r.effective_on.isoformat()} to {d(r.term_end)}"),
        ("Renewal", _renewal(c)),
        (
            "Signed",
            signed.isoformat() + (f" by {signatories}" if signatories else "") if signed else "Not signed",
        ),
        ("Covers", ", ".join(r.covered) or "No current technicians"),
    ]
    if r.rate:
        pairs.append(("Rate", r.rate))
    if c.cancellation_terms:
        pairs.append(("Cancellation", c.cancellation_terms))
    if c.overtime_terms:
        pairs.append(("Overtime", c.overtime_terms))
    if r.insurance_expires_on is not None:
        state = "expired" if r.insurance_expired else "valid to"
        pairs.append(("Insurance certificate", f"{state} {r.insurance_expires_on.isoformat()}"))
    codes = sorted(procedures[p][0] for p in c.procedure_ids if p in procedures)
    if codes:
        pairs.append(("Procedures (CPT)", ", ".join(codes)))
    if r.terminated_on is not None and r.terminated_on <= ctx.as_of:
        pairs.append(("Terminated", r.terminated_on.isoformat()))
    if c.notes:
        pairs.append(("Notes", c.notes))

    blocks: list[Block] = [
        SubHeading(f"{r.party}: {r.title or 'contract'} ({r.effective_on.isoformat()})"),
        Fields(tuple(pairs)),
        _clauses(c),
        _evaluations(c, ctx),
    ]
    docs = ctx.documents_for(("contract",), r.id)
    for evaluation in c.evaluations:
        docs.extend(ctx.documents_for(("contract_evaluation",), evaluation.id))
    if docs:
        blocks.append(documents_table(docs, reproduced=False, show_owner=True))
    return blocks


def _clauses(c: ContractDetail) -> Table:
    """The contract dialog's checklist: each clause with its recorded decision."""
    rows = []
    for clause in c.clauses:
        title = clause.title if clause.active else f"{clause.title} (retired clause)"
        words: str
        tone: Tone
        if clause.status is ClauseStatus.PRESENT:
            words, tone = "Present", ""
        elif clause.status is ClauseStatus.NOT_APPLICABLE:
            words, tone = "Not applicable", "muted"
        elif clause.title in c.row.missing_clauses:
            words, tone = "Missing (required)", "bad"
        else:
            words, tone = "Missing", "warn"
        rows.append(Row((title, words, clause.note or DASH), tone))
    return Table(
        (Column("Clause", 3.5), Column("Status", 1.4), Column("Note", 2.5)),
        tuple(rows),
        title="Clause checklist",
        empty="No clauses defined.",
    )


def _evaluations(c: ContractDetail, ctx: PacketContext) -> Table:
    """Evaluations of the service by the packet date (this contract and the ones it renewed)."""
    due = c.row.evaluation_due
    title = (
        f"Evaluations (next due {due.isoformat()}, {describe_due(due, ctx.as_of)})" if due else "Evaluations"
    )
    return Table(
        (Column("Date", 0.9), Column("Evaluator", 1.5), Column("Outcome", 1.3), Column("Notes", 3.6)),
        tuple(
            Row(
                (e.evaluated_on.isoformat(), e.evaluator, e.outcome_label, e.notes or DASH),
                OUTCOME_TONE.get(e.outcome, ""),
            )
            for e in sorted(c.evaluations, key=lambda e: (e.evaluated_on, e.id))
        ),
        title=title,
        empty="No evaluation on file yet.",
    )


SPEC = SectionSpec(
    KEY, TITLE, gather, "Every contract with its clause checklist and evaluations", OWNER_TYPES
)
