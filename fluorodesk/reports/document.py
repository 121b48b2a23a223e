"""The packet as plain data: sections made of simple blocks, before any PDF exists.

Section modules (reports/sections/) turn the clinic's records into these frozen blocks; the PDF
renderer (reports/pdf/) only lays them out.  Keeping the two apart means a section can be tested
by reading its words, and a new kind of record needs a section module, not a new renderer.

Every status is carried in words (``Row.tone`` only adds a tint for the eye).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from fluorodesk.domain.exposure import TrendSeries

Tone = Literal["", "bad", "warn", "ok", "muted"]
NO_RECORDS = "No records in this period."


@dataclass(frozen=True)
class Para:
    text: str
    kind: Literal["body", "note", "empty", "alert"] = "body"


@dataclass(frozen=True)
class SubHeading:
    """A heading inside a section; with ``bookmark`` it also gets a contents line and a PDF bookmark."""

    text: str
    bookmark: bool = True
    new_page: bool = False


@dataclass(frozen=True)
class Fields:
    """Label/value pairs (a record's details)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Column:
    header: str
    weight: float = 1.0  # share of the page width
    align: Literal["LEFT", "RIGHT", "CENTER"] = "LEFT"


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    tone: Tone = ""


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    title: str = ""
    empty: str = NO_RECORDS  # said instead of an empty table


@dataclass(frozen=True)
class TrendChart:
    """Exposure-rate readings over time with the limit, the baseline steps and missed periods: the
    Exposure Logs tab's own chart data, drawn by the tab's own drawing code (``reports/charts``)."""

    series: TrendSeries
    note: str = ""  # a line under the chart

    @property
    def title(self) -> str:
        return self.series.title


@dataclass(frozen=True)
class AttachmentInfo:
    """A document on file, checked against its SHA-256 while the packet was gathered."""

    id: int
    owner_type: str
    owner_id: int
    name: str
    media_type: str
    path: Path
    sha256: str
    added_at: datetime
    added_by: str
    problem: str | None = None  # "missing", "altered (...)", "cannot be opened ..."
    pages: int = 0  # PDF pages (1 for an image) when readable
    owner_label: str = ""  # what it belongs to, in words: "Maria Alvarez: BLS"

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"

    @property
    def status_words(self) -> str:
        if self.problem:
            return self.problem[0].upper() + self.problem[1:]
        return "Present, unaltered (SHA-256 matches)"


@dataclass(frozen=True)
class Scan:
    """A document reproduced in the packet: PDF pages merged in, or an image on its own page."""

    attachment: AttachmentInfo
    caption: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Signature:
    """Signature lines for the attestation: (label, pre-filled value or "" for a blank line)."""

    lines: tuple[tuple[str, str], ...]


Block = Para | SubHeading | Fields | Table | TrendChart | Scan | PageBreak | Signature


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]
    new_page: bool = True

    def text(self) -> str:
        """Every word of the section, for tests and quick checks."""
        return "\n".join(_words(self))


def _words(section: Section) -> Iterator[str]:
    yield section.title
    for block in section.blocks:
        if isinstance(block, Para | SubHeading):
            yield block.text
        elif isinstance(block, Fields):
            yield from (f"{k}: {v}" for k, v in block.pairs)
        elif isinstance(block, Table):
            yield block.title
            yield " | ".join(c.header for c in block.columns)
            yield from (" | ".join(r.cells) for r in block.rows)
            if not block.rows:
                yield block.empty
        elif isinstance(block, TrendChart):
            yield block.title
        elif isinstance(block, Scan):
            yield block.caption
        elif isinstance(block, Signature):
            yield from (f"{label}: {value}" for label, value in block.lines)


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    address: str
    director: str


@dataclass(frozen=True)
class PacketData:
    """Everything the PDF shows, gathered in one read transaction."""

    clinic: ClinicInfo
    period_from: date
    period_to: date
    as_of: date
    prepared_by: str
    generated_at: datetime  # local time
    app_version: str
    page_size: str  # "letter" or "a4"
    sections: tuple[Section, ...]
    counts: dict[str, int] = field(
        default_factory=dict
    )  # critical / warning / info / documents_with_problems

    def text(self) -> str:
        return "\n\n".join(s.text() for s in self.sections)

    @property
    def period_words(self) -> str:
        return f"{self.period_from.isoformat()} to {self.period_to.isoformat()}"
