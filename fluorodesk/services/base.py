"""What every service shares: the database and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from fluorodesk.db.database import DATA_GENERATION, READ_ONLY, SHARED_MEMO, Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def read_memo(session: Session, key: Hashable, compute: Callable[[], T], *, shared: bool = False) -> T:
    """``compute()`` once per read session (one snapshot), e.g. readings that several lists share.

    ``shared=True``: also reuse it in later read sessions that show the same data (nothing committed
    in between; ``db.shared_memo``) -- for plain data only (Records, frozen rows, findings), never ORM
    objects, and ``key`` must name everything the result depends on besides the data (``as_of``,
    settings passed in).  In a write session (which may change the data between two calls) it always
    computes afresh.  Callers must treat the result as read-only: the next caller gets the same object.
    """
    info = session.info
    if not info.get(READ_ONLY):
        return compute()
    memo: dict[Hashable, object] = info.setdefault("fluorodesk.memo", {})
    if key not in memo:
        version = info.get(DATA_GENERATION) if shared else None
        memo[key] = compute() if version is None else info[SHARED_MEMO].get(version, key, compute)
    return memo[key]  # type: ignore[return-value]


class Service:
    def __init__(self, db: Database, actor: str, *, today: date | None = None) -> None:
        self.db = db
        self.actor = actor
        self._today = today

    def today(self) -> date:
        """The clinic's calendar date (fixed in tests through the constructor)."""
        return self._today or date.today()
