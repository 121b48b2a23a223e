"""Start-up safety: is the database file sound before we open it, and which backup could replace it?

``health_check`` runs SQLite's ``quick_check`` (a few milliseconds for a clinic-sized file) on a
read-only connection.  It never changes the file: a damaged database is reported, the caller offers
the newest good backup, and ``restore_backup`` moves the damaged file aside rather than over it.
Only damage leads there: a full disk, a failing disk or another program holding the file raise
their own StorageError, whose sentence says what to do (restoring a backup would not help).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from fluorodesk.db.sqlite_tools import integrity_problems, looks_like_sqlite
from fluorodesk.domain.enums import Role
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.errors import DatabaseCorruptError, storage_error_from
from fluorodesk.paths import DataDir

T = TypeVar("T")

if TYPE_CHECKING:  # imported where used: the sign-in window shows before the database layer loads
    from fluorodesk.db.database import Database
    from fluorodesk.services.backup import BackupCheck


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
    """What the quick check finds; StorageError when the disk or another program is in the way."""
    path = data_dir.database
    if not path.exists():
        return HealthReport(False, ())
    try:
        if not path.is_file():
            return HealthReport(True, ("it is not a file",))
        if not looks_like_sqlite(path):
            return HealthReport(True, ("the file is not an SQLite database",))
        problems = integrity_problems(path, quick=True)
    except (sqlite3.DatabaseError, OSError) as exc:
        mapped = storage_error_from(exc, path=path)
        if mapped is not None and not isinstance(mapped, DatabaseCorruptError):
            raise mapped from exc  # the disk or another program, not the file
        return HealthReport(True, (getattr(exc, "strerror", None) or str(exc),))
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

    def result(self) -> T:
        if self._thread.ident is None:
            self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


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

    path = data_dir.database
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
            if revision != HEAD_REVISION:
                return None
            directors_sql = "SELECT count(*) FROM users WHERE role = ? AND active"
            (directors,) = con.execute(directors_sql, (Role.DIRECTOR.value,)).fetchone()
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
    Opening loads SQLAlchemy and the models and checks the migrations: most of a second that the
    user's typing hides.  ``result()`` waits for it all and re-raises what it raised.
    """

    def __init__(self, data_dir: DataDir) -> None:
        super().__init__(self._open, "open-clinic")
        self.data_dir = data_dir

    def _open(self) -> Database:
        report = health_check(self.data_dir)
        if not report.ok:
            raise UnhealthyDatabase(report, self.data_dir)
        db = open_clinic(self.data_dir)
        # The models are set up here, behind the sign-in window, rather than at the first query.
        from sqlalchemy.orm import configure_mappers

        import fluorodesk.db.models  # noqa: F401

        configure_mappers()
        return db
