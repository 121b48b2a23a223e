"""Shared bits of the packaging tests: the installer/ scripts as modules, and tools CI must have."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


def load_installer_module(name: str) -> ModuleType:
    """installer/<name>.py as a module (installer/ is a folder of scripts, not a package)."""
    if str(INSTALLER) not in sys.path:
        sys.path.insert(0, str(INSTALLER))  # build.py imports versioninfo by plain name
    spec = importlib.util.spec_from_file_location(f"fluorodesk_installer_{name}", INSTALLER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def require_tool(available: bool, what: str) -> None:
    """Skip when a packaging tool is missing on a developer's machine; in CI a missing tool fails,
    so the bundle and installer checks can never be skipped there unnoticed."""
    if available:
        return
    message = f"{what} is not installed (./scripts/setup.sh --test installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this check: {message}")
    pytest.skip(message)


def have_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def have_makensis() -> bool:
    return shutil.which("makensis") is not None
