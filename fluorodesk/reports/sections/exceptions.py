"""Exceptions first: every critical and warning finding as of the packet date, grouped by area.

The findings come from services/compliance (the same list as the Overview and `fluorodesk status`),
so the packet can never disagree with the app.  Documents that are missing or altered are listed
here too: a packet never skips one silently.
"""

from __future__ import annotations

from collections import Counter

from fluorodesk.domain.enums import Area, Severity
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Block, Column, Para, Row, Section, SubHeading, Table
from fluorodesk.reports.sections.common import d

KEY = "exceptions"
TITLE = "Exceptions: what needs attention"

_COLUMNS = (
    Column("Severity", 0.9),
    Column("Subject", 1.6),
    Column("Problem", 3.2),
    Column("Due", 1.0),
    Column("What to do", 2.6),
)


def gather(ctx: PacketContext) -> Section:
    shown = [f for f in ctx.findings if f.severity in (Severity.CRITICAL, Severity.WARNING)]
    counts = Counter(f.severity for f in ctx.findings)
    blocks: list[Block] = []
    if shown:
        blocks.append(
            Para(
                f"As of {ctx.as_of.isoformat()}: "
                f"{counted(counts[Severity.CRITICAL], 'critical findings')} and "
                f"{counted(counts[Severity.WARNING], 'warnings')}, grouped by area, most urgent first. "
                "Each line says what to do about it."
            )
        )
    else:
        blocks.append(
            Para(
                f"Nothing needs attention as of {ctx.as_of.isoformat()}: no critical or warning findings.",
                "empty",
            )
        )
    if counts[Severity.INFO]:
        blocks.append(
            Para(
                f"{counted(counts[Severity.INFO], 'items')} to plan ahead "
                f"(information only, nothing overdue) "
                f"{'is' if counts[Severity.INFO] == 1 else 'are'} not listed.",
                "note",
            )
        )
    for area in Area:
        group = [f for f in shown if f.area is area]
        if not group:
            continue
        critical = sum(1 for f in group if f.severity is Severity.CRITICAL)
        blocks.append(
            SubHeading(f"{area.label}: {critical} critical, {counted(len(group) - critical, 'warnings')}")
        )
        blocks.append(
            Table(
                _COLUMNS,
                tuple(
                    Row(
                        (f.severity.label, f.subject, f.message, d(f.due), f.action),
                        "bad" if f.severity is Severity.CRITICAL else "warn",
                    )
                    for f in group
                ),
            )
        )
    problems = [doc for doc in ctx.documents if doc.problem]
    blocks.append(SubHeading(f"Documents missing or altered: {len(problems)}"))
    if problems:
        blocks.append(
            Para(
                "These files are recorded as attached but are missing from the data folder, or their "
                "content no longer matches the SHA-256 recorded when they were added. They are not "
                "reproduced in this packet. Restore them from a backup or re-scan the originals.",
                "alert",
            )
        )
    blocks.append(
        Table(
            (
                Column("Document", 2.4),
                Column("Belongs to", 1.6),
                Column("Attached", 1.2),
                Column("Problem", 3.0),
            ),
            tuple(
                Row(
                    (
                        doc.name,
                        doc.owner_label or f"{doc.owner_type} #{doc.owner_id}",
                        d(doc.added_at.date()),
                        doc.status_words,
                    ),
                    "bad",
                )
                for doc in problems
            ),
            empty="Every document on file was found and matches its recorded SHA-256.",
        )
    )
    return Section(KEY, TITLE, tuple(blocks))


SPEC = SectionSpec(
    KEY,
    TITLE,
    gather,
    "Critical and warning findings by area, and missing or altered documents",
)
