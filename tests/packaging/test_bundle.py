"""The Linux bundle builds with PyInstaller and passes its own selfcheck (slow: ~35-50 s).

CI runs this through the README's test command; on a developer machine without the `build` extra it
skips (in CI it fails instead, see helpers.require_tool).  `pytest -m "not slow"` leaves it out.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from fluorodesk import __version__
from tests.packaging.helpers import INSTALLER, ROOT, have_module, load_installer_module, require_tool

pytestmark = pytest.mark.slow


def test_linux_bundle_builds_and_passes_its_selfcheck(tmp_path):
    require_tool(have_module("PyInstaller"), "PyInstaller (the `build` extra)")
    build = load_installer_module("build")
    dist, work = tmp_path / "dist", tmp_path / "work"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(INSTALLER / "build.py"), "--dist", str(dist), "--work", str(work)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "selfcheck passed" in result.stdout  # build.py ran the bundle's selfcheck from an empty folder

    bundle = dist / "FluoroDesk"
    internal = bundle / "_internal"
    assert (bundle / "FluoroDesk").is_file() and (bundle / "fluorodesk-cli").is_file()
    # What the app reads as files at run time.
    migrations = ROOT / "fluorodesk" / "db" / "migrations"
    for script in [
        *migrations.glob("*.py"),
        *migrations.glob("versions/*.py"),
        migrations / "script.py.mako",
    ]:
        assert (internal / script.relative_to(ROOT)).is_file(), script.name
    for resource in (ROOT / "resources").rglob("*"):
        if resource.is_file():
            assert (internal / resource.relative_to(ROOT)).is_file(), resource.name
    assert list((internal / "reportlab" / "fonts").glob("*.afm"))
    # Test tools stay out of what the clinic installs.
    for unwanted in ("pytest", "hypothesis", "tkinter", "PySide6/Qt/translations"):
        assert not (internal / unwanted).exists(), unwanted

    size = build.folder_size(bundle)
    assert size < 320_000_000, f"bundle grew to {size / 1e6:.0f} MB"
    # Both programs (windowed for the shortcuts, console for the command line) run the same code.
    for program in ("FluoroDesk", "fluorodesk-cli"):
        version = subprocess.run(
            [str(bundle / program), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60
        )
        assert version.stdout.strip() == f"FluoroDesk {__version__}", program
    # For the record (pytest -rP shows it): the numbers the packaging notes quote.
    print(f"bundle {size / 1e6:.0f} MB, build + selfcheck {seconds:.0f} s")
