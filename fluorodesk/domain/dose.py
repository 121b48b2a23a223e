"""Patient dose per procedure: what was typed, which trigger levels a case went over, what follow-up it needs.

Numbers keep the unit they were read in.  A kerma-area product (KAP) is stored as entered (Gy·cm²,
mGy·cm² or µGy·m²); these units differ by exact powers of ten, so comparisons and medians convert
with ``Decimal`` arithmetic and never pick up binary rounding (a reading *exactly at* a trigger level
is never flagged because 0.1 + 0.2 happened to be 0.30000000000000004).

A case is flagged when a value is strictly *above* its trigger level; exactly at the level is not.
Trigger levels are clinic settings seeded from SIR/NCRP 168 (shared/domain.md §3.6, defaults to review).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from fluorodesk.domain.enums import KapUnit, LabelledEnum

# --------------------------------------------------------------------------- exact numbers

#: How many of each unit make one Gy·cm² (1 µGy·m² = 10⁻⁶ Gy × 10⁴ cm² = 0.01 Gy·cm²).
KAP_PER_GYCM2: dict[KapUnit, Decimal] = {
    KapUnit.GY_CM2: Decimal(1),
    KapUnit.MGY_CM2: Decimal(1000),
    KapUnit.UGY_M2: Decimal(100),
}


def exact(value: float | int | str | Decimal | _KapSorter) -> Decimal:
    """The decimal a person typed: 0.1 stays 0.1 (the float's shortest repr), not 0.1000000000000000055."""
    if isinstance(value, float):
        # Zeros are not remembered: 0.0 and -0.0 are the same key but different decimals.
        return _exact_float(value) if value else Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, _KapSorter):
        return value.exact
    return Decimal(value)


@lru_cache(maxsize=8192)
def _exact_float(value: float) -> Decimal:
    """Remembered: totals convert the same few dozen recorded doses thousands of times."""
    return Decimal(repr(value))


def kap_to_gycm2(value: float | Decimal, unit: KapUnit) -> Decimal:
    return exact(value) / KAP_PER_GYCM2[KapUnit(unit)]


def gycm2_to(value_gycm2: float | Decimal, unit: KapUnit) -> Decimal:
    return exact(value_gycm2) * KAP_PER_GYCM2[KapUnit(unit)]


def parse_number(text: str | float | int | None, *, what: str = "value") -> float | None:
    """A non-negative number typed by a person; blank is None.  Thousands commas ("1,250.5") are allowed."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"The {what} must be a number.")
    if isinstance(text, int | float):
        number = float(text)
    else:
        cleaned = str(text).strip()
        if not cleaned:
            return None
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?", cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            number = float(Decimal(cleaned))
        except (InvalidOperation, ValueError):
            raise ValueError(f"“{cleaned}” is not a number; type the {what} as shown, e.g. 12.5.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"The {what} must be a finite number.")
    if number < 0:
        raise ValueError(f"The {what} cannot be negative.")
    return number + 0.0  # -0.0 reads as 0


def parse_count(text: str | int | None, *, what: str = "count") -> int | None:
    """A whole number of images or runs; blank is None."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"The {what} must be a whole number.")
    if isinstance(text, int):
        value = text
    else:
        cleaned = str(text).strip()
        if not cleaned:
            return None
        if not re.fullmatch(r"\d{1,7}", cleaned):
            raise ValueError(f"“{cleaned}” is not a whole number; type the {what}, e.g. 12.")
        value = int(cleaned)
    if value < 0:
        raise ValueError(f"The {what} cannot be negative.")
    return value


# --------------------------------------------------------------------------- fluoroscopy time

MAX_FLUORO_TIME_S = 24 * 3600

_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d(?:\.\d+)?)$")
_WITH_UNIT = re.compile(
    r"^(\d+(?:\.\d+)?|\.\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?$", re.IGNORECASE
)


def parse_fluoro_time(text: str | float | int | None) -> float | None:
    """Fluoroscopy time as displayed on the C-arm, in seconds.  Blank is None.

    Accepted: ``83`` or ``83 s`` (seconds), ``1:23`` (m:ss), ``1:02:03`` (h:mm:ss), ``1.4 min``.
    A bare number is seconds, which is what the time column says.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError("Fluoroscopy time must be a duration.")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        cleaned = str(text).strip().replace(" ", "") if ":" in str(text) else str(text).strip()
        if not cleaned:
            return None
        clock = _CLOCK.match(cleaned)
        unit_match = _WITH_UNIT.match(cleaned)
        if clock:
            hours, minutes, secs = clock.groups()
            seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
        elif unit_match:
            number, unit = unit_match.groups()
            seconds = float(number) * (60 if unit and unit.lower().startswith("m") else 1)
        else:
            raise ValueError(
                f"“{cleaned}” is not a fluoroscopy time; "
                "type seconds (83), minutes:seconds (1:23) or 1.4 min."
            )
    if seconds != seconds or seconds < 0:
        raise ValueError("Fluoroscopy time cannot be negative.")
    if seconds > MAX_FLUORO_TIME_S:
        raise ValueError("Fluoroscopy time over 24 hours cannot be right; check the display.")
    return round(seconds, 1)


def format_fluoro_time(seconds: float | None) -> str:
    """83 → "1:23"; 3725 → "1:02:05"; fractions of a second are shown only when present."""
    if seconds is None:
        return ""
    whole = int(seconds)
    fraction = round(seconds - whole, 1)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs:02d}" if not fraction else f"{secs + fraction:04.1f}"
    if hours:
        return f"{hours}:{minutes:02d}:{sec_text}"
    return f"{minutes}:{sec_text}"


# --------------------------------------------------------------------------- case reference

_NAME_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'.\-]*$")


def looks_like_patient_name(text: str) -> bool:
    """True for "Jane Doe" or "Doe, Jane": the log must never hold a patient's name.

    A clinic case number holds a digit (``C-2026-0412``, ``A1234``); two or more plain words with no
    digit are treated as a name.
    """
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    if len(words) < 2 or any(ch.isdigit() for ch in text):
        return False
    return all(_NAME_WORD.match(w) for w in words)


# --------------------------------------------------------------------------- procedures


@dataclass(frozen=True)
class ProcedureChoice:
    id: int
    cpt_code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.cpt_code} — {self.name}"


def match_procedure(text: str, choices: Sequence[ProcedureChoice]) -> ProcedureChoice:
    """The procedure a person meant by a CPT code, a full label, a name, or a few words of the name.

    Raises ValueError with a sentence for the user when nothing or more than one procedure fits.
    """
    typed = (text or "").strip()
    if not typed:
        raise ValueError("Choose the procedure: type its CPT code or part of its name.")
    lowered = typed.lower()
    for choice in choices:
        if lowered in (choice.label.lower(), choice.name.lower(), choice.cpt_code.lower()):
            return choice
    first = re.split(r"[\s—–-]+", typed, maxsplit=1)[0].lstrip("+")
    by_code = [c for c in choices if c.cpt_code.lower() == first.lower()]
    if len(by_code) == 1:
        return by_code[0]
    words = lowered.replace("—", " ").split()
    fits = [c for c in choices if all(w in f"{c.cpt_code} {c.name}".lower() for w in words)]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise ValueError(f"No procedure matches “{typed}”; type its CPT code or part of its name.")
    shown = ", ".join(c.cpt_code for c in fits[:6]) + ("…" if len(fits) > 6 else "")
    raise ValueError(
        f"“{typed}” fits {len(fits)} procedures ({shown}); type more of the name or the CPT code."
    )


# --------------------------------------------------------------------------- trigger levels


class DoseMetric(LabelledEnum):
    AIR_KERMA = "air_kerma"
    KAP = "kap"
    FLUORO_TIME = "fluoro_time"

    @property
    def label(self) -> str:
        return {
            "air_kerma": "Air kerma",
            "kap": "Kerma-area product",
            "fluoro_time": "Fluoroscopy time",
        }[self.value]


TRIGGER_SETTING_KEYS = ("dose.trigger_air_kerma_mgy", "dose.trigger_kap_gycm2", "dose.trigger_fluoro_min")


@dataclass(frozen=True)
class TriggerLevels:
    air_kerma_mgy: float
    kap_gycm2: float
    fluoro_min: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> TriggerLevels:
        return cls(
            float(settings["dose.trigger_air_kerma_mgy"]),
            float(settings["dose.trigger_kap_gycm2"]),
            float(settings["dose.trigger_fluoro_min"]),
        )

    def words(self) -> str:
        return (
            f"air kerma {self.air_kerma_mgy:g} mGy, KAP {self.kap_gycm2:g} Gy·cm², "
            f"fluoroscopy {self.fluoro_min:g} min"
        )

    # Exact levels, worked out once (a log of 60,000 cases is checked against the same levels).
    @cached_property
    def exact_air_kerma_mgy(self) -> Decimal:
        return exact(self.air_kerma_mgy)

    @cached_property
    def exact_fluoro_s(self) -> Decimal:
        return exact(self.fluoro_min) * 60

    @cached_property
    def exact_kap(self) -> dict[KapUnit, Decimal]:
        """The KAP level in each unit a display may use (exact powers of ten)."""
        return {unit: gycm2_to(self.kap_gycm2, unit) for unit in KapUnit}


@dataclass(frozen=True)
class CaseDose:
    fluoro_time_s: float | None = None
    air_kerma_mgy: float | None = None
    kap_value: float | None = None
    kap_unit: KapUnit | None = None
    images: int | None = None

    @property
    def kap_gycm2(self) -> Decimal | None:
        if self.kap_value is None or self.kap_unit is None:
            return None
        return kap_to_gycm2(self.kap_value, self.kap_unit)

    @property
    def recorded(self) -> bool:
        """Some dose was written down: fluoroscopy time, air kerma or KAP (images alone are not a dose)."""
        return self.fluoro_time_s is not None or self.air_kerma_mgy is not None or self.kap_value is not None

    def same_as(self, other: CaseDose) -> bool:
        """The same dose: every value equal, the KAP compared in Gy·cm², exactly (250 µGy·m² = 2.5 Gy·cm²)."""
        return (self.fluoro_time_s, self.air_kerma_mgy, self.images, self.kap_gycm2) == (
            other.fluoro_time_s,
            other.air_kerma_mgy,
            other.images,
            other.kap_gycm2,
        )


@dataclass(frozen=True)
class TriggerHit:
    metric: DoseMetric
    value: str  # with its unit, as recorded
    level: str  # in the same unit

    @property
    def words(self) -> str:
        return f"{self.metric.label.lower()} {self.value} is above the {self.level} trigger"


_CLEARLY = 1e-9  # far beyond binary rounding (1e-16), far below any difference a person types


def above(value: float, level: Decimal) -> bool:
    """``value`` strictly above ``level``, decided exactly; clear-cut cases skip the Decimal arithmetic."""
    rough = float(level)
    if rough > 0:
        if value < rough * (1 - _CLEARLY):
            return False
        if value > rough * (1 + _CLEARLY):
            return True
    return exact(value) > level


def triggers_exceeded(dose: CaseDose, levels: TriggerLevels) -> tuple[TriggerHit, ...]:
    """Every trigger level the case is strictly above, each compared in the recorded value's own unit."""
    hits = []
    if dose.air_kerma_mgy is not None and above(dose.air_kerma_mgy, levels.exact_air_kerma_mgy):
        hits.append(
            TriggerHit(DoseMetric.AIR_KERMA, f"{dose.air_kerma_mgy:g} mGy", f"{levels.air_kerma_mgy:g} mGy")
        )
    if dose.kap_value is not None and dose.kap_unit is not None:
        level_in_unit = levels.exact_kap[dose.kap_unit]
        if above(dose.kap_value, level_in_unit):
            unit = KapUnit(dose.kap_unit).value
            hits.append(
                TriggerHit(DoseMetric.KAP, f"{dose.kap_value:g} {unit}", f"{_plain(level_in_unit)} {unit}")
            )
    if dose.fluoro_time_s is not None and above(dose.fluoro_time_s, levels.exact_fluoro_s):
        hits.append(
            TriggerHit(
                DoseMetric.FLUORO_TIME,
                f"{format_fluoro_time(dose.fluoro_time_s)} (m:ss)",
                f"{levels.fluoro_min:g} min",
            )
        )
    return tuple(hits)


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 50000, 0.5."""
    text = format(value.normalize(), "f")
    return text


# --------------------------------------------------------------------------- what a unit shows


@dataclass(frozen=True)
class UnitDisplay:
    shows_air_kerma: bool = True
    shows_kap: bool = True

    @property
    def shows_dose(self) -> bool:
        return self.shows_air_kerma or self.shows_kap

    def words(self) -> str:
        if self.shows_air_kerma and self.shows_kap:
            return "Air kerma and KAP"
        if self.shows_air_kerma:
            return "Air kerma only"
        if self.shows_kap:
            return "KAP only"
        return "Neither: record time and images"


def completeness_errors(dose: CaseDose, display: UnitDisplay) -> dict[str, str]:
    """What the record must hold (TJC 2019, shared/domain.md §3.5), as field messages.

    Fluoroscopy time always.  A unit that shows a dose quantity: at least one shown quantity.  A unit
    that shows neither: time and the number of images, and no dose typed against a display it lacks.
    """
    errors: dict[str, str] = {}
    if dose.fluoro_time_s is None:
        errors["fluoro_time"] = "Enter the fluoroscopy time shown on the unit (e.g. 83 or 1:23)."
    if dose.kap_value is not None and dose.kap_unit is None:
        errors["kap_unit"] = "Choose the unit the KAP was shown in."
    if not display.shows_air_kerma and dose.air_kerma_mgy is not None:
        errors["air_kerma_mgy"] = (
            "This unit does not show air kerma; leave it blank or fix the unit's setting."
        )
    if not display.shows_kap and dose.kap_value is not None:
        errors["kap_value"] = "This unit does not show KAP; leave it blank or fix the unit's setting."
    if display.shows_dose:
        has_shown = (display.shows_air_kerma and dose.air_kerma_mgy is not None) or (
            display.shows_kap and dose.kap_value is not None
        )
        if not has_shown and "air_kerma_mgy" not in errors and "kap_value" not in errors:
            wanted = {
                (True, True): "Enter the cumulative air kerma or the KAP shown on the unit.",
                (True, False): "Enter the cumulative air kerma shown on the unit.",
                (False, True): "Enter the KAP shown on the unit.",
            }[(display.shows_air_kerma, display.shows_kap)]
            errors["air_kerma_mgy" if display.shows_air_kerma else "kap_value"] = wanted
    elif dose.images is None:
        errors["images"] = "This unit shows no dose: enter the number of images."
    return errors


# --------------------------------------------------------------------------- follow-up of a flagged case


class FollowUpState(LabelledEnum):
    NOT_NEEDED = "not_needed"
    NEEDED = "needed"
    PARTIAL = "partial"
    DONE = "done"

    @property
    def label(self) -> str:
        return {
            "not_needed": "Below triggers",
            "needed": "Follow-up needed",
            "partial": "Follow-up incomplete",
            "done": "Follow-up done",
        }[self.value]


def follow_up_state(
    flagged: bool, patient_informed_on: date | None, skin_check_on: date | None, as_of: date
) -> FollowUpState:
    """A flagged case needs both steps documented (patient informed, skin check), each dated by ``as_of``."""
    if not flagged:
        return FollowUpState.NOT_NEEDED
    informed = patient_informed_on is not None and patient_informed_on <= as_of
    checked = skin_check_on is not None and skin_check_on <= as_of
    if informed and checked:
        return FollowUpState.DONE
    if informed or checked:
        return FollowUpState.PARTIAL
    return FollowUpState.NEEDED


def skin_check_due(performed_on: date, days: int) -> date:
    return performed_on + timedelta(days=days)


def follow_up_missing(patient_informed_on: date | None, skin_check_on: date | None, as_of: date) -> list[str]:
    missing = []
    if patient_informed_on is None or patient_informed_on > as_of:
        missing.append("patient not informed")
    if skin_check_on is None or skin_check_on > as_of:
        missing.append("skin check not documented")
    return missing


# ------------------------------------------------------------------- summaries (local reference levels)


class PeriodKind(LabelledEnum):
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    year: int
    number: int  # month 1-12 or quarter 1-4

    @classmethod
    def of(cls, day: date, kind: PeriodKind | str) -> Period:
        kind = PeriodKind(kind)
        if kind is PeriodKind.MONTH:
            return cls(kind, day.year, day.month)
        return cls(kind, day.year, (day.month - 1) // 3 + 1)

    # Worked out once per instance: totals ask a period for its bounds thousands of times.
    @cached_property
    def start(self) -> date:
        month = self.number if self.kind is PeriodKind.MONTH else 3 * self.number - 2
        return date(self.year, month, 1)

    @cached_property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        size = 12 if self.kind is PeriodKind.MONTH else 4
        if self.number == size:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        return f"{self.year} Q{self.number}"


def periods_between(first: date, last: date, kind: PeriodKind | str) -> list[Period]:
    """Every period from the one holding ``first`` to the one holding ``last``, oldest first."""
    out = []
    period = Period.of(first, kind)
    end = Period.of(last, kind)
    while period <= end:
        out.append(period)
        period = period.next()
    return out


def median(values: Iterable[float | Decimal]) -> float | None:
    """The median, averaged exactly (8.4 and 8.5 give 8.45, not 8.450000000000001)."""
    numbers = sorted(values, key=float)  # KAPs sort by their Gy·cm² value; the middle ones convert exactly
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return float(numbers[middle])
    return float((exact(numbers[middle - 1]) + exact(numbers[middle])) / 2)


@dataclass(frozen=True)
class DoseStats:
    cases: int
    flagged: int
    time_cases: int
    median_time_s: float | None
    kerma_cases: int
    median_kerma_mgy: float | None
    kap_cases: int
    median_kap_gycm2: float | None
    max_kerma_mgy: float | None
    max_kap_gycm2: float | None
    max_time_s: float | None = None
    no_dose: int = 0  # cases with no dose recorded at all (``CaseDose.recorded``)


def dose_stats(doses: Sequence[CaseDose], flagged: int = 0) -> DoseStats:
    """Medians per quantity over the cases that recorded it (a blank is not a zero); KAP in Gy·cm²."""
    times = [d.fluoro_time_s for d in doses if d.fluoro_time_s is not None]
    kermas = [d.air_kerma_mgy for d in doses if d.air_kerma_mgy is not None]
    kaps = [
        _KapSorter(d.kap_value, d.kap_unit)
        for d in doses
        if d.kap_value is not None and d.kap_unit is not None
    ]
    return DoseStats(
        cases=len(doses),
        flagged=flagged,
        time_cases=len(times),
        median_time_s=median(times),
        kerma_cases=len(kermas),
        median_kerma_mgy=median(kermas),
        kap_cases=len(kaps),
        median_kap_gycm2=median(kaps),
        max_kerma_mgy=max(kermas) if kermas else None,
        max_kap_gycm2=float(max(kaps, key=float).exact) if kaps else None,
        max_time_s=max(times) if times else None,
        no_dose=sum(not d.recorded for d in doses),
    )


class _KapSorter:
    """A KAP in its own unit, ordered by its Gy·cm² value; converted exactly only when a median needs it.

    Ordering uses the float value (two KAPs within one rounding step of each other may swap places,
    which cannot change a median by more than that step); the median itself is computed exactly.
    """

    __slots__ = ("rough", "value", "unit")

    def __init__(self, value: float, unit: KapUnit) -> None:
        self.value = value
        self.unit = unit
        self.rough = value / float(KAP_PER_GYCM2[unit])

    def __lt__(self, other: _KapSorter) -> bool:
        if self.rough != other.rough:
            return self.rough < other.rough
        return self.exact < other.exact

    @property
    def exact(self) -> Decimal:
        return kap_to_gycm2(self.value, self.unit)

    def __float__(self) -> float:
        return self.rough
