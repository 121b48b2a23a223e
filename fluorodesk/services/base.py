"""What every service shares: the database, who is acting, the clinic's date and clock, and the one
way to open a write transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

from fluorodesk.db.base import utcnow
from fluorodesk.db.database import Database
from fluorodesk.domain.permissions import Permission
from fluorodesk.errors import NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def existing(session: Session, cls: type[T], record_id: Any, what: str) -> T:
    """The ``cls`` row with this id, or NotFoundError "That <what> no longer exists." (an id from a
    window that another user's change made stale, or a bad id from a file)."""
    found = session.get(cls, record_id) if isinstance(record_id, int) and 0 < record_id < 2**63 else None
    if found is None:
        raise NotFoundError(f"That {what} no longer exists.")
    return found


# TEMPORARY until the memo removal lands (w1-memo)
from collections.abc import Callable, Hashable, Iterable  # noqa: E402

from fluorodesk.db.database import DATA_GENERATION, READ_ONLY, SHARED_MEMO  # noqa: E402


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
    memo: Any, key: Hashable, reads: Iterable[str], counters: dict[str, int], compute: Callable[[], T]
) -> T:
    """The shared memo's entry for ``key`` at the version of the tables in ``reads``; worked out
    afresh, not shared, if a table has no counter (a file whose counters were removed)."""
    if not all(table in counters for table in reads):
        return compute()
    version = tuple((table, counters[table]) for table in reads)
    return memo.get(key, version, compute)



def _shared(memo, key, reads, counters, compute):  # type: ignore[no-untyped-def]
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

    def now(self) -> datetime:
        """The moment of a change, naive UTC to the second (noon of ``today`` when the date is fixed)."""
        if self._today is not None:
            return datetime.combine(self._today, time(12, 0))
        return utcnow().replace(microsecond=0)

    @contextmanager
    def writing(self, permission: Permission = Permission.EDIT_RECORDS) -> Iterator[Session]:
        """A write transaction for one action, after checking that the actor may do it.

        Every change to the records starts here, whichever way it comes in (a dialog, an import, a
        command), so the role check cannot be skipped by one of them.
        """
        from fluorodesk.services.auth import require

        with self.db.write() as session:
            require(session, self.actor, permission)
            yield session

    def stamp(self, record: Any, *, new: bool = False) -> None:
        """Name the actor as the record's last editor (and creator, for a new one)."""
        record.updated_by = self.actor
        if new:
            record.created_by = self.actor
