"""A non-editable install (a wheel, as `pip install .` builds it) carries the fonts, icons and
migrations, and passes the selfcheck from a fresh virtual environment (slow: ~6 s)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from tests.packaging.helpers import ROOT, have_module, require_tool

pytestmark = pytest.mark.slow

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "tmp", "out"
)


def test_wheel_install_finds_resources_and_passes_selfcheck(tmp_path):
    require_tool(
        have_module("setuptools") and have_module("wheel"), "setuptools and wheel (the `build` extra)"
    )
    # Build from a copy: an in-tree build would leave build/ in the checkout, whose stale files a
    # later wheel could pick up.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels = tmp_path / "wheels"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("fluorodesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "fluorodesk/_resources/fonts/DejaVuSans.ttf",
        "fluorodesk/_resources/fonts/DejaVuSans-Bold.ttf",
        "fluorodesk/_resources/icons/fluorodesk-256.png",
        "fluorodesk/db/migrations/script.py.mako",
        "fluorodesk/db/migrations/env.py",
        "fluorodesk/db/migrations/versions/0001_core_schema.py",
    ):
        assert needed in names, needed

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True, timeout=300
    )
    # The dependencies (Qt, SQLAlchemy, ...) come from this environment, after the venv's own packages,
    # so `fluorodesk` itself can only be the installed wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(os.path.join(site, "zz-test-dependencies.pth"), "w", encoding="utf-8") as pth:
        pth.write(sysconfig.get_paths()["purelib"] + "\n")

    code = "import fluorodesk, fluorodesk.paths as p; print(fluorodesk.__file__); print(p.font_path())"
    where = subprocess.run(
        [str(python), "-P", "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    ).stdout.splitlines()
    assert where[0].startswith(site), where
    assert where[1] == os.path.join(site, "fluorodesk", "_resources", "fonts", "DejaVuSans.ttf")

    script = venv / ("Scripts/fluorodesk.exe" if os.name == "nt" else "bin/fluorodesk")
    env = {k: v for k, v in os.environ.items() if k not in ("FLUORODESK_DATA_DIR", "PYTHONPATH")}
    result = subprocess.run(
        [str(script), "selfcheck"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"resources: fonts and icons in {os.path.join(site, 'fluorodesk', '_resources')}" in result.stdout
