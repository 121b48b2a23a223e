"""Commands at the same time, as real processes: a restore never swallows an import.

A command is held at one point (``Paused``: the function is wrapped to wait for a go-ahead file) so
that another can be tried while it runs; every wait is bounded.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fluorodesk.cli import main

WAIT = 60  # seconds: the most any step may take before the test fails


def fluorodesk(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fluorodesk", *argv], capture_output=True, text=True, timeout=WAIT
    )


class Paused:
    """``fluorodesk ARGV`` in a process of its own, held when it calls ``module.attr`` until ``go()``."""

    def __init__(self, tmp_path: Path, module: str, attr: str, argv: list[str]) -> None:
        self.started, self.go_file = tmp_path / f"started-{attr}", tmp_path / f"go-{attr}"
        owner, _, name = attr.rpartition(".")
        code = textwrap.dedent(
            f"""
            import importlib, pathlib, sys, time
            owner = importlib.import_module({module!r})
            for part in {owner!r}.split(".") if {owner!r} else []:
                owner = getattr(owner, part)
            original = getattr(owner, {name!r})

            def paused(*args, **kwargs):
                pathlib.Path({str(self.started)!r}).touch()
                deadline = time.monotonic() + {WAIT}
                while not pathlib.Path({str(self.go_file)!r}).exists():
                    if time.monotonic() > deadline:
                        sys.exit(99)
                    time.sleep(0.02)
                return original(*args, **kwargs)

            setattr(owner, {name!r}, paused)
            from fluorodesk.cli import main
            sys.exit(main({argv!r}))
            """
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + WAIT
        while not self.started.exists():
            if self.process.poll() is not None:
                pytest.fail(f"the command ended before it got there: {self.process.communicate()}")
            assert time.monotonic() < deadline, "the command did not get there in time"
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        return self.process.pid

    def finish(self) -> tuple[int, str, str]:
        self.go_file.touch()
        out, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, out, err

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)  # no clean-up runs
        self.process.communicate(timeout=WAIT)


def technicians(path: Path, last_name: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM technicians WHERE last_name = ?", (last_name,)).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def clinic(demo_dir, tmp_path, capsys):
    """The demo clinic, a backup of it, and a file of 40 new technicians."""
    backup = tmp_path / "b.fdbackup"
    assert main(["backup", "--data-dir", str(demo_dir.root), "--out", str(backup)]) == 0
    capsys.readouterr()
    rows = "".join(f"Tech{n},Concurrent\n" for n in range(40))
    csv = tmp_path / "new.csv"
    csv.write_text("first_name,last_name\n" + rows, encoding="utf-8")
    return demo_dir, backup, csv


def test_a_restore_refuses_while_an_import_runs_and_the_import_lands(clinic, tmp_path):
    demo_dir, backup, csv = clinic
    root = str(demo_dir.root)
    importer = Paused(
        tmp_path,
        "fluorodesk.services.transfer.service",
        "ImportService.run",
        ["import", "technicians", str(csv), "--data-dir", root],
    )
    try:
        restore = fluorodesk("restore", str(backup), "--data-dir", root)
    finally:
        code, out, err = importer.finish()
    assert restore.returncode == 1, restore.stdout
    assert "FluoroDesk cannot restore a backup now: the clinic is in use by fluorodesk import on this " in (
        restore.stderr
    )
    assert f"(process {importer.pid})" in restore.stderr and "nothing was changed" in restore.stderr
    assert code == 0 and "40 new" in out, err
    assert technicians(demo_dir.database, "Concurrent") == 40  # in the live database
    assert not (demo_dir.root / "replaced").exists()


def test_an_import_refuses_while_a_restore_runs_and_works_after_it(clinic, tmp_path):
    demo_dir, backup, csv = clinic
    root = str(demo_dir.root)
    restorer = Paused(
        tmp_path, "fluorodesk.services.backup", "verify_backup", ["restore", str(backup), "--data-dir", root]
    )
    try:
        started = time.monotonic()
        refused = fluorodesk("import", "technicians", str(csv), "--data-dir", root)
        took = time.monotonic() - started
        backup_refused = fluorodesk("backup", "--data-dir", root, "--out", str(tmp_path / "c.fdbackup"))
    finally:
        code, out, err = restorer.finish()
    assert refused.returncode == 1 and "imported" not in refused.stdout + refused.stderr
    assert refused.stderr.startswith(
        "fluorodesk: FluoroDesk cannot import now: the clinic's data is being replaced by restore of "
        "b.fdbackup on this computer"
    )
    assert f"(process {restorer.pid})" in refused.stderr and refused.stderr.count("\n") == 1
    assert took < 10  # it refuses, it does not wait for the restore to end
    assert backup_refused.returncode == 1 and "cannot make a backup now" in backup_refused.stderr
    assert code == 0 and "Restored b.fdbackup" in out, err
    assert technicians(demo_dir.database, "Concurrent") == 0
    again = fluorodesk("import", "technicians", str(csv), "--data-dir", root)
    assert again.returncode == 0 and "40 new" in again.stdout
    assert technicians(demo_dir.database, "Concurrent") == 40


def test_a_crashed_import_does_not_block_a_restore(clinic, tmp_path):
    demo_dir, backup, csv = clinic
    root = str(demo_dir.root)
    Paused(
        tmp_path,
        "fluorodesk.services.transfer.service",
        "ImportService.run",
        ["import", "technicians", str(csv), "--data-dir", root],
    ).crash()
    assert list((demo_dir.root / "in-use").iterdir())  # its file is left behind, its lock is not
    restore = fluorodesk("restore", str(backup), "--data-dir", root)
    assert restore.returncode == 0, restore.stderr
    assert not list((demo_dir.root / "in-use").iterdir())


def test_a_crashed_restore_does_not_block_an_import_or_the_window(clinic, tmp_path):
    from fluorodesk.instance_lock import InstanceLock

    demo_dir, backup, csv = clinic
    root = str(demo_dir.root)
    Paused(
        tmp_path, "fluorodesk.services.backup", "verify_backup", ["restore", str(backup), "--data-dir", root]
    ).crash()
    done = fluorodesk("import", "technicians", str(csv), "--data-dir", root)
    assert done.returncode == 0 and "40 new" in done.stdout, done.stderr
    with InstanceLock(demo_dir, purpose="FluoroDesk window"):
        pass


def test_the_window_and_commands(clinic, tmp_path):
    """A window open elsewhere: writing commands work alongside it, replacing the data is refused."""
    demo_dir, backup, csv = clinic
    root = str(demo_dir.root)
    code = textwrap.dedent(
        f"""
        import pathlib, time
        from fluorodesk.instance_lock import InstanceLock
        from fluorodesk.paths import DataDir
        with InstanceLock(DataDir(pathlib.Path({root!r})), purpose="FluoroDesk window"):
            print("held", flush=True)
            time.sleep({WAIT})
        """
    )
    window = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert window.stdout is not None and window.stdout.readline().strip() == "held"
        before = demo_dir.database.read_bytes()
        restore = fluorodesk("restore", str(backup), "--data-dir", root)
        assert restore.returncode == 1
        assert "the clinic is already open in FluoroDesk window on this computer" in restore.stderr
        assert f"(process {window.pid})" in restore.stderr
        demo = fluorodesk("demo", "--force", "--data-dir", root)
        assert demo.returncode == 1 and "cannot replace the records with the demo clinic now" in demo.stderr
        assert demo_dir.database.read_bytes() == before
        done = fluorodesk("import", "technicians", str(csv), "--data-dir", root)
        assert done.returncode == 0 and "40 new" in done.stdout
        assert fluorodesk("backup", "--data-dir", root, "--out", str(tmp_path / "c.fdbackup")).returncode == 0
        assert fluorodesk("check", "--data-dir", root).returncode == 0  # reading, of course
    finally:
        window.kill()
        window.wait(timeout=WAIT)


def test_the_windows_own_restore_refuses_while_a_command_imports(clinic, tmp_path):
    """File → Restore… (the window holds its lock, in this process) while an import runs elsewhere."""
    from fluorodesk.instance_lock import ClinicBusyError, InstanceLock
    from fluorodesk.services.backup import restore_backup

    demo_dir, backup, csv = clinic
    with InstanceLock(demo_dir, purpose="FluoroDesk window"):
        importer = Paused(
            tmp_path,
            "fluorodesk.services.transfer.service",
            "ImportService.run",
            ["import", "technicians", str(csv), "--data-dir", str(demo_dir.root)],
        )
        try:
            with pytest.raises(
                ClinicBusyError, match=f"in use by fluorodesk import .*process {importer.pid}"
            ):
                restore_backup(demo_dir, backup, actor="hpark")
        finally:
            code, out, err = importer.finish()
        assert code == 0 and "40 new" in out, err
        assert technicians(demo_dir.database, "Concurrent") == 40
        restore_backup(demo_dir, backup, actor="hpark")  # once it has finished: the window's own restore
    assert technicians(demo_dir.database, "Concurrent") == 0
