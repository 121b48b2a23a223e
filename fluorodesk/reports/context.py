"""What every packet section receives: the snapshot, the dates, the findings and the documents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.reports.document import AttachmentInfo, Section


@dataclass
class PacketContext:
    """One read transaction (a consistent snapshot) and the packet's dates.

    ``as_of`` decides every status (credential, contract, garment, open findings); the period
    [``period_from``, ``period_to``] decides which log entries are listed.  ``period_to`` is never
    after ``as_of``; nothing dated after ``as_of`` may appear.
    """

    session: Session
    settings: ClinicSettings
    as_of: date
    period_from: date
    period_to: date
    data_root: Path
    findings: list[Finding] = field(default_factory=list)
    documents: list[AttachmentInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_owner: dict[tuple[str, int], list[AttachmentInfo]] = defaultdict(list)
        for doc in self.documents:
            self._by_owner[(doc.owner_type, doc.owner_id)].append(doc)

    def in_period(self, day: date | None) -> bool:
        return day is not None and self.period_from <= day <= self.period_to

    def on_file(self, day: date | None, created: datetime | None = None) -> bool:
        """Was a record dated ``day`` (or, undated, created at ``created``) on file on ``as_of``?"""
        if day is not None:
            return day <= self.as_of
        return created is None or created.date() <= self.as_of

    def documents_for(self, owner_types: tuple[str, ...], owner_id: int) -> list[AttachmentInfo]:
        out: list[AttachmentInfo] = []
        for owner_type in owner_types:
            out.extend(self._by_owner.get((owner_type, owner_id), ()))
        return out


@dataclass(frozen=True)
class SectionSpec:
    """One selectable part of the packet.

    ``owner_types`` are the attachment owner types this section reproduces or lists; documents of
    any other type appear in the document index, so nothing on file is skipped silently.
    """

    key: str
    title: str
    gather: Callable[[PacketContext], Section]
    description: str = ""
    owner_types: tuple[str, ...] = ()
