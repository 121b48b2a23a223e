"""Technician roster with every credential's status, verification and expiry, then each technician's
credential detail with the scanned documents reproduced after it.

Statuses are computed by services/technicians.evaluate_technician as of the packet date (the same
rule the Overview uses); records dated after the packet date are left out of the detail.

When the credentials & CE capability lands, the lead can extend ``_ce_blocks`` (biennium totals,
category checks) and align ``OWNER_TYPES`` with the owner types its dialogs attach files to.
"""

from __future__ import annotations

from datetime import date

from fluorodesk.db.models import Credential, Technician
from fluorodesk.domain.credentials import PRIMARY_SOURCE_TYPES, CredentialState, CredentialStatus
from fluorodesk.domain.enums import CredentialType
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import (
    Block,
    Column,
    Fields,
    Para,
    Row,
    Scan,
    Section,
    SubHeading,
    Table,
    Tone,
)
from fluorodesk.reports.sections.common import DASH, d, documents_table, join, num
from fluorodesk.services import packet_data
from fluorodesk.services.technicians.loading import load_technicians
from fluorodesk.services.technicians.rules import evaluate_technician

KEY = "technicians"
TITLE = "Technicians and credentials"
OWNER_TYPES = ("technician", "credential", "ce_activity")

_STATE_TONE: dict[CredentialState, Tone] = {
    CredentialState.EXPIRED: "bad",
    CredentialState.MISSING: "bad",
    CredentialState.UNVERIFIED: "bad",
    CredentialState.EXPIRING: "warn",
    CredentialState.NOT_APPLICABLE: "muted",
}


def included(tech: Technician, ctx: PacketContext) -> bool:
    """On staff on the packet date, or worked during the period and has since left."""
    if tech.start_date is not None and tech.start_date > ctx.as_of:
        return False
    if tech.start_date is None and tech.created_at is not None and tech.created_at.date() > ctx.as_of:
        return False
    return tech.retired_on is None or tech.retired_on >= ctx.period_from


def effective(records: list[Credential], as_of: date) -> Credential | None:
    """The record that counts on ``as_of`` (the rule of domain.credentials.effective_record)."""
    known = [r for r in records if r.issued_on is None or r.issued_on <= as_of]
    if not known:
        return None
    return max(known, key=lambda r: (r.expires_on or date.max, r.issued_on or date.min))


def verification_words(cred: Credential | None, ctype: CredentialType, as_of: date) -> str:
    """Primary-source verification (when, how, by whom) for licences, certifications and permits;
    for the other items a copy on file is what counts."""
    if cred is None:
        return DASH
    verified = cred.verified_on if cred.verified_on is not None and cred.verified_on <= as_of else None
    if ctype in PRIMARY_SOURCE_TYPES:
        if verified is None:
            return "Not verified at the source"
        by = f"by {cred.verified_by}" if cred.verified_by else ""
        return join([verified.isoformat(), cred.verification_method, by], ", ")
    return f"Copy on file, checked {verified.isoformat()}" if verified else "Copy on file"


def readiness_words(
    tech: Technician, statuses: tuple[CredentialStatus, ...], as_of: date
) -> tuple[str, Tone]:
    if tech.retired_on is not None and tech.retired_on <= as_of:
        return f"Left {tech.retired_on.isoformat()}" + (
            f" ({tech.retired_reason})" if tech.retired_reason else ""
        ), "muted"
    blocking = [s for s in statuses if s.state.blocks_work]
    if blocking:
        return "Cannot work: " + "; ".join(f"{s.type.label} {s.state.label.lower()}" for s in blocking), "bad"
    if any(s.state is CredentialState.EXPIRING for s in statuses):
        return "Can work (renewal due soon)", "warn"
    return "Can work", "ok"


def gather(ctx: PacketContext) -> Section:
    techs = [t for t in load_technicians(ctx.session) if included(t, ctx)]
    if not techs:
        return Section(KEY, TITLE, (Para("No technicians on file for this period.", "empty"),))
    ce = packet_data.ce_activities(ctx.session, ctx.as_of)
    evaluated = [(t, *evaluate_technician(t, ctx.settings, ctx.as_of)) for t in techs]

    roster_rows = []
    credential_rows = []
    can_work = 0
    for tech, statuses, _ready in evaluated:
        words, tone = readiness_words(tech, statuses, ctx.as_of)
        can_work += words.startswith("Can work")
        roster_rows.append(
            Row(
                (
                    tech.full_name,
                    tech.employment_type.label + (f", {tech.agency.name}" if tech.agency else ""),
                    tech.arrt_id or DASH,
                    d(tech.start_date),
                    words,
                ),
                tone,
            )
        )
        if tech.retired_on is not None and tech.retired_on <= ctx.as_of:
            continue
        by_type = _records_by_type(tech, ctx)
        for status in statuses:
            record = effective(by_type.get(status.type, []), ctx.as_of)
            credential_rows.append(
                Row(
                    (
                        tech.full_name,
                        status.type.label,
                        status.words,
                        verification_words(record, status.type, ctx.as_of),
                        d(status.expires_on),
                    ),
                    _STATE_TONE.get(status.state, ""),
                )
            )

    blocks: list[Block] = [
        Para(
            f"{counted(len(techs), 'technicians')} on staff during {ctx.period_from.isoformat()} to "
            f"{ctx.period_to.isoformat()}; {can_work} could work on {ctx.as_of.isoformat()}. "
            "Status is as of the packet date; licensure, certification and permits count as current only "
            "when verified at the issuing body (primary source)."
        ),
        SubHeading("Roster"),
        Table(
            (
                Column("Technician", 1.6),
                Column("Employment", 1.9),
                Column("ARRT ID", 0.9),
                Column("Started", 0.9),
                Column(f"Status on {ctx.as_of.isoformat()}", 3.0),
            ),
            tuple(roster_rows),
        ),
        SubHeading("Credential status"),
        Table(
            (
                Column("Technician", 1.4),
                Column("Credential", 1.7),
                Column("Status", 1.5),
                Column("Verified", 2.6),
                Column("Expires", 0.9),
            ),
            tuple(credential_rows),
            empty="No credentials on file.",
        ),
    ]
    for tech, statuses, _ready in evaluated:
        blocks.extend(_detail(tech, statuses, ce.get(tech.id, []), ctx))
    return Section(KEY, TITLE, tuple(blocks))


def _records_by_type(tech: Technician, ctx: PacketContext) -> dict[CredentialType, list[Credential]]:
    out: dict[CredentialType, list[Credential]] = {}
    for cred in tech.credentials:
        if cred.voided_at is not None:
            continue  # entered in error (the statuses ignore it too); the audit trail keeps it
        if ctx.on_file(cred.issued_on, cred.created_at):
            out.setdefault(cred.type, []).append(cred)
    return out


def _detail(
    tech: Technician, statuses: tuple[CredentialStatus, ...], ce: list[packet_data.CeRow], ctx: PacketContext
) -> list[Block]:
    words, _tone = readiness_words(tech, statuses, ctx.as_of)
    pairs = [
        ("Employment", tech.employment_type.label + (f" through {tech.agency.name}" if tech.agency else "")),
        ("ARRT ID", tech.arrt_id or DASH),
        ("Contact", join([tech.email, tech.phone], ", ") or DASH),
        ("Started", d(tech.start_date)),
        (f"Status on {ctx.as_of.isoformat()}", words),
    ]
    if tech.birth_month:
        pairs.append(("ARRT renewal", f"end of {date(2000, tech.birth_month, 1):%B} each year"))
    blocks: list[Block] = [SubHeading(tech.full_name, new_page=True), Fields(tuple(pairs))]

    by_type = _records_by_type(tech, ctx)
    docs = ctx.documents_for(("technician",), tech.id)
    for records in by_type.values():
        for record in records:
            docs.extend(ctx.documents_for(("credential",), record.id))
    for ce_row in ce:
        docs.extend(ctx.documents_for(("ce_activity",), ce_row.id))
    if not docs:
        # Said under the technician's facts: after the CE table it could be left alone on a page.
        blocks.append(Para("No scanned documents attached for this technician.", "note"))
    status_of = {s.type: s for s in statuses}
    rows = []
    ordered = list(status_of) + [t for t in by_type if t not in status_of]
    for ctype in ordered:
        records = sorted(by_type.get(ctype, []), key=lambda r: (r.issued_on or date.min, r.id), reverse=True)
        current = effective(records, ctx.as_of)
        status = status_of.get(ctype)
        if not records:
            exemption = next((e for e in tech.exemptions if e.type is ctype), None)
            text = status.words if status else "Not on file"
            if exemption is not None:
                text = f"Not applicable: {exemption.reason}"
            rows.append(
                Row(
                    (ctype.label, DASH, DASH, DASH, DASH, text),
                    _STATE_TONE.get(status.state, "") if status else "",
                )
            )
            continue
        for record in records:
            is_current = record is current
            rows.append(
                Row(
                    (
                        ctype.label,
                        join(
                            [
                                record.number,
                                record.issuer,
                                f"result: {record.result}" if record.result else "",
                            ],
                            ", ",
                        )
                        or DASH,
                        d(record.issued_on),
                        d(record.expires_on),
                        verification_words(record, ctype, ctx.as_of),
                        (status.words if status else "On file")
                        if is_current
                        else "Superseded by a later record",
                    ),
                    (_STATE_TONE.get(status.state, "") if status else "") if is_current else "muted",
                )
            )
    blocks.append(
        Table(
            (
                Column("Credential", 1.4),
                Column("Number, issuer, result", 1.8),
                Column("Issued", 0.9),
                Column("Expires", 0.9),
                Column("Verification", 2.0),
                Column("Status", 1.3),
            ),
            tuple(rows),
            title="Credential records",
            empty="No credentials on file.",
        )
    )
    blocks.extend(_ce_blocks(tech, ce, ctx))
    if docs:
        blocks.append(documents_table(docs, reproduced=True))
        for doc in docs:
            if not doc.problem:
                blocks.append(Scan(doc, f"{doc.owner_label or tech.full_name}: “{doc.name}”"))
    return blocks


def _ce_blocks(tech: Technician, ce: list[packet_data.CeRow], ctx: PacketContext) -> list[Block]:
    from fluorodesk.services.technicians.rules import evaluate_ce

    progress = evaluate_ce(tech, ctx.settings, ctx.as_of)  # the Technicians tab's own rule
    if progress.biennium is not None:
        start, end = progress.biennium.start, progress.biennium.end
        shown = [c for c in ce if start <= c.completed_on <= end]
        title = f"Continuing education, biennium {start.isoformat()} to {end.isoformat()}: {progress.words}"
    else:
        shown = [c for c in ce if ctx.in_period(c.completed_on)]
        title = f"Continuing education in the period ({progress.words.lower()})"
    return [
        Table(
            (
                Column("Completed", 0.9),
                Column("Activity", 3.0),
                Column("Provider", 1.8),
                Column("Credits", 0.7, "RIGHT"),
                Column("Category", 0.9),
            ),
            tuple(
                Row(
                    (
                        d(c.completed_on),
                        c.title + (" (fluoroscopy safety)" if c.fluoro_safety else ""),
                        c.provider or DASH,
                        num(c.credits),
                        c.category,
                    )
                )
                for c in shown
            ),
            title=title,
            empty="No continuing education recorded.",
        )
    ]


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Roster, credential status and verification, each technician's file with the attached scans",
    OWNER_TYPES,
)
