"""Row DTOs built thousands at a time (the Dose Log's cases, the Dosimetry tab's readings).

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``: about 5 µs for a
row of twenty fields, a tenth of a second for the lists these tabs load.  ``frozen_row`` fills the
instance's ``__dict__`` directly; the result is the same object (fields, equality, hash, repr).
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def frozen_row(cls: type[T], **values: Any) -> T:
    """``cls(**values)`` without running ``__init__``: for frozen dataclasses with no ``__post_init__``
    and no ``__slots__``, and only when ``values`` names every field (the tests check each caller)."""
    row = object.__new__(cls)
    row.__dict__.update(values)
    return row
