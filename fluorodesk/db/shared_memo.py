"""Results worked out from one state of the database, reused until anything is committed.

Each read session is one snapshot; ``services.base.read_memo`` reuses what was worked out within it.
This memo carries such results *across* read sessions that saw the same data: the Overview's findings,
then each tab, then the next refresh all read the same ten years of records, and nothing changed in
between.  The key is the database's data version (``Database.read`` works out which version a snapshot
shows, see there); any commit, by this process or another, gives a new version and so new entries.

Only plain, immutable-by-convention data goes in here (``Record``s, frozen rows, findings): never ORM
objects, which belong to the session that loaded them.

Two threads that ask for the same entry at once (the Overview's background check and a tab opened at
that moment) compute it once: the second waits for the first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: Versions kept: the newest, and the one before it for a read that began just before a commit.
KEEP_VERSIONS = 2

_MISSING = object()


class _Pending:
    """An entry being computed by another thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False


class SharedMemo:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: OrderedDict[int, dict[Hashable, Any]] = OrderedDict()

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        """The entry for ``key`` at ``version``, computing it (once) if nobody has."""
        while True:
            with self._lock:
                entries = self._entries(version)
                found = entries.get(key, _MISSING)
                if found is _MISSING:
                    pending = _Pending()
                    entries[key] = pending
                    break
            if not isinstance(found, _Pending):
                return found  # type: ignore[no-any-return]
            found.done.wait()
            if found.failed:
                return compute()  # the other thread's error is its own; try for ourselves
        try:
            value = compute()
        except BaseException:
            with self._lock:
                if entries.get(key) is pending:
                    del entries[key]
            pending.failed = True
            pending.done.set()
            raise
        with self._lock:
            if entries.get(key) is pending:
                entries[key] = value
        pending.done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()

    def _entries(self, version: int) -> dict[Hashable, Any]:
        entries = self._versions.get(version)
        if entries is None:
            entries = self._versions[version] = {}
            while len(self._versions) > KEEP_VERSIONS:
                self._versions.popitem(last=False)
        return entries
