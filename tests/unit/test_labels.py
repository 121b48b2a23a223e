"""The label sheet: QR content is the garment ID, pages follow the layout, paper follows the setting."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from fluorodesk.errors import ValidationError
from fluorodesk.reports.labels import LAYOUTS, layout_for, make_labels, render_labels
from fluorodesk.services.garments.rows import LabelRow
from tests.tools import require_programs

LETTER = (612, 792)
A4 = (595, 842)


def labels(n: int) -> list[LabelRow]:
    return [
        LabelRow(f"A-{i:03d}", "Full apron", date(2027, 1, 1), "Next due 2027-01-01") for i in range(1, n + 1)
    ]


def page_texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_layouts_fit_their_paper():
    for (paper, _key), layout in LAYOUTS.items():
        width, height = LETTER if paper == "letter" else A4
        right = layout.left + (layout.columns - 1) * layout.pitch_x + layout.width
        bottom = layout.top + (layout.rows - 1) * layout.pitch_y + layout.height
        assert right <= width + 0.5 and bottom <= height + 0.5, layout.name
    assert layout_for("letter").per_page == 30 and layout_for("a4", "large").per_page == 14


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (30, 1), (31, 2), (60, 2), (61, 3)])
def test_page_count_follows_the_layout(tmp_path, count, pages):
    out = tmp_path / "labels.pdf"
    sheet = render_labels(labels(count), out, page_size="letter", layout="small")
    assert sheet.pages == pages and sheet.labels == count
    reader = PdfReader(out)
    assert len(reader.pages) == pages
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == list(LETTER)


def test_every_label_prints_its_id_type_and_due_date(tmp_path):
    out = tmp_path / "labels.pdf"
    render_labels(labels(31), out, footer="Riverside Pain & Spine")
    texts = page_texts(out)
    assert all(f"A-{i:03d}" in texts[0] for i in range(1, 31))
    assert "A-031" in texts[1] and "A-031" not in texts[0]
    assert texts[0].count("Next due 2027-01-01") == 30 and "Full apron" in texts[0]
    assert "Riverside Pain & Spine" in texts[0]


def test_start_position_skips_used_labels_on_the_first_sheet(tmp_path):
    out = tmp_path / "labels.pdf"
    assert render_labels(labels(2), out, start=30).pages == 2
    assert render_labels(labels(2), out, start=29).pages == 1
    a4 = render_labels(labels(15), out, page_size="a4", layout="large")
    assert a4.pages == 2
    assert [round(float(v)) for v in PdfReader(out).pages[0].mediabox[2:]] == list(A4)


def test_refusals_are_sentences_and_leave_no_file(tmp_path):
    out = tmp_path / "labels.pdf"
    with pytest.raises(ValidationError, match="1 to 30"):
        render_labels(labels(1), out, start=31)
    with pytest.raises(ValidationError, match="small or large"):
        render_labels(labels(1), out, layout="huge")
    with pytest.raises(ValidationError, match="no garments"):
        render_labels([], out)
    assert list(tmp_path.iterdir()) == []


def test_make_labels_follows_the_clinic_paper_setting(demo_services, tmp_path):
    demo_services.settings.update({"packet.page_size": "a4"})
    sheet = make_labels(demo_services, tmp_path / "l.pdf")
    assert sheet.layout.page_size == "a4" and sheet.labels == 31  # 34 garments less lost/removed/disposed
    text = "".join(page_texts(tmp_path / "l.pdf"))
    assert "A-032" not in text and "T-034" not in text and "A-010" not in text  # lost, disposed, removed
    assert "Riverside Pain & Spine Surgery Center" in text
    chosen = make_labels(demo_services, tmp_path / "two.pdf", codes=["a-010", "T-021"], page_size="letter")
    assert chosen.labels == 2 and "Inspect before use" in "".join(page_texts(tmp_path / "two.pdf"))  # removed


@pytest.mark.parametrize(("paper", "size"), [("letter", "small"), ("a4", "small"), ("letter", "large")])
def test_each_qr_code_scans_as_its_garment_id_at_printer_resolution(tmp_path, paper, size):
    """One label at a time, as a handheld scanner reads it (zbar misses codes on a page full of them)."""
    require_programs("zbarimg", package="zbar-tools")
    require_programs("pdftoppm", package="poppler-utils")
    out = tmp_path / "labels.pdf"
    sheet = render_labels(labels(4), out, page_size=paper, layout=size)
    height = float(PdfReader(out).pages[0].mediabox[3])
    scale = 300 / 72
    decoded = []
    for slot in range(4):
        x, y = sheet.layout.origin(slot, height)
        crop = [
            "-x", str(int(x * scale)), "-y", str(int((height - y - sheet.layout.height) * scale)),
            "-W", str(int(sheet.layout.width * scale)), "-H", str(int(sheet.layout.height * scale)),
        ]  # fmt: skip
        subprocess.run(
            ["pdftoppm", "-png", "-r", "300", "-singlefile", *crop, str(out), str(tmp_path / "c")], check=True
        )
        result = subprocess.run(
            [
                "zbarimg",
                "-q",
                "--raw",
                "--set",
                "*.enable=0",
                "--set",
                "qrcode.enable=1",
                str(tmp_path / "c.png"),
            ],
            capture_output=True,
            text=True,
        )
        decoded.append(result.stdout.strip())
    assert decoded == ["A-001", "A-002", "A-003", "A-004"]
