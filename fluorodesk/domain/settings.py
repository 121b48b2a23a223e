"""Clinic settings that matter to compliance, declared once with their defaults and sources.

Values live in the database (backed up and audited with everything else); a key that was never
changed reads its default from here.  Defaults are starting points: every interval and threshold
is the clinic's to review (see shared/domain.md for the sources and confidence tags).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fluorodesk.errors import ValidationError


@dataclass(frozen=True)
class SettingDef:
    key: str
    kind: type  # int, float, bool, str or list
    default: Any
    label: str
    group: str
    source: str = ""
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, raw: Any) -> Any:
        """Coerce a stored or typed value to this setting's type; ValidationError if impossible."""
        try:
            if self.kind is bool:
                if isinstance(raw, str):
                    lowered = raw.strip().lower()
                    if lowered in ("1", "true", "yes", "on"):
                        return True
                    if lowered in ("0", "false", "no", "off"):
                        return False
                    raise ValueError(raw)
                return bool(raw)
            if self.kind is list:
                value = json.loads(raw) if isinstance(raw, str) else list(raw)
                if not isinstance(value, list):
                    raise ValueError(raw)
                return [str(v) for v in value]
            if self.kind is str:
                return str(raw)
            value = self.kind(raw)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(raw)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError(fields={self.key: f"{self.label}: {raw!r} is not a valid value."}) from exc
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(fields={self.key: f"{self.label} must be at least {self.minimum:g}."})
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(fields={self.key: f"{self.label} must be at most {self.maximum:g}."})
        return value

    def dump(self, value: Any) -> str:
        return json.dumps(value)


_REQUIRED_DEFAULT = [
    "arrt",
    "state_license",
    "bls",
    "tb_screening",
    "background_check",
    "exclusion_check",
    "hepatitis_b",
    "competency",
    "orientation",
    "fluoro_training",
    "dosimeter_badge",
]

_LAMBERT = "Lambert & McKeon, Health Physics 80(Suppl 5):S67-S69, 2001 (via Stanford EHS)"
_CFR_1020_32 = "21 CFR 1020.32(e); R/min values confirmed via 25 Pa. Code 221.38a"

SETTINGS: tuple[SettingDef, ...] = (
    # Clinic
    SettingDef("clinic.name", str, "Your Surgery Center", "Clinic name", "Clinic"),
    SettingDef("clinic.address", str, "", "Clinic address", "Clinic"),
    SettingDef("clinic.director", str, "", "Medical director", "Clinic"),
    SettingDef("packet.page_size", str, "letter", "Audit packet paper size (letter or a4)", "Clinic"),
    # Credentials
    SettingDef(
        "credentials.warning_days",
        int,
        60,
        "Warn this many days before a credential expires",
        "Credentials",
        minimum=0,
        maximum=365,
    ),
    SettingDef(
        "credentials.required_types",
        list,
        _REQUIRED_DEFAULT,
        "Credential types every technician needs",
        "Credentials",
    ),
    SettingDef(
        "credentials.tb_annual_required",
        bool,
        False,
        "TB test required every year (clinic policy)",
        "Credentials",
        source="CDC/NTCA 2019 (MMWR 68:439): no routine annual testing; states may differ",
    ),
    SettingDef(
        "credentials.exclusion_check_interval_days",
        int,
        31,
        "OIG/SAM exclusion check every (days)",
        "Credentials",
        source="OIG LEIE updated monthly; monthly screening is the accepted norm",
        minimum=1,
    ),
    SettingDef(
        "credentials.ce_credits_per_biennium",
        float,
        24.0,
        "ARRT CE credits per biennium",
        "Credentials",
        source="ARRT Biennial CE Requirements",
        minimum=0,
    ),
    SettingDef(
        "credentials.ce_warning_months",
        int,
        6,
        "Warn about a CE shortfall in the last months of the biennium",
        "Credentials",
        minimum=0,
        maximum=24,
    ),
    SettingDef(
        "credentials.ce_fluoro_safety_credits",
        float,
        4.0,
        "Of those, CE credits in fluoroscopy radiation safety (fluoroscopy-permit holders)",
        "Credentials",
        source="17 CCR 30403 (California RTF permit holders: 4 per 2-year cycle); 0 = no such rule",
        minimum=0,
        maximum=50,
    ),
    SettingDef(
        "credentials.ce_digital_radiography_credits",
        float,
        0.0,
        "Of those, CE credits in digital radiography (every technician)",
        "Credentials",
        source="17 CCR 30403 (California CRTs: 4 per 2-year cycle); 0 = no such rule",
        minimum=0,
        maximum=50,
    ),
    # Contracts
    SettingDef(
        "contracts.warning_days",
        int,
        60,
        "Warn this many days before a contract expires",
        "Contracts",
        minimum=0,
        maximum=365,
    ),
    SettingDef(
        "contracts.evaluation_interval_months",
        int,
        12,
        "Evaluate each contracted service every (months)",
        "Contracts",
        minimum=1,
    ),
    # Garments
    SettingDef(
        "garments.reinspect_months",
        int,
        12,
        "Re-inspect protective garments every (months)",
        "Garments",
        source="TJC annual inspection; ICRP via ARPANSA: on receipt, then annually",
        minimum=1,
        maximum=60,
    ),
    SettingDef(
        "garments.warning_days",
        int,
        30,
        "Warn this many days before a garment inspection is due",
        "Garments",
        minimum=0,
    ),
    SettingDef(
        "garments.reject_critical_mm2",
        float,
        15.0,
        "Reject: defect over critical organs above (mm²)",
        "Garments",
        source=_LAMBERT,
        minimum=0,
    ),
    SettingDef(
        "garments.reject_noncritical_mm2",
        float,
        670.0,
        "Reject: defect on seam, overlap or back above (mm²)",
        "Garments",
        source=_LAMBERT,
        minimum=0,
    ),
    SettingDef(
        "garments.reject_thyroid_mm2",
        float,
        11.0,
        "Reject: thyroid shield defect above (mm²)",
        "Garments",
        source=_LAMBERT,
        minimum=0,
    ),
    # Exposure-rate QC
    SettingDef(
        "exposure.check_interval_days",
        int,
        7,
        "Exposure-rate check every (days)",
        "Exposure",
        source="Contract / facility policy (weekly); no general federal rule",
        minimum=1,
        maximum=366,
    ),
    SettingDef(
        "exposure.limit_normal_mgy_min",
        float,
        88.0,
        "Limit, AERC normal mode (mGy/min)",
        "Exposure",
        source=_CFR_1020_32,
        minimum=0,
    ),
    SettingDef(
        "exposure.limit_normal_r_min",
        float,
        10.0,
        "Limit, AERC normal mode (R/min)",
        "Exposure",
        source=_CFR_1020_32,
        minimum=0,
    ),
    SettingDef(
        "exposure.limit_manual_mgy_min",
        float,
        44.0,
        "Limit, no AERC (mGy/min)",
        "Exposure",
        source=_CFR_1020_32,
        minimum=0,
    ),
    SettingDef(
        "exposure.limit_manual_r_min",
        float,
        5.0,
        "Limit, no AERC (R/min)",
        "Exposure",
        source=_CFR_1020_32,
        minimum=0,
    ),
    SettingDef(
        "exposure.limit_hlc_mgy_min",
        float,
        176.0,
        "Limit, high-level control (mGy/min)",
        "Exposure",
        source=_CFR_1020_32 + "; units made on/after 1995-05-19",
        minimum=0,
    ),
    SettingDef(
        "exposure.limit_hlc_r_min",
        float,
        20.0,
        "Limit, high-level control (R/min)",
        "Exposure",
        source=_CFR_1020_32 + "; units made on/after 1995-05-19",
        minimum=0,
    ),
    SettingDef(
        "exposure.tolerance_pct",
        float,
        25.0,
        "Tolerance around the physicist's baseline (%)",
        "Exposure",
        source="Facility policy; physicist's baseline (a 1.25 variance index is one published practice)",
        minimum=0,
        maximum=100,
    ),
    SettingDef(
        "exposure.survey_due_months",
        int,
        12,
        "Physicist survey due every (months)",
        "Exposure",
        source="TJC EC.02.04.03 (annual)",
        minimum=1,
    ),
    SettingDef(
        "exposure.survey_max_months",
        int,
        14,
        "Physicist survey overdue after (months)",
        "Exposure",
        source="N.J.A.C. 7:28-22.9; 25 Pa. Code 221.35a(c): not to exceed 14 months",
        minimum=1,
    ),
    SettingDef(
        "exposure.warning_days",
        int,
        30,
        "Warn this many days before a survey, unit registration or meter calibration is due",
        "Exposure",
        minimum=0,
        maximum=365,
    ),
    SettingDef(
        "exposure.late_entry_days",
        int,
        7,
        "Mark a check as a late entry when entered more than this many days after it was done",
        "Exposure",
        source="Facility policy",
        minimum=0,
        maximum=366,
    ),
    SettingDef(
        "exposure.meter_calibration_months",
        int,
        24,
        "Meter calibration valid for (months)",
        "Exposure",
        source="25 Pa. Code: calibrated within 2 years of the measurement",
        minimum=1,
    ),
    # Patient dose triggers (defaults to review)
    SettingDef(
        "dose.trigger_air_kerma_mgy",
        float,
        3000.0,
        "Dose trigger: cumulative air kerma (mGy)",
        "Dose",
        source="SIR/NCRP 168 notification level [U: verify]; default to review",
        minimum=0,
    ),
    SettingDef(
        "dose.trigger_kap_gycm2",
        float,
        500.0,
        "Dose trigger: kerma-area product (Gy·cm²)",
        "Dose",
        source="SIR/NCRP 168 SRDL [U: verify]; default to review",
        minimum=0,
    ),
    SettingDef(
        "dose.trigger_fluoro_min",
        float,
        60.0,
        "Dose trigger: fluoroscopy time (min)",
        "Dose",
        source="SIR/NCRP 168 SRDL [U: verify]; default to review",
        minimum=0,
    ),
    SettingDef(
        "dose.skin_check_days",
        int,
        28,
        "Skin check after a case above a trigger level, within (days)",
        "Dose",
        source="SIR/NCRP 168: skin check at about 2-4 weeks [U: verify]; default to review",
        minimum=1,
        maximum=120,
    ),
    # Staff dosimetry (mSv)
    SettingDef(
        "dosimetry.annual_deep_msv",
        float,
        50.0,
        "Annual limit, whole body (mSv)",
        "Dosimetry",
        source="10 CFR 20.1201",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.annual_lens_msv",
        float,
        150.0,
        "Annual limit, lens of the eye (mSv)",
        "Dosimetry",
        source="10 CFR 20.1201",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.annual_shallow_msv",
        float,
        500.0,
        "Annual limit, skin/extremity (mSv)",
        "Dosimetry",
        source="10 CFR 20.1201",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.pregnancy_msv",
        float,
        5.0,
        "Declared pregnancy limit, whole gestation (mSv)",
        "Dosimetry",
        source="10 CFR 20.1208",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara1_quarter_deep_msv",
        float,
        1.25,
        "ALARA level I per quarter, whole body (mSv)",
        "Dosimetry",
        source="10% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara2_quarter_deep_msv",
        float,
        3.75,
        "ALARA level II per quarter, whole body (mSv)",
        "Dosimetry",
        source="30% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara1_quarter_lens_msv",
        float,
        3.75,
        "ALARA level I per quarter, lens of the eye (mSv)",
        "Dosimetry",
        source="10% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara2_quarter_lens_msv",
        float,
        11.25,
        "ALARA level II per quarter, lens of the eye (mSv)",
        "Dosimetry",
        source="30% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara1_quarter_shallow_msv",
        float,
        12.5,
        "ALARA level I per quarter, skin/extremity (mSv)",
        "Dosimetry",
        source="10% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.alara2_quarter_shallow_msv",
        float,
        37.5,
        "ALARA level II per quarter, skin/extremity (mSv)",
        "Dosimetry",
        source="30% of the annual limit per quarter [U]",
        minimum=0,
    ),
    SettingDef(
        "dosimetry.badge_return_days",
        int,
        14,
        "A badge is late when not back this many days after its wear period",
        "Dosimetry",
        source="Vendors: return every badge, unused ones too, promptly after each period [S]; "
        "the grace is clinic policy",
        minimum=0,
        maximum=120,
    ),
    SettingDef(
        "dosimetry.review_due_days",
        int,
        60,
        "Quarterly dosimetry review due this many days after the quarter ends",
        "Dosimetry",
        source="TJC EC.02.02.01: RSO or physicist reviews results at least quarterly [S]; "
        "the grace is clinic policy",
        minimum=1,
        maximum=180,
    ),
    # Application
    SettingDef(
        "app.idle_lock_minutes",
        int,
        15,
        "Lock the app after idle (minutes, 0 = never)",
        "Application",
        minimum=0,
    ),
    SettingDef("app.backups_keep", int, 14, "Automatic backups to keep", "Application", minimum=1),
)

SETTINGS_BY_KEY: dict[str, SettingDef] = {s.key: s for s in SETTINGS}


class ClinicSettings(Mapping[str, Any]):
    """Read-only view of every setting: stored values over defaults."""

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        values = {s.key: s.default for s in SETTINGS}
        for key, raw in (stored or {}).items():
            definition = SETTINGS_BY_KEY.get(key)
            if definition is None:
                continue  # a setting from a newer or older version: ignore, do not crash
            try:
                values[key] = definition.parse(raw)
            except ValidationError:
                continue  # a damaged value falls back to the default
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def is_default(self, key: str) -> bool:
        return self._values[key] == SETTINGS_BY_KEY[key].default

    @property
    def fingerprint(self) -> str:
        """Equal for settings with equal values: part of the key of results worked out from them."""
        found = self.__dict__.get("_fingerprint")
        if found is None:
            found = self.__dict__["_fingerprint"] = repr(sorted(self._values.items()))
        return found
