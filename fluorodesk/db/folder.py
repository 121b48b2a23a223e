"""The data folder must exist and be writable (standard library only: checked before SQLAlchemy loads)."""

from __future__ import annotations

import os

from fluorodesk.errors import ReadOnlyStorageError, StorageError, storage_error_from
from fluorodesk.paths import DataDir

__all__ = ["prepare_folder"]


def prepare_folder(data_dir: DataDir, *, create: bool) -> None:
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
    if not os.access(root, os.W_OK | os.X_OK):
        raise ReadOnlyStorageError(
            f"FluoroDesk may not write to its data folder {root}. Ask your IT contact for write access."
        )
