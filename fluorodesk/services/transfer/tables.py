"""Reading and writing spreadsheet files as plain tables: a header and rows of cell values.

CSV: UTF-8 with or without BOM, comma or semicolon (sniffed from the header line).  XLSX through
openpyxl, where date cells arrive as real dates.  Headers are normalised (case, spaces, a trailing
``*`` marking required columns) so "First Name*" matches ``first_name``.

Writing is safe to open in Excel: a CSV cell that Excel would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``, which the
CSV import takes off again; an .xlsx cell holding text is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fluorodesk.errors import ValidationError

# A text cell starting with one of these is a formula to Excel (OWASP, "CSV injection").  The CSV
# export puts a ' before it; so that the import can take exactly that ' off again, a text that
# already starts with quotes followed by one of these gets one more.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")


def neutralised(text: str) -> str:
    """``text`` as a CSV cell that Excel shows as text, never runs as a formula."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restored(text: str) -> str:
    """The text that :func:`neutralised` wrote as ``text`` (anything else comes back unchanged)."""
    return text[1:] if text.startswith("'") and _NEEDS_QUOTE.match(text, 1) else text


@dataclass(frozen=True)
class RawTable:
    headers: tuple[str, ...]  # normalised
    rows: tuple[tuple[int, dict[str, Any]], ...]  # (spreadsheet row number, {header: cell})
    blank_rows: int = 0


def normalise_header(text: Any) -> str:
    name = str(text or "").strip().lower().rstrip("*").strip()
    return re.sub(r"[\s\-]+", "_", name)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(header: Sequence[Any], body: Iterable[tuple[int, Sequence[Any]]]) -> RawTable:
    headers = tuple(normalise_header(h) for h in header)
    while headers and not headers[-1]:
        headers = headers[:-1]  # trailing empty header cells, common in Excel exports
    named = [h for h in headers if h]
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise ValidationError(
            fields={"file": f"The column {', '.join(duplicates)} appears twice in the header."}
        )
    if len(named) != len(headers):
        raise ValidationError(fields={"file": "A column in the header row has no name."})
    rows, blanks = [], 0
    for number, cells in body:
        cells = list(cells)
        extra = cells[len(headers) :]
        if any(not _is_blank(c) for c in extra):
            raise ValidationError(
                fields={"file": f"Row {number} has more cells than the header has columns."}
            )
        values = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers)}
        if all(_is_blank(v) for v in values.values()):
            blanks += 1
            continue
        rows.append((number, values))
    return RawTable(headers, tuple(rows), blanks)


def read_csv(path: Path) -> RawTable:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            fields={"file": f"{path.name} is not UTF-8 text. In Excel, save it as “CSV UTF-8” and try again."}
        ) from exc
    if not text.strip():
        raise ValidationError(fields={"file": f"{path.name} is empty."})
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        all_rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(fields={"file": f"{path.name} is not a readable CSV file ({exc})."}) from exc
    return _table(all_rows[0], ((i + 2, [restored(c) for c in r]) for i, r in enumerate(all_rows[1:])))


def read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ValidationError(fields={"file": f"{path.name} is not a readable .xlsx workbook."}) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValidationError(fields={"file": f"{path.name} is empty."})
        return _table(header, ((i + 2, r) for i, r in enumerate(rows)))
    finally:
        workbook.close()


def read_table(path: Path | str) -> RawTable:
    path = Path(path)
    if not path.is_file():
        raise ValidationError(fields={"file": f"{path} does not exist."})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise ValidationError(fields={"file": f"{path.name}: use a .csv or .xlsx file."})


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | Decimal):
        return str(value)  # a number, negative or not, stays a number
    return neutralised(str(value))


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make a text starting with "=" a live formula
    return cell


def write_table(path: Path | str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel reads accents) or XLSX, atomically (temp file + rename)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(fields={"file": f"{path.name}: export to a .csv or .xlsx file."})
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".export-", suffix=suffix, dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if suffix == ".csv":
            with temp.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(headers)
                for row in rows:
                    writer.writerow([_csv_cell(v) for v in row])
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("FluoroDesk")
            sheet.append(list(headers))
            for row in rows:
                sheet.append([_xlsx_cell(sheet, v) for v in row])
            workbook.save(temp)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path
