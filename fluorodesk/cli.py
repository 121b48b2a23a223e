"""The `fluorodesk` command.  No sub-command opens the window; the others work without a screen.

Exit codes: 0 success; 1 problems found or operation refused; 2 usage error.  Errors a user can
meet print one clear sentence on stderr; a bug's traceback goes to the log file, not the terminal.
Heavy modules (Qt, SQLAlchemy, Alembic, reportlab) are imported inside the commands that need them.

Three kinds of command, guarded as the window is:

* reading (status, check, export, packet, labels, backup, users list) opens the database for reading
  only, so it works on a folder FluoroDesk may not write to;
* writing (import, demo, backup, users add/disable) says it is using the clinic while it runs
  (``instance_lock.using``): refused while a restore replaces the data, and a restore waits for
  nobody: it refuses while one runs.  Once the clinic has accounts, ``--user`` must name one;
* what the window allows only the director (restore, demo --force, users add/disable) also needs
  that account's password in ``FLUORODESK_PASSWORD``, checked like a sign-in.

Every event a command records in the audit trail says "(command line)".
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
from fluorodesk import cli_access as access
from fluorodesk.cli_access import PASSWORD_ENV
from fluorodesk.domain.text import counted
from fluorodesk.paths import ENV_DATA_DIR, DataDir

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
        help="FluoroDesk account to act as (recorded in the audit trail; its role applies; "
        f"director-only commands also need its password in ${PASSWORD_ENV}). "
        "Default: your system login name, which may not write once accounts exist",
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
    users = commands.add_parser(
        "users", help="list, add or switch off accounts", description="list, add or switch off accounts"
    )
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    def users_action(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]):  # type: ignore[no-untyped-def]
        sub = actions.add_parser(name, help=help_text, description=help_text)
        _data_dir_option(sub, suppress=True)
        _user_option(sub, suppress=True)
        sub.set_defaults(handler=handler)
        return sub

    users_action("list", "list the accounts", cmd_users_list)
    add = users_action(
        "add",
        "add an account; its password is read from standard input (one line). The first account "
        f"must be the director's; later ones need --user naming a director and ${PASSWORD_ENV}",
        cmd_users_add,
    )
    add.add_argument("name", metavar="NAME", help="user name (2 to 40 letters, digits, . _ - @)")
    add.add_argument("--role", required=True, choices=("director", "front_desk"), help="what it may do")
    add.add_argument("--full-name", required=True, metavar="TEXT", help="the person's full name")
    disable = users_action(
        "disable",
        f"switch an account off (needs --user naming a director and ${PASSWORD_ENV})",
        cmd_users_disable,
    )
    disable.add_argument("name", metavar="NAME", help="the account's user name")
    selfcheck = command(
        "selfcheck",
        "check that this installation works (temporary database, window offscreen, PDF); "
        "the clinic's data is not touched",
        cmd_selfcheck,
    )
    selfcheck.add_argument("--verbose", action="store_true", help="show the traceback of a failure")
    return parser


# --------------------------------------------------------------------------- commands


def cmd_gui(args: argparse.Namespace) -> int:
    from fluorodesk.app import demo_data_dir, run_gui

    if getattr(args, "demo", False) and getattr(args, "data_dir", None) is None:
        data_dir = DataDir(demo_data_dir())
    else:
        data_dir = access.data_dir(args)
    return run_gui(data_dir, demo=bool(getattr(args, "demo", False)))


def cmd_demo(args: argparse.Namespace) -> int:
    if args.force:
        with access.replacing(args, "replace the records with the demo clinic"):
            return _demo(args)
    with access.writing(args, "load the demo clinic", create=True):
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    from fluorodesk.domain.permissions import Permission

    services = access.open_services(args, create=True)
    try:
        if args.force:
            from fluorodesk.services.demo import is_empty

            access.require_director(
                services, args, Permission.RESTORE_BACKUP, doing="replace the records with the demo clinic"
            )
            with services.db.read() as session:
                empty = is_empty(session)
            if not empty:
                backup = services.backup.backup_to(
                    services.db.data_dir.backups / f"before-demo-{datetime.now():%Y%m%d-%H%M%S}"
                )
                print(f"Backed up the existing records to {backup.path}")
        else:
            access.require_account(services, args, Permission.EDIT_RECORDS)
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

    services = access.open_services(args, write=False)
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

    services = access.open_services(args, write=False)
    try:
        report = IntegrityService(services.db, services.actor).run()
    finally:
        services.db.close()
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_backup(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from fluorodesk.db.folder import writable

    folder = access.data_dir(args)
    # A backup only reads the clinic: where FluoroDesk may not write, nobody can replace the data
    # meanwhile, and it works without saying it is there (into --out elsewhere).
    elsewhere = args.out and not writable(folder.root)
    using = nullcontext() if elsewhere else access.writing(args, "make a backup")
    with using:
        services = access.open_services(args, write=False)
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
    from contextlib import nullcontext

    from fluorodesk.domain.permissions import Permission

    # A dry run writes nothing (its transaction is rolled back); a real import is a user of the clinic.
    # Moving in: the first import may create the database.
    using = nullcontext() if args.dry_run else access.writing(args, "import", create=True)
    with using:
        services = access.open_services(args, create=not args.dry_run)
        try:
            access.require_account(services, args, Permission.EDIT_RECORDS)
            report = services.imports.run(args.kind, Path(args.file), dry_run=args.dry_run)
        finally:
            services.db.close()
    stream = sys.stdout if report.ok else sys.stderr
    for line in report.lines():
        print(line, file=stream)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_export(args: argparse.Namespace) -> int:
    services = access.open_services(args, write=False)
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
    services = access.open_services(args, write=False)
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

    services = access.open_services(args, write=False)
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

    data_dir = access.data_dir(args)
    prepare_folder(data_dir, create=True)
    actor = access.restore_actor(args)
    # restore_backup refuses while anyone else uses the clinic, and holds it alone while it runs.
    result = restore_backup(data_dir, Path(args.file), actor=actor)
    print(f"Restored {result.check.describe()} into {data_dir.root}.")
    if result.replaced is not None:
        print(f"The data it replaced was moved to {result.replaced} (nothing was deleted).")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    services = access.open_services(args, write=False)
    try:
        rows = services.auth.list_users()
    finally:
        services.db.close()
    if not rows:
        print(
            "No accounts yet: create the director's with `fluorodesk users add NAME --role director "
            '--full-name "…"` (its password on standard input).'
        )
        return EXIT_OK
    width = max(len(r.username) for r in rows)
    for r in rows:
        state = "active" if r.active else "switched off"
        last = f"  last sign-in {r.last_login_at:%Y-%m-%d %H:%M} UTC" if r.last_login_at else ""
        print(f"{r.username:{width}}  {r.role.label.lower():10}  {state:12}  {r.full_name}{last}")
    return EXIT_OK


def _new_password() -> str:
    """The new account's password: one line of standard input (asked for without echo at a terminal)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password for the new account: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    from fluorodesk.domain.enums import Role
    from fluorodesk.domain.permissions import Permission
    from fluorodesk.errors import ValidationError
    from fluorodesk.services.auth import UserDraft

    password = _new_password()
    with access.writing(args, "add an account", create=True):
        services = access.open_services(args, create=True)
        try:
            draft = UserDraft(args.name, args.full_name, args.role, password, password)
            if services.auth.needs_first_director():  # as the window's first start: no actor needed
                if args.role != Role.DIRECTOR:
                    raise ValidationError(
                        "The clinic has no director yet, so the first account must be the director's: "
                        "use --role director."
                    )
                row = services.auth.create_first_director(draft)
            else:
                access.require_director(services, args, Permission.MANAGE_USERS)
                row = services.auth.create_user(draft)
        finally:
            services.db.close()
    then = "; a new password is chosen at its first sign-in" if row.must_change_password else ""
    print(f"Account {row.username} ({row.role.label.lower()}, {row.full_name}) created{then}.")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from fluorodesk.domain.permissions import Permission
    from fluorodesk.errors import NotFoundError
    from fluorodesk.services.auth import normalise_username

    with access.writing(args, "switch off an account"):
        services = access.open_services(args)
        try:
            access.require_director(services, args, Permission.MANAGE_USERS)
            name = normalise_username(args.name)
            row = next((r for r in services.auth.list_users() if r.username == name), None)
            if row is None:
                raise NotFoundError(f"There is no account called “{args.name}”.")
            if row.active:
                services.auth.update_user(row.id, full_name=row.full_name, role=row.role, active=False)
        finally:
            services.db.close()
    was = "" if row.active else " (it was already)"
    print(f"Account {row.username} is switched off{was}; it can no longer sign in.")
    return EXIT_OK


def cmd_selfcheck(args: argparse.Namespace) -> int:
    from fluorodesk import selfcheck

    return selfcheck.main(sys.stdout, sys.stderr, verbose=args.verbose)


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = getattr(args, "handler", cmd_gui)
    from fluorodesk.db.folder import writable
    from fluorodesk.errors import FluoroDeskError
    from fluorodesk.log import log_audit_head, read_audit_head, setup_logging

    data_dir = access.data_dir(args)
    usable = data_dir.root.is_dir() and writable(data_dir.root)  # reading a read-only folder: no log
    log_path = setup_logging(data_dir.logs) if usable else None
    if log_path:  # every start anchors the audit chain in the log (services/audit.py)
        log_audit_head(data_dir.database, read_audit_head(data_dir.database), "start")
    try:
        if handler in (cmd_gui, cmd_selfcheck, cmd_bench):  # not the clinic's data, or the window
            return handler(args)
        from fluorodesk.services import audit

        with audit.channel("command line"):
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
