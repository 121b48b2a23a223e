"""What the Dosimetry tab shows (totals, badges, readings, investigations, pregnancies, reviews) and what
its dialogs hand over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fluorodesk.domain.dates import describe_due
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    BadgeState,
    DoseEntry,
    DoseQuantity,
    DoseTotals,
    InvestigationLevel,
    LevelReached,
    Levels,
    PregnancyDose,
    ReviewerRole,
    WearFrequency,
    fmt_msv,
)
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.text import counted


@dataclass(frozen=True)
class TechnicianChoice:
    id: int
    name: str
    retired_on: date | None


@dataclass(frozen=True)
class BadgeRow:
    id: int
    technician_id: int
    technician: str
    badge_code: str
    position: BadgePosition
    vendor: str
    assigned_on: date
    period_end: date | None
    returned_on: date | None
    state: BadgeState
    due_back_on: date | None
    has_reading: bool
    notes: str
    as_of: date

    @property
    def period_text(self) -> str:
        return f"{self.assigned_on} to {self.period_end}" if self.period_end else f"from {self.assigned_on}"

    @property
    def status_words(self) -> str:
        if self.state is BadgeState.RETURNED:
            return f"Returned {self.returned_on}"
        if self.state is BadgeState.NOT_STARTED:
            return f"Starts {self.assigned_on}"
        if self.state is BadgeState.WEARING:
            return f"Being worn; due back by {self.due_back_on}" if self.due_back_on else "Being worn"
        assert self.due_back_on is not None
        if self.state is BadgeState.DUE_BACK:
            return f"Due back by {self.due_back_on} ({describe_due(self.due_back_on, self.as_of)})"
        return f"Late: not returned, {describe_due(self.due_back_on, self.as_of)}"


@dataclass(frozen=True)
class ReadingRow:
    id: int
    technician_id: int
    technician: str
    badge_id: int | None
    badge_code: str
    position: BadgePosition | None
    period_start: date
    period_end: date
    kind: DoseReadingKind
    deep: DoseEntry
    lens: DoseEntry
    shallow: DoseEntry
    other_facility: str
    received_on: date | None
    notes: str
    voided_at: datetime | None
    void_reason: str

    @property
    def source(self) -> str:
        if self.other_facility:
            return f"Reported by {self.other_facility}"
        if self.badge_code:
            return f"{self.badge_code} ({self.position.label.lower() if self.position else 'badge'})"
        return "This clinic"

    @property
    def kind_words(self) -> str:
        return {
            DoseReadingKind.MEASURED: "Measured",
            DoseReadingKind.MINIMAL: "M: below reporting minimum",
            DoseReadingKind.UNUSED: "Unused: returned unworn",
        }[self.kind]


@dataclass(frozen=True)
class InvestigationRow:
    id: int
    technician_id: int
    technician: str
    quarter: Period
    level: InvestigationLevel
    quantity: DoseQuantity
    dose_msv: float | None
    opened_on: date
    investigator: str
    findings: str
    actions: str
    closed_on: date | None

    @property
    def status_words(self) -> str:
        return f"Closed {self.closed_on}" if self.closed_on else f"Open since {self.opened_on}"


@dataclass(frozen=True)
class PregnancyRow:
    id: int
    technician_id: int
    technician: str
    declared_on: date
    estimated_due_on: date | None
    ended_on: date | None
    end_reason: str
    notes: str
    window_start: date
    window_end: date
    dose: PregnancyDose
    limit_msv: Decimal
    investigated: bool

    @property
    def over(self) -> bool:
        return self.dose.dose > self.limit_msv

    @property
    def active(self) -> bool:
        return self.ended_on is None

    @property
    def status_words(self) -> str:
        used = f"{fmt_msv(self.dose.dose)} of {fmt_msv(self.limit_msv)} mSv"
        if self.over:
            return f"Over the limit: {used}" + ("; investigated" if self.investigated else "")
        if not self.active:
            return f"Ended {self.ended_on}: {used}"
        return f"Within limit: {used}"


@dataclass(frozen=True)
class TotalsRow:
    technician_id: int
    technician: str
    retired_on: date | None
    quarter: Period
    quarter_here: DoseTotals
    year_all: DoseTotals
    year_other: DoseTotals
    reached: LevelReached | None
    investigation: InvestigationRow | None
    pregnancy: PregnancyRow | None
    levels: Levels

    @property
    def status_words(self) -> str:
        if self.reached is None:
            return "Below investigation levels"
        words = self.reached.words
        if self.investigation is None:
            return f"{words}: investigation needed"
        return f"{words}: investigation {self.investigation.status_words.lower()}"

    def cell(self, totals: DoseTotals, quantity: DoseQuantity) -> str:
        text = totals.words(quantity)
        if not text and quantity is not DoseQuantity.EXTREMITY and not totals.readings:
            return "No reading"
        return text

    @property
    def short_status(self) -> str:
        if self.reached is None:
            return "Below investigation levels"
        reached = self.reached
        words = (
            f"Above {reached.level.label}: {reached.quantity.value} {fmt_msv(reached.dose)} "
            f"> {fmt_msv(reached.threshold)} mSv"
        )
        if self.investigation is None:
            return f"{words}; investigation needed"
        return f"{words}; investigation {self.investigation.status_words.lower()}"

    @property
    def notes(self) -> str:
        parts = []
        if self.quarter_here.minimal or self.year_all.minimal:
            parts.append(
                f"{counted(self.year_all.minimal, 'readings')} with M this year (below the minimum, not zero)"
            )
        if self.year_all.unused:
            parts.append(f"{counted(self.year_all.unused, 'badges')} returned unused")
        if self.year_other.readings:
            parts.append(
                f"includes {fmt_msv(self.year_other.get(DoseQuantity.DEEP))} mSv deep from other facilities"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class ReviewRow:
    quarter: Period
    due_on: date
    state: str  # signed, overdue, due
    review_id: int | None
    reviewed_on: date | None
    reviewer: str
    reviewer_role: ReviewerRole | None
    notes: str
    as_of: date

    @property
    def status_words(self) -> str:
        if self.state == "signed":
            return f"Signed {self.reviewed_on}"
        if self.state == "overdue":
            return f"Overdue: was due {self.due_on} ({describe_due(self.due_on, self.as_of)})"
        return f"Due by {self.due_on} ({describe_due(self.due_on, self.as_of)})"


@dataclass(frozen=True)
class BadgeDraft:
    technician_id: int | None
    badge_code: str
    position: BadgePosition | str = BadgePosition.COLLAR
    vendor: str = ""
    assigned_on: date | str | None = None
    period_end: date | str | None = None
    frequency: WearFrequency | str | None = None  # fills period_end when it is blank
    notes: str = ""


@dataclass(frozen=True)
class ReadingDraft:
    technician_id: int | None
    period_start: date | str | None = None
    period_end: date | str | None = None
    deep_msv: str | float | None = None  # a number, "M" or blank
    lens_msv: str | float | None = None
    shallow_msv: str | float | None = None
    unused: bool = False
    badge_id: int | None = None
    received_on: date | str | None = None
    other_facility: str = ""
    notes: str = ""


@dataclass(frozen=True)
class InvestigationDraft:
    technician_id: int | None
    year: int | None
    quarter: int | None
    level: InvestigationLevel | str
    quantity: DoseQuantity | str
    opened_on: date | str | None
    investigator: str
    dose_msv: str | float | None = None
    findings: str = ""
    actions: str = ""
    closed_on: date | str | None = None


@dataclass(frozen=True)
class PregnancyDraft:
    technician_id: int | None
    declared_on: date | str | None
    estimated_due_on: date | str | None = None
    notes: str = ""


@dataclass(frozen=True)
class ReviewDraft:
    year: int | None
    quarter: int | None
    reviewed_on: date | str | None
    reviewer: str
    reviewer_role: ReviewerRole | str | None
    notes: str = ""


@dataclass(frozen=True)
class DosimetrySummary:
    """What the Dosimetry tab shows when it opens (``DosimetryService.summary``): the quarter's totals
    and the area's findings, from one snapshot (the readings are loaded once for both).  Its other
    pages (badges, readings…) are loaded when first opened, through their own methods."""

    totals: list[TotalsRow]
    findings: list[Finding]
