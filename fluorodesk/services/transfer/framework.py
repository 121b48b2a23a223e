"""The import pipeline shared by every kind of record.

read file → check columns → parse each cell → plan each row (new / update / unchanged, or errors)
→ if any row has an error nothing is written; otherwise every planned row is applied in ONE
transaction with an audit event per record.  A dry run stops after planning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fluorodesk.domain.text import counted
from fluorodesk.services.transfer.cells import CellError, text

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


@dataclass
class Plan:
    outcome: str  # NEW, UPDATE or UNCHANGED
    key: tuple[Any, ...]
    label: str  # who or what, for the report
    apply: Callable[[Session], tuple[Any, dict[str, Any] | None]] | None = None  # -> (orm object, before)
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
    entity = ""  # audit entity name (table)
    columns: tuple[Col, ...] = ()
    description = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def prepare(self, session: Session, today: date) -> Any:
        """Load what planning needs (lookups of existing records); returned object is passed to plan()."""
        return None

    def plan(self, session: Session, values: dict[str, Any], context: Any) -> Plan:
        raise NotImplementedError

    def export_rows(self, session: Session) -> Iterable[Sequence[Any]]:
        raise NotImplementedError


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


def changed_fields(obj: Any, updates: dict[str, Any]) -> dict[str, Any]:
    """The updates that would change ``obj`` (blank cells never erase stored values)."""
    return {k: v for k, v in updates.items() if v not in (None, "") and getattr(obj, k) != v}
