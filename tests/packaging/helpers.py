"""Shared bits of the packaging tests: the installer/ scripts as modules, and the tools they need."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

from tests.tools import require_tool  # noqa: F401  (the packaging tests' way to ask for a tool)

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


def have_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def have_makensis() -> bool:
    return shutil.which("makensis") is not None
