"""The spreadsheet files themselves: exports that are safe to open in Excel."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

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
