"""The one place that knows where FluoroDesk keeps things.

Data folder precedence: ``--data-dir`` on the command line, then the ``FLUORODESK_DATA_DIR``
environment variable, then the platform's per-user data folder.  Resources (fonts, icons) are
found in a source checkout, an installed package or a frozen PyInstaller bundle.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "FLUORODESK_DATA_DIR"
DATABASE_NAME = "fluorodesk.sqlite3"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("FluoroDesk", appauthor=False))


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """Pick the data folder: explicit argument, then environment, then the platform default."""
    if cli_value:
        return Path(cli_value).expanduser().absolute()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().absolute()
    return default_data_dir()


@dataclass(frozen=True)
class DataDir:
    """Layout of one clinic's data folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def ui_state(self) -> Path:
        """Window geometry and similar per-machine state (not compliance data)."""
        return self.root / "ui-state.ini"

    @property
    def lock_file(self) -> Path:
        return self.root / "fluorodesk.lock"


def resources_dir() -> Path:
    """Folder holding fonts/ and icons/: frozen bundle, installed package or source checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "resources")
    package_dir = Path(__file__).resolve().parent
    candidates.append(package_dir / "_resources")  # copied in by the installer build
    candidates.append(package_dir.parent / "resources")  # source checkout / editable install
    for candidate in candidates:
        if (candidate / "fonts").is_dir():
            return candidate
    return candidates[-1]


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    return resources_dir() / "fonts" / name


def app_icon_png(size: int) -> Path:
    """The application icon drawn at ``size`` pixels (16 … 256; see resources/icons)."""
    return resources_dir() / "icons" / f"fluorodesk-{size}.png"
