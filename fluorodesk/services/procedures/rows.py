"""What the Dose Log shows (cases, summaries, the entry panel's choices) and what its forms hand over."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from fluorodesk.domain.dose import (
    CaseDose,
    DoseStats,
    FollowUpState,
    Period,
    ProcedureChoice,
    TriggerHit,
    TriggerLevels,
    UnitDisplay,
    format_fluoro_time,
)
from fluorodesk.domain.enums import KapUnit

#: The Dose Log's list opens on this many days of cases (a season of a busy clinic: ~1,500).
CASE_LIST_DAYS = 90


@dataclass(frozen=True)
class CaseDraft:
    """A case as typed.  Field names match the entry panel's and the dialogs' widgets."""

    performed_on: date | str | None
    procedure: str = ""  # CPT code, full label, name or a few words of it
    unit_id: int | None = None
    physician: str = ""
    technician_id: int | None = None
    case_ref: str = ""
    fluoro_time: str | float | None = None  # seconds, m:ss or "1.4 min"
    air_kerma_mgy: str | float | None = None
    kap_value: str | float | None = None
    kap_unit: KapUnit | str | None = None
    images: str | int | None = None


@dataclass(frozen=True)
class FollowUpDraft:
    patient_informed_on: date | str | None = None
    skin_check_on: date | str | None = None
    follow_up_by: str = ""
    notes: str = ""


@dataclass(frozen=True)
class UnitChoice:
    id: int
    code: str
    name: str
    display: UnitDisplay
    last_kap_unit: KapUnit | None
    retired_on: date | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class TechnicianChoice:
    id: int
    name: str


@dataclass(frozen=True)
class LastEntry:
    performed_on: date
    unit_id: int
    physician: str
    technician_id: int | None


@dataclass(frozen=True)
class EntryOptions:
    procedures: tuple[ProcedureChoice, ...]
    units: tuple[UnitChoice, ...]
    technicians: tuple[TechnicianChoice, ...]
    physicians: tuple[str, ...]
    last: LastEntry | None
    levels: TriggerLevels


@dataclass(frozen=True)
class CaseRow:
    id: int
    performed_on: date
    case_ref: str
    procedure_type_id: int
    cpt_code: str
    procedure: str
    unit_id: int
    unit: str  # code and name
    physician: str
    technician_id: int | None
    technician: str
    fluoro_time_s: float | None
    air_kerma_mgy: float | None
    kap_value: float | None
    kap_unit: KapUnit | None
    images: int | None
    hits: tuple[TriggerHit, ...]
    follow_up: FollowUpState
    skin_check_due: date | None
    skin_check_overdue: bool  # the skin-check date has passed without the follow-up done
    patient_informed_on: date | None
    skin_check_on: date | None
    follow_up_by: str
    follow_up_notes: str
    amends_id: int | None
    voided_at: datetime | None
    void_reason: str
    created_at: datetime
    unit_code: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.hits)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def dose(self) -> CaseDose:
        return CaseDose(self.fluoro_time_s, self.air_kerma_mgy, self.kap_value, self.kap_unit, self.images)

    @property
    def fluoro_time_text(self) -> str:
        return format_fluoro_time(self.fluoro_time_s)

    @property
    def kap_text(self) -> str:
        if self.kap_value is None or self.kap_unit is None:
            return ""
        return f"{self.kap_value:g} {self.kap_unit.value}"

    @property
    def procedure_label(self) -> str:
        return f"{self.cpt_code} — {self.procedure}"

    @property
    def trigger_words(self) -> str:
        return "; ".join(h.words for h in self.hits)

    def draft(self) -> CaseDraft:
        """This case as a draft, to start a correction from."""
        return CaseDraft(
            performed_on=self.performed_on,
            procedure=self.procedure_label,
            unit_id=self.unit_id,
            physician=self.physician,
            technician_id=self.technician_id,
            case_ref=self.case_ref,
            fluoro_time=self.fluoro_time_text,
            air_kerma_mgy="" if self.air_kerma_mgy is None else f"{self.air_kerma_mgy:g}",
            kap_value="" if self.kap_value is None else f"{self.kap_value:g}",
            kap_unit=self.kap_unit,
            images="" if self.images is None else str(self.images),
        )


@dataclass(frozen=True)
class CaseFields:
    """A case as the log stores it: a draft checked by the entry form's rules, its names resolved to ids
    (``ProcedureService.check_case_in``).  ``cpt_code`` only words messages."""

    performed_on: date
    case_ref: str
    procedure_type_id: int
    unit_id: int
    physician: str
    technician_id: int | None
    dose: CaseDose
    cpt_code: str = field(default="", compare=False)

    def same_as(self, other: CaseFields) -> bool:
        """The same case, its doses compared by ``CaseDose.same_as`` (a KAP in any unit, exactly)."""
        return replace(self, dose=CaseDose()) == replace(other, dose=CaseDose()) and self.dose.same_as(
            other.dose
        )


class GroupBy:
    PROCEDURE = "procedure"
    PHYSICIAN = "physician"
    UNIT = "unit"
    CHOICES = (("procedure", "Procedure type"), ("physician", "Physician"), ("unit", "Unit"))


ALL_GROUP = "All cases"


@dataclass(frozen=True)
class SummaryRow:
    period: Period
    group: str  # procedure label, physician or unit; ALL_GROUP for the period's total
    stats: DoseStats

    @property
    def is_total(self) -> bool:
        return self.group == ALL_GROUP
