"""Staff dosimetry rules: readings ("M" and "unused" are not zero), totals, levels, badges, reviews.

* A reading belongs to the quarter and year holding the last day of its wear period, and counts as of
  the day its report was received (the period's end when that is not recorded).
* Totals add decimals exactly (``Decimal``), so a quarter that sums to exactly an investigation level
  is *at* it, not above it.  A level or limit is exceeded only when a total is strictly above it.
* Whole-body (deep) and lens dose come from the collar badge (worn outside the apron; taking its deep
  dose as the whole-body dose is the conservative single-badge method, 25 TAC 289.231).  Ring badges
  give extremity dose.  Waist and fetal badges (under the apron) are kept for the declared-pregnancy
  dose and are not added to the worker's totals.  Dose reported from other facilities has no badge
  here and is counted as collar dose.
* ALARA investigation levels (per quarter) look at this clinic's dose only; the annual limits look at
  the worker's whole occupational dose, other facilities included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from fluorodesk.domain.dates import add_months, end_of_month
from fluorodesk.domain.dose import Period, PeriodKind, exact
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind, LabelledEnum

ZERO = Decimal(0)
GESTATION_DAYS = 280


class DoseQuantity(LabelledEnum):
    DEEP = "deep"  # Hp(10), whole body
    LENS = "lens"  # Hp(3), lens of the eye
    SHALLOW = "shallow"  # Hp(0.07), skin of the whole body
    EXTREMITY = "extremity"  # Hp(0.07) from a ring badge

    @property
    def label(self) -> str:
        return {
            "deep": "Whole body (deep)",
            "lens": "Lens of the eye",
            "shallow": "Skin (shallow)",
            "extremity": "Extremity (ring)",
        }[self.value]


class InvestigationLevel(LabelledEnum):
    ALARA1 = "alara1"
    ALARA2 = "alara2"
    ANNUAL_LIMIT = "annual_limit"
    PREGNANCY = "pregnancy"

    @property
    def label(self) -> str:
        return {
            "alara1": "ALARA level I",
            "alara2": "ALARA level II",
            "annual_limit": "Annual limit",
            "pregnancy": "Declared pregnancy limit",
        }[self.value]

    @property
    def rank(self) -> int:
        return {"alara1": 1, "alara2": 2, "annual_limit": 3, "pregnancy": 3}[self.value]


class ReviewerRole(LabelledEnum):
    RSO = "rso"
    MEDICAL_PHYSICIST = "medical_physicist"
    HEALTH_PHYSICIST = "health_physicist"

    @property
    def label(self) -> str:
        return {
            "rso": "Radiation safety officer",
            "medical_physicist": "Medical physicist",
            "health_physicist": "Health physicist",
        }[self.value]


class BadgeState(LabelledEnum):
    WEARING = "wearing"
    DUE_BACK = "due_back"
    LATE = "late"
    RETURNED = "returned"
    NOT_STARTED = "not_started"


# --------------------------------------------------------------------------- what a report says


@dataclass(frozen=True)
class DoseEntry:
    """One cell of a dosimetry report: a dose in mSv, "M" (below the reporting minimum), or blank."""

    value: float | None = None
    minimal: bool = False
    unused: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None and not self.minimal and not self.unused

    @property
    def words(self) -> str:
        if self.unused:
            return "Unused"
        if self.minimal:
            return "M"
        return "" if self.value is None else f"{self.value:g}"


_UNUSED_ENTRY = DoseEntry(unused=True)


def shared_entry(value: float | None, minimal: bool) -> DoseEntry:
    """``DoseEntry(value, minimal)``, one shared (frozen) instance per cell content: a list of readings
    shows thousands of cells holding a few dozen distinct doses."""
    if value == 0:  # 0.0 and -0.0 are equal keys but print differently: not shared
        return DoseEntry(value=value, minimal=minimal)
    return _shared_entry(value, bool(minimal))


@lru_cache(maxsize=4096)
def _shared_entry(value: float | None, minimal: bool) -> DoseEntry:
    return DoseEntry(value=value, minimal=minimal)


_MINIMAL = {"m", "minimal", "<m", "below minimum"}
_UNUSED = {"unused", "u", "not worn"}
MAX_READING_MSV = 10_000.0


def parse_dose_entry(text: str | float | int | None) -> DoseEntry:
    """``0.12`` (mSv), ``M`` (below the vendor's reporting minimum), ``unused``, or blank (not reported)."""
    if text is None:
        return DoseEntry()
    if isinstance(text, bool):
        raise ValueError("A dose must be a number in mSv, M or unused.")
    if isinstance(text, int | float):
        number = float(text)
    else:
        cleaned = str(text).strip()
        lowered = cleaned.lower()
        if not cleaned:
            return DoseEntry()
        if lowered in _MINIMAL:
            return DoseEntry(minimal=True)
        if lowered in _UNUSED:
            return DoseEntry(unused=True)
        if not re.fullmatch(r"\d*\.?\d+(e-?\d+)?", lowered):
            raise ValueError(
                f"“{cleaned}” is not a dose: type mSv (e.g. 0.12), M when the report says M, or unused."
            )
        try:
            number = float(Decimal(lowered))
        except InvalidOperation:
            raise ValueError(f"“{cleaned}” is not a dose in mSv.") from None
    if number != number or number < 0:
        raise ValueError("A dose cannot be negative.")
    if number > MAX_READING_MSV:
        raise ValueError("A dose above 10 Sv cannot be right: check the report's units (mSv, not mrem).")
    return DoseEntry(value=number + 0.0)


def classify_reading(
    entries: Mapping[str, DoseEntry], *, unused: bool = False
) -> tuple[DoseReadingKind, dict[str, str]]:
    """The reading's kind from its cells, and field messages (keyed like ``entries``) when they disagree."""
    marked_unused = unused or any(e.unused for e in entries.values())
    first = next(iter(entries), "deep_msv")
    if marked_unused:
        bad = [name for name, e in entries.items() if e.value is not None or e.minimal]
        if bad:
            return DoseReadingKind.UNUSED, {
                bad[0]: "An unused badge has no dose: clear the doses, or untick “Returned unused”."
            }
        return DoseReadingKind.UNUSED, {}
    given = [e for e in entries.values() if not e.blank]
    if not given:
        return DoseReadingKind.MEASURED, {
            first: "Enter at least one dose (a number in mSv, or M where the report says M), "
            "or tick “Returned unused”."
        }
    if all(e.minimal for e in given):
        return DoseReadingKind.MINIMAL, {}
    return DoseReadingKind.MEASURED, {}


@dataclass(frozen=True)
class ReadingFacts:
    period_start: date
    period_end: date
    kind: DoseReadingKind = DoseReadingKind.MEASURED
    deep: float | None = None
    lens: float | None = None
    shallow: float | None = None
    deep_minimal: bool = False
    lens_minimal: bool = False
    shallow_minimal: bool = False
    position: BadgePosition | None = None  # None: no badge here (e.g. another facility's report)
    other_facility: str = ""
    received_on: date | None = None

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> ReadingFacts:
        """``cls(*values)`` with every field given in order, without the frozen ``__init__`` (which sets
        each field through ``object.__setattr__``): loads build one per reading, thousands at a time."""
        facts = object.__new__(cls)
        facts.__dict__.update(zip(_FACT_FIELDS, values, strict=True))
        return facts

    @property
    def available_on(self) -> date:
        """From when the clinic knew this dose."""
        return self.received_on or self.period_end

    def entry(self, name: str) -> DoseEntry:
        """``name`` is "deep", "lens" or "shallow" (the report's columns)."""
        if self.kind is DoseReadingKind.UNUSED:
            return _UNUSED_ENTRY
        value = getattr(self, name)
        if self.deep_minimal or self.lens_minimal or self.shallow_minimal:  # the report's M cells
            return shared_entry(value, getattr(self, f"{name}_minimal"))
        # An "M" reading recorded without per-cell marks: every blank cell is M.
        return shared_entry(value, self.kind is DoseReadingKind.MINIMAL and value is None)

    def entries(self) -> tuple[DoseEntry, DoseEntry, DoseEntry]:
        """``entry`` of "deep", "lens" and "shallow" at once (a list of readings shows every cell)."""
        if self.kind is DoseReadingKind.UNUSED:
            return _UNUSED_ENTRY, _UNUSED_ENTRY, _UNUSED_ENTRY
        deep, lens, shallow = self.deep, self.lens, self.shallow
        if self.deep_minimal or self.lens_minimal or self.shallow_minimal:  # the report's M cells
            flags = (self.deep_minimal, self.lens_minimal, self.shallow_minimal)
        else:  # an "M" reading recorded without per-cell marks: every blank cell is M
            minimal = self.kind is DoseReadingKind.MINIMAL
            flags = (minimal and deep is None, minimal and lens is None, minimal and shallow is None)
        return shared_entry(deep, flags[0]), shared_entry(lens, flags[1]), shared_entry(shallow, flags[2])

    def reported(self) -> dict[DoseQuantity, Decimal | None]:
        """Per quantity this reading reports: its dose, or None where the report says M.

        Badge-position rules are in the module docstring; quantities not reported are absent.
        (``entry`` cell by cell, inlined: totals read every reading many times.)
        """
        if self.kind is DoseReadingKind.UNUSED:
            return {}
        position = self.position
        if position is None or position is BadgePosition.COLLAR:
            cells = _COLLAR_CELLS
        elif position is BadgePosition.RING:
            cells = _RING_CELLS
        else:
            return {}
        marked = self.deep_minimal or self.lens_minimal or self.shallow_minimal
        out: dict[DoseQuantity, Decimal | None] = {}
        for quantity, name, flag in cells:
            value = getattr(self, name)
            if value is not None:
                out[quantity] = exact(value)
            elif getattr(self, flag) if marked else self.kind is DoseReadingKind.MINIMAL:
                out[quantity] = None
        return out

    def contributes(self) -> dict[DoseQuantity, Decimal]:
        """This reading's dose per quantity ("M" adds nothing)."""
        return {q: v for q, v in self.reported().items() if v is not None}

    @property
    def has_minimal(self) -> bool:
        """Some value of this reading is "M" (below the reporting minimum)."""
        if self.kind is DoseReadingKind.UNUSED:
            return False
        if self.deep_minimal or self.lens_minimal or self.shallow_minimal:
            return True  # the report's M cells, one by one
        # An "M" reading recorded without per-cell marks: every blank cell is M.
        return self.kind is DoseReadingKind.MINIMAL and None in (self.deep, self.lens, self.shallow)

    @cached_property
    def tally(self) -> tuple[tuple[tuple[DoseQuantity, Decimal | None], ...], bool, bool]:
        """(reported items, has an M, unused): what ``add_up`` needs, worked out once per reading."""
        if self.kind is DoseReadingKind.UNUSED:
            return (), False, True
        return tuple(self.reported().items()), self.has_minimal, False


_FACT_FIELDS = tuple(f.name for f in fields(ReadingFacts))
_COLLAR_CELLS = (
    (DoseQuantity.DEEP, "deep", "deep_minimal"),
    (DoseQuantity.LENS, "lens", "lens_minimal"),
    (DoseQuantity.SHALLOW, "shallow", "shallow_minimal"),
)
_RING_CELLS = ((DoseQuantity.EXTREMITY, "shallow", "shallow_minimal"),)


@dataclass(frozen=True)
class DoseTotals:
    doses: Mapping[DoseQuantity, Decimal] = field(default_factory=dict)
    readings: int = 0
    minimal: int = 0  # readings with an "M" (counted as nothing, shown as M)
    unused: int = 0  # badges returned unworn
    minimal_only: frozenset[DoseQuantity] = frozenset()  # reported, but only ever as M

    def get(self, quantity: DoseQuantity) -> Decimal:
        return self.doses.get(quantity, ZERO)

    def has(self, quantity: DoseQuantity) -> bool:
        return quantity in self.doses

    def words(self, quantity: DoseQuantity) -> str:
        """ "1.4", "M" (only below the minimum), "Unused" (only unused badges), "" (not reported)."""
        if quantity in self.doses:
            return fmt_msv(self.doses[quantity])
        if quantity in self.minimal_only:
            return "M"
        if self.readings and self.readings == self.unused and quantity is not DoseQuantity.EXTREMITY:
            return "Unused"
        return ""


def reading_in(reading: ReadingFacts, start: date, end: date, as_of: date) -> bool:
    return start <= reading.period_end <= end and reading.available_on <= as_of


def add_up(
    readings: Iterable[ReadingFacts], start: date, end: date, as_of: date, *, include_other: bool = True
) -> DoseTotals:
    """Dose of the readings whose wear period ends in [start, end] and that were known by ``as_of``."""
    doses: dict[DoseQuantity, Decimal] = {}
    reported_m: set[DoseQuantity] = set()
    count = minimal = unused = 0
    for reading in readings:
        # reading_in(), inlined: this loop runs for every reading of every quarter of every worker
        if not start <= reading.period_end <= end or (reading.received_on or reading.period_end) > as_of:
            continue
        if reading.other_facility and not include_other:
            continue
        reported, has_minimal, is_unused = reading.tally
        count += 1
        minimal += has_minimal
        unused += is_unused
        for quantity, value in reported:
            if value is None:
                reported_m.add(quantity)
            else:
                doses[quantity] = doses.get(quantity, ZERO) + value
    return DoseTotals(doses, count, minimal, unused, frozenset(reported_m.difference(doses)))


@lru_cache(maxsize=4096)
def quarter_of(day: date) -> Period:
    """The calendar quarter holding ``day`` (remembered: findings ask it for every reading's day)."""
    return Period.of(day, PeriodKind.QUARTER)


def quarter_to_date(readings: Sequence[ReadingFacts], quarter: Period, as_of: date, **kw: Any) -> DoseTotals:
    return add_up(readings, quarter.start, quarter.end, as_of, **kw)


def year_to_date(readings: Sequence[ReadingFacts], quarter: Period, as_of: date, **kw: Any) -> DoseTotals:
    """January 1 of the quarter's year through the quarter's end."""
    return add_up(readings, date(quarter.year, 1, 1), quarter.end, as_of, **kw)


# --------------------------------------------------------------------------- levels and limits


@dataclass(frozen=True)
class Levels:
    alara1: Mapping[DoseQuantity, Decimal]
    alara2: Mapping[DoseQuantity, Decimal]
    annual: Mapping[DoseQuantity, Decimal]
    pregnancy: Decimal

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Levels:
        def level(key: str) -> Decimal:
            return exact(float(settings[key]))

        shallow1 = level("dosimetry.alara1_quarter_shallow_msv")
        shallow2 = level("dosimetry.alara2_quarter_shallow_msv")
        shallow_limit = level("dosimetry.annual_shallow_msv")
        return cls(
            alara1={
                DoseQuantity.DEEP: level("dosimetry.alara1_quarter_deep_msv"),
                DoseQuantity.LENS: level("dosimetry.alara1_quarter_lens_msv"),
                DoseQuantity.SHALLOW: shallow1,
                DoseQuantity.EXTREMITY: shallow1,
            },
            alara2={
                DoseQuantity.DEEP: level("dosimetry.alara2_quarter_deep_msv"),
                DoseQuantity.LENS: level("dosimetry.alara2_quarter_lens_msv"),
                DoseQuantity.SHALLOW: shallow2,
                DoseQuantity.EXTREMITY: shallow2,
            },
            annual={
                DoseQuantity.DEEP: level("dosimetry.annual_deep_msv"),
                DoseQuantity.LENS: level("dosimetry.annual_lens_msv"),
                DoseQuantity.SHALLOW: shallow_limit,
                DoseQuantity.EXTREMITY: shallow_limit,
            },
            pregnancy=level("dosimetry.pregnancy_msv"),
        )

    def quarter_level(self, quantity: DoseQuantity, dose: Decimal) -> InvestigationLevel | None:
        """The ALARA level one quantity's quarter dose is above (II before I); strictly above only."""
        if dose > self.alara2[quantity]:
            return InvestigationLevel.ALARA2
        if dose > self.alara1[quantity]:
            return InvestigationLevel.ALARA1
        return None

    def over_annual(self, quantity: DoseQuantity, dose: Decimal) -> bool:
        """One quantity's dose this year is above its annual limit (strictly)."""
        return dose > self.annual[quantity]


@dataclass(frozen=True)
class LevelReached:
    level: InvestigationLevel
    quantity: DoseQuantity
    dose: Decimal
    threshold: Decimal

    @property
    def words(self) -> str:
        span = "this year" if self.level is InvestigationLevel.ANNUAL_LIMIT else "this quarter"
        if self.level is InvestigationLevel.PREGNANCY:
            span = "during the pregnancy"
        return (
            f"{self.quantity.label} {fmt_msv(self.dose)} mSv {span} is above the "
            f"{self.level.label} ({fmt_msv(self.threshold)} mSv)"
        )


def fmt_msv(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    number = exact(value) if not isinstance(value, Decimal) else value
    text = format(number.quantize(Decimal("0.001")).normalize(), "f")
    return text


def _furthest_over(
    level: InvestigationLevel, thresholds: Mapping[DoseQuantity, Decimal], totals: DoseTotals
) -> LevelReached | None:
    """The quantity furthest (relatively) above its threshold at this level; strictly above only."""
    doses = totals.doses  # has() and get(), read straight from the mapping: findings ask thousands of times
    over = [
        (doses[q] / t if t else Decimal("Infinity"), -index, q)
        for index, (q, t) in enumerate(thresholds.items())
        if q in doses and doses[q] > t
    ]
    if not over:
        return None
    _ratio, _order, quantity = max(over)
    return LevelReached(level, quantity, doses[quantity], thresholds[quantity])


_CLEARLY = 1e-9  # far beyond the rounding of a float sum, far below any dose a report states


def clearly_below(readings: Iterable[ReadingFacts], thresholds: Iterable[Decimal]) -> bool:
    """No quantity of these readings can add up to more than the lowest threshold, whatever counts.

    A float bound (each reading's largest cell, every reading counted) decides the clear-cut case
    without the exact sums: a worker's quarters are nearly all far below every level.
    """
    lowest = min(thresholds, default=ZERO)
    if lowest <= 0:
        return False
    bound = 0.0
    for reading in readings:
        bound += max(reading.deep or 0.0, reading.lens or 0.0, reading.shallow or 0.0)
    return bound < float(lowest) * (1 - _CLEARLY)  # NaN or inf: not clear, so added up exactly


def alara_reached(quarter_here: DoseTotals, levels: Levels) -> LevelReached | None:
    """ALARA level II, else level I, exceeded by this clinic's dose in one quarter."""
    return _furthest_over(InvestigationLevel.ALARA2, levels.alara2, quarter_here) or _furthest_over(
        InvestigationLevel.ALARA1, levels.alara1, quarter_here
    )


def annual_reached(year_all: DoseTotals, levels: Levels) -> LevelReached | None:
    """An annual limit exceeded by the worker's dose this year, other facilities included."""
    return _furthest_over(InvestigationLevel.ANNUAL_LIMIT, levels.annual, year_all)


def level_reached(quarter_here: DoseTotals, year_all: DoseTotals, levels: Levels) -> LevelReached | None:
    """The highest level exceeded: annual limit (year, all facilities), then ALARA II, I (quarter, here)."""
    return annual_reached(year_all, levels) or alara_reached(quarter_here, levels)


def investigation_covers(investigated: InvestigationLevel | None, reached: InvestigationLevel) -> bool:
    return investigated is not None and investigated.rank >= reached.rank


# --------------------------------------------------------------------------- badges


class WearFrequency(LabelledEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


def default_period_end(start: date, frequency: WearFrequency | str) -> date:
    """Vendors' wear periods are calendar months or quarters: a badge started mid-period ends with it."""
    if WearFrequency(frequency) is WearFrequency.MONTHLY:
        return end_of_month(start)
    return quarter_of(start).end


def next_wear_period(start: date, end: date) -> tuple[date, date]:
    """The wear period after [start, end]: the same number of calendar months, or else the same length."""
    new_start = end + timedelta(days=1)
    if start.day == 1 and end == end_of_month(end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return new_start, end_of_month(add_months(new_start, months - 1))
    return new_start, new_start + (end - start)


def badge_state(
    assigned_on: date, period_end: date | None, returned_on: date | None, as_of: date, grace_days: int
) -> tuple[BadgeState, date | None]:
    """Where a badge is on ``as_of`` and the day it is due back (its wear period's end plus the grace days).

    Late means strictly after the due-back day.
    """
    if assigned_on > as_of:
        return BadgeState.NOT_STARTED, None
    if returned_on is not None and returned_on <= as_of:
        return BadgeState.RETURNED, None
    if period_end is None:
        return BadgeState.WEARING, None
    due = period_end + timedelta(days=grace_days)
    if as_of <= period_end:
        return BadgeState.WEARING, due
    if as_of <= due:
        return BadgeState.DUE_BACK, due
    return BadgeState.LATE, due


# --------------------------------------------------------------------------- declared pregnancy


def pregnancy_window(
    declared_on: date, due_on: date | None, ended_on: date | None, as_of: date
) -> tuple[date, date]:
    """The gestation so far: from conception (due date − 280 days, or the declaration) to its end/``as_of``.

    10 CFR 20.1208 limits the dose over the *entire* pregnancy, so dose before the declaration counts.
    """
    start = declared_on
    if due_on is not None:
        start = min(start, due_on - timedelta(days=GESTATION_DAYS))
    end = as_of
    for candidate in (ended_on, due_on):
        if candidate is not None:
            end = min(end, candidate)
    return start, end


@dataclass(frozen=True)
class PregnancyDose:
    dose: Decimal
    basis: str
    readings: int


def pregnancy_dose(readings: Iterable[ReadingFacts], start: date, end: date, as_of: date) -> PregnancyDose:
    """Dose to the embryo/fetus from the under-apron (fetal, then waist) badge's deep dose.

    Wear periods that only overlap the window count in full (conservative).  Periods before the first
    under-apron reading fall back to the collar badge's deep dose (conservative, and said so).
    """
    overlapping = [
        r
        for r in readings
        if r.period_end >= start
        and r.period_start <= end
        and r.available_on <= as_of
        and not r.other_facility
    ]
    fetal = [r for r in overlapping if r.position is BadgePosition.FETAL]
    under = fetal or [r for r in overlapping if r.position is BadgePosition.WAIST]
    first_under = min((r.period_start for r in under), default=None)
    collar = [
        r
        for r in overlapping
        if r.position in (None, BadgePosition.COLLAR) and (first_under is None or r.period_end < first_under)
    ]
    total = ZERO
    for reading in under:
        if reading.kind is not DoseReadingKind.UNUSED and reading.deep is not None:
            total += exact(reading.deep)
    for reading in collar:
        if reading.kind is not DoseReadingKind.UNUSED and reading.deep is not None:
            total += exact(reading.deep)
    if under and collar:
        basis = "under-apron badge, collar badge before it was issued"
    elif under:
        basis = "fetal badge" if fetal else "waist badge under the apron"
    elif collar:
        basis = "collar badge (no fetal badge: conservative)"
    else:
        basis = "no readings yet"
    return PregnancyDose(total, basis, len(under) + len(collar))


# --------------------------------------------------------------------------- quarterly review


@dataclass(frozen=True)
class ReviewDue:
    quarter: Period
    due_on: date
    signed_on: date | None

    def state(self, as_of: date) -> str:
        """ "signed", "overdue" (strictly after the due day) or "due"."""
        if self.signed_on is not None and self.signed_on <= as_of:
            return "signed"
        return "overdue" if as_of > self.due_on else "due"


def review_schedule(
    first_day: date | None, as_of: date, signed: Mapping[Period, date], due_days: int
) -> list[ReviewDue]:
    """Every complete quarter from the one holding ``first_day`` (the first dosimetry record) up to ``as_of``.

    A quarter is complete once its last day has passed; its review is due ``due_days`` after that day.
    """
    if first_day is None or first_day > as_of:
        return []
    out = []
    quarter = quarter_of(first_day)
    while quarter.end < as_of:
        signed_on = signed.get(quarter)
        out.append(
            ReviewDue(
                quarter,
                quarter.end + timedelta(days=due_days),
                signed_on if signed_on is not None and signed_on <= as_of else None,
            )
        )
        quarter = quarter.next()
    return out
