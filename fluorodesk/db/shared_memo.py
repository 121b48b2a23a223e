"""Results worked out from the records, reused until the tables they come from change.

Each read session is one snapshot; ``services.base.read_memo`` reuses what was worked out within it.
This memo carries such results *across* read sessions: the Overview's findings, then each tab, then
the next refresh all read the same ten years of records, and usually nothing changed in between.
An entry is stored with the *version* it was worked out from -- the data generations of the tables
it read (``db/generation.py``), as the snapshot saw them -- and is reused only by a session that sees
the same version.  Any commit to one of those tables, by this process or another, gives a new version.

Only plain, immutable-by-convention data goes in here (``Record``s, frozen rows, findings): never ORM
objects, which belong to the session that loaded them.

Two threads that ask for the same entry at once (the Overview's background check and a tab opened at
that moment) compute it once: the second waits for the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class _Pending:
    """An entry being computed by another thread."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False


class SharedMemo:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[Hashable, Any]] = {}  # key -> (version, value or _Pending)

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        """The entry for ``key`` worked out from ``version`` of the data; computed (once) if nobody has."""
        while True:
            with self._lock:
                stored = self._entries.get(key)
                if stored is None or stored[0] != version:
                    pending = _Pending()
                    self._entries[key] = (version, pending)  # the newest asked-for version wins the slot
                    break
                found = stored[1]
            if not isinstance(found, _Pending):
                return found  # type: ignore[no-any-return]
            found.done.wait()
            if found.failed:
                return compute()  # the other thread's error is its own; try for ourselves
        try:
            with _collector_paused():
                value = compute()
        except BaseException:
            with self._lock:
                if self._entries.get(key) == (version, pending):
                    del self._entries[key]
            pending.failed = True
            pending.done.set()
            raise
        with self._lock:
            if self._entries.get(key) == (version, pending):
                self._entries[key] = (version, value)
        pending.done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic collector off while a result is worked out.

    A load allocates tens of thousands of objects that all stay alive (they are the result); with the
    memo holding ten years of records, each collection that a load triggers walks them all and frees
    nothing (a load of the exposure units took 95 ms with the collector on, 45 ms off).  The objects
    are looked at once, by the first collection after the load.
    """
    if not gc.isenabled():
        yield  # already paused (a nested load, or another thread's)
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
