"""Scanned documents and images attached to records.

A file is *copied* into the data folder (never linked to where it came from: a USB stick or a
Downloads folder goes away), hashed with SHA-256 so later tampering or damage is detectable, and
recorded with an audit event.  Removing an attachment hides it but keeps the file and the row, so
an inspector can still be shown what was on file at a past date.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import Attachment
from fluorodesk.errors import NotFoundError, StorageError, ValidationError, storage_error_from
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.signoff import ensure_attachment_removable

# What clinics scan and photograph.  Anything else is refused with a clear message.
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    owner_type: str
    owner_id: int
    purpose: str
    original_name: str
    stored_path: str  # relative to the data folder
    sha256: str
    size_bytes: int
    media_type: str
    added_at: datetime
    added_by: str


def _row(att: Attachment) -> AttachmentRow:
    return AttachmentRow(
        att.id,
        att.owner_type,
        att.owner_id,
        att.purpose,
        att.original_name,
        att.stored_path,
        att.sha256,
        att.size_bytes,
        att.media_type,
        att.added_at,
        att.added_by,
    )


def stored_name(original: str) -> str:
    """The copy's file name in the data folder: a unique prefix, the original's stem in characters that
    are safe on Windows and Linux, and the original's extension in lower case, whatever the stem
    looked like ("рдф.pdf", "....pdf", "a.PDF" all keep ".pdf").  Starting with the prefix, the name
    is never a Windows device name ("con.pdf") and never ends in a dot or a space."""
    extension = Path(original).suffix.lower()  # one of MEDIA_TYPES: check_source refused the rest
    stem = original[: len(original) - len(extension)]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()  # "José" → "Jose"
    safe_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_-")[:60].rstrip("_-") or "file"
    return f"{uuid.uuid4().hex[:12]}-{safe_stem}{extension}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class AttachmentService(Service):
    def add(
        self, owner_type: str, owner_id: int, source: Path | str, *, purpose: str = "document"
    ) -> AttachmentRow:
        """Copy ``source`` into the data folder and record it against (owner_type, owner_id)."""
        check_source(source)  # refuse a wrong file before taking the write lock
        written: list[Path] = []
        try:
            with self.writing() as session:
                return attach_in_session(
                    session,
                    self.db.data_dir.root,
                    self.actor,
                    owner_type,
                    owner_id,
                    source,
                    purpose=purpose,
                    written=written,
                )
        except BaseException:
            for path in written:  # no orphan file when the record could not be written
                path.unlink(missing_ok=True)
            raise

    def list_for(self, owner_type: str, owner_id: int, *, purpose: str | None = None) -> list[AttachmentRow]:
        """The record's attachments (only those of one ``purpose`` if given)."""
        with self.db.read() as session:
            stmt = select(Attachment).where(
                Attachment.owner_type == owner_type,
                Attachment.owner_id == owner_id,
                Attachment.removed_at.is_(None),
            )
            if purpose is not None:
                stmt = stmt.where(Attachment.purpose == purpose)
            rows = session.scalars(stmt.order_by(Attachment.added_at, Attachment.id)).all()
            return [_row(a) for a in rows]

    def path_of(self, attachment_id: int) -> Path:
        """Absolute path of the stored copy (to open it with the system viewer or merge it into a PDF)."""
        with self.db.read() as session:
            att = session.get(Attachment, attachment_id)
            if att is None:
                raise NotFoundError("That attachment no longer exists.")
            return self.db.data_dir.root / att.stored_path

    def remove(self, attachment_id: int, *, reason: str = "") -> None:
        """Hide an attachment from the record; the file and row stay for the history."""
        with self.writing() as session:
            att = session.get(Attachment, attachment_id)
            if att is None or att.removed_at is not None:
                raise NotFoundError("That attachment was already removed.")
            ensure_attachment_removable(session, att)  # evidence on a signed-off record stays
            before = audit.snapshot(att)
            att.removed_at = utcnow()
            audit.record(
                session,
                actor=self.actor,
                action="detach",
                entity=att.owner_type,
                entity_id=att.owner_id,
                summary=f"Removed attachment {att.original_name}" + (f": {reason}" if reason else ""),
                before=before,
                after=audit.snapshot(att),
            )


# --------------------------------------------------------------------------- attaching inside another action


def check_source(source: Path | str, *, field: str = "file") -> Path:
    """The checks ``AttachmentService.add`` makes, for a form that collects files before it saves."""
    source = Path(source)
    if source.suffix.lower() not in MEDIA_TYPES:
        raise ValidationError(
            fields={field: f"“{source.name}” is not a PDF, PNG or JPEG file; scan or save it as one."}
        )
    if not source.is_file():
        raise ValidationError(fields={field: f"“{source}” does not exist or is not a file."})
    size = source.stat().st_size
    if size == 0:
        raise ValidationError(fields={field: f"“{source.name}” is empty."})
    if size > MAX_BYTES:
        raise ValidationError(fields={field: f"“{source.name}” is larger than {MAX_BYTES // 2**20} MB."})
    return source


def attach_in_session(
    session: Session,
    root: Path,
    actor: str,
    owner_type: str,
    owner_id: int,
    source: Path | str,
    *,
    purpose: str = "document",
    written: list[Path],
    field: str = "file",
) -> AttachmentRow:
    """Copy ``source`` in and record it inside the caller's transaction (a record saved with its scans).

    Every file copied is appended to ``written``: if the transaction fails, the caller deletes them,
    so a failed save leaves neither a row nor an orphan file.
    """
    source = check_source(source, field=field)
    relative = Path("attachments") / owner_type / str(owner_id) / stored_name(source.name)
    target = root / relative
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, partial)
        digest = sha256_of(partial)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise storage_error_from(exc, path=target) or StorageError(
            f"“{source.name}” could not be copied into the data folder: {exc.strerror or exc}."
        ) from exc
    written.append(target)
    att = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        original_name=source.name,
        stored_path=relative.as_posix(),
        sha256=digest,
        size_bytes=target.stat().st_size,
        media_type=MEDIA_TYPES[source.suffix.lower()],
        added_by=actor,
    )
    session.add(att)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="attach",
        entity=owner_type,
        entity_id=owner_id,
        summary=f"Attached {source.name} ({purpose})",
        after=audit.snapshot(att),
    )
    return _row(att)


def counts_by_owner(session: Session, owner_type: str, ids: Sequence[int]) -> dict[int, int]:
    """{owner_id: number of files on file} for the given owners of one type."""
    return _totals(_counts(session, owner_type, ids))


def counts_by_purpose(session: Session, owner_type: str, ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """{(owner_id, purpose): number of files on file} for the given owners of one type."""
    return _counts(session, owner_type, ids)


def _counts(session: Session, owner_type: str, ids: Sequence[int]) -> dict[tuple[int, str], int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Attachment.owner_id, Attachment.purpose, func.count())
        .where(
            Attachment.owner_type == owner_type,
            Attachment.owner_id.in_(list(ids)),
            Attachment.removed_at.is_(None),
        )
        .group_by(Attachment.owner_id, Attachment.purpose)
    ).all()
    return {(owner, purpose): n for owner, purpose, n in rows}


def _totals(by_purpose: dict[tuple[int, str], int]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for (owner, _purpose), n in by_purpose.items():
        totals[owner] = totals.get(owner, 0) + n
    return totals
