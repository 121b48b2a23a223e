"""`fluorodesk selfcheck`: exit 0 with every step listed; any failure is one line and exit 1;
the clinic's own data folder is never touched."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fluorodesk import __version__, selfcheck
from fluorodesk.cli import main
from fluorodesk.errors import StorageError

STEPS = ("resources", "database", "sample clinic", "tools", "window", "packet")


def test_selfcheck_passes_and_leaves_the_clinic_data_alone(tmp_path):
    clinic = tmp_path / "real-clinic"  # where the clinic's data would be: must not appear
    env = {
        **os.environ,
        "FLUORODESK_DATA_DIR": str(clinic),
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "TMPDIR": str(tmp_path),
    }
    env.pop("QT_QPA_PLATFORM", None)  # the check must go offscreen by itself
    result = subprocess.run(
        [sys.executable, "-m", "fluorodesk", "selfcheck"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == f"FluoroDesk {__version__} selfcheck"
    for step in STEPS:
        assert f"  ok  {step}: " in result.stdout
    assert " tabs drawn (offscreen platform" in result.stdout
    assert "selfcheck passed" in result.stdout
    assert result.stderr == ""  # Qt's chatter goes to the log, not the terminal
    assert not clinic.exists()
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # the temporary folder was cleaned up


def test_a_failing_step_is_one_line_and_exit_1(capsys, monkeypatch):
    def broken(*_args, **_kwargs):
        raise StorageError("The data folder /x is read-only.\nSecond line.")

    monkeypatch.setattr("fluorodesk.db.database.open_database", broken)
    code = main(["selfcheck"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err == "fluorodesk selfcheck FAILED at database: StorageError: The data folder /x is read-only.\n"
    assert "ok  resources" in out and "passed" not in out and "Traceback" not in out + err


def test_verbose_adds_the_traceback(capsys, monkeypatch):
    monkeypatch.setattr("fluorodesk.paths.resources_dir", lambda: selfcheck.Path("/nonexistent"))
    code = main(["selfcheck", "--verbose"])
    _out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" in err
    assert err.splitlines()[-1].startswith(
        "fluorodesk selfcheck FAILED at resources: FileNotFoundError: missing"
    )


@pytest.mark.parametrize("step", ["sample_clinic", "tools", "packet"])
def test_each_later_step_can_fail_too(capsys, monkeypatch, step):
    def boom(self):
        raise RuntimeError(f"{step} broke")

    monkeypatch.setattr(selfcheck._Run, "window", lambda self: "skipped in this test")
    monkeypatch.setattr(selfcheck._Run, step, boom)
    assert main(["selfcheck"]) == 1
    _out, err = capsys.readouterr()
    assert (
        err.strip() == f"fluorodesk selfcheck FAILED at {step.replace('_', ' ')}: RuntimeError: {step} broke"
    )


def test_an_exception_without_message_still_names_its_kind():
    failure = selfcheck.SelfcheckFailed("packet", KeyError())
    assert str(failure) == "packet: KeyError"
