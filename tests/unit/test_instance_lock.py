"""One window per data folder; writers and what replaces the data coordinate through the same locks.

A second window is refused clearly; a restore refuses while a window or a writing command uses the
clinic, and writing commands refuse while a restore runs; a crashed holder never blocks.  The other
holders are real processes: OS locks are about processes."""

from __future__ import annotations

import errno
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from fluorodesk import instance_lock
from fluorodesk.instance_lock import (
    GATE_NAME,
    IN_USE_DIR,
    AlreadyRunningError,
    ClinicBusyError,
    InstanceLock,
    replacing,
    using,
)
from fluorodesk.paths import DataDir


def hold_in_child(
    data_dir: DataDir, how: str = 'InstanceLock(folder, purpose="test holder")'
) -> subprocess.Popen:
    """A separate process that takes a lock (``how``: a context manager), says so, and waits to be killed."""
    code = textwrap.dedent(
        f"""
        import pathlib, time
        from fluorodesk.instance_lock import InstanceLock, replacing, using
        from fluorodesk.paths import DataDir
        folder = DataDir(pathlib.Path({str(data_dir.root)!r}))
        with {how}:
            print("held", flush=True)
            time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def crash(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)  # a crash: no clean-up runs
    child.wait(timeout=10)


def test_second_instance_in_the_same_process_is_refused(tmp_path):
    data_dir = DataDir(tmp_path)
    with InstanceLock(data_dir, purpose="FluoroDesk window"):
        with pytest.raises(AlreadyRunningError) as info:
            InstanceLock(data_dir).acquire()
        message = str(info.value)
        assert "already open on the data folder" in message
        assert "FluoroDesk window on this computer" in message and f"process {os.getpid()}" in message
        assert info.value.holder.pid == os.getpid()
    with InstanceLock(data_dir):  # released: free again
        pass
    assert data_dir.lock_file.read_text() == ""  # no stale details left after a clean exit


def test_another_process_holds_the_lock_until_it_is_killed(tmp_path):
    data_dir = DataDir(tmp_path)
    child = hold_in_child(data_dir)
    try:
        with pytest.raises(AlreadyRunningError) as info:
            InstanceLock(data_dir).acquire()
        assert info.value.holder.pid == child.pid and "test holder" in str(info.value)
    finally:
        crash(child)
    assert json.loads(data_dir.lock_file.read_text())["pid"] == child.pid  # the stale file is still there
    lock = InstanceLock(data_dir).acquire()  # ...but the crashed process's lock is gone with it
    assert json.loads(data_dir.lock_file.read_text())["pid"] == os.getpid()
    lock.release()


def _no_os_locks(monkeypatch):
    def unsupported(_handle):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(instance_lock, "_os_lock", unsupported)


def test_without_os_locks_a_dead_holder_is_taken_over(tmp_path, monkeypatch):
    """Some network shares cannot lock: the recorded process id decides (simulated)."""
    _no_os_locks(monkeypatch)
    data_dir = DataDir(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    data_dir.lock_file.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "since": ""}))
    with InstanceLock(data_dir):
        assert json.loads(data_dir.lock_file.read_text())["pid"] == os.getpid()


def test_without_os_locks_a_live_holder_is_respected(tmp_path, monkeypatch):
    _no_os_locks(monkeypatch)
    data_dir = DataDir(tmp_path)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        data_dir.lock_file.write_text(
            json.dumps(
                {
                    "pid": alive.pid,
                    "host": socket.gethostname(),
                    "user": "amy",
                    "since": "2026-11-26T08:00:00",
                }
            )
        )
        with pytest.raises(AlreadyRunningError, match="by amy, since 2026-11-26 08:00"):
            InstanceLock(data_dir).acquire()
        # a holder on another computer cannot be checked, so it is respected too
        data_dir.lock_file.write_text(json.dumps({"pid": 1, "host": "FRONT-DESK-PC", "since": ""}))
        with pytest.raises(AlreadyRunningError, match="the computer FRONT-DESK-PC"):
            InstanceLock(data_dir).acquire()
    finally:
        alive.kill()
        alive.wait()


def test_a_garbled_lock_file_does_not_block(tmp_path, monkeypatch):
    data_dir = DataDir(tmp_path)
    data_dir.lock_file.write_bytes(b"\x00\xff garbage")
    with InstanceLock(data_dir):
        pass
    _no_os_locks(monkeypatch)
    data_dir.lock_file.write_bytes(b"{not json")
    with InstanceLock(data_dir):
        pass


# --------------------------------------------------------------------------- writers and replacers

USING = 'using(folder, "fluorodesk import", doing="import")'
REPLACING = 'replacing(folder, "restore of b.fdbackup", doing="restore a backup")'


def test_a_restore_refuses_while_a_command_writes_and_says_who(tmp_path):
    data_dir = DataDir(tmp_path)
    child = hold_in_child(data_dir, USING)
    try:
        with (
            pytest.raises(ClinicBusyError) as info,
            replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"),
        ):
            pytest.fail("the restore ran while a command was writing")
        message = str(info.value)
        assert message.startswith("FluoroDesk cannot restore a backup now: the clinic is in use by ")
        assert f"fluorodesk import on this computer by {getpass.getuser()}, since " in message
        assert f"(process {child.pid})" in message and "nothing was changed" in message
        assert [h.pid for h in info.value.holders] == [child.pid]
        with InstanceLock(data_dir, purpose="FluoroDesk window"):  # the window works alongside it
            pass
    finally:
        crash(child)
    with replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"):  # its lock died with it
        assert list((tmp_path / IN_USE_DIR).iterdir()) == []  # and its file is cleared away


def test_writers_and_windows_refuse_while_the_data_is_replaced(tmp_path):
    data_dir = DataDir(tmp_path)
    child = hold_in_child(data_dir, REPLACING)
    try:
        started = time.monotonic()
        with pytest.raises(ClinicBusyError) as info, using(data_dir, "fluorodesk import", doing="import"):
            pytest.fail("an import started during a restore")
        assert time.monotonic() - started < 2  # it does not wait out the restore
        message = str(info.value)
        assert message.startswith("FluoroDesk cannot import now: the clinic's data is being replaced by ")
        assert "restore of b.fdbackup on this computer" in message and f"(process {child.pid})" in message
        with pytest.raises(AlreadyRunningError, match="is being replaced by restore of b.fdbackup"):
            InstanceLock(data_dir, purpose="FluoroDesk window").acquire()
        with (
            pytest.raises(ClinicBusyError, match="the clinic's data is being replaced by restore"),
            replacing(data_dir, "fluorodesk demo --force", doing="load the demo clinic"),
        ):
            pytest.fail("two replacements at once")
    finally:
        crash(child)
    with using(data_dir, "fluorodesk import", doing="import"):  # a crashed restore does not block
        pass
    with InstanceLock(data_dir, purpose="FluoroDesk window"):
        pass


def test_a_restore_refuses_while_another_window_is_open(tmp_path):
    data_dir = DataDir(tmp_path)
    child = hold_in_child(data_dir, 'InstanceLock(folder, purpose="FluoroDesk window")')
    try:
        with (
            pytest.raises(ClinicBusyError, match=r"the clinic is already open in FluoroDesk window on this"),
            replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"),
        ):
            pytest.fail("the restore ran under an open window")
        with using(data_dir, "fluorodesk import", doing="import"):  # writing alongside the window is fine
            pass
    finally:
        crash(child)


def test_the_windows_own_restore_is_not_refused_by_the_window(tmp_path):
    data_dir = DataDir(tmp_path)
    with InstanceLock(data_dir, purpose="FluoroDesk window"):
        with replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"):
            holder = json.loads((tmp_path / GATE_NAME).read_text())
            assert holder["kind"] == "replacing" and holder["pid"] == os.getpid()
        with (  # a command of this very process writing: the window's restore still waits for it
            using(data_dir, "fluorodesk import", doing="import"),
            pytest.raises(ClinicBusyError, match="in use by fluorodesk import"),
            replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"),
        ):
            pytest.fail("the restore ran while a command was writing")
    assert (tmp_path / GATE_NAME).read_text() == ""  # no stale details after a clean end


def test_writers_do_not_exclude_each_other(tmp_path):
    data_dir = DataDir(tmp_path)
    child = hold_in_child(data_dir, USING)
    try:
        with using(data_dir, "fluorodesk backup", doing="make a backup"):
            assert len(list((tmp_path / IN_USE_DIR).iterdir())) == 2
    finally:
        crash(child)


def test_an_in_use_file_that_cannot_be_probed_counts_as_in_use(tmp_path):
    """Better refuse a restore than swallow a command's work (a file of another login, say)."""
    data_dir = DataDir(tmp_path)
    odd = tmp_path / IN_USE_DIR / "123-abcd.lock"
    odd.mkdir(parents=True)  # cannot be opened as a file
    with (
        pytest.raises(ClinicBusyError, match=rf"in use by a FluoroDesk command \(see {odd}\);"),
        replacing(data_dir, "restore of b.fdbackup", doing="restore a backup"),
    ):
        pytest.fail("the restore ran")
    assert odd.is_dir()
