"""The most an import reads, and the checks that hold a file to it before a parser can be hurt by it.

A clinic's files stay far below every limit (the widest kind of record has 11 columns; a busy clinic
logs a few thousand cases a year).  A file above one is refused with a sentence naming the limit,
while it is being read and before it can take the computer's memory or minutes of its time.
The row, column and cell limits are checked row by row as the table is read (tables.py); the sizes
here, before: a CSV by its size on disk, an .xlsx by the sizes its zip declares for its parts (the
zip reader never unpacks more than declared) and by the shape of its XML, scanned as a stream.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO
from xml.parsers import expat

from fluorodesk.errors import ValidationError

MAX_ROWS = 100_000
MAX_COLUMNS = 30  # the widest kind has 11; rows × columns bound the memory (100,000 × 30 ≈ 300 MB)
MAX_CELL_CHARS = 10_000
MAX_UNPACKED_BYTES = 50 * 2**20  # a CSV file; the parts of an .xlsx once unzipped
MAX_LINE_CHARS = MAX_COLUMNS * (MAX_CELL_CHARS + 3)  # a CSV line holding the most a row may hold
MAX_PACKING_RATIO = 100  # real workbooks unzip to a few times their size, zip bombs to hundreds
# The .xlsx reader holds one row, or one whole part other than a sheet or the strings, in memory as
# XML elements: a real one has at most a few thousand; a million would take gigabytes.
MAX_XML_ELEMENTS = 500_000
MAX_XML_DEPTH = 100  # a workbook's XML is about six deep

MB = 2**20


def refusal(message: str) -> ValidationError:
    return ValidationError(fields={"file": message})


def check_file_size(path: Path) -> None:
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise refusal(
            f"{path.name} is larger than {MAX_UNPACKED_BYTES // MB} MB; an import reads at most that."
        )


def check_xlsx(path: Path) -> None:
    """Refuse an .xlsx that would unzip to too much, or whose XML would be too much to hold."""
    check_file_size(path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_sizes(path.name, parts)
            for part in parts:
                with archive.open(part) as stream:
                    _check_xml_shape(path.name, stream)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise refusal(f"{path.name} is not a readable .xlsx workbook.") from exc


def _check_sizes(name: str, parts: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(p.file_size for p in parts)
    packed = sum(p.compress_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise refusal(
            f"{name} unzips to {unpacked / MB:,.0f} MB; "
            f"an import reads at most {MAX_UNPACKED_BYTES // MB} MB."
        )
    if unpacked > MAX_PACKING_RATIO * max(packed, 1):
        raise refusal(
            f"{name} unzips to {unpacked // max(packed, 1):,} times its size, which no real workbook does "
            f"(an import reads at most {MAX_PACKING_RATIO} times)."
        )


def _check_xml_shape(name: str, stream: IO[bytes]) -> None:
    """Count, as the part streams past, the XML elements the .xlsx reader would hold at once: a
    sheet's rows and the shared strings' entries are read one at a time (each is counted on its own,
    and as one element in what holds it); every other part is read whole.  A part that is not XML
    (a picture) is not the reader's business and is passed over."""
    parser = expat.ParserCreate()
    root = ""
    held: list[int] = []  # for each element open, the elements it holds so far (itself included)
    rows = 0

    def start(tag: str, _attributes: object) -> None:
        nonlocal root
        if not held:
            root = _local(tag)
        held.append(1)
        if len(held) > MAX_XML_DEPTH:
            raise refusal(f"{name} is not shaped like a workbook (its XML nests too deep).")

    def end(tag: str) -> None:
        nonlocal rows
        count = held.pop()
        depth = len(held)  # of the element that holds this one
        if depth == 0:
            return
        in_sheet = root == "worksheet"
        row = in_sheet and depth == 2 and _local(tag) == "row"
        streamed = row or (root == "sst" and depth == 1 and _local(tag) == "si")
        if row:
            rows += 1
            if rows > MAX_ROWS + 1:
                raise refusal(
                    f"{name} has more than {MAX_ROWS:,} rows; an import reads at most {MAX_ROWS:,}."
                )
        held[-1] += 1 if streamed else count
        if max(count, held[-1]) > MAX_XML_ELEMENTS:
            where = "row" if in_sheet and (row or depth >= 3) else "part"
            raise refusal(
                f"{name} holds more than {MAX_XML_ELEMENTS:,} XML elements in one {where}, "
                "which no real workbook does."
            )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        while chunk := stream.read(MB):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not XML, or damaged XML that the workbook reader will refuse in its turn


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]
