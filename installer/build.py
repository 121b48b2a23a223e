"""Build FluoroDesk for this operating system: the PyInstaller bundle, its selfcheck and, on Windows,
the installer.

    .venv/bin/python installer/build.py                 bundle in dist/FluoroDesk (+ installer on Windows)
    .venv/bin/python installer/build.py --no-installer  the bundle only
    .venv/bin/python installer/build.py --check-nsis    only compile the installer script against a stub
                                                        bundle (catches script errors anywhere makensis runs)

Needs the `build` extra (`pip install -e ".[build]"`) and, for the installer, NSIS 3 (`makensis`).
A Windows bundle can only be built on Windows (see installer/BUILDING-WINDOWS.md).
Exit code 0 when everything built and the bundle's selfcheck passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import versioninfo  # noqa: E402

SPEC = HERE / "fluorodesk.spec"
NSIS_SCRIPT = HERE / "fluorodesk.nsi"
IS_WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""


class BuildError(Exception):
    pass


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def find_makensis() -> str | None:
    found = shutil.which("makensis")
    if found:
        return found
    if IS_WINDOWS:
        for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
            candidate = Path(base or "") / "NSIS" / "makensis.exe"
            if base and candidate.is_file():
                return str(candidate)
    return None


def build_bundle(dist: Path, work: Path) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise BuildError('PyInstaller is missing: .venv/bin/pip install -e ".[build]"') from None
    # A fresh scratch folder every time, so nothing of an earlier build leaks in.  (PyInstaller's
    # cache of processed libraries, keyed by content, is kept: it saves ~15 s.)
    shutil.rmtree(work, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--log-level=WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
    ]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {result.returncode})")
    bundle = dist / "FluoroDesk"
    if not (bundle / f"FluoroDesk{EXE_SUFFIX}").is_file():
        raise BuildError(f"PyInstaller made no {bundle / 'FluoroDesk'}{EXE_SUFFIX}")
    return bundle


def run_selfcheck(bundle: Path) -> None:
    cli = bundle / f"fluorodesk-cli{EXE_SUFFIX}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("FLUORODESK_DATA_DIR", None)
    # Run from an empty folder, so nothing in the checkout can stand in for a file the bundle forgot.
    with tempfile.TemporaryDirectory(prefix="fluorodesk-selfcheck-cwd-") as cwd:
        result = subprocess.run([str(cli), "selfcheck"], cwd=cwd, env=env, timeout=300)
    if result.returncode != 0:
        raise BuildError(f"the bundle's selfcheck failed (exit {result.returncode})")


def nsis_defines(bundle: Path, out_file: Path, version: str | None = None) -> list[str]:
    version = version or versioninfo.app_version()
    return [
        f"-DAPP_VERSION={version}",
        f"-DAPP_VERSION_NUMERIC={versioninfo.dotted(versioninfo.numeric_version(version))}",
        f"-DBUNDLE_DIR={bundle}",
        f"-DOUT_FILE={out_file}",
    ]


def compile_installer(
    bundle: Path, out_file: Path, *, version: str | None = None, options: tuple[str, ...] = ()
) -> Path:
    """Run makensis on the installer script (``version`` defaults to the app's; tests pass others);
    ``options`` go before the script, e.g. "-XTarget amd64-unicode"."""
    makensis = find_makensis()
    if makensis is None:
        raise BuildError(
            "makensis (NSIS 3) is missing: on Windows install NSIS from nsis.sourceforge.io; "
            "on Debian/Ubuntu `apt-get install nsis`"
        )
    out_file.parent.mkdir(parents=True, exist_ok=True)
    # -WX: a warning is an error, so a mistyped define or an unused label fails the build.
    command = [makensis, "-V2", "-WX", *nsis_defines(bundle, out_file, version), *options]
    command.append(str(NSIS_SCRIPT))
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not out_file.is_file():
        raise BuildError(f"makensis failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return out_file


def make_stub_bundle(folder: Path) -> Path:
    """The bundle's shape without its weight: enough for makensis to check the script."""
    bundle = folder / "FluoroDesk"
    (bundle / "_internal").mkdir(parents=True, exist_ok=True)
    for name in ("FluoroDesk.exe", "fluorodesk-cli.exe", "_internal/base_library.zip"):
        (bundle / name).write_bytes(b"stub")
    return bundle


def check_nsis(out_dir: Path | None = None) -> Path:
    """Compile the installer script against a stub bundle; returns the (useless) installer it made."""
    folder = Path(tempfile.mkdtemp(prefix="fluorodesk-nsis-")) if out_dir is None else out_dir
    bundle = make_stub_bundle(folder)
    return compile_installer(bundle, folder / "FluoroDesk-stub-setup.exe")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's scratch folder"
    )
    parser.add_argument("--no-installer", action="store_true", help="on Windows, skip the installer")
    parser.add_argument("--skip-selfcheck", action="store_true", help="do not run the bundle's selfcheck")
    parser.add_argument(
        "--check-nsis", action="store_true", help="only compile the installer script against a stub bundle"
    )
    args = parser.parse_args(argv)
    version = versioninfo.app_version()
    try:
        if args.check_nsis:
            started = time.perf_counter()
            made = check_nsis()
            print(f"installer script OK: {made.name} compiled in {time.perf_counter() - started:.1f} s")
            shutil.rmtree(made.parent, ignore_errors=True)
            return 0
        started = time.perf_counter()
        bundle = build_bundle(args.dist.resolve(), args.work.resolve())
        built = time.perf_counter() - started
        size = folder_size(bundle)
        print(f"bundle: {bundle} ({size / 1e6:.0f} MB) built in {built:.0f} s")
        if not args.skip_selfcheck:
            run_selfcheck(bundle)
        if IS_WINDOWS and not args.no_installer:
            started = time.perf_counter()
            setup = compile_installer(bundle, args.dist.resolve() / f"FluoroDesk-{version}-setup.exe")
            print(
                f"installer: {setup} ({setup.stat().st_size / 1e6:.0f} MB) "
                f"compiled in {time.perf_counter() - started:.0f} s"
            )
        elif not IS_WINDOWS:
            print("installer: not built (a Windows installer needs a bundle built on Windows)")
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
