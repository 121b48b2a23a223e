"""One version everywhere; the NSIS script compiles and can never delete the clinic's data."""

from __future__ import annotations

import re
import subprocess

import pytest

import fluorodesk
from tests.packaging.helpers import INSTALLER, have_makensis, have_module, load_installer_module, require_tool

versioninfo = load_installer_module("versioninfo")
build = load_installer_module("build")
NSI = (INSTALLER / "fluorodesk.nsi").read_text(encoding="utf-8")


def test_the_version_is_defined_once_and_read_from_there():
    assert versioninfo.app_version() == fluorodesk.__version__
    assert f"-DAPP_VERSION={fluorodesk.__version__}" in build.nsis_defines(INSTALLER, INSTALLER / "x.exe")
    # No other file spells the version out.
    for path in [*INSTALLER.iterdir(), INSTALLER.parent / "pyproject.toml"]:
        if path.suffix in {".py", ".spec", ".nsi", ".toml", ".md"}:
            assert f'"{fluorodesk.__version__}"' not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2.10.3.4", (2, 10, 3, 4)),
        ("1.4.0rc1", (1, 4, 0, 0)),
        ("3.0.0.dev7", (3, 0, 0, 0)),
        ("65535.0.1", (65535, 0, 1, 0)),
    ],
)
def test_numeric_version_for_windows(text, numbers):
    assert versioninfo.numeric_version(text) == numbers
    assert versioninfo.dotted(numbers).count(".") == 3


@pytest.mark.parametrize("bad", ["", "v1.0", "release", "65536.0.0"])
def test_numeric_version_refuses_what_windows_cannot_hold(bad):
    with pytest.raises(ValueError):
        versioninfo.numeric_version(bad)


def test_exe_version_resource_is_valid_for_pyinstaller(tmp_path, monkeypatch):
    require_tool(
        have_module("PyInstaller") and have_module("pefile"), "PyInstaller and pefile (the `build` extra)"
    )
    import PyInstaller.compat

    # PyInstaller's version-info module wants pywin32 only to write into an .exe; reading the text
    # file (what EXE(version=...) does first) works anywhere.
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    from PyInstaller.utils.win32.versioninfo import load_version_info_from_text_file

    path = tmp_path / "version.txt"
    path.write_text(
        versioninfo.version_info_text("1.4.0rc1", exe_name="FluoroDesk.exe", description="FluoroDesk"),
        encoding="utf-8",
    )
    info = load_version_info_from_text_file(str(path))
    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == (1 << 16 | 4, 0)
    text = str(info)
    assert "StringStruct('FileVersion', '1.4.0rc1')" in text
    assert "StringStruct('OriginalFilename', 'FluoroDesk.exe')" in text
    assert "StringStruct('ProductName', 'FluoroDesk')" in text


def test_installer_script_compiles(tmp_path):
    require_tool(have_makensis(), "makensis (Debian package nsis)")
    made = build.check_nsis(tmp_path)
    assert made.is_file() and made.read_bytes()[:2] == b"MZ"  # a Windows program
    # Its version resource carries the app's version (VIProductVersion), in UTF-16 like Windows reads it.
    assert fluorodesk.__version__.encode("utf-16-le") in made.read_bytes()


def test_installer_script_refuses_to_compile_without_a_version(tmp_path):
    require_tool(have_makensis(), "makensis (Debian package nsis)")
    bundle = build.make_stub_bundle(tmp_path)
    result = subprocess.run(
        ["makensis", "-V1", f"-DBUNDLE_DIR={bundle}", str(INSTALLER / "fluorodesk.nsi")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "APP_VERSION" in result.stdout + result.stderr


def test_build_script_reports_makensis_errors(tmp_path, monkeypatch):
    require_tool(have_makensis(), "makensis (Debian package nsis)")
    broken = tmp_path / "broken.nsi"
    broken.write_text(NSI.replace("SectionEnd", "SectionEnd\nNotAnInstruction", 1), encoding="utf-8")
    monkeypatch.setattr(build, "NSIS_SCRIPT", broken)
    with pytest.raises(build.BuildError, match="makensis failed"):
        build.compile_installer(build.make_stub_bundle(tmp_path), tmp_path / "out.exe")


def _commands(name: str) -> list[str]:
    lines = (line.split(";")[0].strip() for line in NSI.splitlines())  # without comments
    return [line for line in lines if line.startswith(name + " ")]


def test_installer_deletes_only_its_own_program_files():
    """The data folder outlives uninstall and upgrade: the script never names it in a deletion,
    and never deletes recursively anything but the bundle's _internal folder."""
    assert _commands("RMDir /r") == ['RMDir /r "$INSTDIR\\_internal"']
    for line in _commands("Delete") + _commands("RMDir"):
        assert "$INSTDIR" in line or "$SMPROGRAMS" in line or "$DESKTOP" in line, line
        assert not re.search(r"APPDATA|LOCALAPPDATA|PROFILE|FluoroDesk\\\\", line, re.IGNORECASE), line
    assert 'RMDir "$INSTDIR"' in _commands("RMDir")  # non-recursive: only when empty


def test_installer_is_per_machine_with_shortcuts_and_an_uninstaller():
    assert "RequestExecutionLevel admin" in NSI
    assert "$PROGRAMFILES64\\${APP_NAME}" in NSI
    assert NSI.count("SetShellVarContext all") == 2  # installer and uninstaller
    assert '"$SMPROGRAMS\\${APP_NAME}.lnk"' in NSI and '"$DESKTOP\\${APP_NAME}.lnk"' in NSI
    assert "WriteUninstaller" in NSI and 'Section "Uninstall"' in NSI
    assert 'HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${APP_VERSION}"' in NSI
