"""The audit trail: every change, who made it, old and new values, chained by hash.

Each event's hash covers its own content and the previous event's hash, so editing or deleting an
event anywhere in the log breaks the chain from that point on (``fluorodesk check`` finds it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select
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
