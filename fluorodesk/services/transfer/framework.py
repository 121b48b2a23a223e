"""The import pipeline shared by every kind of record.

read file → check columns → parse each cell → for each row, the kind turns its cells into the
services' own draft and calls the services' own operation (the one a dialog calls: same validation,
same role check, same sign-off lock, same audit event, same consequences) → if any row was refused,
or for a dry run, the whole transaction is rolled back; otherwise it is committed whole.

No rule about the records lives here or in the kinds: a kind only maps columns to a draft, finds the
stored record a row refers to, and says whether the row is new, an update or unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from fluorodesk.domain.text import counted
from fluorodesk.services.transfer.cells import CellError, text

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"


@dataclass(frozen=True)
class Col:
    name: str
    required: bool = False
    parse: Callable[[Any], Any] = text
    help: str = ""


class RowProblem(Exception):
    """A row cannot be imported; ``column`` names the culprit ("" for the row as a whole)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What a row did: ``key`` names the record it is about (two rows about one record are refused)."""

    outcome: str  # NEW, UPDATE or UNCHANGED
    key: tuple[Any, ...]
    label: str  # who or what, for the report
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowOutcome:
    row: int
    outcome: str
    label: str
    messages: tuple[str, ...] = ()


@dataclass
class ImportReport:
    kind: str
    source: str
    dry_run: bool
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    blank_rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(r.outcome != ERROR for r in self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self) -> str:
        if self.file_errors:
            return f"{self.source}: cannot be imported — " + " ".join(self.file_errors)
        counts = f"{self.count(NEW)} new, {self.count(UPDATE)} updated, {self.count(UNCHANGED)} unchanged"
        if not self.ok:
            errors = self.count(ERROR)
            verdict = "cannot be imported as it is" if self.dry_run else "NOTHING was imported"
            have = "has" if errors == 1 else "have"
            return (
                f"{self.source}: {verdict} — {counted(errors, 'rows')} {have} problems ({counts} otherwise)."
            )
        if self.dry_run:
            return f"{self.source}: dry run, nothing written — would import {counts}."
        return f"{self.source}: imported {counts}."

    def lines(self) -> list[str]:
        out = [self.summary()]
        if self.blank_rows:
            out.append(f"  ({counted(self.blank_rows, 'blank rows')} skipped)")
        for row in self.rows:
            if row.outcome == ERROR:
                out.extend(f"  row {row.row}: {message}" for message in row.messages)
        return out


class Kind:
    """One importable / exportable kind of record.  Subclasses declare columns and implement the rest."""

    name = ""
    columns: tuple[Col, ...] = ()
    description = ""
    #: The services' field names that a column feeds under another name (``{"lead_front_mm": "lead_mm"}``),
    #: so a form's message lands on the column the value came from.
    field_columns: Mapping[str, str] = {}

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def prepare(self, session: Session, services: Services) -> Any:
        """Lookups the rows refer to (codes and names to ids); handed to every ``apply``."""
        return None

    def apply(self, session: Session, services: Services, values: dict[str, Any], context: Any) -> Outcome:
        """Turn one row into a draft and file it through the services, inside ``session``."""
        raise NotImplementedError

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        raise NotImplementedError

    def changes(self, stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> tuple[str, ...]:
        """The report's words for an update: ``column → new value`` for each field that differs."""
        return tuple(
            f"{self.column_for(name) or name} → {shown(value)}"
            for name, value in wanted.items()
            if stored.get(name) != value
        )

    def column_for(self, field_name: str) -> str:
        """The column a service's field message belongs to ("" when it is about the row as a whole)."""
        if field_name in self.field_columns:
            return self.field_columns[field_name]
        return field_name if field_name in self.headers else ""


def parse_row(kind: Kind, cells: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for col in kind.columns:
        raw = cells.get(col.name)
        try:
            value = col.parse(raw)
        except CellError as exc:
            problems.append(f"{col.name}: {exc}")
            continue
        if col.required and (value is None or value == ""):
            problems.append(f"{col.name}: required, but empty")
            continue
        values[col.name] = value
    return values, problems


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def shown(value: Any) -> str:
    """A value in the import report's words."""
    return value.label if hasattr(value, "label") else text(value)
