"""What every service shares: the database and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from fluorodesk.db.database import READ_ONLY, Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def read_memo(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per read session (one snapshot), e.g. readings that several lists share.

    In a write session (which may change the data between two calls) it always computes afresh.
    Callers must treat the result as read-only: the next caller gets the same object.
    """
    if not session.info.get(READ_ONLY):
        return compute()
    memo: dict[Hashable, object] = session.info.setdefault("fluorodesk.memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]


class Service:
    def __init__(self, db: Database, actor: str, *, today: date | None = None) -> None:
        self.db = db
        self.actor = actor
        self._today = today

    def today(self) -> date:
        """The clinic's calendar date (fixed in tests through the constructor)."""
        return self._today or date.today()
