"""Procedure dose summary and flagged cases, from the procedure records of the period.

The summary reads the period's cases through services/packet_data.procedures_in; which cases are
flagged, and whether their follow-up is complete, comes from the Dose Log's own rule
(services/procedures.load_cases: strictly above a trigger level, compared exactly in the unit
recorded), so the packet and the tab can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from fluorodesk.domain.dose import FollowUpState
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
            f"{float(settings['dose.trigger_fluoro_min']):g} min. A case above any of them is listed "
            "under flagged cases with its follow-up (patient informed, skin check)."
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
    from fluorodesk.services.procedures import load_cases

    rule = {
        c.id: c
        for c in load_cases(
            ctx.session, settings, ctx.as_of, start=ctx.period_from, end=ctx.period_to, flagged_only=True
        )
    }
    flagged = [(c, rule[c.id]) for c in cases if c.id in rule]
    blocks.append(SubHeading(f"Flagged cases: {len(flagged)}"))
    blocks.append(
        Table(
            (
                Column("Date", 0.9),
                Column("Case", 0.8),
                Column("Procedure", 1.6),
                Column("Unit, physician, technologist", 1.7),
                Column("Dose", 1.7),
                Column("Trigger reached", 1.5),
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
                        row.trigger_words,
                        _follow_up_words(row),
                    ),
                    "" if row.follow_up is FollowUpState.DONE else "bad",
                )
                for c, row in flagged
            ),
            empty="No case went above a dose trigger in this period.",
        )
    )
    return Section(KEY, TITLE, tuple(blocks))


def _follow_up_words(row) -> str:  # type: ignore[no-untyped-def]
    parts = [row.follow_up.label]
    if row.patient_informed_on:
        parts.append(f"patient informed {d(row.patient_informed_on)}")
    if row.skin_check_on:
        parts.append(f"skin check {d(row.skin_check_on)}")
    elif row.skin_check_due and row.follow_up is not FollowUpState.DONE:
        parts.append(f"skin check due {d(row.skin_check_due)}")
    if row.follow_up_by:
        parts.append(f"by {row.follow_up_by}")
    return join(parts, "; ")


SPEC = SectionSpec(
    KEY, TITLE, gather, "Dose summary by procedure and the cases that reached a trigger", OWNER_TYPES
)
