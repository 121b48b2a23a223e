"""Import and export services: `fluorodesk import|export` and File → Import… / Export…."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.transfer.framework import (
    ERROR,
    ImportReport,
    Kind,
    RowOutcome,
    RowProblem,
    parse_row,
)
from fluorodesk.services.transfer.kinds import KINDS
from fluorodesk.services.transfer.tables import read_table, write_table


def kind_named(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError(
            fields={"kind": f"“{name}” is not a kind of record; use one of: {', '.join(KINDS)}."}
        ) from None


class _NothingWritten(Exception):
    """Leaves the import's transaction without committing it (a dry run, or a row was refused)."""


def _messages(kind: Kind, exc: Exception) -> tuple[str, ...]:
    """A refusal in the report's words: each field's message on the column it came from."""
    if isinstance(exc, RowProblem):
        return ((f"{exc.column}: " if exc.column else "") + exc.message,)
    if isinstance(exc, ValidationError) and exc.fields:
        out = []
        for name, message in exc.fields.items():
            column = kind.column_for(name)
            out.append(f"{column}: {message}" if column else message)
        return tuple(out)
    return (str(exc),)


class ImportService(Service):
    def run(self, kind_name: str, path: Path | str, *, dry_run: bool = False) -> ImportReport:
        """File every row through the services in one transaction: committed only if no row was
        refused (and it is not a dry run), so a file goes in whole or not at all."""
        from fluorodesk.services.registry import Services

        kind = kind_named(kind_name)
        path = Path(path)
        report = ImportReport(kind.name, path.name, dry_run)
        try:
            table = read_table(path)
        except ValidationError as exc:
            report.file_errors = list(exc.fields.values()) or [str(exc)]
            return report
        report.blank_rows = table.blank_rows
        missing = [c.name for c in kind.columns if c.required and c.name not in table.headers]
        unknown = [h for h in table.headers if h not in kind.headers]
        if missing:
            noun = "column" if len(missing) == 1 else "columns"
            report.file_errors.append(f"Required {noun} missing: {', '.join(missing)}.")
        if unknown:
            report.file_errors.append(
                f"Unknown column{'' if len(unknown) == 1 else 's'}: {', '.join(unknown)}. "
                f"The columns for {kind.name} are: {', '.join(kind.headers)}."
            )
        if not table.rows and not report.file_errors:
            report.file_errors.append("The file has a header but no rows.")
        if report.file_errors:
            return report

        # Every cell is parsed before the write lock is taken: the lock is held only to file the rows.
        parsed = [(number, *parse_row(kind, cells)) for number, cells in table.rows]
        services = Services(self.db, self.actor, today=self._today)
        try:
            with self.writing() as session:  # the role is checked once, the write lock held throughout
                audit.note_source(session, f"import of {path.name}")
                self._file_rows(session, services, kind, parsed, report)
                if not report.ok or dry_run:
                    raise _NothingWritten
        except _NothingWritten:
            return report
        report.written = True
        return report

    def _file_rows(self, session: Session, services, kind: Kind, rows, report: ImportReport) -> None:  # type: ignore[no-untyped-def]
        context = kind.prepare(session, services)
        seen: dict[tuple, int] = {}
        for number, values, problems in rows:
            if problems:
                report.rows.append(RowOutcome(number, ERROR, "", tuple(problems)))
                continue
            row = session.begin_nested()  # a refused row takes back what it wrote; the others go on
            try:
                done = kind.apply(session, services, values, context)
            except (RowProblem, ValidationError, ConflictError, NotFoundError) as exc:
                row.rollback()
                report.rows.append(RowOutcome(number, ERROR, "", _messages(kind, exc)))
                continue
            if done.key in seen:
                row.rollback()
                first = seen[done.key]
                report.rows.append(
                    RowOutcome(number, ERROR, done.label, (f"duplicate of row {first} ({done.label})",))
                )
                continue
            row.commit()
            seen[done.key] = number
            report.rows.append(RowOutcome(number, done.outcome, done.label, done.changes))


class ExportService(Service):
    def run(self, kind_name: str, path: Path | str) -> tuple[Path, int]:
        kind = kind_named(kind_name)
        with self.db.read() as session:
            rows = [list(r) for r in kind.export_rows(session)]
        return write_table(path, kind.headers, rows), len(rows)
