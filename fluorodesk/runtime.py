"""Process-wide tuning of the window process (no Qt, no SQLAlchemy: imported at launch).

Python's cyclic garbage collector runs after every 700 net allocations and, now and then, walks
every object alive.  Loading a tab allocates hundreds of thousands of short-lived objects (rows,
DTOs), and the window process holds some 160,000 long-lived ones (modules, classes, Qt wrappers),
so at clinic scale a quarter of a tab's load went to collections that found nothing to free.

* ``tune_gc()`` at launch: collect after 10,000 allocations instead of 700.
* ``freeze_startup_objects()`` once the window is up: what exists then (imported code, the
  window) lives until the end, so it moves to the collector's permanent generation and is no
  longer walked.  (No collection first: it would delay the first paint, and the cyclic garbage
  pending at that moment is a few kilobytes.)  Later garbage is collected as before.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000


def tune_gc() -> None:
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def freeze_startup_objects() -> None:
    gc.freeze()
