"""The `fluorodesk` command.  No sub-command opens the window; the others work without a screen.

Exit codes: 0 success; 1 problems found or operation refused; 2 usage error.  Errors a user can
meet print one clear sentence on stderr; a bug's traceback goes to the log file, not the terminal.
Heavy modules (Qt, SQLAlchemy, Alembic, reportlab) are imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from fluorodesk import __version__
from fluorodesk.domain.text import counted
from fluorodesk.paths import ENV_DATA_DIR, DataDir, resolve_data_dir

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("fluorodesk.cli")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date; use YYYY-MM-DD, e.g. 2026-03-31") from None


def _data_dir_option(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS if suppress else None,
        help=f"clinic data folder (default: ${ENV_DATA_DIR} or the per-user data folder)",
    )


def _user_option(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else None,
        help="FluoroDesk account to act as (recorded in the audit trail; its role applies). "
        "Default: your system login name, which has no director rights once accounts exist",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fluorodesk",
        description="FluoroDesk: compliance records for fluoroscopy-guided procedure clinics. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"FluoroDesk {__version__}")
    _data_dir_option(parser, suppress=False)
    _user_option(parser, suppress=False)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open a sample clinic (kept in its own folder unless --data-dir is given; filled if empty)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _data_dir_option(sub, suppress=True)
        _user_option(sub, suppress=True)
        sub.set_defaults(handler=handler)
        return sub

    command("gui", "open the window (the default)", cmd_gui).add_argument(
        "--demo", action="store_true", help="open the sample clinic"
    )
    demo = command("demo", "fill an empty database with a realistic sample clinic", cmd_demo)
    demo.add_argument(
        "--force", action="store_true", help="replace existing records (a backup is made first)"
    )
    status = command("status", "list what needs attention (compliance findings)", cmd_status)
    status.add_argument(
        "--as-of", type=iso_date, metavar="YYYY-MM-DD", help="as of this date (default today)"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    command("check", "check the database and attachment files for damage", cmd_check)
    backup = command("backup", "write a backup file (database and attachments)", cmd_backup)
    backup.add_argument("--out", metavar="FILE", help="backup file (default: the data folder's backups/)")
    backup.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    kinds = "agencies, technicians, credentials, garments, inspections, units, meters, exposure_checks, " + (
        "contracts, procedures, dosimetry"
    )
    import_ = command("import", "import records from a CSV or .xlsx file (all or nothing)", cmd_import)
    import_.add_argument("kind", metavar="KIND", help=kinds)
    import_.add_argument("file", metavar="FILE", help="a .csv (UTF-8, comma or semicolon) or .xlsx file")
    import_.add_argument("--dry-run", action="store_true", help="check the file and say what would happen")
    export = command("export", "export records to a CSV or .xlsx file (same columns as import)", cmd_export)
    export.add_argument("kind", metavar="KIND", help=kinds)
    export.add_argument("--out", metavar="FILE", required=True, help="a .csv or .xlsx file")
    bench = command("bench", "measure speed and memory on a synthetic clinic (benchmark)", cmd_bench)
    bench.add_argument("--scale", type=float, default=1.0, help="1.0 = ten years of a busy clinic (default)")
    bench.add_argument(
        "--workdir", metavar="DIR", help="where to build the synthetic clinic (default: a temp dir)"
    )
    bench.add_argument("--repeats", type=int, default=5, help="start-up measurements to take the median of")
    packet = command("packet", "make the audit packet (PDF) to hand to an inspector", cmd_packet)
    packet.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    packet.add_argument(
        "--as-of", type=iso_date, metavar="YYYY-MM-DD", help="statuses as of this date (default today)"
    )
    packet.add_argument(
        "--from",
        dest="period_from",
        type=iso_date,
        metavar="DATE",
        help="period start (default: a year earlier)",
    )
    packet.add_argument(
        "--to", dest="period_to", type=iso_date, metavar="DATE", help="period end (default: the as-of date)"
    )
    packet.add_argument(
        "--sections",
        metavar="LIST",
        help="comma-separated sections (default all): exceptions, technicians, contracts, garments, "
        "exposure, dose, dosimetry, documents, attestation",
    )
    packet.add_argument("--prepared-by", metavar="NAME", default="", help="name on the cover")
    restore = command(
        "restore",
        "replace the data with a backup file (verified first; the current data is moved aside)",
        cmd_restore,
    )
    restore.add_argument("file", metavar="FILE", help="a .fdbackup file")
    labels = command("labels", "write a PDF sheet of QR-coded garment labels", cmd_labels)
    labels.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF to write")
    labels.add_argument(
        "--codes", nargs="+", metavar="ID", help="only these garment IDs (default: every garment at hand)"
    )
    labels.add_argument(
        "--page-size", choices=("letter", "a4"), help="paper (default: the clinic's packet.page_size setting)"
    )
    labels.add_argument(
        "--layout",
        choices=("small", "large"),
        default="small",
        help="small: 30 per Letter sheet (Avery 5160) / 21 per A4 (L7160); "
        "large: 10 per Letter sheet (Avery 5163) / 14 per A4 (L7163)",
    )
    labels.add_argument(
        "--start",
        type=int,
        default=1,
        metavar="N",
        help="first free label on a partly used sheet (default 1)",
    )
    labels.add_argument(
        "--outlines", action="store_true", help="draw label outlines (test print on plain paper)"
    )
    selfcheck = command(
        "selfcheck",
        "check that this installation works (temporary database, window offscreen, PDF); "
        "the clinic's data is not touched",
        cmd_selfcheck,
    )
    selfcheck.add_argument("--verbose", action="store_true", help="show the traceback of a failure")
    return parser


# --------------------------------------------------------------------------- commands


def _data_dir(args: argparse.Namespace) -> DataDir:
    return DataDir(resolve_data_dir(getattr(args, "data_dir", None)))


def cli_actor(args: argparse.Namespace) -> str:
    """Who the audit trail names for a command: ``--user NAME``, else the system login name."""
    name = getattr(args, "user", None)
    if name:
        return name.strip().lower()
    from fluorodesk.services.registry import default_actor

    return f"{default_actor()} (command line)"[:80]


def _open(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    from fluorodesk.db.database import open_database
    from fluorodesk.services.registry import Services

    db = open_database(_data_dir(args), create=create)
    if getattr(args, "user", None):
        from fluorodesk.errors import PermissionDeniedError
        from fluorodesk.services.auth import find_user

        with db.read() as session:
            account = find_user(session, args.user)
            active = account is not None and account.active
        if not active:
            db.close()
            raise PermissionDeniedError(f"There is no active FluoroDesk account called “{args.user}”.")
    return Services(db, cli_actor(args))


def _instance_lock(args: argparse.Namespace, purpose: str):  # type: ignore[no-untyped-def]
    """Commands that replace data refuse to run while the window has the same folder open."""
    from fluorodesk.instance_lock import InstanceLock

    return InstanceLock(_data_dir(args), purpose=purpose)


def cmd_gui(args: argparse.Namespace) -> int:
    from fluorodesk.app import demo_data_dir, run_gui

    if getattr(args, "demo", False) and getattr(args, "data_dir", None) is None:
        data_dir = DataDir(demo_data_dir())
    else:
        data_dir = _data_dir(args)
    return run_gui(data_dir, demo=bool(getattr(args, "demo", False)))


def cmd_demo(args: argparse.Namespace) -> int:
    from fluorodesk.db.folder import prepare_folder

    prepare_folder(_data_dir(args), create=True)
    with _instance_lock(args, "fluorodesk demo"):
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    services = _open(args, create=True)
    try:
        if args.force:
            from fluorodesk.services.demo import is_empty

            with services.db.read() as session:
                empty = is_empty(session)
            if not empty:
                backup = services.backup.backup_to(
                    services.db.data_dir.backups / f"before-demo-{datetime.now():%Y%m%d-%H%M%S}"
                )
                print(f"Backed up the existing records to {backup.path}")
        summary = services.demo.load(force=args.force)
    finally:
        services.db.close()
    print(
        f"Demo clinic loaded into {services.db.data_dir.root}: {summary.technicians} technicians, "
        f"{summary.credentials} credentials, {summary.contracts} contracts, {summary.garments} garments "
        f"({summary.inspections} inspections), {summary.units} C-arms "
        f"({summary.exposure_checks} exposure checks)."
    )
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from fluorodesk.domain.enums import Severity

    services = _open(args)
    try:
        as_of = args.as_of or services.compliance.today()
        findings = services.compliance.findings(as_of)
    finally:
        services.db.close()
    if args.json:
        print(json.dumps([f.to_json() for f in findings], indent=2, ensure_ascii=False))
    elif not findings:
        print(f"Nothing needs attention as of {as_of}.")
    else:
        print(f"{counted(len(findings), 'findings')} as of {as_of}:")
        for f in findings:
            due = f" (due {f.due})" if f.due else ""
            print(f"  {f.severity.value.upper():8} {f.area.label:12} {f.subject}: {f.message}{due}")
    needs_action = any(f.severity in (Severity.CRITICAL, Severity.WARNING) for f in findings)
    return EXIT_PROBLEMS if needs_action else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from fluorodesk.services.integrity import IntegrityService

    services = _open(args)
    try:
        report = IntegrityService(services.db, services.actor).run()
    finally:
        services.db.close()
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_backup(args: argparse.Namespace) -> int:
    services = _open(args)
    try:
        if args.out:
            target = Path(args.out)
        else:
            target = services.db.data_dir.backups / f"fluorodesk-{datetime.now():%Y%m%d-%H%M%S}"
        info = services.backup.backup_to(target, replace=args.force)
    finally:
        services.db.close()
    print(
        f"Backup written: {info.path} "
        f"({info.size_bytes:,} bytes, {counted(info.attachments, 'attachments')})."
    )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    services = _open(args, create=not args.dry_run)  # moving in: the first import may create the database
    try:
        report = services.imports.run(args.kind, Path(args.file), dry_run=args.dry_run)
    finally:
        services.db.close()
    stream = sys.stdout if report.ok else sys.stderr
    for line in report.lines():
        print(line, file=stream)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    services = _open(args)
    try:
        path, count = services.exports.run(args.kind, Path(args.out))
    finally:
        services.db.close()
    print(f"Exported {counted(count, 'rows')} of {args.kind} to {path}.")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    import tempfile

    from fluorodesk.bench.run import report, run

    if args.scale <= 0:
        print("fluorodesk: --scale must be positive", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="fluorodesk-bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        figures = run(args.scale, workdir, repeats=max(1, args.repeats))
        print(report(figures, args.scale))
    return EXIT_OK


def cmd_packet(args: argparse.Namespace) -> int:
    from fluorodesk.errors import ValidationError
    from fluorodesk.reports.packet import PacketRequest, check_target, make_packet
    from fluorodesk.reports.packet_data import parse_sections

    def usage(exc: ValidationError) -> int:
        print(f"fluorodesk: {' '.join(exc.fields.values()) or exc}", file=sys.stderr)
        return EXIT_USAGE

    try:  # usage problems first, before the database is opened
        parse_sections(args.sections)
        check_target(args.out)
    except ValidationError as exc:
        return usage(exc)
    request = PacketRequest(
        as_of=args.as_of,
        period_from=args.period_from,
        period_to=args.period_to,
        sections=args.sections,
        prepared_by=args.prepared_by,
    )
    services = _open(args)
    try:
        result = make_packet(services, request, args.out)
    except ValidationError as exc:
        return usage(exc)
    finally:
        services.db.close()
    problems = (
        f"; {counted(result.documents_with_problems, 'documents')} missing or altered"
        if result.documents_with_problems
        else ""
    )
    print(
        f"Packet written: {result.path} ({counted(result.pages, 'pages')}; {result.critical} critical and "
        f"{counted(result.warnings, 'warning findings')}{problems}) in {result.seconds:.1f} s."
    )
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    from fluorodesk.reports.labels import make_labels

    services = _open(args)
    try:
        sheet = make_labels(
            services,
            Path(args.out),
            codes=args.codes,
            page_size=args.page_size,
            layout=args.layout,
            start=args.start,
            outlines=args.outlines,
        )
    finally:
        services.db.close()
    print(
        f"Wrote {counted(sheet.labels, 'labels')} on {counted(sheet.pages, 'pages')} to {sheet.path} "
        f"({sheet.layout.page_size}, {sheet.layout.name})."
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from fluorodesk.db.folder import prepare_folder
    from fluorodesk.services.backup import restore_backup

    data_dir = _data_dir(args)
    prepare_folder(data_dir, create=True)
    with _instance_lock(args, "fluorodesk restore"):
        result = restore_backup(data_dir, Path(args.file), actor=cli_actor(args))
    print(f"Restored {result.check.describe()} into {data_dir.root}.")
    if result.replaced is not None:
        print(f"The data it replaced was moved to {result.replaced} (nothing was deleted).")
    return EXIT_OK


def cmd_selfcheck(args: argparse.Namespace) -> int:
    from fluorodesk import selfcheck

    return selfcheck.main(sys.stdout, sys.stderr, verbose=args.verbose)


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", cmd_gui)
    from fluorodesk.errors import FluoroDeskError
    from fluorodesk.log import log_audit_head, read_audit_head, setup_logging

    data_dir = _data_dir(args)
    log_path = setup_logging(data_dir.logs) if data_dir.root.is_dir() else None
    if log_path:  # every start anchors the audit chain in the log (services/audit.py)
        log_audit_head(data_dir.database, read_audit_head(data_dir.database), "start")
    try:
        return handler(args)
    except FluoroDeskError as exc:
        print(f"fluorodesk: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("fluorodesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: details to the log, one sentence to the user
        log.exception("unexpected error in %s", getattr(args, "command", "gui"))
        where = f" Details are in {log_path}." if log_path else ""
        print(f"fluorodesk: internal error ({type(exc).__name__}: {exc}).{where}", file=sys.stderr)
        return EXIT_PROBLEMS
