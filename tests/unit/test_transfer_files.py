"""The spreadsheet files themselves: exports that are safe to open in Excel, imports that read no more
than the limits (each attack file is built small on disk in tmp_path and refused in bounded time and
memory), and the reading done before the write lock is taken."""

from __future__ import annotations

import csv
import signal
import tracemalloc
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from fluorodesk.services.transfer import service as service_module
from fluorodesk.services.transfer.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_PACKING_RATIO,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_XML_ELEMENTS,
)
from fluorodesk.services.transfer.tables import neutralised, read_table, restored, write_table

# The cells of the issue, and two that start with a quote of their own.
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1)", "@SUM(1)", '=HYPERLINK("http://x","y")', "-2+3"]
CONTROL = ["\t=1+1", "\r=1+1"]
QUOTED = ["'=1+1", "'Tis the season"]
EXCEL_RUNS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


# --------------------------------------------------------------------------- exports safe to open in Excel


def test_csv_export_writes_formula_cells_as_text_and_the_import_gives_them_back(tmp_path):
    texts = FORMULAS + CONTROL + QUOTED + ["plain"]
    path = write_table(tmp_path / "out.csv", ["text", "number"], [[t, -2.5] for t in texts] + [["x", -3]])
    written = csv_cells(path)[1:]
    assert not [row[0] for row in written if row[0].startswith(EXCEL_RUNS)]
    assert [row[0] for row in written[:-1]] == ["'" + t for t in FORMULAS + CONTROL] + [
        "''=1+1",  # one more quote, so the import takes off exactly the one the export added
        "'Tis the season",  # no formula: left as it is
        "plain",
    ]
    assert [row[1] for row in written] == ["-2.5"] * len(texts) + ["-3"]  # numbers stay numbers
    table = read_table(path)
    assert [cells["text"] for _, cells in table.rows] == texts + ["x"]
    assert [cells["number"] for _, cells in table.rows] == ["-2.5"] * len(texts) + ["-3"]


def test_xlsx_export_writes_text_as_text_never_a_formula(tmp_path):
    texts = FORMULAS + CONTROL + QUOTED
    path = write_table(tmp_path / "out.xlsx", ["text", "number"], [[t, -2.5] for t in texts])
    sheet = load_workbook(path).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # As text, without a quote added (XML itself reads a carriage return as a line feed).
    as_xml_reads_them = [t.replace("\r", "\n") for t in texts]
    assert [c.value for c in cells if c.column == 1] == as_xml_reads_them
    assert {(c.data_type, c.value) for c in cells if c.column == 2} == {("n", -2.5)}
    assert [cells["text"] for _, cells in read_table(path).rows] == as_xml_reads_them


@given(st.text(max_size=20))
def test_the_csv_quote_is_added_only_where_excel_would_run_the_cell_and_always_taken_off(text):
    written = neutralised(text)
    assert not written.startswith(EXCEL_RUNS)
    assert restored(written) == text
    if written == text:  # a text left alone is read back as it is
        assert restored(text) == text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_formula_cells_import_back_unchanged(services, tmp_path, fmt):
    source = tmp_path / "technicians.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["first_name", "last_name", "notes"])
        writer.writerows([f"Ann{chr(65 + i)}", "Lee", text] for i, text in enumerate(FORMULAS + QUOTED[1:]))
    assert services.imports.run("technicians", source).written
    path, count = services.exports.run("technicians", tmp_path / f"export.{fmt}")
    if fmt == "csv":
        assert not [cell for row in csv_cells(path) for cell in row if cell.startswith(EXCEL_RUNS)]
    else:
        assert not [c for row in load_workbook(path).active.iter_rows() for c in row if c.data_type == "f"]
    report = services.imports.run("technicians", path)
    assert report.ok and report.count("unchanged") == count == len(FORMULAS) + 1, report.lines()


# --------------------------------------------------------------------------- limits on what an import reads


class TookTooLong(Exception):
    pass


@contextmanager
def bounded(seconds: int = 60, megabytes: int | None = 100):
    """Fail the test if the block runs longer than ``seconds`` or, when ``megabytes`` is given,
    allocates more than that at its peak (the attacks of the issue took minutes and gigabytes).
    Memory is traced only where it is the point: tracing makes Python several times slower."""

    def too_long(*_args):
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(seconds)
    if megabytes:
        tracemalloc.start()
    try:
        yield
        if megabytes:
            _, peak = tracemalloc.get_traced_memory()
            assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refusal(services, path: Path, *, megabytes: int | None = 100) -> list[str]:
    with bounded(megabytes=megabytes):
        report = services.imports.run("technicians", path)
    assert not report.written and not report.rows
    return report.file_errors


def test_a_header_of_100000_columns_is_refused(services, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + "x," * 99_999 + "x\n")
    assert refusal(services, path) == [
        f"wide.csv has a line of more than {MAX_LINE_CHARS:,} characters; "
        f"an import reads at most {MAX_COLUMNS} columns of {MAX_CELL_CHARS:,} characters."
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_column_more_than_the_limit_is_refused(services, tmp_path, fmt):
    headers = ["first_name", "last_name"] + [f"extra_{i}" for i in range(MAX_COLUMNS - 1)]
    path = write_table(tmp_path / f"wide.{fmt}", headers, [["Ann", "Lee"]])
    assert refusal(services, path) == [
        f"wide.{fmt} has more than {MAX_COLUMNS} columns; an import reads at most {MAX_COLUMNS}."
    ]


def test_more_rows_than_the_limit_are_refused_and_the_limit_itself_is_read(services, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("first_name,last_name\n" + "Ann,Lee\n" * MAX_ROWS)
    assert len(read_table(path).rows) == MAX_ROWS
    with path.open("a") as out:
        out.write("Ann,Lee\n")
    assert refusal(services, path, megabytes=None) == [
        f"long.csv has more than {MAX_ROWS:,} rows; an import reads at most {MAX_ROWS:,}."
    ]


def test_a_cell_longer_than_the_limit_is_refused(services, tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text(
        f"first_name,last_name,notes\nAnn,Lee,{'x' * MAX_CELL_CHARS}\nBo,Lee,{'x' * (MAX_CELL_CHARS + 1)}\n"
    )
    assert refusal(services, path) == [
        f"Row 3, column notes holds more than {MAX_CELL_CHARS:,} characters; "
        f"an import reads at most {MAX_CELL_CHARS:,} in a cell."
    ]


def test_a_line_of_forty_million_commas_is_refused_before_it_is_split(services, tmp_path):
    path = tmp_path / "commas.csv"
    with path.open("w") as out:
        out.write("first_name,last_name\n")
        for _ in range(40):
            out.write("," * 1_000_000)
    (message,) = refusal(services, path)
    assert message.startswith("commas.csv has a line of more than")


def test_a_csv_larger_than_the_limit_is_refused_unread(services, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.write(b"first_name,last_name\n")
        out.truncate(MAX_UNPACKED_BYTES + 1)  # sparse: nothing is really written
    assert refusal(services, path) == ["huge.csv is larger than 50 MB; an import reads at most that."]


HEAD = b'<?xml version="1.0" encoding="UTF-8"?>'
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(path: Path, sheet: Iterable[bytes], *, styles: Iterable[bytes] = ()) -> Path:
    """A minimal .xlsx that openpyxl opens, its sheet and styles written from the chunks given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{REL}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(HEAD + b"<worksheet " + MAIN + b"><sheetData>")
            out.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>first_name</t></is></c>')
            out.write(b'<c r="B1" t="inlineStr"><is><t>last_name</t></is></c></row>')
            for chunk in sheet:
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")
        chunks = list(styles)
        if chunks:
            z.writestr(
                "xl/styles.xml", HEAD + b"<styleSheet " + MAIN + b">" + b"".join(chunks) + b"</styleSheet>"
            )
    return path


def test_an_xlsx_unzipping_to_more_than_the_limit_is_refused_unopened(services, tmp_path):
    path = workbook(tmp_path / "bomb.xlsx", [b" " * 2**20 for _ in range(60)])  # 60 MB of blanks
    assert path.stat().st_size < 2**20
    assert refusal(services, path) == ["bomb.xlsx unzips to 60 MB; an import reads at most 50 MB."]


def test_an_xlsx_unzipping_to_hundreds_of_times_its_size_is_refused(services, tmp_path):
    path = workbook(tmp_path / "bomb.xlsx", [b" " * 2**20 for _ in range(10)])
    (message,) = refusal(services, path)
    assert message.startswith("bomb.xlsx unzips to ") and message.endswith(
        f"times its size, which no real workbook does (an import reads at most {MAX_PACKING_RATIO} times)."
    )


def numbered_rows(count: int) -> Iterable[bytes]:
    cell = b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
    for r in range(2, count + 2):
        yield b'<row r="%d">' % r + cell % (b"A", r, b"Ann") + cell % (b"B", r, b"Lee%d" % r) + b"</row>"


def test_an_xlsx_with_more_rows_than_the_limit_is_refused(services, tmp_path):
    path = workbook(tmp_path / "long.xlsx", numbered_rows(MAX_ROWS + 1))
    assert refusal(services, path, megabytes=None) == [
        f"long.xlsx has more than {MAX_ROWS:,} rows; an import reads at most {MAX_ROWS:,}."
    ]


def test_an_xlsx_row_of_a_million_elements_is_refused_before_it_is_built(services, tmp_path):
    cells = (b'<c r="C%d"><v>%d</v></c>' % (i, i) for i in range(MAX_XML_ELEMENTS // 2 + 1))
    path = workbook(tmp_path / "wide.xlsx", [b'<row r="2">', *cells, b"</row>"])
    assert refusal(services, path) == [
        f"wide.xlsx holds more than {MAX_XML_ELEMENTS:,} XML elements in one row, which no real workbook does."
    ]


def test_an_xlsx_part_read_whole_with_a_million_elements_is_refused(services, tmp_path):
    fonts = (b"<font><sz val='%d'/></font>" % i for i in range(MAX_XML_ELEMENTS // 2 + 1))
    path = workbook(tmp_path / "styles.xlsx", numbered_rows(1), styles=[b"<fonts>", *fonts, b"</fonts>"])
    assert refusal(services, path) == [
        f"styles.xlsx holds more than {MAX_XML_ELEMENTS:,} XML elements in one part, which no real workbook does."
    ]


def test_a_small_real_workbook_passes_the_checks(services, tmp_path):
    report = services.imports.run("technicians", workbook(tmp_path / "two.xlsx", numbered_rows(2)))
    assert report.written and report.count("new") == 2, report.lines()


@pytest.mark.slow
def test_an_export_of_the_most_rows_reads_back(tmp_path):
    rows = [
        [f"CA-{i % 7}", "normal", 30.0 + i % 10, "mGy/min", "", "", "", "", "", ""] for i in range(MAX_ROWS)
    ]
    path = write_table(tmp_path / "most.xlsx", [f"c{i}" for i in range(10)], rows)
    assert len(read_table(path).rows) == MAX_ROWS


# --------------------------------------------------------------------------- the write lock


def test_cells_are_parsed_before_the_write_lock_is_taken(services, tmp_path, monkeypatch):
    events: list[str] = []
    real_write, real_parse = services.db.write, service_module.parse_row

    @contextmanager
    def write(*args, **kwargs):
        events.append("lock")
        with real_write(*args, **kwargs) as session:
            yield session
        events.append("unlock")

    def parse_row(kind, cells):
        events.append("parse")
        return real_parse(kind, cells)

    monkeypatch.setattr(services.db, "write", write)
    monkeypatch.setattr(service_module, "parse_row", parse_row)
    report = services.imports.run("technicians", workbook(tmp_path / "three.xlsx", numbered_rows(3)))
    assert report.written
    assert events == ["parse", "parse", "parse", "lock", "unlock"]
