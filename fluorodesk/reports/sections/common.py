"""Small formatting helpers shared by the packet sections (words, never colour alone)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fluorodesk.reports.document import AttachmentInfo, Column, Row, Table, Tone

DASH = "—"


def d(day: date | None) -> str:
    return day.isoformat() if day else DASH


def num(value: float | None, unit: str = "", digits: int = 3) -> str:
    if value is None:
        return DASH
    text = f"{value:.{digits}g}" if abs(value) < 10**digits else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def join(parts: Iterable[str], sep: str = "; ") -> str:
    return sep.join(p for p in parts if p)


def document_tone(doc: AttachmentInfo) -> Tone:
    return "bad" if doc.problem else ""


def documents_table(
    docs: list[AttachmentInfo],
    *,
    title: str = "Documents on file",
    reproduced: bool,
    show_owner: bool = False,
) -> Table:
    """The documents attached to records, with the result of their hash check."""
    where = "reproduced after this table" if reproduced else "kept in FluoroDesk, not reproduced here"
    columns = [Column("Document", 2.6)]
    if show_owner:
        columns.append(Column("Belongs to", 2.2))
    columns += [Column("Attached", 1.2), Column("Check", 2.8)]
    rows = []
    for doc in docs:
        cells = [doc.name]
        if show_owner:
            cells.append(doc.owner_label or f"{doc.owner_type} #{doc.owner_id}")
        cells.append(doc.added_at.date().isoformat() + (f" by {doc.added_by}" if doc.added_by else ""))
        cells.append(doc.status_words if doc.problem else f"{doc.status_words}; {where}")
        rows.append(Row(tuple(cells), document_tone(doc)))
    return Table(tuple(columns), tuple(rows), title=title, empty="No documents attached.")
