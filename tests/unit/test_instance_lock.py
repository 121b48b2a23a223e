"""One FluoroDesk per data folder: a second one is refused clearly; a crashed one's lock is recovered."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from fluorodesk import instance_lock
from fluorodesk.instance_lock import AlreadyRunningError, InstanceLock
from fluorodesk.paths import DataDir


def hold_in_child(data_dir: DataDir) -> subprocess.Popen:
    """A separate process that takes the lock, says so, and waits to be killed."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from fluorodesk.instance_lock import InstanceLock
        from fluorodesk.paths import DataDir
        lock = InstanceLock(DataDir(__import__("pathlib").Path({str(data_dir.root)!r})), purpose="test holder")
        lock.acquire()
        print("held", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


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
        child.send_signal(signal.SIGKILL)  # a crash: no clean-up runs
        child.wait()
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
