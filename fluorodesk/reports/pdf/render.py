"""Lay the gathered packet out as a PDF with reportlab.

Cover and body page templates; a header with the clinic and period and a footer with "Page X of Y",
the generation time and the app version on every page; a contents page with page numbers; PDF
bookmarks for every section and sub-heading.  The page numbers that only the end of the layout
knows (the contents' numbers, the footers' total) come from reportlab's multi-pass build
(``BaseDocTemplate.multiBuild``): each pass draws what the pass before it found, and the build stops
when nothing changed.  The contents' lines are given beforehand, so two passes suffice.  Pages of
attached PDFs are reserved during layout and merged in afterwards (reports/pdf/merge.py), so they
carry the same header, footer and numbering.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus.doctemplate import IndexingFlowable
from reportlab.platypus.tableofcontents import TableOfContents

from fluorodesk.domain.text import counted
from fluorodesk.reports import document as doc_model
from fluorodesk.reports.document import AttachmentInfo, PacketData, Section
from fluorodesk.reports.pdf import flowables as fl
from fluorodesk.reports.pdf.styles import (
    ACCENT,
    FONT,
    FONT_BOLD,
    INK,
    MUTED,
    RULE,
    Geometry,
    geometry,
    register_fonts,
    styles,
)
from fluorodesk.reports.progress import Progress

PACKET_TITLE = "Fluoroscopy radiation-safety compliance packet"


@dataclass(frozen=True)
class ScanSlot:
    page_number: int  # 1-based
    attachment: AttachmentInfo
    page_index: int  # page of the attachment
    rect: tuple[float, float, float, float]  # x, y, width, height on the packet page


class _Bookmark(Flowable):
    """Zero-size marker: a contents line and a PDF bookmark at this point."""

    def __init__(self, text: str, level: int, *, toc: bool = True) -> None:
        super().__init__()
        self.text, self.level, self.toc = text, level, toc

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        pass


class _Deferred(Flowable):
    """Stands in the story for one block's flowables, which are made only when layout reaches it.

    reportlab keeps the whole story for every pass, and a table's flowable costs far more than its
    rows (a cell-style object per cell, row positions): made on demand, a block's flowables exist
    only while they are being laid out and are dropped once placed, so the packet's memory no longer
    grows with the size of the clinic.  ``count`` is how many flowables it makes (for progress).
    The document expands it before reportlab looks at it (``PacketDocTemplate.filterFlowables``);
    it is never wrapped or drawn.
    """

    def __init__(self, make: Callable[[], list[Flowable]], count: int) -> None:
        super().__init__()
        self.make = make
        self.count = count

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        raise AssertionError("a deferred block must be expanded before layout")


class _PageTotal(IndexingFlowable):
    """The page total the footers show ("Page X of Y").

    Each pass draws the total the pass before it counted (none on the first pass), so the build
    goes on until a pass drew the total it ended with.
    """

    def __init__(self, doc: PacketDocTemplate) -> None:
        super().__init__()
        self.doc = doc
        self.counted: int | None = None  # by the last pass that ended
        self.shown: int | None = None  # in this pass's footers

    def beforeBuild(self) -> None:  # noqa: N802
        self.shown = self.counted

    def afterBuild(self) -> None:  # noqa: N802
        self.counted = self.doc.page

    def isSatisfied(self) -> bool:  # noqa: N802
        return self.shown == self.counted

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return 0, 0

    def draw(self) -> None:
        pass


class PacketCanvas(Canvas):
    """The packet's canvas.  ``sizes_only`` is set on a layout pass whose pages will not be kept:
    the first pass never is (it does not know the page total yet), so it only needs the flowables'
    sizes.  The flowables that only paint skip their drawing (``fl.PaintedOnKeptPasses``), the
    tables leave out the style commands that only paint (``fl.TableParts.style``), and the pages
    get no header or footer.  Should that pass's sizes differ after all, the build would only run
    another pass."""

    sizes_only = False


class PacketDocTemplate(BaseDocTemplate):
    def __init__(
        self, target: io.BytesIO, data: PacketData, progress: Progress, *, deterministic: bool
    ) -> None:
        register_fonts()
        self.data = data
        self.progress = progress
        self.geo: Geometry = geometry(data.page_size)
        self.page_total = _PageTotal(self)
        self.passes = 0
        self.scan_slots: list[ScanSlot] = []
        self.story_length = 1
        self._placed = 0
        self._keys = 0
        self.current_section = ""
        super().__init__(
            target,
            pagesize=(self.geo.width, self.geo.height),
            leftMargin=self.geo.left,
            rightMargin=self.geo.right,
            topMargin=self.geo.top,
            bottomMargin=self.geo.bottom,
            title=f"{data.clinic.name}: compliance packet {data.period_words}",
            author=data.prepared_by,
            subject=f"{PACKET_TITLE}, status as of {data.as_of.isoformat()}",
            creator=f"FluoroDesk {data.app_version}",
            invariant=1 if deterministic else 0,
            initialFontName=FONT,
            initialFontSize=9.5,
            initialLeading=13,
            lang="en-US",
            displayDocTitle=1,
        )
        frame = Frame(
            self.geo.left,
            self.geo.bottom,
            self.geo.frame_width,
            self.geo.frame_height,
            id="body",
            showBoundary=0,
        )
        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame], onPageEnd=self._draw_footer),
                PageTemplate(id="body", frames=[frame], onPageEnd=self._draw_page),
            ]
        )

    # ---- passes, progress, bookmarks

    def multiBuild(self, story: list[Flowable], maxPasses: int = 10, **kwargs: object) -> int:  # noqa: N802, N803
        kwargs.setdefault("canvasmaker", PacketCanvas)
        return super().multiBuild(story, maxPasses, **kwargs)

    def handle_documentBegin(self) -> None:  # noqa: N802
        """Each pass starts here, with a new canvas."""
        super().handle_documentBegin()
        self.passes += 1
        self.canv.sizes_only = not self.painting()
        self.scan_slots = []
        self._placed = 0
        self._keys = 0
        self.current_section = ""

    def painting(self) -> bool:
        """Whether the pass under way draws its pages: a pass that does not know the page total (the
        first) cannot be the last, so it only needs sizes (see ``PacketCanvas``)."""
        return self.page_total.shown is not None

    def filterFlowables(self, flowables: list[Flowable]) -> None:  # noqa: N802
        """Expand deferred blocks at the front of the list, and behind any run of flowables that
        keep with the next (so reportlab's keep-with-next grouping sees the real flowables)."""
        index = 0
        while index < len(flowables):
            flowable = flowables[index]
            if isinstance(flowable, _Deferred):
                flowables[index : index + 1] = flowable.make()
                continue
            if flowable is None or not flowable.getKeepWithNext():
                return
            index += 1

    def record_scan_slot(self, page_number: int, attachment: AttachmentInfo, index: int, rect) -> None:  # type: ignore[no-untyped-def]
        self.scan_slots.append(ScanSlot(page_number, attachment, index, rect))

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802
        self._placed += 1
        if self._placed % 25 == 0:
            share = min(self._placed / self.story_length, 1.0)
            # two passes, unless the second changed the page numbers
            start, span = {1: (0.25, 0.30), 2: (0.55, 0.30)}.get(self.passes, (0.85, 0.05))
            self.progress.step(start + span * share, f"Laying out pages (pass {self.passes})")
        if isinstance(flowable, _Bookmark):
            if flowable.level == 0:
                self.current_section = flowable.text if flowable.toc else ""
            self._keys += 1
            key = f"b{self._keys}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.text, key, level=flowable.level, closed=flowable.level > 0)
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, fl.markup(flowable.text), self.page, key))

    # ---- page furniture

    def _draw_footer(self, canv, doc) -> None:  # type: ignore[no-untyped-def]
        if canv.sizes_only:
            return  # a pass whose pages are not kept
        geo, data = self.geo, self.data
        canv.saveState()
        y = geo.bottom - 0.42 * inch
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(geo.left, y + 11, geo.width - geo.right, y + 11)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(
            geo.left,
            y,
            f"Generated {data.generated_at:%Y-%m-%d %H:%M} by FluoroDesk {data.app_version}",
        )
        total = self.page_total.shown  # what the pass before this one counted
        canv.setFont(FONT_BOLD, 8)
        canv.setFillColor(INK)
        canv.drawRightString(geo.width - geo.right, y, f"Page {canv.getPageNumber()} of {total}")
        canv.restoreState()

    def _draw_page(self, canv, doc) -> None:  # type: ignore[no-untyped-def]
        """Header (drawn when the page is complete, so it names the section the page ends in)."""
        if canv.sizes_only:
            return  # a pass whose pages are not kept
        geo, data = self.geo, self.data
        canv.saveState()
        y = geo.height - geo.top + 0.5 * inch
        half = geo.frame_width * 0.5
        canv.setFont(FONT_BOLD, 9)
        canv.setFillColor(ACCENT)
        canv.drawString(geo.left, y, fl._clip(data.clinic.name, FONT_BOLD, 9, half))
        if self.current_section:
            canv.setFont(FONT_BOLD, 8)
            canv.setFillColor(MUTED)
            canv.drawRightString(
                geo.width - geo.right, y, fl._clip(self.current_section, FONT_BOLD, 8, half - 12)
            )
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(
            geo.left,
            y - 11,
            f"Compliance packet · period {data.period_words} · status as of {data.as_of.isoformat()}",
        )
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(geo.left, y - 16, geo.width - geo.right, y - 16)
        canv.restoreState()
        self._draw_footer(canv, doc)


# --------------------------------------------------------------------------- story


def _cover(data: PacketData, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [
        _Bookmark("Cover", 0, toc=False),
        Spacer(1, 0.6 * inch),
        Paragraph(fl.markup(data.clinic.name), s["cover_clinic"]),
    ]
    if data.clinic.address:
        out.append(Paragraph(fl.markup(data.clinic.address), s["cover_address"]))
    out.append(Paragraph(fl.markup(PACKET_TITLE), s["cover_title"]))
    counts = data.counts
    pairs = [
        ("Period covered", data.period_words),
        ("Status as of", data.as_of.isoformat()),
        ("Prepared by", data.prepared_by or "—"),
        ("Date prepared", data.generated_at.strftime("%Y-%m-%d")),
    ]
    if data.clinic.director:
        pairs.append(("Medical director", data.clinic.director))
    pairs.append(
        (
            "Open findings",
            f"{counts.get('critical', 0)} critical, {counted(counts.get('warning', 0), 'warnings')} as of "
            f"{data.as_of.isoformat()}",
        )
    )
    pairs.append(
        (
            "Documents on file",
            f"{counts.get('documents', 0)}, of which "
            f"{counts.get('documents_with_problems', 0)} missing or altered",
        )
    )
    out.append(fl.fields_flowable(doc_model.Fields(tuple(pairs)), width))
    out.append(Spacer(1, 18))
    out.append(Paragraph("Contents of this packet", s["h3"]))
    for section in data.sections:
        out.append(Paragraph("•  " + fl.markup(section.title), s["body"]))
    out.append(Spacer(1, 18))
    out.append(
        fl.para(
            "Every status in this packet (credentials, contracts, garments, findings) is stated as of the "
            "as-of date above; logs list the entries dated within the period. Status is always written in "
            "words; coloured tints only repeat it. Produced from the clinic's records by FluoroDesk; "
            "scanned documents are reproduced from the copies on file after checking their SHA-256.",
            "note",
        )
    )
    return out


def _contents() -> list[Flowable]:
    """The contents page.  Its lines are given before the first pass (``_seed_contents``), so the
    first pass already has the final page count and the second only fills in the numbers."""
    s = styles()
    toc = TableOfContents(
        levelStyles=[s["toc0"], s["toc1"]],
        dotsMinLevel=0,
        tableStyle=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),  # its placeholder would otherwise be Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    return [
        NextPageTemplate("body"),
        PageBreak(),
        _Bookmark("Contents", 0, toc=False),
        Paragraph("Contents", s["h1"]),
        toc,
    ]


#: Height (points) a page may have used and still count as empty for a heading that starts a page.
NEARLY_EMPTY = 36


def _section(doc: PacketDocTemplate, section: Section, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [PageBreak()] if section.new_page else [CondPageBreak(2 * inch)]
    out += [_Bookmark(section.title, 0), Paragraph(fl.markup(section.title), s["h1"])]
    makers: dict[int, fl.TableMaker] = {}  # by block index: tables a heading above must keep with it
    for index, block in enumerate(section.blocks):
        if isinstance(block, doc_model.Para):
            out.append(_Deferred(partial(_one, fl.paragraph_block, block), 1))
        elif isinstance(block, doc_model.SubHeading):
            following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            if isinstance(following, doc_model.Table):
                makers[index + 1] = fl.TableMaker(following, width, doc.painting)
            out += _sub_heading(doc, block, out[-1], makers.get(index + 1))
        elif isinstance(block, doc_model.Fields):
            out.append(_Deferred(partial(_one, fl.fields_flowable, block, width), 1))
        elif isinstance(block, doc_model.Table):
            maker = makers.pop(index, None) or fl.TableMaker(block, width, doc.painting)
            out.append(_Deferred(maker, fl.table_flowable_count(block)))
        elif isinstance(block, doc_model.TrendChart):
            out.append(_Deferred(partial(fl.chart_flowable, block, width), fl.chart_flowable_count(block)))
        elif isinstance(block, doc_model.Scan):
            att = block.attachment
            if att.is_pdf:
                for index in range(att.pages):
                    out += [PageBreak(), fl.ScanPage(doc, att, index, block.caption)]
            else:
                out += [PageBreak(), fl.ImagePage(att, block.caption)]
        elif isinstance(block, doc_model.PageBreak):
            out.append(PageBreak())
        elif isinstance(block, doc_model.Signature):
            out.append(_Deferred(partial(_one, fl.signature_flowable, block, width), 1))
        else:  # pragma: no cover - a new block type without a renderer is a bug
            raise TypeError(f"no renderer for {type(block).__name__}")
    return out


def _sub_heading(
    doc: PacketDocTemplate, block: doc_model.SubHeading, previous: Flowable, table: fl.TableMaker | None
) -> list[Flowable]:
    """A sub-heading and the page break before it: never left alone at the foot of a page."""
    heading = Paragraph(fl.markup(block.text), styles()["h2"])
    out: list[Flowable] = []
    if block.new_page:
        if not isinstance(previous, PageBreak):
            # A new page unless this one is still as good as empty: a spacer that a full page
            # pushed over must not leave a blank page behind.
            out.append(CondPageBreak(doc.geo.frame_height - NEARLY_EMPTY))
    elif table is not None:
        # Room for the heading and the table's start (its title, header and first row), measured.
        out.append(fl.KeepStart(1.4 * inch, lambda w: fl.flowable_height(heading, w) + table.start_height(w)))
    else:
        out.append(CondPageBreak(1.4 * inch))
    if block.bookmark:
        out.append(_Bookmark(block.text, 1))
    out.append(heading)
    return out


def _one(make: Callable[..., Flowable], *args: object) -> list[Flowable]:
    return [make(*args)]


def _seed_contents(story: list[Flowable]) -> None:
    """Give the contents its lines, with page 0 for now, before the first pass (as reportlab's
    ``TableOfContents.addEntries`` suggests): the first pass then lays the contents out at their
    final length.  Each line is the one ``afterFlowable`` will announce for its bookmark."""
    tocs = [f for f in story if isinstance(f, TableOfContents)]
    if not tocs:
        return
    entries = []
    number = 0
    for flowable in story:
        if isinstance(flowable, _Bookmark):
            number += 1
            if flowable.toc:
                entries.append((flowable.level, fl.markup(flowable.text), 0, f"b{number}"))
    tocs[0].addEntries(entries)


@dataclass(frozen=True)
class Layout:
    pdf: bytes
    pages: int
    passes: int
    scan_slots: tuple[ScanSlot, ...]


def layout(data: PacketData, progress: Progress, *, deterministic: bool = False) -> Layout:
    """Lay the packet out; returns the PDF bytes before attached PDF pages are merged in."""
    buffer = io.BytesIO()
    doc = PacketDocTemplate(buffer, data, progress, deterministic=deterministic)
    width = doc.geo.frame_width
    story: list[Flowable] = _cover(data, width) + _contents()
    for section in data.sections:
        story.extend(_section(doc, section, width))
    story.append(doc.page_total)
    doc.story_length = sum(f.count if isinstance(f, _Deferred) else 1 for f in story)
    _seed_contents(story)
    passes = doc.multiBuild(story, maxPasses=6)
    return Layout(buffer.getvalue(), doc.page, passes, tuple(doc.scan_slots))
