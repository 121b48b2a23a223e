"""External programs some tests need (installed by ./scripts/setup.sh --test).

On a developer's machine a missing program skips the test with the command that installs it; in CI
(``CI`` set, as .ci/run does) it fails, so no check is ever skipped there unnoticed.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(available: bool, what: str) -> None:
    if available:
        return
    message = f"{what} is not installed (./scripts/setup.sh --test installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this check: {message}")
    pytest.skip(message)


def require_programs(*names: str, package: str) -> None:
    """Every program in ``names`` on the PATH (``package``: the Debian package that has them)."""
    missing = [name for name in names if shutil.which(name) is None]
    require_tool(not missing, f"{', '.join(missing)} (Debian package {package})")
