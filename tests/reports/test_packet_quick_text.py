"""The packet canvas writes single lines of text itself (reports/pdf/quick_text.py): byte for byte
what reportlab writes, for every kind of line the packet draws and a few it does not."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen.canvas import Canvas

from fluorodesk.reports.pdf import quick_text
from fluorodesk.reports.pdf.quick_text import QuickText
from fluorodesk.reports.pdf.styles import FONT, FONT_BOLD, register_fonts


class _QuickCanvas(QuickText, Canvas):
    pass


MANY = "".join(chr(c) for c in range(0x100, 0x100 + 300))  # more than one 256-character subset

LINES = [
    "Plain words 12.5 mGy/min",
    "",
    "Pain & Spine (Riverside) \\ back-slash",
    "Ünïcödé — “quotes” … €",
    MANY,
    "Past the first subset again: " + MANY[::7],
    "\u0378 not in the font",
    " leading and trailing spaces ",
]


def _pdf(canvas: Canvas, calls: list[tuple[str, tuple, dict]]) -> bytes:
    for font in (FONT, FONT_BOLD):
        canvas.setFont(font, 8, 10)
        for number, (method, args, kwargs) in enumerate(calls):
            getattr(canvas, method)(30 + number, 700 - 12 * number, *args, **kwargs)
        canvas.showPage()
    canvas.save()
    return canvas._filename.getvalue()


@pytest.mark.parametrize("known", [quick_text.KNOWN_LINES, 3], ids=["remembered", "forgotten"])
@pytest.mark.parametrize("method", ["drawString", "drawRightString"])
def test_quick_lines_are_what_reportlab_writes(method, known, monkeypatch):
    """Lines drawn again (in another font too) reuse their operators: still reportlab's bytes,
    also when the remembered lines are forgotten and worked out again."""
    register_fonts()
    monkeypatch.setattr(quick_text, "KNOWN_LINES", known)
    calls = [(method, (line,), {}) for line in LINES + LINES[::-1]]
    assert _pdf(_QuickCanvas(io.BytesIO(), invariant=1), calls) == _pdf(
        Canvas(io.BytesIO(), invariant=1), calls
    )


@pytest.mark.parametrize("kwargs", [{"mode": 0}, {"mode": 2}, {"charSpace": 1.5}, {"wordSpace": 2}], ids=str)
def test_other_lines_are_left_to_reportlab_and_come_out_the_same(kwargs):
    register_fonts()
    calls = [(m, ("Some words here",), kwargs) for m in ("drawString", "drawRightString")]
    assert _pdf(_QuickCanvas(io.BytesIO(), invariant=1), calls) == _pdf(
        Canvas(io.BytesIO(), invariant=1), calls
    )


def test_a_builtin_font_is_left_to_reportlab():
    canvas = _QuickCanvas(io.BytesIO(), invariant=1)
    canvas.setFont("Helvetica", 9)
    assert not canvas._quick_line(10, 10, "Helvetica is not a TrueType font")
    canvas.drawString(10, 10, "drawn by reportlab")
    assert "drawn by reportlab" in canvas._code[-1]
