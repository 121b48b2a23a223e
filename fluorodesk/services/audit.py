"""The audit trail: every change, who made it, old and new values, chained by hash.

Each event's hash covers its own content and the previous event's hash, so editing or deleting an
event anywhere in the log breaks the chain from that point on (``fluorodesk check`` finds it).

The chain alone cannot show that its newest events were deleted, or that someone recomputed every
hash after an edit; so its head (the newest event's number and hash) is also kept outside the
database, as *anchors*: in every backup's manifest, in the log at every start and every backup
(fluorodesk/log.py), and printed on every audit packet.  ``anchor_problems`` compares the chain
with the anchors ``fluorodesk check`` finds: the chain must reach each anchored event, and that
event must still have the anchored hash.  A restore legitimately rewinds the chain, so anchors made
before the newest restore event are not compared (the restore is in the trail for all to see).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import AuditEvent

_SKIP = {"created_at", "updated_at", "created_by", "updated_by"}

#: ``session.info`` key: how the changes of this transaction came in when not through a window
#: ("import of technicians.csv"); every event recorded in it says so.
_SOURCE = "fluorodesk.audit_source"


#: How the changes of the running command came in when not through the window ("command line").
_CHANNEL: ContextVar[str] = ContextVar("fluorodesk_audit_channel", default="")


def note_source(session: Session, words: str) -> None:
    """Say in every event of ``session``'s transaction where its changes came from."""
    session.info[_SOURCE] = words


@contextmanager
def channel(words: str) -> Iterator[None]:
    """Every event recorded meanwhile (in this thread) says it came in by ``words`` ("command line"),
    before any source noted for its transaction: "… (command line, import of technicians.csv)"."""
    token = _CHANNEL.set(words)
    try:
        yield
    finally:
        _CHANNEL.reset(token)


def plain(value: Any) -> Any:
    """JSON-friendly form of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of an ORM object (not relationships), for before/after comparison."""
    mapper = inspect(obj).mapper
    return {c.key: plain(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in _SKIP}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "occurred_at": plain(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "summary": event.summary,
        "changes": event.changes,
    }


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (so it commits or rolls back with the change)."""
    session.flush()  # entity ids are known from here on
    source = ", ".join(s for s in (_CHANNEL.get(), session.info.get(_SOURCE)) if s)
    if source:
        summary = f"{summary} ({source})"
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        changes=json.dumps(diff(before, after), ensure_ascii=False, sort_keys=True),
        prev_hash=last or "",
    )
    session.add(event)
    session.flush()
    event.hash = _event_hash(event.prev_hash, _hashed_fields(event))
    return event


def created(session: Session, actor: str, entity: str, obj: Any, summary: str) -> AuditEvent:
    """The event for a new record (flushed first, so its id is known)."""
    session.flush()
    return record(
        session,
        actor=actor,
        action="create",
        entity=entity,
        entity_id=obj.id,
        summary=summary,
        after=snapshot(obj),
    )


def changed(
    session: Session,
    actor: str,
    entity: str,
    obj: Any,
    before: Mapping[str, Any],
    summary: str,
    *,
    action: str = "update",
) -> AuditEvent | None:
    """The event for a change to ``obj`` since ``before`` (its ``snapshot``); None, and no event, when
    nothing changed.  ``action`` names what happened when it is more than an edit ("void", "retire")."""
    after = snapshot(obj)
    if after == dict(before):
        return None
    return record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=obj.id,
        summary=summary,
        before=before,
        after=after,
    )


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    message: str


def verify_chain(session: Session) -> list[ChainProblem]:
    """Walk the log in order; report the first event whose hash or link does not match."""
    problems = []
    prev = ""
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        if event.prev_hash != prev:
            problems.append(
                ChainProblem(event.id, "link to the previous event is broken (an event was removed)")
            )
        elif event.hash != _event_hash(event.prev_hash, _hashed_fields(event)):
            problems.append(ChainProblem(event.id, "event content was changed after it was written"))
        if problems:
            break
        prev = event.hash
    return problems


# --------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class Anchor:
    """A head of the chain recorded outside the database: the event number, its hash, when it was
    recorded (UTC; None when unknown) and where, in words ("backup auto-….fdbackup")."""

    event: int
    hash: str
    made_at: datetime | None
    where: str


def chain_head(session: Session) -> tuple[int, str] | None:
    """The newest event's number and hash (None for an empty trail)."""
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def current_anchors(session: Session, anchors: Iterable[Anchor]) -> list[Anchor]:
    """The anchors made after the newest restore: a restore rewinds the chain to the backup's, so
    what was recorded before it (of the chain it replaced) is not compared."""
    restored = session.scalar(select(func.max(AuditEvent.occurred_at)).where(AuditEvent.action == "restore"))
    return [a for a in anchors if restored is None or a.made_at is None or a.made_at > restored]


def anchor_problems(session: Session, anchors: Iterable[Anchor]) -> list[str]:
    """What the anchors say is wrong with the chain: it ends before an anchored event (events were
    removed), or an anchored event has another hash (the chain was rewritten).  At most one line
    each, naming the anchor that shows it best.  A few indexed reads, however many anchors."""
    anchors = list(anchors)
    last = session.scalar(select(func.max(AuditEvent.id))) or 0
    problems = []
    beyond = [a for a in anchors if a.event > last]
    if beyond:
        a = max(beyond, key=lambda a: a.event)
        problems.append(
            f"the trail ends at event #{last}, but {a.where} recorded event #{a.event}: events were removed"
        )
    numbers = sorted({a.event for a in anchors if a.event <= last})
    stored: dict[int, str] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        stored.update(
            (row.id, row.hash)
            for row in session.execute(select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(chunk)))
        )
    rewritten = [a for a in anchors if a.event <= last and stored.get(a.event) != a.hash]
    if rewritten:
        a = min(rewritten, key=lambda a: a.event)
        problems.append(f"event #{a.event} is not the one {a.where} recorded: the trail was rewritten")
    return problems
