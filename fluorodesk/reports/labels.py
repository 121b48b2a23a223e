"""A PDF sheet of QR-coded garment labels to print on standard label stock.

Each label carries a QR code whose content is exactly the garment ID (what a USB scanner then
types back into the inspection-day panel), the ID in large print, the garment type and the next
inspection due date.  Layouts follow common Avery sheets so the print lines up with the die cuts.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fluorodesk.errors import StorageError, ValidationError, storage_error_from
from fluorodesk.paths import font_path

if TYPE_CHECKING:
    from fluorodesk.services.garments.rows import LabelRow
    from fluorodesk.services.registry import Services

INCH = 72.0
MM = 72.0 / 25.4


@dataclass(frozen=True)
class LabelLayout:
    key: str
    name: str
    page_size: str  # "letter" or "a4"
    columns: int
    rows: int
    width: float  # points
    height: float
    left: float  # page margin to the first label's left edge
    top: float  # page margin to the first label's top edge
    pitch_x: float  # left edge to the next label's left edge
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, slot: int, page_height: float) -> tuple[float, float]:
        """Bottom-left corner of label ``slot`` (0-based, row by row from the top left)."""
        row, column = divmod(slot, self.columns)
        x = self.left + column * self.pitch_x
        y = page_height - self.top - row * self.pitch_y - self.height
        return x, y


LAYOUTS: dict[tuple[str, str], LabelLayout] = {
    ("letter", "small"): LabelLayout(
        "small", "30 per sheet, 1 × 2⅝ in (Avery 5160)", "letter", 3, 10,
        2.625 * INCH, 1.0 * INCH, 0.1875 * INCH, 0.5 * INCH, 2.75 * INCH, 1.0 * INCH,
    ),
    ("letter", "large"): LabelLayout(
        "large", "10 per sheet, 2 × 4 in (Avery 5163)", "letter", 2, 5,
        4.0 * INCH, 2.0 * INCH, 0.15625 * INCH, 0.5 * INCH, 4.1875 * INCH, 2.0 * INCH,
    ),
    ("a4", "small"): LabelLayout(
        "small", "21 per sheet, 63.5 × 38.1 mm (Avery L7160)", "a4", 3, 7,
        63.5 * MM, 38.1 * MM, 7.2 * MM, 15.15 * MM, 66.0 * MM, 38.1 * MM,
    ),
    ("a4", "large"): LabelLayout(
        "large", "14 per sheet, 99.1 × 38.1 mm (Avery L7163)", "a4", 2, 7,
        99.1 * MM, 38.1 * MM, 4.65 * MM, 15.15 * MM, 101.6 * MM, 38.1 * MM,
    ),
}  # fmt: skip

PAGE_SIZES = ("letter", "a4")
LAYOUT_KEYS = ("small", "large")


def layout_for(page_size: str, layout: str = "small") -> LabelLayout:
    try:
        return LAYOUTS[(page_size.strip().lower(), layout.strip().lower())]
    except KeyError:
        raise ValidationError(
            fields={"layout": f"No label layout “{layout}” for {page_size} paper; use small or large."}
        ) from None


@dataclass(frozen=True)
class LabelSheet:
    path: Path
    labels: int
    pages: int
    layout: LabelLayout


_FONT, _BOLD = "FluoroDesk-Sans", "FluoroDesk-Sans-Bold"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, str(font_path("DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(_BOLD, str(font_path("DejaVuSans-Bold.ttf"))))


def _fit(text: str, font: str, size: float, width: float, minimum: float = 5.0) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > minimum and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_qr(canvas: Any, value: str, x: float, y: float, side: float, border: int = 4) -> None:
    """The QR code of ``value`` as one filled path (reportlab's encoder; a 4-module quiet zone).

    Drawing the modules straight onto the canvas is ~4x faster than rendering the widget's Drawing.
    With a 2-module quiet zone zbar missed a third of the small labels at 300 dpi; with 4 it reads all.
    """
    from reportlab.graphics.barcode.qr import QrCodeWidget

    qr = QrCodeWidget(value, barLevel="M").qr
    qr.make()
    count = qr.getModuleCount()
    box = side / (count + 2 * border)
    path = canvas.beginPath()
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, run in itertools.groupby(bool(m) for m in row):
            length = len(list(run))
            if dark:
                path.rect(x + (c + border) * box, y + side - (r + border + 1) * box, length * box, box)
            c += length
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_label(canvas: Any, label: LabelRow, x: float, y: float, layout: LabelLayout, footer: str) -> None:
    pad = min(0.06 * INCH + layout.height * 0.04, 0.14 * INCH)
    side = layout.height - 2 * pad
    # The quiet zone is part of ``side``, so the code can sit close to the label's edge.
    _draw_qr(canvas, label.code, x + pad * 0.25, y + pad, side)
    pad_left = pad * 0.25

    text_x = x + pad_left + side + pad * 0.5
    width = layout.width - (text_x - x) - pad
    lines = [
        (label.code, _BOLD, layout.height * 0.26),
        (label.type_label, _FONT, layout.height * 0.13),
        (label.due_text, _FONT, layout.height * 0.13),
    ]
    if footer:
        lines.append((footer, _FONT, layout.height * 0.09))
    sizes = [_fit(text, font, min(size, 22), width) for text, font, size in lines]
    gap = layout.height * 0.05
    block = sum(sizes) + gap * (len(lines) - 1)
    baseline = y + (layout.height + block) / 2
    for (text, font, _), size in zip(lines, sizes, strict=True):
        baseline -= size
        canvas.setFont(font, size)
        canvas.drawString(text_x, baseline + size * 0.2, text)
        baseline -= gap


def render_labels(
    labels: Sequence[LabelRow],
    out: Path | str,
    *,
    page_size: str = "letter",
    layout: str = "small",
    start: int = 1,
    footer: str = "",
    outlines: bool = False,
) -> LabelSheet:
    """Draw ``labels`` onto sheets and write the PDF atomically to ``out``.

    ``start`` is the first free position on a partly used first sheet (1 = top left).  ``outlines``
    draws the die-cut outlines (for a test print on plain paper).
    """
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.pdfgen.canvas import Canvas

    chosen = layout_for(page_size, layout)
    if not labels:
        raise ValidationError(fields={"codes": "There are no garments to print labels for."})
    if not 1 <= start <= chosen.per_page:
        raise ValidationError(
            fields={"start": f"Start position must be 1 to {chosen.per_page} on this sheet."}
        )
    _register_fonts()
    out = Path(out)
    size = LETTER if chosen.page_size == "letter" else A4
    slots = start - 1 + len(labels)
    pages = math.ceil(slots / chosen.per_page)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=".labels-", suffix=".pdf", dir=out.parent)
        os.close(handle)
    except OSError as exc:
        raise storage_error_from(exc, path=out.parent) or StorageError(
            f"Cannot write into {out.parent}: {exc.strerror or exc}."
        ) from exc
    temp = Path(temp_name)
    try:
        canvas = Canvas(str(temp), pagesize=size, invariant=1, pageCompression=1)
        canvas.setTitle("Garment labels")
        canvas.setAuthor("FluoroDesk")
        slot = start - 1
        for label in labels:
            if slot == chosen.per_page:
                canvas.showPage()
                slot = 0
            x, y = chosen.origin(slot, size[1])
            if outlines:
                canvas.setLineWidth(0.3)
                canvas.setStrokeGray(0.6)
                canvas.roundRect(x, y, chosen.width, chosen.height, 0.08 * INCH)
            _draw_label(canvas, label, x, y, chosen, footer)
            slot += 1
        canvas.showPage()
        canvas.save()
        temp.replace(out)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise storage_error_from(exc, path=out) or StorageError(
            f"The labels could not be written to {out}: {exc.strerror or exc}."
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return LabelSheet(out, len(labels), pages, chosen)


def make_labels(
    services: Services,
    out: Path | str,
    *,
    codes: Sequence[str] | None = None,
    page_size: str | None = None,
    layout: str = "small",
    start: int = 1,
    outlines: bool = False,
) -> LabelSheet:
    """Gather the labels from the services (clinic paper size by default) and render them."""
    settings = services.settings.load()
    paper = (page_size or str(settings["packet.page_size"]) or "letter").strip().lower()
    if paper not in PAGE_SIZES:
        paper = "letter"
    labels = services.garments.label_rows(codes)
    return render_labels(
        labels,
        out,
        page_size=paper,
        layout=layout,
        start=start,
        footer=str(settings["clinic.name"]),
        outlines=outlines,
    )
