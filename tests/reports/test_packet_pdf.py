"""The packet PDF itself: words, page numbering, bookmarks, contents, fonts, scans, qpdf, speed of failure."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader

from fluorodesk.reports import document as doc_model
from fluorodesk.reports.packet import PacketRequest, make_packet
from fluorodesk.reports.packet_data import gather
from fluorodesk.reports.pdf import render
from fluorodesk.reports.progress import Progress
from fluorodesk.reports.sections import SECTIONS
from tests.reports.conftest import GENERATED, page_texts
from tests.tools import require_programs


@pytest.fixture(scope="module")
def packet(tmp_path_factory, scans_template):
    """One full packet of the demo clinic with scans, rendered once for the checks below."""
    from fluorodesk.db.database import open_database
    from fluorodesk.paths import DataDir
    from fluorodesk.services.registry import Services
    from tests.conftest import TODAY

    root = tmp_path_factory.mktemp("packet-clinic")
    shutil.copytree(scans_template, root, dirs_exist_ok=True)
    db = open_database(DataDir(root))
    services = Services(db, "tester", today=TODAY)
    out = root / "packet.pdf"
    result = make_packet(services, PacketRequest(generated_at=GENERATED), out, deterministic=True)
    db.close()
    return out, result, page_texts(out)


def test_every_page_is_numbered_page_x_of_y(packet):
    path, result, texts = packet
    total = len(PdfReader(path).pages)
    assert result.pages == total > 30
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, f"page {number}"
        assert "Generated 2026-11-26 09:30 by FluoroDesk" in text


def test_cover_and_header_name_the_clinic_period_and_as_of(packet):
    _path, _result, texts = packet
    cover = texts[0]
    assert "Riverside Pain & Spine Surgery Center" in cover
    assert "1200 Riverside Drive" in cover
    assert "2025-11-27 to 2026-11-26" in cover and "Status as of" in cover
    assert "Prepared by" in cover and "Dr. Helen Park, MD" in cover
    for text in texts[1:]:
        assert "Riverside Pain & Spine Surgery Center" in text
        assert "period 2025-11-27 to 2026-11-26" in text


def test_exceptions_come_first_with_findings_and_actions(packet):
    _path, _result, texts = packet
    first_section = next(i for i, t in enumerate(texts) if "Exceptions: what needs attention As of" in t)
    assert first_section == 3  # right after the cover and two pages of contents
    exceptions = "\n".join(texts[first_section : first_section + 3])
    for expected in (
        "Kevin Brooks",
        "Exclusion check (OIG/SAM) expired 2026-11-12",
        "Run the OIG/SAM exclusion check again and file the result.",
        "Hannah Fischer",
        "Cannot work: TB screening missing.",
        "93.5 mGy/min exceeds the 88 mGy/min limit",
        "Works without a signed contract in force",
        "Inspection was due 2026-10-27",
    ):
        assert expected in exceptions, expected


def test_missing_and_altered_documents_are_listed_not_skipped(packet):
    _path, result, texts = packet
    everything = "\n".join(texts)
    assert result.documents_with_problems == 2
    assert "Documents missing or altered: 2" in everything
    assert "tb-letter.pdf" in everything and "Missing" in everything
    assert "chen-bls.pdf" in everything and "Altered" in everything
    assert "CHEN BLS SCANPAGE" not in everything  # an altered file is never reproduced


def test_scans_are_merged_after_the_technicians_detail_with_numbering(packet):
    _path, _result, texts = packet
    detail = next(i for i, t in enumerate(texts) if "Maria Alvarez Employment" in t)
    scan_pages = [i for i, t in enumerate(texts) if "ALVAREZ ARRT SCANPAGE" in t]
    first = scan_pages[0]
    assert scan_pages == [first, first + 1] and first > detail
    # the scans follow Maria's own detail pages, before anyone else's detail
    assert not any(" Employment" in t and "Maria Alvarez" not in t for t in texts[detail + 1 : first])
    assert "page 1 of 2" in texts[first] and "arrt-card.pdf" in texts[first]
    image_index = next(i for i in range(first + 2, len(texts)) if "bls-card.png" in texts[i])
    next_detail = next(
        (
            i
            for i in range(detail + 1, len(texts))
            if " Employment" in texts[i] and "Maria Alvarez" not in texts[i]
        ),
        len(texts),
    )
    assert first + 2 <= image_index < next_detail  # the PNG on its own page, after the PDF, still Maria's
    assert any("licence.jpg" in t for t in texts)
    assert "CONTRACT SCANPAGE" not in "\n".join(texts)  # contract documents are listed, not reproduced
    assert "signed-contract.pdf" in "\n".join(texts)


def test_bookmarks_point_at_their_sections_and_the_contents_agrees(packet):
    path, _result, texts = packet
    reader = PdfReader(path)
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [item.title for item in top]
    assert titles == ["Cover", "Contents"] + [spec.title for spec in SECTIONS]
    contents = _layout_text(path, 2, 3)
    for item in top[2:]:
        page = reader.get_destination_page_number(item)
        assert item.title in texts[page], item.title
        line = re.search(re.escape(item.title) + r"[ .]*?(\d+)\s*\n", contents)
        assert line and int(line.group(1)) == page + 1, item.title
    nested = [entry for item in reader.outline if isinstance(item, list) for entry in item]
    names = {entry.title for entry in nested if not isinstance(entry, list)}
    assert {"Maria Alvarez", "Roster", "CA-1 OR 1 C-arm", "Physicist surveys"} <= names


def _layout_text(path: Path, first: int, last: int) -> str:
    """The text of pages ``first`` to ``last`` (1-based) as poppler places it on the page, forms
    included (pypdf's layout mode leaves forms out, and its text visitor gives a form's text in
    the form's own coordinates, wherever the page draws it)."""
    require_programs("pdftotext", package="poppler-utils")
    run = subprocess.run(
        ["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


def _outline_pages(reader: PdfReader) -> list[tuple[str, int]]:
    """Every bookmark below "Cover" and "Contents" (sections and their sub-headings, in order) and
    the page it opens (1-based)."""

    def flat(items: list) -> list:
        return [entry for item in items for entry in (flat(item) if isinstance(item, list) else [item])]

    entries = flat(reader.outline)
    assert [e.title for e in entries[:2]] == ["Cover", "Contents"]
    return [(e.title, reader.get_destination_page_number(e) + 1) for e in entries[2:]]


def _numbered_lines(page: PageObject) -> list[tuple[float, int]]:
    """The baseline and the number of each line of ``page`` ending in leader dots and a number."""
    numbers: list[tuple[float, int]] = []

    def visit(text: str, cm: list, tm: list, _font: object, _size: object) -> None:
        found = re.search(r"(?:\.\s*){3,}(\d+)\s*$", text)
        if found:
            numbers.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], int(found.group(1))))

    page.extract_text(visitor_text=visit)
    return numbers


def _contents(reader: PdfReader) -> tuple[list[int], list[tuple[list[int], int]]]:
    """What the contents pages show: the page number ending each entry, in order; and each link on
    those pages with the page numbers printed on its line(s) and the page it goes to (1-based)."""
    first, *sections = [page for _title, page in _outline_pages(reader)]
    contents_pages = range(1, first - 1)  # after the cover, before the first section
    printed: list[int] = []
    links: list[tuple[list[int], int]] = []
    for index in contents_pages:
        page = reader.pages[index]
        numbers = _numbered_lines(page)
        printed += [number for _y, number in numbers]
        for ref in page.get("/Annots", []):
            link = ref.get_object()
            _x0, bottom, _x1, top = (float(v) for v in link["/Rect"])
            on_its_lines = [number for y, number in numbers if bottom - 3 <= y <= top]
            links.append((on_its_lines, reader.get_page_number(link["/Dest"][0].get_object()) + 1))
    return printed, links


def test_each_contents_entry_shows_and_links_to_the_page_its_section_starts_on(packet):
    path, _result, texts = packet
    reader = PdfReader(path)
    bookmarks = _outline_pages(reader)
    printed, links = _contents(reader)
    assert len(bookmarks) > 30 and any(title == "Maria Alvarez" for title, _page in bookmarks)
    assert printed == [page for _title, page in bookmarks]  # every entry, sections and sub-headings
    for title, page in bookmarks:
        assert title in texts[page - 1].replace("\n", " "), title
    assert len(links) == 2 * len(bookmarks)  # an entry's words and its page number link to its page
    for on_its_lines, target in links:
        assert on_its_lines == [target]


def test_contents_over_several_pages_with_wrapped_and_cut_titles(demo_services, tmp_path):
    """The contents are laid out before the sections, with room for every entry: over several
    pages, an entry whose title takes two lines, one whose title is cut after four lines and one
    whose title is a word wider than the page, each still shows the page its bookmark opens and
    links there, and every page has its total."""
    data = gather(demo_services, PacketRequest(generated_at=GENERATED, sections="attestation"))
    wrapped = "Wrapped title " + "word " * 25
    cut = "Cut title " + "word " * 200
    unbroken = "Unbroken " + "x" * 3000
    blocks: list[doc_model.Block] = []
    for index in range(70):
        title = {10: wrapped, 20: cut, 30: unbroken}.get(index, f"Entry {index}")
        blocks += [doc_model.SubHeading(title), doc_model.Para(f"Text of entry {index}. " * 25)]
    data = dataclasses.replace(data, sections=(doc_model.Section("many", "Many entries", tuple(blocks)),))
    path = tmp_path / "contents.pdf"
    path.write_bytes(render.layout(data, Progress(), deterministic=True).pdf)
    reader = PdfReader(path)
    bookmarks = _outline_pages(reader)
    printed, links = _contents(reader)
    assert bookmarks[0][1] >= 5  # cover, then three pages of contents
    assert printed == [page for _title, page in bookmarks]
    # each entry's words and its number link to its page; the first line of the wrapped title and
    # of the unbroken one, and the first three of the cut one, are links without a number on their line
    assert len(links) == 2 * len(bookmarks) + 1 + 3 + 1
    assert all(on_its_lines == [target] for on_its_lines, target in links if on_its_lines)
    contents = _layout_text(path, 2, bookmarks[0][1] - 1)
    for title, page in bookmarks:
        if title.startswith("Entry"):
            assert re.search(rf"\b{title}[ .]*{page}\n", contents), title
    assert "word …" in contents and contents.count("Cut title") == 1
    assert re.search(r"Unbroken\n\s*x+… [ .]*\d+\n", contents)  # cut to the line, its number after it
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text(), f"page {number}"


def test_fonts_are_embedded_and_no_builtin_font_is_used(packet):
    path, _result, _texts = packet
    reader = PdfReader(path)
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            seen.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert descriptor is not None, font["/BaseFont"]
            assert any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any("DejaVuSans" in name for name in seen)
    assert not any("Helvetica" in name for name in seen)


def test_qpdf_finds_no_structural_errors(packet):
    require_programs("qpdf", package="qpdf")
    path, _result, _texts = packet
    run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_tables_repeat_their_header_on_every_page(packet):
    _path, _result, texts = packet
    status_pages = [t for t in texts if "Copy on file, checked" in t and "Employment" not in t]
    assert len(status_pages) >= 3  # the credential status table spans pages
    for text in status_pages:
        assert "Technician Credential Status Verified Expires" in text


def test_output_is_byte_stable_for_tests(scans_services, tmp_path):
    request = PacketRequest(generated_at=GENERATED, sections=("exceptions", "technicians"))
    first = make_packet(scans_services, request, tmp_path / "a.pdf", deterministic=True)
    second = make_packet(scans_services, request, tmp_path / "b.pdf", deterministic=True)
    assert first.pages == second.pages
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_a4_setting(scans_services, tmp_path):
    scans_services.settings.update({"packet.page_size": "a4"})
    make_packet(scans_services, PacketRequest(sections=("attestation",)), tmp_path / "a4.pdf")
    box = PdfReader(tmp_path / "a4.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    make_packet(
        scans_services, PacketRequest(sections=("attestation",), page_size="letter"), tmp_path / "l.pdf"
    )
    box = PdfReader(tmp_path / "l.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a_section_without_data_says_so(services, tmp_path):
    out = tmp_path / "empty.pdf"
    make_packet(services, PacketRequest(), out)
    text = "\n".join(page_texts(out))
    assert "Nothing needs attention as of 2026-11-26" in text
    assert "No technicians on file for this period." in text
    assert text.count("No records in this period.") >= 2  # dose and dosimetry
    assert "No documents were on file on the packet date." in text


def test_unicode_prints(services, tmp_path):
    out = tmp_path / "u.pdf"
    make_packet(services, PacketRequest(sections=("dose", "dosimetry")), out)
    text = "\n".join(page_texts(Path(out)))
    assert "Gy·cm²" in text and "“M”" in text


def _body_lines(text: str) -> list[str]:
    """A page's lines without the running header and footer."""
    furniture = ("Riverside Pain & Spine Surgery Center", "Compliance packet", "Generated ", "Page ")
    return [line for line in text.splitlines() if line.strip() and not line.startswith(furniture)]


def test_no_page_is_left_blank_or_holding_only_a_stray_note(packet):
    """A heading that starts a page must not leave a blank page after a full one, and the note about
    a technician's scans stands with the technician's facts, never alone at the top of a page."""
    path, _result, _texts = packet
    for number, page in enumerate(PdfReader(path).pages, start=1):
        body = _body_lines(page.extract_text() or "")
        section_titles = {"Technicians and credentials", "Contracts", "Protective garments"}
        assert [line for line in body if line.strip() not in section_titles], f"page {number} is blank"
        assert not (len(body) <= 2 and any("No scanned documents attached" in line for line in body)), (
            f"page {number} holds only the no-scans note"
        )
