"""Import and export services: `fluorodesk import|export` and File → Import… / Export…."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from fluorodesk.errors import ValidationError
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

#: Rows written per flush within the import's one transaction (memory, not atomicity: see ``_write``).
WRITE_CHUNK = 500


def kind_named(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError(
            fields={"kind": f"“{name}” is not a kind of record; use one of: {', '.join(KINDS)}."}
        ) from None


class ImportService(Service):
    def run(self, kind_name: str, path: Path | str, *, dry_run: bool = False) -> ImportReport:
        """Plan every row; write all of them in one transaction, or nothing if any row has a problem."""
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

        with self.db.write() as session:  # the write lock is held from planning to writing
            context = kind.prepare(session, self.today())
            seen: dict[tuple, int] = {}
            plans = []
            for number, cells in table.rows:
                values, problems = parse_row(kind, cells)
                if problems:
                    report.rows.append(RowOutcome(number, ERROR, "", tuple(problems)))
                    continue
                try:
                    plan = kind.plan(session, values, context)
                except RowProblem as problem:
                    where = f"{problem.column}: " if problem.column else ""
                    report.rows.append(RowOutcome(number, ERROR, "", (where + problem.message,)))
                    continue
                if plan.key in seen:
                    report.rows.append(
                        RowOutcome(
                            number, ERROR, plan.label, (f"duplicate of row {seen[plan.key]} ({plan.label})",)
                        )
                    )
                    continue
                seen[plan.key] = number
                plans.append(plan)
                report.rows.append(RowOutcome(number, plan.outcome, plan.label, plan.changes))
            if not report.ok or dry_run:
                return report
            for start in range(0, len(plans), WRITE_CHUNK):  # all in this one transaction
                self._write(session, kind, plans[start : start + WRITE_CHUNK], path.name)
            report.written = True
        return report

    def _write(self, session: Session, kind: Kind, plans: list, file_name: str) -> None:
        """Apply ``plans``, flush (ids for the audit events), record their events, and let go of the
        new rows' objects: a 10,000-row file no longer holds 10,000 ORM objects until the commit."""
        applied = [(plan, *plan.apply(session)) for plan in plans if plan.apply is not None]
        session.flush()
        drafts = [
            audit.EventDraft(
                action="import",
                entity=kind.entity,
                entity_id=obj.id,
                summary=f"{'Updated' if before else 'Imported'} {plan.label} from {file_name}",
                before=before,
                after=audit.snapshot(obj),
            )
            for plan, obj, before in applied
        ]
        audit.record_batch(session, actor=self.actor, drafts=drafts)
        for _plan, obj, before in applied:
            if before is None and obj in session:  # new and written; updated rows stay for the lookups
                session.expunge(obj)


class ExportService(Service):
    def run(self, kind_name: str, path: Path | str) -> tuple[Path, int]:
        kind = kind_named(kind_name)
        with self.db.read() as session:
            rows = [list(r) for r in kind.export_rows(session)]
        return write_table(path, kind.headers, rows), len(rows)
