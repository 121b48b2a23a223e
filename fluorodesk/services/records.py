"""Read-only stand-ins for ORM objects, for loading thousands of rows fast.

Building an ORM instance costs about ten times more than reading its row: identity map, instance
state, attribute instrumentation.  Code that only *reads* a large collection (the exposure checks
of every unit, to judge them) can take ``Record`` objects instead: the same column attributes with
the same Python values (enum columns come back as enums), plus whatever relationships the loader
attaches as plain attributes.  A record is not attached to a session: nothing lazy-loads, nothing
is written back.  Use records only in read sessions.  Records hold no reference to the session that
loaded them: they may outlive it (``read_memo(..., shared=True)``).

``frozen_row`` is the same idea for the DTOs built from such rows (the Dose Log's cases, the
Dosimetry tab's readings): a frozen dataclass's ``__init__`` sets every field through
``object.__setattr__``, about 5 µs for a row of twenty fields, a tenth of a second for the lists
these tabs load.  ``frozen_row`` fills the instance's ``__dict__`` directly; the result is the same
object (fields, equality, hash, repr).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Record:
    """Attribute access over one row (see module docstring)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in list(self.__dict__.items())[:4])
        return f"Record({shown}, …)"


def _columns(cls: type) -> tuple[list[str], list[Any]]:
    """Attribute names and the table columns behind them (Core columns: no ORM row processing)."""
    mapper = inspect(cls)
    attrs = list(mapper.column_attrs)
    return [attr.key for attr in attrs], [attr.columns[0] for attr in attrs]


def load_records(session: Session, cls: type, *criteria: Any, order_by: Iterable[Any] = ()) -> list[Record]:
    """Every row of ``cls``'s table matching ``criteria`` as a Record with the mapped column attributes."""
    keys, columns = _columns(cls)
    stmt = select(*columns).where(*criteria).order_by(*order_by)
    out = []
    new = Record.__new__
    # Executed on the session's connection (same transaction, same snapshot) as a Core statement:
    # the ORM's result machinery would cost more than building the records.
    for row in session.connection().execute(stmt).all():  # one fetchall, not a fetch per row
        record = new(Record)
        record.__dict__.update(zip(keys, row, strict=True))
        out.append(record)
    return out


def frozen_row(cls: type[T], **values: Any) -> T:
    """``cls(**values)`` without running ``__init__``: for frozen dataclasses with no ``__post_init__``
    and no ``__slots__``, and only when ``values`` names every field (the tests check each caller)."""
    row = object.__new__(cls)
    row.__dict__.update(values)
    return row
