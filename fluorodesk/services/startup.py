"""Start-up safety: is the database file sound before we open it, and which backup could replace it?

``health_check`` runs SQLite's ``quick_check`` (a few milliseconds for a clinic-sized file) on a
read-only connection.  It never changes the file: a damaged database is reported, the caller offers
the newest good backup, and ``restore_backup`` moves the damaged file aside rather than over it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from fluorodesk.db.sqlite_tools import integrity_problems, looks_like_sqlite
from fluorodesk.errors import DatabaseCorruptError
from fluorodesk.paths import DataDir

T = TypeVar("T")

if TYPE_CHECKING:  # imported where used: the quick check starts before the database layer loads
    from fluorodesk.db.database import Database
    from fluorodesk.services.backup import BackupCheck
    from fluorodesk.services.registry import Services


@dataclass(frozen=True)
class HealthReport:
    exists: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self, data_dir: DataDir) -> str:
        if self.ok:
            return ""
        return (
            f"The database {data_dir.database} is damaged or cannot be read "
            f"({self.problems[0]}). It has not been changed. You can restore the newest good "
            "backup; the damaged file is then kept aside in the data folder's “replaced” folder."
        )


def health_check(data_dir: DataDir) -> HealthReport:
    path = data_dir.database
    if not path.exists():
        return HealthReport(False, ())
    try:
        if not path.is_file():
            return HealthReport(True, ("it is not a file",))
        if not looks_like_sqlite(path):
            return HealthReport(True, ("the file is not an SQLite database",))
        problems = integrity_problems(path, quick=True)
    except sqlite3.DatabaseError as exc:
        return HealthReport(True, (str(exc),))
    except OSError as exc:
        return HealthReport(True, (exc.strerror or str(exc),))
    damage = [_first_line(p) for p in problems if p.startswith("integrity")]
    return HealthReport(True, tuple(damage))


class InThread(Generic[T]):
    """``work()`` in a daemon thread; ``result()`` waits for it and returns its value, or re-raises
    in the caller's thread what it raised.  ``start()`` is implicit in ``result()``."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self._error = exc

    def failed(self) -> bool:
        """True once the work has ended with an error."""
        return not self._thread.is_alive() and self._error is not None

    def done_with(self) -> T | None:
        """The work's value if it has ended without an error (without waiting), else None."""
        if self._thread.ident is None or self._thread.is_alive() or self._error is not None:
            return None
        return self._value

    def wait(self) -> None:
        """Wait for the work to end, whatever its outcome."""
        if self._thread.ident is not None:
            self._thread.join()

    def result(self) -> T:
        if self._thread.ident is None:
            self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class EarlyHealthCheck(InThread[HealthReport]):
    """``health_check`` in a thread: SQLite's quick check runs without Python's lock, so it overlaps
    the loading of the database layer instead of preceding it.

    ``start=False`` (the window): ``ClinicOpener`` starts it together with itself, once the sign-in
    window is on screen -- run at launch, it slowed the loading of Qt and so the first window
    (two busy threads on a two-core PC) by about 35 ms of a 0.2 s start.
    """

    def __init__(self, data_dir: DataDir, *, start: bool = True) -> None:
        super().__init__(lambda: health_check(data_dir), "quick-check")
        self.data_dir = data_dir
        if start:
            self.start()

    def start(self) -> Self:
        if self._thread.ident is None:  # once, whoever asks first
            super().start()
        return self


def _first_line(problem: str) -> str:
    lines = [line for line in problem.removeprefix("integrity: ").splitlines() if "***" not in line]
    text = lines[0] if lines else problem
    return text if len(text) <= 160 else text[:157] + "…"


def recovery_candidate(data_dir: DataDir) -> BackupCheck | None:
    """The newest backup in the data folder that passes verification (what the recovery dialog offers)."""
    from fluorodesk.services.backup import newest_good_backup

    return newest_good_backup(data_dir)


def prepare_data_folder(data_dir: DataDir) -> None:
    """Create the data folder if needed; StorageError when it cannot be used (for the UI layer)."""
    from fluorodesk.db.folder import prepare_folder

    prepare_folder(data_dir, create=True)


def open_clinic(data_dir: DataDir) -> Database:
    """open_database for the UI layer, which may not import fluorodesk.db itself."""
    from fluorodesk.db.database import open_database

    return open_database(data_dir)


# --------------------------------------------------------------------------- sign-in while opening


@dataclass(frozen=True)
class SignInLook:
    """What the sign-in window needs, read before the database layer has loaded."""

    clinic_name: str


def sign_in_look(data_dir: DataDir) -> SignInLook | None:
    """A read-only look at the file with the standard library, for the usual start-up.

    It answers only when the database is at this version's schema and has an active director
    (so the sign-in window, not the first-run one, comes next); anything else (a new folder, an
    upgrade to run, a file it cannot read) returns None and start-up takes the careful path
    that opens the database first.
    """
    from fluorodesk.db.migrate import HEAD_REVISION
    from fluorodesk.domain.settings import ClinicSettings

    path = data_dir.database
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
            if revision != HEAD_REVISION:
                return None
            # Role.DIRECTOR by its stored value: the enums module (~5 ms) loads after the window.
            directors_sql = "SELECT count(*) FROM users WHERE role = 'director' AND active"
            (directors,) = con.execute(directors_sql).fetchone()
            if not directors:
                return None
            name = con.execute("SELECT value FROM settings WHERE key = 'clinic.name'").fetchone()
        finally:
            con.close()
        stored = {"clinic.name": json.loads(name[0])} if name else {}
        return SignInLook(str(ClinicSettings(stored)["clinic.name"]))
    except (sqlite3.Error, ValueError, TypeError):
        return None


class UnhealthyDatabase(DatabaseCorruptError):
    """The quick check found damage: the database was not opened (the recovery dialog comes next)."""

    def __init__(self, report: HealthReport, data_dir: DataDir) -> None:
        super().__init__(report.message(data_dir))
        self.report = report


class ClinicOpener(InThread["Database"]):
    """The quick check, then ``open_clinic``, in a thread: the sign-in window shows meanwhile.

    The file is opened only once the quick check has passed (otherwise ``UnhealthyDatabase``).
    After opening (SQLAlchemy's import, the migrations check) the thread runs one query, which
    loads the models and configures their mappers: most of a second of start-up work that the
    user's typing now hides.  ``result()`` waits for it all and re-raises what it raised.
    """

    def __init__(
        self, data_dir: DataDir, health: EarlyHealthCheck | None = None, *, warm_findings: bool = True
    ) -> None:
        super().__init__(self._open, "open-clinic")
        self.data_dir = data_dir
        self._health = health if health is not None and health.data_dir == data_dir else None
        self._warm_findings = warm_findings
        self.warmer: InThread[bool] | None = None
        self._window_opening = threading.Event()

    def start(self) -> Self:
        """Start the quick check (if it waits for us) and the opening, side by side."""
        if self._health is not None:
            self._health.start()
        return super().start()

    def _open(self) -> Database:
        import fluorodesk.db.database  # noqa: F401  (the database layer loads while SQLite checks the file)

        report = self._health.result() if self._health is not None else health_check(self.data_dir)
        if not report.ok:
            raise UnhealthyDatabase(report, self.data_dir)
        db = open_clinic(self.data_dir)
        try:
            from fluorodesk.services.auth import has_accounts

            with db.read() as session:
                has_accounts(session)
        except Exception:  # only a warm-up: the sign-in meets (and reports) any real problem
            pass
        if self._warm_findings:
            keep_going = lambda: not self._window_opening.is_set()  # noqa: E731
            self.warmer = InThread(lambda: warm_findings(db, keep_going), "warm-findings").start()
        return db

    def window_opening(self) -> None:
        """The user is in and the main window is being built: the tabs' first views are no longer
        worked out ahead (that work would compete with the window's for the interpreter; each tab
        works its own out when opened). Today's findings still are: the Overview waits for them."""
        self._window_opening.set()

    def views_warmed(self) -> bool:
        """True if the warm-up worked out today's findings and every tab's first view before the window
        opened (the window then need not do it again, see ``MainWindow``)."""
        return self.warmer is not None and self.warmer.done_with() is True

    def settle(self) -> None:
        """Wait for the findings warm-up to end (before the database is closed under it)."""
        if self.warmer is not None:
            self.warmer.wait()


def warm_findings(db: Database, keep_going: Callable[[], bool] = lambda: True) -> bool:
    """Work out today's findings while the user types the password, then what each tab shows first:
    the Overview shows them at once, and a tab's first opening only fills its table
    (``db.shared_memo``; a sign-in does not change the records, see ``db/generation.py``).
    True if all of it was worked out."""
    from fluorodesk.services.registry import Services

    services = Services(db, "FluoroDesk")
    # Only a warm-up: the Overview's own check, and each tab, meet (and report) any real problem.
    try:
        services.compliance.findings()
        return warm_first_views(services, keep_going)
    except Exception:
        return False


def warm_first_views(services: Services, keep_going: Callable[[], bool] = lambda: True) -> bool:
    """The reads each tab makes when first opened, with its default choices (retired and disposed
    records hidden, the first unit, the Dose Log's last ``CASE_LIST_DAYS`` days, this quarter), one
    after the other while ``keep_going()``. True if it went through all of them."""
    from fluorodesk.services.procedures import CASE_LIST_DAYS

    def first_unit_history() -> None:
        units = services.units.list_units()
        if units:
            services.exposure.history(units[0].id)

    today = services.procedures.today()
    views: list[Callable[[], object]] = [
        services.technicians.list_rows,
        services.contracts.list_rows,
        lambda: services.garments.list_rows(include_disposed=False),
        first_unit_history,
        services.procedures.entry_options,
        lambda: services.procedures.list_cases(start=today - timedelta(days=CASE_LIST_DAYS)),
        services.dosimetry.summary,
    ]
    for view in views:
        if not keep_going():
            return False
        view()
    return True
