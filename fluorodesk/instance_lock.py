"""One FluoroDesk at a time per data folder.

The window (and the command-line commands that replace data: ``restore``, ``demo``) hold an
operating-system lock on ``fluorodesk.lock`` in the data folder for as long as they run.  The OS
releases it when the process ends in any way, a crash or a power cut included, so a lock left by
a crashed FluoroDesk never blocks the next start: the file stays, the lock does not.

The file also records who holds the lock (process id, computer, user, since when), which is what
the "already open" message shows.  Where the file system cannot lock (some network shares), the
recorded process id is used instead: a lock whose process is gone on this computer is stale and
is taken over.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from fluorodesk.errors import FluoroDeskError, storage_error_from
from fluorodesk.paths import DataDir

# Windows locks a byte range; this offset is past any content we write, so the holder's details stay
# readable to a second instance while the lock is held.
_WINDOWS_LOCK_OFFSET = 1 << 20


class AlreadyRunningError(FluoroDeskError):
    """Another FluoroDesk has this data folder open."""

    def __init__(self, message: str, holder: LockHolder | None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    user: str
    since: str
    purpose: str

    def words(self) -> str:
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


class InstanceLock:
    """``with InstanceLock(data_dir, purpose="FluoroDesk window"):`` or ``acquire()`` / ``release()``."""

    def __init__(self, data_dir: DataDir, *, purpose: str = "FluoroDesk") -> None:
        self.path = data_dir.lock_file
        self.purpose = purpose
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> InstanceLock:
        if self._handle is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        except OSError as exc:
            raise storage_error_from(exc, path=self.path.parent) or FluoroDeskError(
                f"FluoroDesk cannot use its data folder {self.path.parent}: {exc.strerror or exc}."
            ) from exc
        try:
            taken = _os_lock(handle)
        except OSError:
            taken = self._pid_fallback()  # no OS locks here (some network shares)
        if not taken:
            handle.close()
            holder = _read_holder(self.path)
            detail = f" It is in use by {holder.words()}." if holder else ""
            raise AlreadyRunningError(
                f"FluoroDesk is already open on the data folder {self.path.parent}.{detail} "
                "Switch to that window (or close it) and try again; only one FluoroDesk may use "
                "a data folder at a time, so no record is written twice.",
                holder,
            )
        self._handle = handle
        self._write_holder()
        return self

    def _pid_fallback(self) -> bool:
        holder = _read_holder(self.path)
        if holder is None or holder.pid == os.getpid():
            return True
        same_host = holder.host == socket.gethostname()
        return same_host and not _pid_alive(holder.pid)

    def _write_holder(self) -> None:
        assert self._handle is not None
        try:
            user = getpass.getuser()
        except Exception:  # no login name on some service accounts
            user = ""
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": user,
            "since": datetime.now().isoformat(timespec="seconds"),
            "purpose": self.purpose,
        }
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.write(json.dumps(info).encode("utf-8"))
            self._handle.flush()

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
        _os_unlock(handle)
        handle.close()

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()
