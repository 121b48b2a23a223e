"""The data folder must exist, and be writable for what writes (standard library only: checked before
SQLAlchemy loads)."""

from __future__ import annotations

import os

from fluorodesk.errors import ReadOnlyStorageError, StorageError, storage_error_from
from fluorodesk.paths import DataDir

__all__ = ["prepare_folder", "writable"]


def writable(folder: os.PathLike[str] | str) -> bool:
    """True when this process may create and change files in ``folder`` (False on a read-only disk or
    share, and for an immutable folder, even for an administrator)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    if os.name != "nt":
        return True
    # Windows answers from the folder's read-only attribute only (not its permissions or a read-only
    # share): try it.
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def prepare_folder(data_dir: DataDir, *, create: bool, write: bool = True) -> None:
    """The folder exists (made when ``create``) and, when ``write``, may be written to."""
    root = data_dir.root
    if not root.exists():
        if not create:
            raise StorageError(f"The data folder {root} does not exist.")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error_from(exc, path=root) or StorageError(
                f"Cannot create the data folder {root}: {exc.strerror}."
            ) from exc
    if not root.is_dir():
        raise StorageError(f"{root} is not a folder.")
    if write and not writable(root):
        raise ReadOnlyStorageError(
            f"FluoroDesk may not write to its data folder {root}, so nothing can be changed there; "
            "ask your IT contact for write access."
        )
