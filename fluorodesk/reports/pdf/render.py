"""Lay the gathered packet out as a PDF with reportlab, in one pass.

Cover and body page templates; a header with the clinic and period and a footer with "Page X of Y",
the generation time and the app version on every page; a contents page with page numbers; PDF
bookmarks for every section and sub-heading.  What only the end of the layout knows (the footers'
total, the page each contents line points to) is drawn as PDF forms that are defined once the last
page is laid out (``PacketCanvas.draw_later``): reportlab's ``Canvas.doForm`` lets a page use a form
defined later, before the file is saved.  The contents' lines are known before layout (the
sections' and sub-headings' titles), so they take their final room at once and nothing moves.
Pages of attached PDFs are reserved during layout and merged in afterwards (reports/pdf/merge.py),
so they carry the same header, footer and numbering.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
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
)

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
    """Zero-size marker: a contents line and a PDF bookmark at this point.  ``key`` names the
    bookmark (the sections' are numbered once they are all made, see ``layout``)."""

    def __init__(self, text: str, level: int, *, toc: bool = True, key: str = "") -> None:
        super().__init__()
        self.text, self.level, self.toc, self.key = text, level, toc, key

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


class PacketCanvas(Canvas):
    """The packet's canvas: it draws now what only the end of the layout knows.

    ``draw_later(name, draw)`` places the PDF form ``name`` on the page, and ``draw(canvas)`` draws
    into it, in the page's own coordinates, when the canvas is saved after the last page
    (``Canvas.doForm``: a form "may be defined later"; it must exist when the file is saved).
    Several parts may go into one form (all from the same page): it is placed once.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.late_forms: dict[str, list[Callable[[Canvas], None]]] = {}

    def draw_later(self, name: str, draw: Callable[[Canvas], None]) -> None:
        if name in self.late_forms:
            self.late_forms[name].append(draw)
            return
        x, y = self.absolutePosition(0, 0)
        self.saveState()
        self.translate(-x, -y)  # back to the page's own coordinates (nothing in a packet is scaled)
        self.doForm(name)
        self.restoreState()
        self.late_forms[name] = [draw]

    def save(self) -> None:
        for name, parts in self.late_forms.items():
            self.beginForm(name)
            for draw in parts:
                draw(self)
            self.endForm()
        self.late_forms.clear()
        super().save()


class ContentsLine(Flowable):
    """One entry of the contents: its words, then leader dots and the page its bookmark opens, both
    linked to that page (as reportlab's ``TableOfContents`` draws them).

    The contents are laid out before the sections, so the dots and the number go into a form drawn
    when the canvas is saved (``PacketCanvas.draw_later``), from the page the bookmark was placed on
    (``pages``).  The entry's height does not depend on the number: room for it is kept on the
    entry's last line.
    """

    PADDING = 3.0  # above and below each entry
    LEADER = " . "
    NUMBER_ROOM = " .  .  . 0000"  # kept free at the end of each line: a few dots and the number
    MAX_LINES = 4  # a longer title is cut here (the section's own heading shows it whole)
    MAX_CHARS = 1000  # more than MAX_LINES hold in the narrowest letters

    def __init__(self, text: str, key: str, style: ParagraphStyle, pages: Mapping[str, int]) -> None:
        super().__init__()
        # (not ``self.style``: reportlab would take that style's space before and after for the line's)
        self.text, self.key, self.text_style, self.pages = text, key, style, pages
        self.lines: list[str] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        s = self.text_style
        room = availWidth - s.leftIndent - stringWidth(self.NUMBER_ROOM, s.fontName, s.fontSize)
        text = " ".join(self.text.split())[: self.MAX_CHARS]
        lines = simpleSplit(text, s.fontName, s.fontSize, room) or [""]
        lines = [fl._clip(line, s.fontName, s.fontSize, room) for line in lines]  # a word wider than a line
        if len(lines) > self.MAX_LINES:
            lines = lines[: self.MAX_LINES]
            last = lines[-1]
            while " " in last and stringWidth(last + " …", s.fontName, s.fontSize) > room:
                last = last.rsplit(" ", 1)[0]
            lines[-1] = last + " …"
        self.lines = lines
        self.width, self.height = availWidth, len(lines) * s.leading + 2 * self.PADDING
        return self.width, self.height

    def draw(self) -> None:
        canv, s = self.canv, self.text_style
        canv.saveState()
        canv.setFont(s.fontName, s.fontSize)
        canv.setFillColor(s.textColor)
        y = self.height - self.PADDING - s.fontSize
        end = s.leftIndent
        for index, line in enumerate(self.lines):
            if index:
                y -= s.leading
            canv.drawString(s.leftIndent, y, line)
            end = s.leftIndent + stringWidth(line, s.fontName, s.fontSize)
            canv.linkRect("", self.key, (s.leftIndent, y - 0.2 * s.fontSize, end, y + s.fontSize), relative=1)
        canv.linkRect("", self.key, (end, y, self.width, y + s.leading), relative=1)
        line_start = canv.absolutePosition(0, y)
        # one form for the numbers of all the entries on this page
        canv.draw_later(f"contents-{canv.getPageNumber()}", partial(self._draw_number, line_start, end))
        canv.restoreState()

    def _draw_number(self, line_start: tuple[float, float], end: float, canv: Canvas) -> None:
        """The leader dots from ``end`` and the page number, right-aligned, on the last line
        (which starts at ``line_start`` on the page)."""
        x, y = line_start
        s = self.text_style
        number = str(self.pages[self.key])
        number_width = stringWidth(number, s.fontName, s.fontSize)
        dot_width = stringWidth(self.LEADER, s.fontName, s.fontSize)
        dots = max(int((self.width - end - number_width) / dot_width), 0)
        canv.setFont(s.fontName, s.fontSize)
        canv.setFillColor(s.textColor)
        canv.drawString(x + self.width - dots * dot_width - number_width, y, dots * self.LEADER + number)


class PacketDocTemplate(BaseDocTemplate):
    def __init__(
        self, target: io.BytesIO, data: PacketData, progress: Progress, *, deterministic: bool
    ) -> None:
        register_fonts()
        self.data = data
        self.progress = progress
        self.geo: Geometry = geometry(data.page_size)
        self.scan_slots: list[ScanSlot] = []
        self.story_length = 1
        self.placed = 0
        self.bookmark_pages: dict[str, int] = {}  # bookmark key -> the page it opens
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

    # ---- progress, bookmarks

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
        self.placed += 1
        if self.placed % 25 == 0:
            share = min(self.placed / self.story_length, 1.0)
            self.progress.step(0.25 + 0.6 * share, "Laying out pages")
        if isinstance(flowable, _Bookmark):
            if flowable.level == 0:
                self.current_section = flowable.text if flowable.toc else ""
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(
                flowable.text, flowable.key, level=flowable.level, closed=flowable.level > 0
            )
            self.bookmark_pages[flowable.key] = self.page

    # ---- page furniture

    def _draw_footer(self, canv, doc) -> None:  # type: ignore[no-untyped-def]
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
        # The total is known once the last page is laid out; the whole of "Page X of Y" is one
        # form per page, as it is right-aligned and the total's width changes where X starts.
        number = canv.getPageNumber()
        canv.draw_later(f"page-{number}", partial(self._draw_page_number, number, y))
        canv.restoreState()

    def _draw_page_number(self, number: int, y: float, canv: Canvas) -> None:
        """Draws "Page X of Y" when the canvas is saved (``self.page`` is then the last page)."""
        canv.setFont(FONT_BOLD, 8)
        canv.setFillColor(INK)
        canv.drawRightString(self.geo.width - self.geo.right, y, f"Page {number} of {self.page}")

    def _draw_page(self, canv, doc) -> None:  # type: ignore[no-untyped-def]
        """Header (drawn when the page is complete, so it names the section the page ends in)."""
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
        _Bookmark("Cover", 0, toc=False, key="cover"),
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


def _contents(doc: PacketDocTemplate, bookmarks: list[_Bookmark]) -> list[Flowable]:
    """The contents page: a line for each bookmark meant for the contents, in story order."""
    s = styles()
    out: list[Flowable] = [
        NextPageTemplate("body"),
        PageBreak(),
        _Bookmark("Contents", 0, toc=False, key="contents"),
        Paragraph("Contents", s["h1"]),
    ]
    level_styles = (s["toc0"], s["toc1"])
    for bookmark in bookmarks:
        if bookmark.toc:
            out.append(
                ContentsLine(bookmark.text, bookmark.key, level_styles[bookmark.level], doc.bookmark_pages)
            )
    return out


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
                makers[index + 1] = fl.TableMaker(following, width)
            out += _sub_heading(doc, block, out[-1], makers.get(index + 1))
        elif isinstance(block, doc_model.Fields):
            out.append(_Deferred(partial(_one, fl.fields_flowable, block, width), 1))
        elif isinstance(block, doc_model.Table):
            maker = makers.pop(index, None) or fl.TableMaker(block, width)
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


@dataclass(frozen=True)
class Layout:
    pdf: bytes
    pages: int
    scan_slots: tuple[ScanSlot, ...]


def layout(data: PacketData, progress: Progress, *, deterministic: bool = False) -> Layout:
    """Lay the packet out; returns the PDF bytes before attached PDF pages are merged in."""
    buffer = io.BytesIO()
    doc = PacketDocTemplate(buffer, data, progress, deterministic=deterministic)
    width = doc.geo.frame_width
    sections: list[Flowable] = []
    for section in data.sections:
        sections.extend(_section(doc, section, width))
    bookmarks = [f for f in sections if isinstance(f, _Bookmark)]
    for number, bookmark in enumerate(bookmarks, start=1):
        bookmark.key = f"b{number}"
    story = _cover(data, width) + _contents(doc, bookmarks) + sections
    doc.story_length = sum(f.count if isinstance(f, _Deferred) else 1 for f in story)
    doc.build(story, canvasmaker=PacketCanvas)
    return Layout(buffer.getvalue(), doc.page, tuple(doc.scan_slots))
