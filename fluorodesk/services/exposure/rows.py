"""The frozen rows the Exposure Logs tab, its dialogs and the packet show, and the drafts the dialogs
(and the import) hand over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit
from fluorodesk.domain.exposure import CalibrationState, CorrectiveState, Period, PeriodState


@dataclass(frozen=True)
class ExposureCheckRow:
    id: int
    unit_id: int
    unit: str  # "CA-1 OR 1 C-arm"
    unit_code: str
    checked_on: date
    entered_at: datetime  # UTC
    entered_on: date  # local date it was entered
    entry_delay_days: int
    late_entry: bool
    performed_by: str
    technician_id: int | None
    meter_id: int | None
    meter: str
    meter_calibration: CalibrationState | None  # on the check date; None when no meter was recorded
    meter_calibration_words: str
    phantom: str
    mode: ExposureMode
    magnification: str
    kvp: float | None
    ma: float | None
    rate: float
    rate_unit: RateUnit
    verdict: ExposureVerdict
    limit: float | None
    limit_basis: str
    detail: str
    baseline_rate: float | None
    baseline_unit: RateUnit | None
    tolerance_pct: float
    deviation_pct: float | None
    corrective: CorrectiveState
    corrective_words: str
    notes: str
    amends_id: int | None
    voided_at: datetime | None
    void_reason: str
    recheck_for: tuple[int, ...]  # checks whose corrective action uses this one as the re-check

    @property
    def corrective_closed(self) -> bool:
        return self.corrective is CorrectiveState.CLOSED

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def rate_words(self) -> str:
        return f"{self.rate:g} {self.rate_unit.value}"


@dataclass(frozen=True)
class CorrectiveActionRow:
    id: int
    check_id: int
    unit_id: int
    unit: str
    check_on: date
    check_rate: str
    check_verdict: ExposureVerdict
    action: str
    service_ticket: str
    performed_by: str
    performed_on: date
    recheck_id: int | None
    recheck_on: date | None
    recheck_rate: str
    closed_on: date | None
    state: CorrectiveState
    words: str


@dataclass(frozen=True)
class PeriodRow:
    start: date
    end: date
    state: PeriodState
    checked_on: tuple[date, ...]
    note_id: int | None
    note: str

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def words(self) -> str:
        if self.state is PeriodState.CHECKED:
            return "Checked " + ", ".join(f"{d:%b %d}" for d in self.checked_on)
        if self.state is PeriodState.EXCUSED:
            return f"Not used: {self.note}"
        if self.state is PeriodState.DUE:
            return "Due this period"
        return "Missed" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class SeriesKey:
    mode: ExposureMode
    rate_unit: RateUnit
    count: int

    @property
    def label(self) -> str:
        return f"{self.mode.label}, {self.rate_unit.value} ({self.count} readings)"


@dataclass(frozen=True)
class CheckDefaults:
    unit_id: int
    checked_on: date
    performed_by: str
    technician_id: int | None
    meter_id: int | None
    mode: ExposureMode
    magnification: str
    phantom: str
    rate_unit: RateUnit


@dataclass(frozen=True)
class CheckPreview:
    verdict: ExposureVerdict | None
    words: str  # "Pass: within the 88 mGy/min limit; +3% from the baseline 38 mGy/min"
    meter_state: CalibrationState | None
    meter_words: str
    late_entry: bool = False
    entry_words: str = ""  # "Entered today, 20 days after the check: recorded as a late entry."


@dataclass(frozen=True)
class CheckDraft:
    unit_id: int | None
    checked_on: date | str | None
    performed_by: str
    meter_id: int | None
    mode: ExposureMode | str | None
    rate: float | str | None
    rate_unit: RateUnit | str | None
    kvp: float | str | None = None
    ma: float | str | None = None
    phantom: str = ""
    magnification: str = ""
    notes: str = ""
    technician_id: int | None = None


@dataclass(frozen=True)
class CorrectiveActionDraft:
    check_id: int | None
    action: str
    performed_by: str
    performed_on: date | str | None
    service_ticket: str = ""
    recheck_id: int | None = None
    closed_on: date | str | None = None


@dataclass(frozen=True)
class UnitHistory:
    """One unit's QC record as of a date: what the tab shows and the audit packet prints."""

    unit_id: int
    unit: str
    as_of: date
    interval_days: int
    first_day: date | None
    retired_on: date | None
    checks: tuple[ExposureCheckRow, ...]  # newest first, voided included
    calendar: tuple[PeriodRow, ...]  # oldest first
    corrective_actions: tuple[CorrectiveActionRow, ...]
    series: tuple[SeriesKey, ...]  # most readings first

    @property
    def missed(self) -> tuple[PeriodRow, ...]:
        return tuple(p for p in self.calendar if p.state is PeriodState.MISSED)
