"""What every service shares: the database and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from fluorodesk.db.database import DATA_GENERATION, READ_ONLY, SHARED_MEMO, Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fluorodesk.db.shared_memo import SharedMemo

T = TypeVar("T")


def read_memo(
    session: Session,
    key: Hashable,
    compute: Callable[[], T],
    *,
    reads: Iterable[str] | None = None,
    version: Hashable | None = None,
) -> T:
    """``compute()`` once per read session (one snapshot), e.g. readings that several lists share.

    ``reads``: the tables the result comes from (all of them, including through other memoised
    loaders it calls).  Then it is also reused by later read sessions until one of those tables
    changes (``db.shared_memo``) -- for plain data only (Records, frozen rows, findings), never ORM
    objects, and ``key`` must name everything else the result depends on (``as_of``, settings passed
    in).  ``tests/unit/test_memo_reads.py`` traces the SQL of every shared loader against its ``reads``.
    ``version`` instead of ``reads``: the result is reused while ``version`` is equal -- for results
    keyed by the very values they are worked out from (``exposure.evaluate_unit``).
    In a write session (which may change the data between two calls) it always computes afresh.
    Callers must treat the result as read-only: the next caller gets the same object.
    """
    info = session.info
    if not info.get(READ_ONLY):
        return compute()
    memo: dict[Hashable, object] = info.setdefault("fluorodesk.memo", {})
    if key not in memo:
        counters = info.get(DATA_GENERATION)
        if counters is None or (reads is None and version is None):
            memo[key] = compute()
        elif version is not None:
            memo[key] = info[SHARED_MEMO].get(key, version, compute)
        else:
            memo[key] = _shared(info[SHARED_MEMO], key, reads, counters, compute)
    return memo[key]  # type: ignore[return-value]


def _shared(
    memo: SharedMemo, key: Hashable, reads: Iterable[str], counters: dict[str, int], compute: Callable[[], T]
) -> T:
    """The shared memo's entry for ``key`` at the version of the tables in ``reads``; worked out
    afresh, not shared, if a table has no counter (a file whose counters were removed)."""
    if not all(table in counters for table in reads):
        return compute()
    version = tuple((table, counters[table]) for table in reads)
    return memo.get(key, version, compute)


class Service:
    def __init__(self, db: Database, actor: str, *, today: date | None = None) -> None:
        self.db = db
        self.actor = actor
        self._today = today

    def today(self) -> date:
        """The clinic's calendar date (fixed in tests through the constructor)."""
        return self._today or date.today()
