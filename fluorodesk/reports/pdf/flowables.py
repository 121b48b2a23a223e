"""Blocks (reports/document.py) → reportlab flowables.

Tables are ``LongTable``s that repeat their header row on every page and never cut a row in half
(``splitInRow=0``); a cell's text is capped so no single row can outgrow a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    FrameBreak,
    KeepTogether,
    LongTable,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from fluorodesk.reports.document import AttachmentInfo, Fields, Para, Row, Signature, Table, TrendChart
from fluorodesk.reports.pdf.styles import (
    FONT,
    FONT_BOLD,
    GRID,
    HEADER_BG,
    INK,
    MUTED,
    RULE,
    TONE_BACKGROUND,
    TONE_TEXT,
    styles,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from fluorodesk.reports.pdf.render import PacketDocTemplate

MAX_CELL_CHARS = 900
CELL_PAD = 3.0
# Text that cannot break across pages (a heading, a contents line, a field, a table row) is cut to
# what fits on one, so an over-long name stored by an older version cannot stop the packet.
MAX_TEXT_CHARS = 1500
MAX_CELL_LINES = 45


def markup(text: str, limit: int | None = MAX_TEXT_CHARS) -> str:
    """Plain text → safe Paragraph markup (names like “Pain & Spine” must not break the parser), cut
    to ``limit`` characters with "…" (None: a paragraph of its own, which breaks across pages)."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text).replace("\n", "<br/>")


def para(text: str, style: str = "body", limit: int | None = MAX_TEXT_CHARS) -> Paragraph:
    return Paragraph(markup(text, limit), styles()[style])


def paragraph_block(block: Para) -> Paragraph:
    return para(block.text, block.kind, None)


def _fits(text: str, width: float, font: str) -> bool:
    return "\n" not in text and _width(text, font) <= width - 2 * CELL_PAD - 0.5


@lru_cache(maxsize=4096)
def _width(text: str, font: str) -> float:
    return stringWidth(text, font, 8)


def _unbreakable(text: str, font: str) -> float:
    """Width a cell needs to avoid breaking inside a word (or, for short values such as a date or
    "39.9 mGy/min", to stay on one line)."""
    if len(text) <= 16 and "\n" not in text:
        return _width(text, font)
    longest = max(text.split(), key=len, default="")
    return _width(longest, font)


def column_widths(block: Table, width: float) -> list[float]:
    """Share ``width`` by the columns' weights, but give each column at least what its longest word
    (or short value) needs, taking the difference from the columns that can spare it."""
    total = sum(c.weight for c in block.columns)
    wanted = [width * c.weight / total for c in block.columns]
    needs = []
    for index, column in enumerate(block.columns):
        need = _unbreakable(column.header, FONT_BOLD)
        for row in block.rows:
            if index < len(row.cells):
                need = max(need, _unbreakable(row.cells[index], FONT))
        needs.append(min(need + 2 * CELL_PAD + 1, width * 0.45))
    if sum(needs) >= width:
        scale = width / sum(needs)
        return [n * scale for n in needs]
    widths = list(wanted)
    fixed: set[int] = set()
    while True:
        flexible = [i for i in range(len(widths)) if i not in fixed]
        spare = width - sum(needs[i] for i in fixed)
        weight = sum(block.columns[i].weight for i in flexible)
        for i in flexible:
            widths[i] = spare * block.columns[i].weight / weight
        short = {i for i in flexible if widths[i] < needs[i]}
        if not short:
            return widths
        for i in short:
            widths[i] = needs[i]
        fixed |= short


class PacketTable(LongTable):
    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """The rows that fit here, then the rest at the top of the next page.

        Says so with a ``FrameBreak`` (as reportlab's own ``KeepTogether.split`` does) instead of
        leaving reportlab to try the rest in the space left and postpone it: reportlab remembers
        every postponed flowable until the layout pass ends, which would keep every piece of a
        long table (the rows still to come, again and again) in memory until then.
        """
        pieces = super().split(availWidth, availHeight)
        if len(pieces) == 2:
            return [pieces[0], FrameBreak(), pieces[1]]
        return pieces


def _cell(text: str, width: float, style: str, font: str) -> str:
    """A cell's text, broken into lines that fit the column.

    Plain strings, never Paragraphs: reportlab sizes a string cell by counting its lines and draws
    it line by line, while a Paragraph is parsed as markup and broken into lines again on every
    layout pass and when drawn (most of a packet's layout time).  The lines are broken the way a
    Paragraph breaks plain text: greedily at spaces, by the same font metrics, and a word longer
    than the column keeps its own line.  (``style`` names the Paragraph style the text would have
    had; the table's own commands give the same font, size, leading and alignment.)
    """
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 40].rstrip() + " … (shortened; full text in FluoroDesk)"
    if _fits(text, width, font):
        return text
    lines = wrap_text(text, width - 2 * CELL_PAD, font).split("\n")
    if len(lines) > MAX_CELL_LINES:  # a row never splits: it must fit on a page
        lines = [*lines[: MAX_CELL_LINES - 1], "…"]
    return "\n".join(lines)


def wrap_text(text: str, width: float, font: str) -> str:
    """``text`` with line breaks so that no line is wider than ``width`` at the cell font size."""
    space = _width(" ", font)
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        current, used = [words[0]], _width(words[0], font)
        for word in words[1:]:
            wide = _width(word, font)
            if used + space + wide <= width:
                current.append(word)
                used += space + wide
            else:
                lines.append(" ".join(current))
                current, used = [word], wide
        lines.append(" ".join(current))
    return "\n".join(lines)


@dataclass(frozen=True)
class TableParts:
    """What a table's flowable is made of (column widths, the cells' text broken into lines, the
    style commands): worked out once, shared by the table and the measure of its start."""

    widths: list[float]
    data: list[list[str]]
    sizes: list[tuple]  # the commands the rows' heights depend on: fonts, top and bottom padding
    paint: list[tuple]  # the others: colours, alignment, side padding, rules, the rows' tints

    def style(self, painted: bool = True) -> TableStyle:
        """The table's style.  A table that is only measured (``start_height``) needs only the
        commands its size depends on, and a style command costs something for every cell."""
        return TableStyle(self.sizes + self.paint if painted else self.sizes)


def table_parts(block: Table, width: float) -> TableParts:
    """``block`` (with rows) ready to become a table ``width`` wide."""
    widths = column_widths(block, width)
    header = [_cell(c.header, w, "cell_head", FONT_BOLD) for c, w in zip(block.columns, widths, strict=True)]
    data: list[list[str]] = [header]
    styles_by_column = ["cell_right" if c.align == "RIGHT" else "cell" for c in block.columns]
    sizes: list[tuple] = [
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8, 10),
        ("FONT", (0, 1), (-1, -1), FONT, 8, 10),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
    ]
    # The cells' text is already broken into lines that fit (``_cell``): the side padding and
    # the alignment do not change a row's height.
    paint: list[tuple] = [
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
    ]
    for index, column in enumerate(block.columns):
        if column.align != "LEFT":
            paint.append(("ALIGN", (index, 0), (index, -1), column.align))
    data += [_row_cells(row, widths, styles_by_column) for row in block.rows]
    # One command per run of rows in the same tone: reportlab repeats a table's commands for every
    # piece it splits off, so a long table with a tint per row would cost that again on every page.
    first = 1  # the header is row 0
    for tone, run in groupby(block.rows, key=lambda row: row.tone):
        last = first + sum(1 for _row in run) - 1
        for command, colours in (("BACKGROUND", TONE_BACKGROUND), ("TEXTCOLOR", TONE_TEXT)):
            colour = colours.get(tone)
            if colour is not None:
                paint.append((command, (0, first), (-1, last), colour))
        first = last + 1
    return TableParts(widths, data, sizes, paint)


class KeepStart(CondPageBreak):
    """A page break unless the page still has room for what follows up to its first table row.

    A plain ``CondPageBreak`` guesses a fixed height, and a table whose first row is tall (a flagged
    case's follow-up, several lines) left its heading alone at the foot of a page.  ``need`` works
    out the real height (heading, table title, header row and first row) when layout reaches this
    point; ``minimum`` still applies.  reportlab's keep-with-next would instead move a whole long
    table to a new page whenever it does not fit on this one.
    """

    def __init__(self, minimum: float, need: Callable[[float], float]) -> None:
        super().__init__(minimum)
        self.minimum, self.need = minimum, need

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.height = max(self.minimum, self.need(availWidth))
        return super().wrap(availWidth, availHeight)


def flowable_height(flowable: Flowable, width: float) -> float:
    """The height ``flowable`` takes in a frame ``width`` wide, with its space before and after."""
    return flowable.wrap(width, 10_000)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()


def table_flowables(block: Table, width: float, parts: TableParts | None = None) -> list[Flowable]:
    """The block's title, its table (or the words saying it is empty) and a little space.
    ``parts``: the block's ``table_parts`` when already worked out (reportlab reads them, never
    changes them)."""
    out: list[Flowable] = []
    if block.title:
        title = para(block.title, "h3")
        out.append(KeepStart(1.2 * inch, lambda w: flowable_height(title, w) + start_height(block, w, parts)))
        out.append(title)
    if not block.rows:
        out.append(para(block.empty, "empty"))
        return out
    parts = parts or table_parts(block, width)
    table = PacketTable(
        parts.data,
        colWidths=list(parts.widths),
        style=parts.style(),
        repeatRows=1,
        splitInRow=0,
        hAlign="LEFT",
    )
    out.append(table)
    out.append(Spacer(1, 8))
    return out


def start_height(block: Table, width: float, parts: TableParts | None = None) -> float:
    """The height of ``block``'s table up to and including its first row (the header row and the
    first row, or the words saying it is empty): the least of it a page must show."""
    if not block.rows:
        return flowable_height(para(block.empty, "empty"), width)
    parts = parts or table_parts(block, width)
    first = RLTable(parts.data[:2], colWidths=list(parts.widths), style=parts.style(painted=False))
    return first.wrap(width, 10_000)[1]


class TableMaker:
    """Makes a block's table flowables when layout reaches them; their parts are worked out once,
    for them and for the heading above that must keep with the table's start."""

    def __init__(self, block: Table, width: float) -> None:
        self.block, self.width = block, width
        self.parts: TableParts | None = None

    def __call__(self) -> list[Flowable]:
        return table_flowables(self.block, self.width, self._parts())

    def start_height(self, width: float) -> float:
        """The table's title (if any) and its first row: what a heading above it must keep with it."""
        title = flowable_height(para(self.block.title, "h3"), width) if self.block.title else 0.0
        return title + start_height(self.block, width, self._parts())

    def _parts(self) -> TableParts | None:
        if self.parts is None and self.block.rows:
            self.parts = table_parts(self.block, self.width)
        return self.parts


def table_flowable_count(block: Table) -> int:
    """How many flowables ``table_flowables`` makes for ``block`` (without making them)."""
    return (2 if block.title else 0) + (2 if block.rows else 1)


def _row_cells(row: Row, widths: list[float], cell_styles: list[str]) -> list[str]:
    cells = list(row.cells) + [""] * (len(widths) - len(row.cells))
    return [_cell(text, w, st, FONT) for text, w, st in zip(cells, widths, cell_styles, strict=False)]


def fields_flowable(block: Fields, width: float) -> Flowable:
    s = styles()
    data = [[Paragraph(markup(k), s["label"]), Paragraph(markup(v), s["value"])] for k, v in block.pairs]
    table = RLTable(data, colWidths=[width * 0.24, width * 0.76], hAlign="LEFT", splitInRow=0)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),  # never reportlab's built-in default font
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 8)]) if len(block.pairs) <= 14 else table


def signature_flowable(block: Signature, width: float) -> Flowable:
    s = styles()
    data = [
        [Paragraph(markup(label), s["label"]), Paragraph(markup(value), s["value"])]
        for label, value in block.lines
    ]
    table = RLTable(
        data, colWidths=[width * 0.2, width * 0.6], rowHeights=[0.5 * inch] * len(data), hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.8, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([Spacer(1, 18), table])


def chart_flowable(block: TrendChart, width: float) -> list[Flowable]:
    from fluorodesk.reports.pdf.trend_chart import trend_drawing

    out: list[Flowable] = [CondPageBreak(2.8 * inch), trend_drawing(block, width)]
    if block.note:
        out.append(para(block.note, "note"))
    out.append(Spacer(1, 6))
    return out


def chart_flowable_count(block: TrendChart) -> int:
    """How many flowables ``chart_flowable`` makes for ``block`` (without making them)."""
    return 3 + (1 if block.note else 0)


class ScanPage(Flowable):
    """A whole body frame reserved for one page of an attached PDF; the page itself is merged in
    with pypdf after the layout (so it carries the packet's header, footer and page number)."""

    CAPTION_HEIGHT = 26.0

    def __init__(
        self, doc: PacketDocTemplate, attachment: AttachmentInfo, page_index: int, caption: str
    ) -> None:
        super().__init__()
        self.doc = doc
        self.attachment = attachment
        self.page_index = page_index
        self.caption = caption

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = availWidth, availHeight - 1
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFont(FONT, 8.5)
        canv.setFillColor(MUTED)
        text = f"{self.caption} (page {self.page_index + 1} of {self.attachment.pages})"
        canv.drawString(0, self.height - 10, _clip(text, FONT, 8.5, self.width))
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.line(0, self.height - self.CAPTION_HEIGHT + 8, self.width, self.height - self.CAPTION_HEIGHT + 8)
        canv.restoreState()
        x, y = canv.absolutePosition(0, 0)
        self.doc.record_scan_slot(
            canv.getPageNumber(),
            self.attachment,
            self.page_index,
            (x, y, self.width, self.height - self.CAPTION_HEIGHT),
        )


class ImagePage(Flowable):
    """A scanned image (PNG or JPEG) scaled to fit the frame under its caption, upright."""

    def __init__(self, attachment: AttachmentInfo, caption: str) -> None:
        super().__init__()
        self.attachment = attachment
        self.caption = caption

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = availWidth, availHeight - 1
        return self.width, self.height

    def _reader(self) -> ImageReader:
        from PIL import Image, ImageOps

        with Image.open(self.attachment.path) as image:
            upright = ImageOps.exif_transpose(image)
            if upright is not None and upright is not image:
                return ImageReader(upright.convert("RGB"))
        return ImageReader(str(self.attachment.path))

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFont(FONT, 8.5)
        canv.setFillColor(MUTED)
        canv.drawString(0, self.height - 10, _clip(self.caption, FONT, 8.5, self.width))
        reader = self._reader()
        iw, ih = reader.getSize()
        box_w, box_h = self.width, self.height - ScanPage.CAPTION_HEIGHT
        scale = min(box_w / iw, box_h / ih, 72 / 100)  # never enlarge past 100 dpi: small scans stay sharp
        w, h = iw * scale, ih * scale
        x, y = (box_w - w) / 2, box_h - h
        canv.drawImage(reader, x, y, w, h, mask="auto")
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.rect(x, y, w, h)
        canv.restoreState()


def _clip(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
