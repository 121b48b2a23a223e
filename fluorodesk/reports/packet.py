"""Make the audit packet: gather the data, lay it out, merge the scans, write the file atomically.

The file appears under its name only when it is complete (temporary file in the same folder,
flushed to disk, then ``os.replace``); a failure or a Cancel leaves any earlier file untouched and
no partial file behind.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fluorodesk.errors import StorageError, ValidationError, storage_error_from
from fluorodesk.reports.packet_data import PacketRequest, gather
from fluorodesk.reports.progress import PacketCancelled, Progress
from fluorodesk.services.registry import Services

__all__ = ["PacketCancelled", "PacketRequest", "PacketResult", "Progress", "make_packet", "check_target"]


@dataclass(frozen=True)
class PacketResult:
    path: Path
    pages: int
    seconds: float
    sections: tuple[str, ...]
    critical: int
    warnings: int
    documents_with_problems: int


def check_target(path: Path | str) -> Path:
    """The output file must be a .pdf in an existing, writable folder (ValidationError on ``out``)."""
    text = str(path).strip()
    if not text:
        raise ValidationError(fields={"out": "Choose where to save the packet."})
    target = Path(text).expanduser()
    if target.suffix.lower() != ".pdf":
        raise ValidationError(fields={"out": f"“{target.name}” must end in .pdf."})
    if target.is_dir():
        raise ValidationError(fields={"out": f"{target} is a folder; give a file name ending in .pdf."})
    if not target.parent.is_dir():
        raise ValidationError(fields={"out": f"The folder {target.parent} does not exist."})
    return target.absolute()


def make_packet(
    services: Services,
    request: PacketRequest,
    out: Path | str,
    progress: Progress | None = None,
    *,
    deterministic: bool = False,
) -> PacketResult:
    from fluorodesk.domain.permissions import Permission
    from fluorodesk.reports.pdf.merge import merge_scans
    from fluorodesk.reports.pdf.render import layout

    started = time.perf_counter()
    progress = progress or Progress()
    target = check_target(out)
    services.auth.require(Permission.MAKE_PACKETS)  # the director's job (front desk is refused)
    data = gather(services, request, progress)
    progress.step(0.25, "Laying out pages")
    result = layout(data, progress, deterministic=deterministic)
    pdf = merge_scans(result.pdf, result.scan_slots, progress)
    progress.step(0.98, "Saving the file")
    write_atomically(target, pdf, progress)
    progress.step(1.0, "Done")
    return PacketResult(
        path=target,
        pages=result.pages,
        seconds=time.perf_counter() - started,
        sections=tuple(s.key for s in data.sections),
        critical=data.counts.get("critical", 0),
        warnings=data.counts.get("warning", 0),
        documents_with_problems=data.counts.get("documents_with_problems", 0),
    )


def write_atomically(target: Path, payload: bytes, progress: Progress | None = None) -> None:
    """Write ``payload`` to ``target`` so the name only ever holds a complete file."""
    temp_name = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".pdf.partial", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if progress is not None:
            progress.check()  # last chance to cancel: the target is still untouched
        os.replace(temp_name, target)
        temp_name = None
        _sync_folder(target.parent)
    except PermissionError as exc:
        raise StorageError(
            f"FluoroDesk may not write {target}. If the file is open in a PDF viewer, close it and try "
            "again; otherwise choose another folder."
        ) from exc
    except OSError as exc:
        raise storage_error_from(exc, path=target) or StorageError(
            f"The packet could not be written to {target}: {exc.strerror or exc}."
        ) from exc
    finally:
        if temp_name is not None:
            Path(temp_name).unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
