"""`fluorodesk selfcheck`: the smoke test for an installed or bundled FluoroDesk.

It touches nothing of the clinic's: in a temporary folder it creates a database and migrates it to
the newest schema, loads the sample clinic, checks it, uses the libraries with compiled parts
(password hashing, Excel export, backup), builds the real main window offscreen and
paints every tab, and renders the sample clinic's audit packet (every section) with the bundled
font.  Exit 0 when everything worked; otherwise one line naming the step that failed, and exit 1.
A frozen bundle that forgot a data file (migrations, fonts, icons, reportlab's data), a module or a
Qt plugin fails here, not at the clinic.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fluorodesk import APP_NAME, __version__

if TYPE_CHECKING:
    from fluorodesk.services.registry import Services


@dataclass(frozen=True)
class StepResult:
    name: str
    detail: str


class SelfcheckFailed(Exception):
    """One step failed; ``str()`` is the one line shown to the user."""

    def __init__(self, step: str, cause: BaseException) -> None:
        self.step = step
        self.cause = cause
        message = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        super().__init__(f"{step}: {type(cause).__name__}{': ' + message if message else ''}")


def _resources() -> str:
    from fluorodesk.paths import app_icon_png, font_path, resources_dir

    missing = [
        path
        for path in (font_path("DejaVuSans.ttf"), font_path("DejaVuSans-Bold.ttf"), app_icon_png(32))
        if not path.is_file()
    ]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(str(p) for p in missing)}")
    return f"fonts and icons in {resources_dir()}"


class _Run:
    """State shared by the steps: the temporary folder and the open database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.services: Services | None = None

    def database(self) -> str:
        from fluorodesk.db.database import open_database
        from fluorodesk.db.migrate import HEAD_REVISION, current_revision
        from fluorodesk.paths import DataDir
        from fluorodesk.services.registry import Services

        data_dir = DataDir(self.root / "clinic")
        db = open_database(data_dir, create=True)
        self.services = Services(db, "selfcheck")
        revision = current_revision(data_dir.database)
        if revision != HEAD_REVISION:
            raise RuntimeError(f"schema is at {revision}, expected {HEAD_REVISION}")
        return f"new database migrated to {revision}"

    def sample_clinic(self) -> str:
        from fluorodesk.services.integrity import IntegrityService

        services = self.services
        assert services is not None
        summary = services.demo.load()
        findings = services.compliance.findings()
        report = IntegrityService(services.db, services.actor).run()
        if not report.ok:
            raise RuntimeError("integrity check failed: " + "; ".join(report.lines()))
        return (
            f"sample clinic loaded ({summary.technicians} technicians, {summary.garments} garments), "
            f"{len(findings)} findings, integrity ok"
        )

    def tools(self) -> str:
        """Libraries with compiled parts that only some actions use: Argon2 (sign-in), openpyxl
        (Excel export), zip + SHA-256 (backups, verified as a restore would)."""
        from fluorodesk.services.auth import hash_password, verify_password

        services = self.services
        assert services is not None
        stored = hash_password("selfcheck-Password-1")
        if not verify_password(stored, "selfcheck-Password-1") or verify_password(stored, "wrong"):
            raise RuntimeError("password hashing gives wrong answers")
        path, rows = services.exports.run("technicians", self.root / "technicians.xlsx")
        if rows < 1 or path.stat().st_size == 0:
            raise RuntimeError("the Excel export wrote nothing")
        backup = services.backup.backup_to(self.root / "selfcheck-backup")
        check = services.backup.verify(backup.path)
        if not check.ok:
            raise RuntimeError("the backup does not verify: " + "; ".join(check.problems))
        return f"password hashing, Excel export ({rows} rows), backup written and verified"

    def window(self) -> str:
        from fluorodesk.ui.smoke import build_main_window_offscreen

        assert self.services is not None
        return build_main_window_offscreen(self.services)

    def packet(self) -> str:
        """The real audit packet of the sample clinic, every section (charts, scans, tables)."""
        from pypdf import PdfReader

        from fluorodesk.reports.packet import PacketRequest, make_packet

        assert self.services is not None
        result = make_packet(self.services, PacketRequest(), self.root / "selfcheck-packet.pdf")
        reader = PdfReader(result.path)
        if len(reader.pages) != result.pages or result.pages < 2:
            raise RuntimeError(f"the packet has {len(reader.pages)} pages, expected {result.pages}")
        fonts = {
            str(font.get_object().get("/BaseFont", ""))
            for page in reader.pages[:3]
            for font in page["/Resources"].get("/Font", {}).values()
        }
        if not any("DejaVuSans" in name for name in fonts):
            raise RuntimeError(f"the packet does not use the bundled font (fonts: {sorted(fonts)})")
        return (
            f"audit packet rendered ({result.pages} pages, {len(result.sections)} sections, "
            f"{result.path.stat().st_size:,} bytes)"
        )

    def close(self) -> None:
        if self.services is not None:
            self.services.db.close()


def run_selfcheck(report: Callable[[StepResult], None] = lambda _r: None) -> list[StepResult]:
    """Run every step in order; raises SelfcheckFailed at the first failure."""
    results: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix="fluorodesk-selfcheck-", ignore_cleanup_errors=True) as tmp:
        run = _Run(Path(tmp))
        steps: list[tuple[str, Callable[[], str]]] = [
            ("resources", _resources),
            ("database", run.database),
            ("sample clinic", run.sample_clinic),
            ("tools", run.tools),
            ("window", run.window),
            ("packet", run.packet),
        ]
        try:
            for name, step in steps:
                try:
                    detail = step()
                except Exception as exc:
                    raise SelfcheckFailed(name, exc) from exc
                result = StepResult(name, detail)
                results.append(result)
                report(result)
        finally:
            run.close()
    return results


def main(out: TextIO, err: TextIO, *, verbose: bool = False) -> int:
    """The command: progress on ``out``; on failure one line on ``err`` (plus the traceback if verbose)."""
    started = time.perf_counter()
    print(f"{APP_NAME} {__version__} selfcheck", file=out)

    def report(result: StepResult) -> None:
        print(f"  ok  {result.name}: {result.detail}", file=out, flush=True)

    try:
        run_selfcheck(report)
    except SelfcheckFailed as exc:
        if verbose:
            traceback.print_exception(exc.cause, file=err)
        print(f"fluorodesk selfcheck FAILED at {exc}", file=err)
        return 1
    print(f"selfcheck passed in {time.perf_counter() - started:.1f} s", file=out)
    return 0
