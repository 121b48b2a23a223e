"""Reading and writing spreadsheet files as plain tables: a header and rows of cell values.

CSV: UTF-8 with or without BOM, comma or semicolon (sniffed from the header line).  XLSX through
openpyxl, where date cells arrive as real dates.  Headers are normalised (case, spaces, a trailing
``*`` marking required columns) so "First Name*" matches ``first_name``.

Reading is bounded (limits.py): sizes are checked before a file is parsed; rows, columns and cell
length as it is read, row by row.

Writing is safe to open in Excel: a CSV cell that Excel would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``, which the
CSV import takes off again; an .xlsx cell holding text is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from fluorodesk.errors import ValidationError
from fluorodesk.services.transfer.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_ROWS,
    check_file_size,
    check_xlsx,
    refusal,
)

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


def _table(name: str, header: Sequence[Any], body: Iterable[tuple[int, Sequence[Any]]]) -> RawTable:
    """Check the header, then take the rows one by one as the file yields them, within the limits."""
    headers = [normalise_header(h) for h in header]
    while headers and not headers[-1]:
        headers.pop()  # trailing empty header cells, common in Excel exports
    if len(headers) > MAX_COLUMNS:
        raise refusal(f"{name} has more than {MAX_COLUMNS} columns; an import reads at most {MAX_COLUMNS}.")
    named = Counter(h for h in headers if h)
    duplicates = sorted(h for h, n in named.items() if n > 1)
    if duplicates:
        raise refusal(f"The column {', '.join(duplicates)} appears twice in the header.")
    if sum(named.values()) != len(headers):
        raise refusal("A column in the header row has no name.")
    rows, blanks = [], 0
    for number, cells in body:
        if number > MAX_ROWS + 1:
            raise refusal(f"{name} has more than {MAX_ROWS:,} rows; an import reads at most {MAX_ROWS:,}.")
        if any(not _is_blank(c) for c in cells[len(headers) :]):
            raise refusal(f"Row {number} has more cells than the header has columns.")
        values = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers)}
        for column, value in values.items():
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise refusal(
                    f"Row {number}, column {column} holds more than {MAX_CELL_CHARS:,} characters; "
                    f"an import reads at most {MAX_CELL_CHARS:,} in a cell."
                )
        if all(_is_blank(v) for v in values.values()):
            blanks += 1
            continue
        rows.append((number, values))
    return RawTable(tuple(headers), tuple(rows), blanks)


def _lines(handle: IO[str], name: str) -> Iterator[str]:
    """The file's lines for the CSV reader, refusing one too long for any row before it is split."""
    while line := handle.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise refusal(
                f"{name} has a line of more than {MAX_LINE_CHARS:,} characters; an import reads at most "
                f"{MAX_COLUMNS} columns of {MAX_CELL_CHARS:,} characters."
            )
        yield line


def read_csv(path: Path) -> RawTable:
    check_file_size(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
            if not sample.strip():
                raise refusal(f"{path.name} is empty.")
            first_line = sample.splitlines()[0]
            delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
            handle.seek(0)
            reader = csv.reader(_lines(handle, path.name), delimiter=delimiter)
            body = ((i + 2, [restored(c) for c in r]) for i, r in enumerate(reader))
            return _table(path.name, next(reader), body)
    except UnicodeDecodeError as exc:
        raise refusal(
            f"{path.name} is not UTF-8 text. In Excel, save it as “CSV UTF-8” and try again."
        ) from exc
    except csv.Error as exc:
        raise refusal(f"{path.name} is not a readable CSV file ({exc}).") from exc


def read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise refusal(f"{path.name} is not a readable .xlsx workbook.") from exc
    try:
        sheet = workbook.worksheets[0]
        # One column past the limit is read, so a header that wide is seen; a wider row is not built.
        rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        header = next(rows, None)
        if header is None:
            raise refusal(f"{path.name} is empty.")
        return _table(path.name, header, ((i + 2, r) for i, r in enumerate(rows)))
    except ValidationError:
        raise
    except Exception as exc:  # a sheet's XML is parsed only as its rows are read
        raise refusal(f"{path.name} is not a readable .xlsx workbook.") from exc
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
