"""The installer really does what it promises, run under Wine: per-machine install with shortcuts
and an Add/Remove Programs entry; an upgrade replaces the program files and keeps the data; an older
version does not silently replace a newer one; an open FluoroDesk blocks the upgrade; uninstalling
removes the program and keeps the clinic's data folder.

A release check, not part of the test suite: `pytest -m wine` runs it (needs Debian's `wine64`, which
scripts/setup.sh does not install: ~150 MB and a minute and a half for a check of the installer
script's behaviour, which changes rarely; CI checks that script with makensis).  Wine runs 64-bit
programs only here, so the script is compiled for the amd64 target; the release uses NSIS's default
x86 target, with the same script logic.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.helpers import have_makensis, load_installer_module, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.wine]

WINE_DIR = Path("/usr/lib/wine")
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\FluoroDesk"


def _wine() -> tuple[str, str] | None:
    wine = shutil.which("wine64") or (str(WINE_DIR / "wine64") if (WINE_DIR / "wine64").exists() else None)
    server = shutil.which("wineserver") or (
        str(WINE_DIR / "wineserver") if (WINE_DIR / "wineserver").exists() else None
    )
    return (wine, server) if wine and server else None


def _bundle(folder: Path, version: str) -> Path:
    bundle = folder / "FluoroDesk"
    (bundle / "_internal").mkdir(parents=True)
    for name in ("FluoroDesk.exe", "fluorodesk-cli.exe"):
        (bundle / name).write_text(version)
    (bundle / "_internal" / f"only-in-{version}.txt").write_text(version)
    return bundle


class Wine:
    def __init__(self, prefix: Path, wine: str, server: str) -> None:
        self.wine, self.server = wine, server
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DISPLAY"},
            "WINEPREFIX": str(prefix),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono / Gecko download prompts
        }
        self.drive_c = prefix / "drive_c"

    def run(self, *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.wine, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def settle(self) -> None:
        """Wait until every program in this prefix has ended (the uninstaller runs from a copy)."""
        subprocess.run([self.server, "-w"], env=self.env, timeout=120)

    def registry(self) -> str:
        return self.run("reg", "query", UNINSTALL_KEY).stdout.replace("\r", "")


@pytest.fixture
def wine(tmp_path):
    found = _wine()
    if found is None:
        pytest.fail("wine64 is not installed: apt-get install wine64 (this check runs with -m wine only)")
    require_tool(have_makensis(), "makensis (Debian package nsis)")
    box = Wine(tmp_path / "prefix", *found)
    try:
        assert box.run("wineboot", "-i", timeout=300).returncode == 0
        box.run("winecfg", "/v", "win10")  # Wine says Windows 7 by default; the installer needs 10
        box.settle()
        yield box
    finally:
        subprocess.run([found[1], "-k"], env=box.env, timeout=60)


def test_install_upgrade_and_uninstall_keep_the_clinic_data(wine, tmp_path):
    build = load_installer_module("build")
    setups = {}
    for version in ("0.1.0", "0.2.0"):
        setups[version] = build.compile_installer(
            _bundle(tmp_path / version, version),
            tmp_path / f"setup-{version}.exe",
            version=version,
            options=("-XTarget amd64-unicode",),
        )
    program = wine.drive_c / "Program Files" / "FluoroDesk"
    (user,) = [p for p in (wine.drive_c / "users").iterdir() if p.name != "Public"]
    data = user / "AppData" / "Local" / "FluoroDesk"

    # Fresh install: program files, shortcuts for everyone, Add/Remove Programs entry.
    assert wine.run(str(setups["0.1.0"]), "/S").returncode == 0
    assert (program / "_internal" / "only-in-0.1.0.txt").is_file()
    assert (program / "Uninstall FluoroDesk.exe").is_file()
    assert (wine.drive_c / "users" / "Public" / "Desktop" / "FluoroDesk.lnk").is_file()
    assert (
        wine.drive_c / "ProgramData" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "FluoroDesk.lnk"
    ).is_file()
    registry = wine.registry()
    assert "DisplayVersion    REG_SZ    0.1.0" in registry
    assert r"InstallLocation    REG_SZ    C:\Program Files\FluoroDesk" in registry

    # The clinic works for a while: its records are in the user's data folder.
    data.mkdir(parents=True)
    (data / "fluorodesk.sqlite3").write_text("the clinic's records")
    (data / "attachments").mkdir()
    (data / "attachments" / "arrt-card.pdf").write_text("scan")

    # Upgrade: the old version's files are replaced, nothing is left behind, the data is untouched.
    assert wine.run(str(setups["0.2.0"]), "/S").returncode == 0
    assert (program / "FluoroDesk.exe").read_text() == "0.2.0"
    assert not (program / "_internal" / "only-in-0.1.0.txt").exists()
    assert (program / "_internal" / "only-in-0.2.0.txt").is_file()
    assert "DisplayVersion    REG_SZ    0.2.0" in wine.registry()
    assert (data / "fluorodesk.sqlite3").read_text() == "the clinic's records"

    # An older installer does not replace a newer FluoroDesk unasked (silent mode answers No).
    assert wine.run(str(setups["0.1.0"]), "/S").returncode == 2
    assert (program / "FluoroDesk.exe").read_text() == "0.2.0"

    # An open FluoroDesk blocks the upgrade (a running program cannot be opened for writing).
    cmd = WINE_DIR.parent / "x86_64-linux-gnu" / "wine" / "x86_64-windows" / "cmd.exe"
    assert cmd.is_file(), "Wine's cmd.exe stands in for a running FluoroDesk.exe"
    shutil.copy(cmd, program / "FluoroDesk.exe")
    running = subprocess.Popen(
        [wine.wine, str(program / "FluoroDesk.exe"), "/c", "echo running& pause"],
        env=wine.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == b"running"  # it is up: no race with the installer
        blocked = wine.run(str(setups["0.2.0"]), "/S")
    finally:
        running.communicate(b"\n", timeout=60)
    assert blocked.returncode == 2
    assert (program / "_internal" / "only-in-0.2.0.txt").is_file()  # nothing was removed
    assert wine.run(str(setups["0.2.0"]), "/S").returncode == 0  # closed: the upgrade goes through

    # Uninstall: program, shortcuts and registry entry go; a file someone put in the folder stays
    # (and so the folder); the clinic's data stays.
    (program / "notes.txt").write_text("someone's notes")
    assert wine.run(str(program / "Uninstall FluoroDesk.exe"), "/S").returncode == 0
    wine.settle()
    assert sorted(p.name for p in program.iterdir()) == ["notes.txt"]
    assert not (wine.drive_c / "users" / "Public" / "Desktop" / "FluoroDesk.lnk").exists()
    assert "DisplayVersion" not in wine.registry()
    assert (data / "fluorodesk.sqlite3").read_text() == "the clinic's records"
    assert (data / "attachments" / "arrt-card.pdf").read_text() == "scan"
