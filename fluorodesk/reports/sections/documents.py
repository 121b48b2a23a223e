"""Index of every document on file on the packet date, with its SHA-256 check.

Documents whose record belongs to no packet section are listed here too, so nothing on file is
ever skipped silently.
"""

from __future__ import annotations

from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import Column, Para, Row, Section, Table

KEY = "documents"
TITLE = "Index of documents on file"


def gather(ctx: PacketContext) -> Section:
    from fluorodesk.reports.sections import SECTIONS

    claimed = {t: spec for spec in SECTIONS for t in spec.owner_types}
    rows = []
    for doc in sorted(ctx.documents, key=lambda x: (x.owner_label.lower(), x.added_at, x.id)):
        spec = claimed.get(doc.owner_type)
        if doc.problem:
            where = "Not reproduced (see Exceptions)"
        elif spec is None:
            where = "Listed here only"
        elif spec.key == "technicians":
            where = "Reproduced in Technicians"
        else:
            where = f"Listed in {spec.title}"
        rows.append(
            Row(
                (
                    doc.owner_label or f"{doc.owner_type} #{doc.owner_id}",
                    doc.name,
                    doc.added_at.date().isoformat(),
                    doc.sha256[:16] + "…",
                    doc.status_words,
                    where,
                ),
                "bad" if doc.problem else "",
            )
        )
    problems = sum(1 for doc in ctx.documents if doc.problem)
    intro = Para(
        f"{counted(len(ctx.documents), 'documents')} {'was' if len(ctx.documents) == 1 else 'were'} on file "
        f"on {ctx.as_of.isoformat()}; each was checked against the SHA-256 recorded when it was attached. "
        f"{problems} missing or altered."
        if ctx.documents
        else "No documents were on file on the packet date.",
        "body" if ctx.documents else "empty",
    )
    table = Table(
        (
            Column("Belongs to", 2.0),
            Column("Document", 1.9),
            Column("Attached", 0.9),
            Column("SHA-256 (start)", 1.4),
            Column("Check", 1.5),
            Column("In this packet", 1.4),
        ),
        tuple(rows),
        empty="No documents on file.",
    )
    return Section(KEY, TITLE, (intro, table) if rows else (intro,))


SPEC = SectionSpec(KEY, TITLE, gather, "Every document on file with its hash check")
