"""The packet is laid out once: the numbers only the end of the layout knows (the footers' page
total, the contents' page numbers) are drawn late, in place, exactly as a second pass would draw
them; a pass whose contents lines differ from the seeded ones is followed by another."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.colors import red
from reportlab.pdfgen.canvas import Canvas

from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.reports.pdf import render
from fluorodesk.reports.pdf.late_canvas import LateCanvas
from fluorodesk.reports.pdf.styles import FONT, register_fonts
from fluorodesk.reports.progress import Progress
from tests.reports.conftest import GENERATED


def _two_pages(canvas: Canvas, late: bool) -> bytes:
    """Two pages, each with a number known only at the end, drawn late or (on a plain canvas) with
    the number already known; moved and coloured state, and a link among the page's other links."""
    known = {"total": 2 if not late else None}

    def number(page: int, c: Canvas) -> None:
        c.setFont(FONT, 9)
        c.drawRightString(100, 0, f"Page {page} of {known['total']}")
        c.linkRect("", f"p{page}", (80, 0, 100, 9), relative=1)

    for page in (1, 2):
        canvas.bookmarkPage(f"p{page}")
        canvas.setFont(FONT, 10)
        canvas.drawString(20, 700, f"before {page}")
        canvas.linkRect("", "p1", (20, 700, 60, 710))
        canvas.saveState()
        canvas.translate(300, 40)
        canvas.setFillColor(red)
        if late:
            canvas.draw_later(lambda c, page=page: number(page, c), links=1)
        else:
            number(page, canvas)
        canvas.restoreState()
        canvas.linkRect("", "p2", (20, 650, 60, 660))
        canvas.drawString(20, 650, "after")
        canvas.showPage()
    known["total"] = 2
    canvas.save()
    return canvas._filename.getvalue()


def test_a_late_drawing_is_byte_for_byte_what_drawing_it_there_would_have_made():
    register_fonts()
    plain = _two_pages(Canvas(io.BytesIO(), invariant=1), late=False)
    late = _two_pages(LateCanvas(io.BytesIO(), invariant=1), late=True)
    assert b"FluoroDesk-late" not in late
    assert late == plain
    assert "Page 2 of 2" in PdfReader(io.BytesIO(late)).pages[1].extract_text()


def test_a_late_drawing_makes_the_links_it_reserved():
    canvas = LateCanvas(io.BytesIO(), invariant=1)
    canvas.draw_later(lambda c: c.drawString(10, 10, "no link"), links=1)
    canvas.showPage()
    with pytest.raises(AssertionError, match="fewer links"):
        canvas.save()


def _contents_numbers(pdf: bytes) -> tuple[dict[str, int], dict[str, int]]:
    """Each section's page number as the contents print it, and as its bookmark points to it."""
    reader = PdfReader(io.BytesIO(pdf))
    top = [item for item in reader.outline if not isinstance(item, list)][2:]  # past cover, contents
    contents = reader.pages[1].extract_text(extraction_mode="layout")
    printed = {}
    for item in top:
        line = re.search(re.escape(item.title) + r"[ .]*?(\d+)\s*\n", contents)
        printed[item.title] = int(line.group(1)) if line else -1
    return printed, {item.title: reader.get_destination_page_number(item) + 1 for item in top}


@pytest.mark.parametrize("seeded", [True, False], ids=["seeded", "not-seeded"])
def test_the_contents_show_this_layouts_pages_however_many_passes_it_took(demo_services, monkeypatch, seeded):
    data = gather(demo_services, PacketRequest(generated_at=GENERATED, sections="exceptions,garments"))
    if not seeded:  # the contents' lines are found by the first pass: a second pass must follow
        monkeypatch.setattr(render, "_seed_contents", lambda story: None)
    result = render.layout(data, Progress(), deterministic=True)
    assert result.passes == (1 if seeded else 2)
    printed, actual = _contents_numbers(result.pdf)
    assert len(actual) == 2 and printed == actual
    last = PdfReader(io.BytesIO(result.pdf)).pages[-1].extract_text()
    assert f"Page {result.pages} of {result.pages}" in last
