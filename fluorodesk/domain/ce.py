"""Continuing education: the ARRT biennium and a technician's progress through it, as of a date.

ARRT asks for 24 CE credits per biennium (shared/domain.md §1.1).  A biennium starts on the 1st of
the birth month and ends on the last day of the month before the birth month two years later.  The
year it starts in depends on when the person was certified, so the clinic records one start date
per technician; every later (or earlier) biennium follows from it in 24-month steps.

State sub-requirements (California: 4 of the 24 in radiation safety for clinical fluoroscopy for
fluoroscopy-permit holders, 4 in digital radiography for every CRT) are counted in the same window.
That is an approximation: a state's own cycle follows the licence, which usually (not always) lines
up with the ARRT biennium.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fluorodesk.domain.dates import add_months, end_of_month
from fluorodesk.domain.enums import LabelledEnum

BIENNIUM_MONTHS = 24


@dataclass(frozen=True)
class Biennium:
    start: date
    end: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def words(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def biennium_starting(start: date) -> Biennium:
    start = start.replace(day=1)
    return Biennium(start, end_of_month(add_months(start, BIENNIUM_MONTHS - 1)))


def biennium_for(anchor: date, as_of: date) -> Biennium:
    """The biennium that holds ``as_of``, given the start of any one biennium (``anchor``)."""
    anchor = anchor.replace(day=1)
    months = (as_of.year - anchor.year) * 12 + (as_of.month - anchor.month)
    steps = months // BIENNIUM_MONTHS  # floor division: also right for dates before the anchor
    return biennium_starting(add_months(anchor, steps * BIENNIUM_MONTHS))


@dataclass(frozen=True)
class CeEntry:
    """What the rules need to know about one CE activity."""

    completed_on: date
    credits: float
    fluoro_safety: bool = False
    digital_radiography: bool = False


@dataclass(frozen=True)
class CePart:
    """One requirement inside the biennium: the total, or a sub-requirement."""

    label: str
    required: float
    earned: float

    @property
    def met(self) -> bool:
        return self.earned + 1e-9 >= self.required

    @property
    def missing(self) -> float:
        return max(0.0, self.required - self.earned)

    @property
    def words(self) -> str:
        return f"{self.label} {self.earned:g} of {self.required:g}"


class CeState(LabelledEnum):
    COMPLETE = "complete"
    ON_TRACK = "on_track"  # not complete yet, and not yet late in the biennium
    SHORT = "short"  # not complete, late in the biennium: a finding
    UNKNOWN = "unknown"  # the biennium start was never recorded
    NOT_TRACKED = "not_tracked"  # no CE requirement applies (ARRT not required or not applicable)


@dataclass(frozen=True)
class CeProgress:
    state: CeState
    biennium: Biennium | None = None
    parts: tuple[CePart, ...] = ()
    warn_from: date | None = None

    @property
    def total(self) -> CePart | None:
        return self.parts[0] if self.parts else None

    @property
    def short_parts(self) -> tuple[CePart, ...]:
        return tuple(p for p in self.parts if not p.met)

    @property
    def words(self) -> str:
        """Progress in words, for tables and print."""
        if self.state is CeState.NOT_TRACKED:
            return "Not tracked"
        if self.state is CeState.UNKNOWN or self.biennium is None or self.total is None:
            return "Biennium start not recorded"
        total = self.total
        text = f"{total.earned:g} of {total.required:g} credits by {self.biennium.end.isoformat()}"
        subs = [p.words for p in self.parts[1:] if not p.met]
        if subs:
            text += " (" + "; ".join(subs) + ")"
        if self.state is CeState.COMPLETE:
            return f"Complete: {total.earned:g} of {total.required:g} credits"
        return text


#: Progress of a technician no CE requirement applies to.
NOT_TRACKED = CeProgress(CeState.NOT_TRACKED)


def counts_in(period: Biennium, completed_on: date, as_of: date) -> bool:
    """An activity completed on ``completed_on`` counts in ``period`` as of ``as_of``: inside the
    biennium and done by then."""
    return period.start <= completed_on <= min(period.end, as_of)


def ce_progress(
    entries: Iterable[CeEntry],
    biennium_start: date | None,
    as_of: date,
    *,
    required: float,
    warning_months: int,
    fluoro_required: float = 0.0,
    digital_required: float = 0.0,
    tracked: bool = True,
) -> CeProgress:
    """Credits earned in the biennium holding ``as_of``, counting only activities done by ``as_of``.

    ``fluoro_required`` applies only to holders of a fluoroscopy permit (the caller passes 0 for
    others).  The state is SHORT from ``warning_months`` before the biennium ends while anything
    is missing.
    """
    if not tracked or (required <= 0 and fluoro_required <= 0 and digital_required <= 0):
        return CeProgress(CeState.NOT_TRACKED)
    if biennium_start is None:
        return CeProgress(CeState.UNKNOWN)
    period = biennium_for(biennium_start, as_of)
    counted = [e for e in entries if counts_in(period, e.completed_on, as_of)]
    parts = [CePart("Total", required, round(sum(e.credits for e in counted), 2))]
    if fluoro_required > 0:
        earned = round(sum(e.credits for e in counted if e.fluoro_safety), 2)
        parts.append(CePart("Fluoroscopy safety", fluoro_required, earned))
    if digital_required > 0:
        earned = round(sum(e.credits for e in counted if e.digital_radiography), 2)
        parts.append(CePart("Digital radiography", digital_required, earned))
    warn_from = add_months(period.end + timedelta(days=1), -warning_months)
    if all(p.met for p in parts):
        state = CeState.COMPLETE
    elif as_of >= warn_from:
        state = CeState.SHORT
    else:
        state = CeState.ON_TRACK
    return CeProgress(state, period, tuple(parts), warn_from)


def biennium_start_problem(start: date | None, birth_month: int | None) -> str | None:
    """A biennium start that cannot be right, as a field message (None when plausible)."""
    if start is None:
        return None
    if birth_month is not None and start.month != birth_month:
        month = date(2000, birth_month, 1).strftime("%B")
        return (
            f"ARRT bienniums start on the 1st of the birth month ({month}); "
            "check the date or the birth month."
        )
    return None


def credits_problem(credits: float) -> str | None:
    if not credits > 0:
        return "Credits must be more than 0."
    if credits > 99:
        return "That is more credits than one activity can give; check the number."
    return None
