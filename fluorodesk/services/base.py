"""What every service shares: the database and who is acting."""

from __future__ import annotations

from datetime import date

from fluorodesk.db.database import Database


class Service:
    def __init__(self, db: Database, actor: str, *, today: date | None = None) -> None:
        self.db = db
        self.actor = actor
        self._today = today

    def today(self) -> date:
        """The clinic's calendar date (fixed in tests through the constructor)."""
        return self._today or date.today()
