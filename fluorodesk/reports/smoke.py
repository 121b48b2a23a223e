"""A one-page PDF for `fluorodesk selfcheck`: proves reportlab, its data files and the bundled font work.

Stand-in until the audit packet lands: selfcheck should then render a small real packet instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from fluorodesk.paths import font_path

FONT, FONT_BOLD = "FluoroDesk-Sans", "FluoroDesk-Sans-Bold"
# Characters a packet prints (units, limits); with a missing font they would come out as boxes.
SAMPLE_TEXT = "Exposure rate 2.1 mGy/min ± 5 % (limit 88 mGy/min); dose 0.4 µSv; area 25 cm²"


def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(font_path("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path("DejaVuSans-Bold.ttf"))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)


def render_smoke_pdf(path: Path, *, title: str, rows: Sequence[tuple[str, str]]) -> Path:
    """Write a one-page PDF with a title, the sample text and a two-column table of ``rows``."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    heading = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=16, leading=20)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11)
    data = [("Check", "Result"), *((Paragraph(escape(k), cell), Paragraph(escape(v), cell)) for k, v in rows)]
    table = Table(data, colWidths=[1.8 * inch, 4.7 * inch], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=letter, title=title, author="FluoroDesk")
    doc.build(
        [
            Paragraph(escape(title), heading),
            Spacer(1, 8),
            Paragraph(escape(SAMPLE_TEXT), body),
            Spacer(1, 8),
            table,
        ]
    )
    return path
