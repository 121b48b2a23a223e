"""Procedure dose summary and flagged cases, from the procedure records of the period.

Until the procedure dose-log capability lands this reads the records through the simple query
in services/packet_data.procedures_in and flags a case when it reaches one of the dose trigger
settings (``dose.trigger_*``).  The lead should replace ``flags`` with the capability's own rule
(configurable alert levels, case reviews) when it merges, and add its case-review column.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import NO_RECORDS, Block, Column, Para, Row, Section, SubHeading, Table
from fluorodesk.reports.sections.common import DASH, d, join, num
from fluorodesk.services.packet_data import ProcedureDose, procedures_in

KEY = "dose"
TITLE = "Patient dose: procedure summary and flagged cases"
OWNER_TYPES = ("procedure", "procedure_record")


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d} min"


def flags(case: ProcedureDose, settings: ClinicSettings) -> list[str]:
    """Which dose triggers a case reached (at or above the level)."""
    out = []
    ak = float(settings["dose.trigger_air_kerma_mgy"])
    kap = float(settings["dose.trigger_kap_gycm2"])
    fluoro = float(settings["dose.trigger_fluoro_min"])
    if case.air_kerma_mgy is not None and case.air_kerma_mgy >= ak:
        out.append(f"air kerma ≥ {ak:g} mGy")
    if case.kap_gycm2 is not None and case.kap_gycm2 >= kap:
        out.append(f"KAP ≥ {kap:g} Gy·cm²")
    if case.fluoro_time_s is not None and case.fluoro_time_s >= fluoro * 60:
        out.append(f"fluoroscopy time ≥ {fluoro:g} min")
    return out


def _spread(values: list[float], unit: str, fmt=None) -> str:  # type: ignore[no-untyped-def]
    if not values:
        return DASH
    show = fmt or (lambda v: num(v, unit))
    return f"{show(median(values))} / {show(max(values))}"


def gather(ctx: PacketContext) -> Section:
    cases = procedures_in(ctx.session, ctx.period_from, ctx.period_to, ctx.as_of)
    settings = ctx.settings
    blocks: list[Block] = [
        Para(
            "Dose triggers (clinic settings): cumulative air kerma "
            f"{float(settings['dose.trigger_air_kerma_mgy']):g} mGy, kerma-area product "
            f"{float(settings['dose.trigger_kap_gycm2']):g} Gy·cm², fluoroscopy time "
            f"{float(settings['dose.trigger_fluoro_min']):g} min. A case at or above any of them is listed "
            "under flagged cases with its follow-up."
        )
    ]
    if not cases:
        blocks.append(Para(NO_RECORDS, "empty"))
        return Section(KEY, TITLE, tuple(blocks))
    by_type: dict[tuple[str, str], list[ProcedureDose]] = defaultdict(list)
    for case in cases:
        by_type[(case.cpt_code, case.procedure)].append(case)
    no_dose = [
        c for c in cases if c.air_kerma_mgy is None and c.kap_gycm2 is None and c.fluoro_time_s is None
    ]
    summary = []
    for (cpt, name), group in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0][0])):
        missing = sum(1 for c in group if c in no_dose)
        summary.append(
            Row(
                (
                    f"{cpt} {name}",
                    str(len(group)),
                    _spread([c.fluoro_time_s for c in group if c.fluoro_time_s is not None], "", minutes),
                    _spread([c.air_kerma_mgy for c in group if c.air_kerma_mgy is not None], "mGy"),
                    _spread([c.kap_gycm2 for c in group if c.kap_gycm2 is not None], "Gy·cm²"),
                    str(missing) if missing else "None",
                ),
                "warn" if missing else "",
            )
        )
    blocks.append(
        Para(
            f"{len(cases)} case(s) from {ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}; "
            f"{len(no_dose)} without any dose recorded."
        )
    )
    blocks.append(SubHeading("Summary by procedure"))
    blocks.append(
        Table(
            (
                Column("Procedure (CPT)", 2.6),
                Column("Cases", 0.6, "RIGHT"),
                Column("Fluoro time, median / max", 1.5),
                Column("Air kerma, median / max", 1.5),
                Column("KAP, median / max", 1.6),
                Column("No dose recorded", 0.9, "RIGHT"),
            ),
            tuple(summary),
        )
    )
    flagged = [(c, flags(c, settings)) for c in cases]
    flagged = [(c, f) for c, f in flagged if f]
    blocks.append(SubHeading(f"Flagged cases: {len(flagged)}"))
    blocks.append(
        Table(
            (
                Column("Date", 0.9),
                Column("Case", 0.8),
                Column("Procedure", 1.6),
                Column("Unit, physician, technologist", 1.7),
                Column("Dose", 1.7),
                Column("Trigger reached", 1.4),
                Column("Follow-up", 1.6),
            ),
            tuple(
                Row(
                    (
                        c.performed_on.isoformat(),
                        c.case_ref or f"#{c.id}",
                        f"{c.cpt_code} {c.procedure}",
                        join([c.unit, c.physician, c.technician], ", "),
                        join(
                            [
                                minutes(c.fluoro_time_s) if c.fluoro_time_s is not None else "",
                                num(c.air_kerma_mgy, "mGy") if c.air_kerma_mgy is not None else "",
                                c.kap_recorded,
                            ],
                            ", ",
                        ),
                        join(f),
                        join([d(c.follow_up_on) if c.follow_up_on else "", c.follow_up_notes], ": ")
                        or "None recorded",
                    ),
                    "warn" if (c.follow_up_on or c.follow_up_notes) else "bad",
                )
                for c, f in flagged
            ),
            empty="No case reached a dose trigger in this period.",
        )
    )
    return Section(KEY, TITLE, tuple(blocks))


SPEC = SectionSpec(
    KEY, TITLE, gather, "Dose summary by procedure and the cases that reached a trigger", OWNER_TYPES
)
