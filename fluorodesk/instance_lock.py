"""Who is using a clinic's data folder, and who is replacing its data: one mechanism, OS file locks.

Each role is an operating-system lock on a file in the data folder.  The OS drops a lock when its
process ends in any way, a crash or a power cut included, so a crashed FluoroDesk never blocks the
next one: its file may stay behind, its lock does not.

* **The window** holds ``fluorodesk.lock`` for as long as it runs: one window per data folder.
* **A command that writes** (import, backup, demo, users …: ``using``) holds a file of its own in
  ``in-use/`` for as long as it runs.  It makes that file while it holds the gate
  ``replacing.lock`` for a moment, so no such file can appear while the data is being replaced.
* **Whatever replaces the data** (restore, demo --force, the window's File → Restore… and its
  recovery dialog: ``replacing``) holds the gate and ``fluorodesk.lock`` for as long as it runs,
  once it has found no file in ``in-use/`` held by anyone.  So it refuses while a window or a
  writing command is at work, and while it runs no window opens and no writing command starts.
  A restore made by the window itself (which holds ``fluorodesk.lock`` already) does not find the
  window in its way.

Every lock file records its holder (process, computer, user, since when, what for): the refusals
say who is in the way and where.  Where the file system cannot lock (some network shares), the
recorded process id decides instead: a holder whose process is gone on this computer is stale.
Windows locks byte ranges with ``msvcrt``; elsewhere ``fcntl.flock`` locks the whole file.  Both are
exclusive and per open file, so two opens in one process exclude each other too.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
import secrets
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from fluorodesk.errors import FluoroDeskError, storage_error_from
from fluorodesk.paths import DataDir

# Windows locks a byte range; this offset is past any content we write, so the holder's details stay
# readable to others while the lock is held.
_WINDOWS_LOCK_OFFSET = 1 << 20
GATE_NAME = "replacing.lock"
IN_USE_DIR = "in-use"
#: How long a command waits for the gate, which another command holds only for a moment while it
#: registers; and, when a restore holds it, for that restore to refuse (else the command refuses).
GATE_WAIT = 3.0
REPLACER_WAIT = 0.5
_POLL = 0.05

WINDOW, USING, REPLACING = "window", "using", "replacing"

#: Lock files of the windows this process holds: a restore the window makes is its own.
_windows_here: set[Path] = set()


class AlreadyRunningError(FluoroDeskError):
    """The window cannot open: another window has this data folder open, or its data is being replaced."""

    def __init__(self, message: str, holder: LockHolder | None) -> None:
        super().__init__(message)
        self.holder = holder


class ClinicBusyError(FluoroDeskError):
    """A command may not run now (a restore is replacing the data, or others are using it); nothing
    was changed.  ``holders`` says who is in the way."""

    def __init__(self, message: str, holders: tuple[LockHolder, ...]) -> None:
        super().__init__(message)
        self.holders = holders


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    user: str
    since: str
    purpose: str
    kind: str = ""  # WINDOW, USING or REPLACING ("" from an older FluoroDesk: a window)

    def words(self) -> str:
        if not (self.pid or self.host):  # nothing recorded, only what it is
            return self.purpose
        try:
            since = datetime.fromisoformat(self.since).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            since = self.since or "an unknown time"
        where = "this computer" if self.host == socket.gethostname() else f"the computer {self.host}"
        who = f" by {self.user}" if self.user else ""
        return f"{self.purpose or 'FluoroDesk'} on {where}{who}, since {since} (process {self.pid})"


def _read_holder(path: Path) -> LockHolder | None:
    try:
        text = path.read_text(encoding="utf-8").strip("\x00 \n")
        data = json.loads(text) if text else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return LockHolder(
            int(data.get("pid", 0)),
            str(data.get("host", "")),
            str(data.get("user", "")),
            str(data.get("since", "")),
            str(data.get("purpose", "")),
            str(data.get("kind", "")),
        )
    except (TypeError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _os_lock(handle: IO[bytes]) -> bool:
    """Try to take the OS lock without waiting.  True: taken; False: held by someone else.

    Raises OSError when the file system does not support locking.
    """
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _os_unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pid_fallback(path: Path) -> bool:
    """Without OS locks: free unless the recorded holder is another process that may be alive."""
    holder = _read_holder(path)
    if holder is None or holder.pid == os.getpid():
        return True
    same_host = holder.host == socket.gethostname()
    return same_host and not _pid_alive(holder.pid)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return ""


class _LockFile:
    """An exclusive OS lock on one file, whose content names the holder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def take(self, *, create: bool = True) -> bool:
        """Try once, without waiting: True when taken, False when someone else holds it.

        ``create=False`` only probes an existing file: it is opened for reading, which is enough to
        lock it (so another login's file can be probed too).  OSError when the file cannot be opened
        (FileNotFoundError with ``create=False`` when it is gone).
        """
        handle = open(self.path, "a+b" if create else "rb")  # noqa: SIM115 - kept open while held
        try:
            taken = _os_lock(handle)
        except OSError:
            taken = _pid_fallback(self.path)  # no OS locks here (some network shares)
        if not taken:
            handle.close()
            return False
        self._handle = handle
        return True

    def record(self, purpose: str, kind: str) -> None:
        """Write who holds the lock into the file (what the refusals of others show)."""
        assert self._handle is not None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": _login(),
            "since": datetime.now().isoformat(timespec="seconds"),
            "purpose": purpose,
            "kind": kind,
        }
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.write(json.dumps(info).encode("utf-8"))
            self._handle.flush()

    def holder(self) -> LockHolder | None:
        return _read_holder(self.path)

    def release(self, *, remove: bool = False) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
        _os_unlock(handle)
        handle.close()
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()


def _folder_error(exc: OSError, folder: Path) -> FluoroDeskError:
    return storage_error_from(exc, path=folder) or FluoroDeskError(
        f"FluoroDesk cannot use its data folder {folder}: {exc.strerror or exc}."
    )


def _take_gate(gate: _LockFile, doing: str) -> None:
    """Take the gate, waiting a moment for a command that is registering; ClinicBusyError while the
    data is being replaced."""
    deadline = time.monotonic() + GATE_WAIT
    while True:
        try:
            if gate.take():
                return
        except OSError as exc:
            raise _folder_error(exc, gate.path.parent) from exc
        holder = gate.holder()
        if holder is not None and holder.kind == REPLACING:
            deadline = min(deadline, time.monotonic() + REPLACER_WAIT)
        if time.monotonic() >= deadline:
            by = f" by {holder.words()}" if holder else ""
            raise ClinicBusyError(
                f"FluoroDesk cannot {doing} now: the clinic's data is being replaced{by}; "
                "nothing was changed, try again when that has finished.",
                (holder,) if holder else (),
            )
        time.sleep(_POLL)


class InstanceLock:
    """The window's lock: ``with InstanceLock(data_dir, purpose="FluoroDesk window"):`` or
    ``acquire()`` / ``release()``.  What replaces the data takes it too (``kind=REPLACING``)."""

    def __init__(self, data_dir: DataDir, *, purpose: str = "FluoroDesk", kind: str = WINDOW) -> None:
        self.path = data_dir.lock_file
        self.purpose = purpose
        self.kind = kind
        self._file = _LockFile(self.path)

    @property
    def held(self) -> bool:
        return self._file.held

    def acquire(self) -> InstanceLock:
        if self._file.held:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            taken = self._file.take()
        except OSError as exc:
            raise _folder_error(exc, self.path.parent) from exc
        if not taken:
            holder = self._file.holder()
            if holder is not None and holder.kind == REPLACING:
                message = (
                    f"The clinic's data in {self.path.parent} is being replaced by {holder.words()}; "
                    "try again when that has finished."
                )
            else:
                detail = f" It is in use by {holder.words()}." if holder else ""
                message = (
                    f"FluoroDesk is already open on the data folder {self.path.parent}.{detail} "
                    "Switch to that window (or close it) and try again; only one FluoroDesk may use "
                    "a data folder at a time, so no record is written twice."
                )
            raise AlreadyRunningError(message, holder)
        self._file.record(self.purpose, self.kind)
        if self.kind == WINDOW:
            _windows_here.add(self.path)
        return self

    def release(self) -> None:
        if self._file.held and self.kind == WINDOW:
            _windows_here.discard(self.path)
        self._file.release()

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


@contextlib.contextmanager
def using(data_dir: DataDir, purpose: str, *, doing: str) -> Iterator[None]:
    """A command that writes says it is using the clinic while it runs (``purpose``: what others are
    told, e.g. "fluorodesk import").  ClinicBusyError ("FluoroDesk cannot ``doing`` now: …") while the
    data is being replaced."""
    folder = data_dir.root / IN_USE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(exc, data_dir.root) from exc
    gate = _LockFile(data_dir.root / GATE_NAME)
    mine = _LockFile(folder / f"{os.getpid()}-{secrets.token_hex(4)}.lock")
    _take_gate(gate, doing)
    try:
        if not mine.take():  # a fresh name: nobody else can hold it
            raise ClinicBusyError(f"FluoroDesk cannot {doing} now; try again.", ())
        mine.record(purpose, USING)
    except OSError as exc:
        raise _folder_error(exc, data_dir.root) from exc
    finally:
        gate.release()
    try:
        yield
    finally:
        mine.release(remove=True)


def _users(data_dir: DataDir) -> list[LockHolder]:
    """Who holds a file in ``in-use/`` (the files of commands that ended without a word are removed)."""
    folder = data_dir.root / IN_USE_DIR
    found = []
    for path in sorted(folder.glob("*.lock")) if folder.is_dir() else []:
        probe = _LockFile(path)
        try:
            taken = probe.take(create=False)
        except FileNotFoundError:  # gone meanwhile: its command has just finished
            continue
        except OSError:  # cannot be probed: counted as in use, rather than risk a command's work
            found.append(LockHolder(0, "", "", "", f"a FluoroDesk command (see {path})", USING))
            continue
        if taken:
            probe.release(remove=True)  # its process has ended (a crash, or killed)
        else:
            found.append(probe.holder() or LockHolder(0, "", "", "", "a FluoroDesk command", USING))
    return found


@contextlib.contextmanager
def replacing(data_dir: DataDir, purpose: str, *, doing: str) -> Iterator[None]:
    """Replace the clinic's data alone: ClinicBusyError ("FluoroDesk cannot ``doing`` now: …", saying
    who and where) while a window other than this process's or a writing command uses it, or
    something else replaces it.  While this runs, windows and writing commands are refused."""
    try:
        data_dir.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(exc, data_dir.root) from exc
    gate = _LockFile(data_dir.root / GATE_NAME)
    window = None
    _take_gate(gate, doing)
    try:
        gate.record(purpose, REPLACING)
        if data_dir.lock_file not in _windows_here:
            window = InstanceLock(data_dir, purpose=purpose, kind=REPLACING)
            try:
                window.acquire()
            except AlreadyRunningError as exc:
                window = None
                by = exc.holder.words() if exc.holder else "another FluoroDesk window"
                raise ClinicBusyError(
                    f"FluoroDesk cannot {doing} now: the clinic is already open in {by}; "
                    "nothing was changed, close that window and try again.",
                    (exc.holder,) if exc.holder else (),
                ) from None
        users = _users(data_dir)
        if users:
            who = "; and by ".join(u.words() for u in users)
            end = "it has" if len(users) == 1 else "they have"
            raise ClinicBusyError(
                f"FluoroDesk cannot {doing} now: the clinic is in use by {who}; "
                f"nothing was changed, try again when {end} finished.",
                tuple(users),
            )
        yield
    finally:
        if window is not None:
            window.release()
        gate.release()
