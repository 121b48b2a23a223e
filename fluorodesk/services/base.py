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
