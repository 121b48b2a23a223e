"""A sub-heading or a table's title is never left alone at the foot of a page: the page must have
room for it and the table's start (header and first row), however tall that first row is."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from fluorodesk.reports import document as doc_model
from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.reports.pdf import flowables as fl
from fluorodesk.reports.pdf import render
from fluorodesk.reports.pdf.styles import register_fonts
from fluorodesk.reports.progress import Progress
from tests.reports.conftest import GENERATED

FOLLOW_UP = "Follow-up done; patient informed 2026-10-05; skin check 2026-10-26; by Dr. Samuel Ortiz " * 8


def _tall_table(title: str) -> doc_model.Table:
    columns = (doc_model.Column("Case"), doc_model.Column("Follow-up"))
    rows = tuple(doc_model.Row((f"FIRSTROW-{i}" if i == 0 else f"C-{i}", FOLLOW_UP)) for i in range(3))
    return doc_model.Table(columns, rows, title=title)


def _pages(demo_services, blocks: tuple[doc_model.Block, ...]) -> list[str]:
    data = gather(demo_services, PacketRequest(generated_at=GENERATED, sections="attestation"))
    section = doc_model.Section("test", "Heading test", blocks)
    data = dataclasses.replace(data, sections=(section,))
    pdf = render.layout(data, Progress(), deterministic=True).pdf
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    start = next(i for i, text in enumerate(pages) if "Filler line 0." in text)
    return pages[start:]  # the section's pages (the contents before them name the headings too)


@pytest.mark.parametrize("title", ["", "Cases above a trigger"], ids=["untitled", "titled"])
def test_a_sub_heading_stays_with_the_first_row_of_its_table(demo_services, title):
    """Filler paragraphs move the heading down the page one line at a time, through the zone where
    a fixed-height check let the heading end the page and the table start on the next."""
    filler_lines = 0
    for filler_lines in range(40, 64):
        filler = tuple(doc_model.Para(f"Filler line {n}.") for n in range(filler_lines))
        blocks = (*filler, doc_model.SubHeading("Flagged cases: 2"), _tall_table(title))
        pages = _pages(demo_services, blocks)
        heading_page = next(i for i, text in enumerate(pages) if "Flagged cases: 2" in text)
        first_row_page = next(i for i, text in enumerate(pages) if "FIRSTROW-0" in text)
        assert heading_page == first_row_page, f"{filler_lines} filler lines: heading alone"
        if title:
            assert title in pages[first_row_page]
    assert filler_lines == 63


def test_a_table_title_stays_with_the_first_row(demo_services):
    for filler_lines in range(40, 64):
        filler = tuple(doc_model.Para(f"Filler line {n}.") for n in range(filler_lines))
        pages = _pages(demo_services, (*filler, _tall_table("Cases above a trigger")))
        title_page = next(i for i, text in enumerate(pages) if "Cases above a trigger" in text)
        assert "FIRSTROW-0" in pages[title_page], f"{filler_lines} filler lines: title alone"


def test_start_height_is_the_header_and_first_row():
    register_fonts()
    short = doc_model.Table((doc_model.Column("A"),), (doc_model.Row(("one line",)),) * 5)
    tall = doc_model.Table((doc_model.Column("A"),), (doc_model.Row((FOLLOW_UP,)),) * 5)
    narrow = 150.0
    assert fl.start_height(tall, narrow) > 3 * fl.start_height(short, narrow)
    # Five rows are taller than the start; an empty table's start is its "nothing recorded" words.
    whole = fl.table_flowables(short, narrow)[0].wrap(narrow, 10_000)[1]
    assert fl.start_height(short, narrow) < whole
    assert fl.start_height(doc_model.Table((doc_model.Column("A"),), (), empty="None."), narrow) > 0
