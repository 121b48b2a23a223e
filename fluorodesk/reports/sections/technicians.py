"""Technician roster with every credential's status, verification and expiry, then each technician's
credential detail and CE with the scanned documents reproduced after it.

Everything here is read from the Technicians tab's own files (``services.technicians.loading.
technician_files``) as of the packet date: the same statuses, readiness, CE progress and "which
record counts" as the tab and the Overview.  Records issued after the packet date, and records
voided as entered in error, are left out of the detail.
"""

from __future__ import annotations

from datetime import date

from fluorodesk.db.models import Technician
from fluorodesk.domain.credentials import PRIMARY_SOURCE_TYPES, CredentialState
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
from fluorodesk.services.technicians.loading import load_technicians, technician_files
from fluorodesk.services.technicians.rows import (
    CeActivityRow,
    CredentialLine,
    CredentialRecord,
    TechnicianFile,
    TechnicianRow,
)

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


def _left(row: TechnicianRow, as_of: date) -> bool:
    return row.retired_on is not None and row.retired_on <= as_of


def verification_words(record: CredentialRecord | None, ctype: CredentialType, as_of: date) -> str:
    """Primary-source verification (when, how, by whom) for licences, certifications and permits;
    for the other items a copy on file is what counts.  A verification after ``as_of`` had not
    happened yet (the status rule says the same)."""
    if record is None:
        return DASH
    verified = record.verified_on if record.verified_on is not None and record.verified_on <= as_of else None
    if ctype in PRIMARY_SOURCE_TYPES:
        if verified is None:
            return "Not verified at the source"
        by = f"by {record.verified_by}" if record.verified_by else ""
        return join([verified.isoformat(), record.verification_method, by], ", ")
    return f"Copy on file, checked {verified.isoformat()}" if verified else "Copy on file"


def readiness_words(row: TechnicianRow, as_of: date) -> tuple[str, Tone]:
    """The row's readiness on ``as_of`` in words (the reasons are the tab's and the Overview's)."""
    if _left(row, as_of):
        assert row.retired_on is not None
        return f"Left {row.retired_on.isoformat()}" + (
            f" ({row.retired_reason})" if row.retired_reason else ""
        ), "muted"
    if not row.readiness.can_work:
        return row.readiness.summary, "bad"
    if any(s.state is CredentialState.EXPIRING for s in row.statuses):
        return "Can work (renewal due soon)", "warn"
    return "Can work", "ok"


def _employment(row: TechnicianRow, joiner: str) -> str:
    return row.employment_type.label + (f"{joiner}{row.agency}" if row.agency else "")


def gather(ctx: PacketContext) -> Section:
    techs = [t for t in load_technicians(ctx.session, ce=True) if included(t, ctx)]
    if not techs:
        return Section(KEY, TITLE, (Para("No technicians on file for this period.", "empty"),))
    files = technician_files(ctx.session, techs, ctx.settings, ctx.as_of)

    roster_rows = []
    credential_rows = []
    can_work = 0
    for file in files:
        row = file.row
        words, tone = readiness_words(row, ctx.as_of)
        can_work += words.startswith("Can work")
        roster_rows.append(
            Row((row.name, _employment(row, ", "), row.arrt_id or DASH, d(row.start_date), words), tone)
        )
        if _left(row, ctx.as_of):
            continue
        for line in file.lines:
            credential_rows.append(
                Row(
                    (
                        row.name,
                        line.type.label,
                        line.words,
                        verification_words(line.record, line.type, ctx.as_of),
                        d(line.status.expires_on),
                    ),
                    _STATE_TONE.get(line.status.state, ""),
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
    for file in files:
        blocks.extend(_detail(file, ctx))
    return Section(KEY, TITLE, tuple(blocks))


def _records_on_file(file: TechnicianFile, ctx: PacketContext) -> list[CredentialLine]:
    """The file's records that were on file on the packet date, newest first (voided ones were
    entered in error: the statuses ignore them too, and the audit trail keeps them)."""
    return [
        line
        for line in file.records
        if line.record is not None and line.record.voided_at is None and ctx.on_file(line.record.issued_on)
    ]


def _ce_done(file: TechnicianFile, ctx: PacketContext) -> list[CeActivityRow]:
    """CE activities done by the packet date and not voided, oldest first."""
    return [a for a in reversed(file.ce_activities) if a.voided_at is None and a.completed_on <= ctx.as_of]


def _detail(file: TechnicianFile, ctx: PacketContext) -> list[Block]:
    row = file.row
    words, _tone = readiness_words(row, ctx.as_of)
    pairs = [
        ("Employment", _employment(row, " through ")),
        ("ARRT ID", row.arrt_id or DASH),
        ("Contact", join([row.email, row.phone], ", ") or DASH),
        ("Started", d(row.start_date)),
        (f"Status on {ctx.as_of.isoformat()}", words),
    ]
    if row.birth_month:
        pairs.append(("ARRT renewal", f"end of {date(2000, row.birth_month, 1):%B} each year"))
    blocks: list[Block] = [SubHeading(row.name, new_page=True), Fields(tuple(pairs))]

    records = _records_on_file(file, ctx)
    ce = _ce_done(file, ctx)
    docs = ctx.documents_for(("technician",), row.id)
    for line in records:
        assert line.record is not None
        docs.extend(ctx.documents_for(("credential",), line.record.id))
    for activity in ce:
        docs.extend(ctx.documents_for(("ce_activity",), activity.id))
    if not docs:
        # Said under the technician's facts: after the CE table it could be left alone on a page.
        blocks.append(Para("No scanned documents attached for this technician.", "note"))
    rows = []
    for line in file.lines:
        of_type = [r for r in records if r.type is line.type]
        if not of_type:
            rows.append(
                Row(
                    (line.type.label, DASH, DASH, DASH, DASH, line.words),
                    _STATE_TONE.get(line.status.state, ""),
                )
            )
            continue
        for record_line in of_type:
            record = record_line.record
            assert record is not None
            counts = not record_line.history  # the record that counts on the packet date
            rows.append(
                Row(
                    (
                        line.type.label,
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
                        verification_words(record, line.type, ctx.as_of),
                        line.words if counts else record_line.words,
                    ),
                    _STATE_TONE.get(line.status.state, "") if counts else "muted",
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
    blocks.append(_ce_table(file, ce, ctx))
    if docs:
        blocks.append(documents_table(docs, reproduced=True))
        for doc in docs:
            if not doc.problem:
                blocks.append(Scan(doc, f"{doc.owner_label or row.name}: “{doc.name}”"))
    return blocks


def _ce_table(file: TechnicianFile, done: list[CeActivityRow], ctx: PacketContext) -> Table:
    """The CE that counts in the biennium of the packet date, with the tab's progress in words (the
    period's CE when no biennium can be worked out)."""
    progress = file.row.ce
    if progress.biennium is not None:
        start, end = progress.biennium.start, progress.biennium.end
        shown = [a for a in done if a.in_biennium]
        title = f"Continuing education, biennium {start.isoformat()} to {end.isoformat()}: {progress.words}"
    else:
        shown = [a for a in done if ctx.in_period(a.completed_on)]
        title = f"Continuing education in the period ({progress.words.lower()})"
    return Table(
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
                    d(a.completed_on),
                    a.title + (" (fluoroscopy safety)" if a.fluoro_safety else ""),
                    a.provider or DASH,
                    num(a.credits),
                    a.category,
                )
            )
            for a in shown
        ),
        title=title,
        empty="No continuing education recorded.",
    )


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Roster, credential status and verification, each technician's file with the attached scans",
    OWNER_TYPES,
)
