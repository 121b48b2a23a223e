"""`fluorodesk check`: is the database sound, is every attachment present and unaltered, is the
audit trail unbroken (and does it agree with its anchors outside the database), are signed records
unchanged?"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from fluorodesk.db.models import Attachment
from fluorodesk.db.sqlite_tools import integrity_problems
from fluorodesk.domain.text import counted
from fluorodesk.errors import StorageError
from fluorodesk.log import logged_audit_heads
from fluorodesk.paths import DataDir
from fluorodesk.services.audit import Anchor, anchor_problems, current_anchors, verify_chain
from fluorodesk.services.backup import all_backups, read_manifest
from fluorodesk.services.base import Service
from fluorodesk.services.signoff import verify_signoffs


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class AttachmentProblem:
    attachment_id: int
    owner: str
    name: str
    problem: str  # "missing" or "altered"


@dataclass
class IntegrityReport:
    database: list[str] = field(default_factory=list)
    attachments: list[AttachmentProblem] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    attachments_checked: int = 0
    signoffs: list[str] = field(default_factory=list)
    anchors_checked: int = 0  # heads of the audit chain found outside the database

    @property
    def ok(self) -> bool:
        return not (self.database or self.attachments or self.audit or self.signoffs)

    def lines(self) -> list[str]:
        out = []
        out.append("Database: " + ("OK" if not self.database else counted(len(self.database), "problems")))
        out.extend(f"  {p}" for p in self.database)
        out.append(
            f"Attachments: {self.attachments_checked} checked, "
            + (
                "all present and unaltered"
                if not self.attachments
                else counted(len(self.attachments), "problems")
            )
        )
        out.extend(f"  #{p.attachment_id} {p.name} ({p.owner}): {p.problem}" for p in self.attachments)
        anchors = (
            f"matches {counted(self.anchors_checked, 'anchors')} kept outside the database"
            if self.anchors_checked
            else "no anchor outside the database to compare with yet"
        )
        out.append("Audit trail: " + (f"unbroken ({anchors})" if not self.audit else "TAMPERED"))
        out.extend(f"  {p}" for p in self.audit)
        out.append("Signed records: " + ("unchanged" if not self.signoffs else "CHANGED AFTER SIGN-OFF"))
        out.extend(f"  {p}" for p in self.signoffs)
        return out


def check_attachment(root: Path, att: Attachment) -> str | None:
    path = root / att.stored_path
    if not path.is_file():
        return "missing"
    if file_sha256(path) != att.sha256:
        return "altered (its content no longer matches the hash recorded when it was added)"
    return None


#: Backups whose manifests are read for anchors, newest first: the newest hold the longest chains.
ANCHOR_BACKUPS = 10
_SHA256 = re.compile(r"[0-9a-f]{64}")


def manifest_anchor(path: Path, manifest: dict[str, Any]) -> Anchor | None:
    """The chain head a backup's manifest recorded; None when it has none or it is malformed."""
    event, digest = manifest.get("audit_event"), manifest.get("audit_head")
    if type(event) is not int or event < 1 or not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        return None
    try:
        made = datetime.fromisoformat(str(manifest.get("created_at")))
        made_at: datetime | None = made.astimezone(UTC).replace(tzinfo=None) if made.tzinfo else made
    except ValueError:
        made_at = None
    return Anchor(event, digest, made_at, f"backup {path.name}")


def outside_anchors(data_dir: DataDir) -> list[Anchor]:
    """The chain heads recorded in the newest backups' manifests and in the log."""
    anchors = []
    for path in all_backups(data_dir)[:ANCHOR_BACKUPS]:
        anchor = manifest_anchor(path, read_manifest(path))
        if anchor is not None:
            anchors.append(anchor)
    for head in logged_audit_heads(data_dir.logs, data_dir.database):
        where = f"the log ({head.why}, {head.made_at:%Y-%m-%d %H:%M} UTC)"
        anchors.append(Anchor(head.event, head.hash, head.made_at, where))
    return anchors


class IntegrityService(Service):
    def attachment_problems(self) -> tuple[int, list[AttachmentProblem]]:
        root = self.db.data_dir.root
        problems = []
        with self.db.read() as session:
            attachments = session.scalars(select(Attachment).where(Attachment.removed_at.is_(None))).all()
            for att in attachments:
                problem = check_attachment(root, att)
                if problem:
                    problems.append(
                        AttachmentProblem(
                            att.id, f"{att.owner_type} {att.owner_id}", att.original_name, problem
                        )
                    )
        return len(attachments), problems

    def run(self) -> IntegrityReport:
        report = IntegrityReport()
        try:
            report.database = integrity_problems(self.db.path)
        except sqlite3.DatabaseError as exc:  # too damaged for the check itself to finish
            report.database = [f"integrity: {exc}"]
        # On a damaged file the later checks may not be able to read; say so instead of crashing.
        try:
            report.attachments_checked, report.attachments = self.attachment_problems()
        except StorageError as exc:
            report.database.append(f"attachments could not be checked: {exc}")
        try:
            with self.db.read() as session:
                report.audit = [f"event #{p.event_id}: {p.message}" for p in verify_chain(session)]
                anchors = current_anchors(session, outside_anchors(self.db.data_dir))
                report.anchors_checked = len({(a.event, a.hash) for a in anchors})
                report.audit.extend(anchor_problems(session, anchors))
                report.signoffs = verify_signoffs(session)
        except StorageError as exc:
            report.audit = [f"the audit trail could not be read: {exc}"]
        return report
