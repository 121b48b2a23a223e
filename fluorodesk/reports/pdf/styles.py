"""Fonts, colours, paragraph styles and page geometry of the packet.

The bundled DejaVu Sans is registered with reportlab (and embedded, subset, in every PDF) so µ, ±,
², ≥ and accented names print on any machine; no built-in PDF font is ever used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from fluorodesk.errors import FluoroDeskError
from fluorodesk.paths import font_path

# Registered under our own names: another module registering "DejaVuSans" (a chart, a test) would
# otherwise reset the family and silently turn every bold heading regular.
FONT = "FluoroDeskSans"
FONT_BOLD = "FluoroDeskSans-Bold"

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1f3d5c")
RULE = colors.HexColor("#9aa5b1")
HEADER_BG = colors.HexColor("#dfe6ee")
GRID = colors.HexColor("#c3ccd6")

# Tints behind rows; the words in the row always say the same thing.
TONE_BACKGROUND = {
    "bad": colors.HexColor("#f8d7da"),
    "warn": colors.HexColor("#fff3cd"),
    "ok": None,
    "muted": colors.HexColor("#f0f0f0"),
}
TONE_TEXT = {"bad": colors.HexColor("#6b1a21"), "muted": MUTED}

PAGE_SIZES = {"letter": LETTER, "a4": A4}


@cache
def register_fonts() -> str:
    """Register DejaVu Sans (regular and bold) once per process; returns the family name."""
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        path = font_path(file)
        if not path.is_file():
            raise FluoroDeskError(f"The bundled font {path} is missing; reinstall FluoroDesk.")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # No italic face is bundled: italics fall back to the upright faces rather than a built-in font.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    # reportlab.graphics (charts) starts every drawing in the base font: make that DejaVu too, so no
    # non-embedded built-in font (Helvetica) ever gets into a FluoroDesk PDF.
    from reportlab import rl_config

    rl_config.canvas_basefontname = FONT
    rl_config.defaultGraphicsFontName = FONT
    return FONT


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    left: float = 0.65 * inch
    right: float = 0.65 * inch
    top: float = 0.95 * inch  # room for the header
    bottom: float = 0.8 * inch  # room for the footer

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom


def geometry(page_size: str) -> Geometry:
    width, height = PAGE_SIZES.get(page_size, LETTER)
    return Geometry(width, height)


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK, spaceAfter=6)
    out = {
        "body": base,
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11.5, textColor=MUTED),
        "empty": ParagraphStyle("empty", parent=base, textColor=MUTED, spaceBefore=2, spaceAfter=8),
        "alert": ParagraphStyle(
            "alert",
            parent=base,
            textColor=colors.HexColor("#6b1a21"),
            backColor=TONE_BACKGROUND["bad"],
            borderPadding=(4, 6, 4, 6),
            spaceBefore=4,
            spaceAfter=10,
        ),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, textColor=ACCENT, spaceAfter=10
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=5,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", parent=base, fontSize=8, leading=10, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_head": ParagraphStyle(
            "cell_head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10, spaceAfter=0
        ),
        "label": ParagraphStyle(
            "label", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=0
        ),
        "value": ParagraphStyle("value", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "cover_clinic": ParagraphStyle(
            "cover_clinic",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=22,
            leading=27,
            textColor=ACCENT,
            spaceAfter=4,
        ),
        "cover_address": ParagraphStyle(
            "cover_address", parent=base, fontSize=11, leading=14, textColor=MUTED
        ),
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=17,
            leading=22,
            spaceBefore=36,
            spaceAfter=18,
        ),
        "caption": ParagraphStyle(
            "caption", parent=base, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=4
        ),
        "toc0": ParagraphStyle(
            "toc0", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=15, leftIndent=0
        ),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=9, leading=12, leftIndent=16, textColor=INK),
        "centered": ParagraphStyle("centered", parent=base, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }
    return out
