"""Procedure dose summary and flagged cases, from the procedure records of the period.

The summary streams the period's cases through services/packet_data.iter_procedures_in; which cases are
flagged, and whether their follow-up is complete, comes from the Dose Log's own rule
(services/procedures.load_cases: strictly above a trigger level, compared exactly in the unit
recorded), so the packet and the tab can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median
from typing import TYPE_CHECKING

from fluorodesk.domain.dose import FollowUpState
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import NO_RECORDS, Block, Column, Para, Row, Section, SubHeading, Table
from fluorodesk.reports.sections.common import DASH, d, join, num
from fluorodesk.services.packet_data import ProcedureDose, iter_procedures_in

if TYPE_CHECKING:
    from fluorodesk.services.procedures import CaseRow

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


@dataclass
class _Group:
    """One procedure type's cases in the period, as much as the summary needs of them."""

    cases: int = 0
    fluoro_s: list[float] = field(default_factory=list)
    air_kerma: list[float] = field(default_factory=list)
    kap: list[float] = field(default_factory=list)
    no_dose: int = 0


def gather(ctx: PacketContext) -> Section:
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
    from fluorodesk.services.procedures import load_cases

    rule = {
        c.id: c
        for c in load_cases(
            ctx.session, settings, ctx.as_of, start=ctx.period_from, end=ctx.period_to, flagged_only=True
        )
    }
    # The period's cases are streamed, not held: only the summary's figures and the flagged cases
    # are kept (ten years of a busy clinic are 60,000 cases).
    by_type: dict[tuple[str, str], _Group] = defaultdict(_Group)
    flagged: list[tuple[ProcedureDose, CaseRow]] = []
    total = no_dose = 0
    for case in iter_procedures_in(ctx.session, ctx.period_from, ctx.period_to, ctx.as_of):
        total += 1
        group = by_type[(case.cpt_code, case.procedure)]
        group.cases += 1
        if case.fluoro_time_s is not None:
            group.fluoro_s.append(case.fluoro_time_s)
        if case.air_kerma_mgy is not None:
            group.air_kerma.append(case.air_kerma_mgy)
        if case.kap_gycm2 is not None:
            group.kap.append(case.kap_gycm2)
        if case.air_kerma_mgy is None and case.kap_gycm2 is None and case.fluoro_time_s is None:
            group.no_dose += 1
            no_dose += 1
        row = rule.get(case.id)
        if row is not None:
            flagged.append((case, row))
    if not total:
        blocks.append(Para(NO_RECORDS, "empty"))
        return Section(KEY, TITLE, tuple(blocks))
    summary = []
    for (cpt, name), group in sorted(by_type.items(), key=lambda kv: (-kv[1].cases, kv[0][0])):
        missing = group.no_dose
        summary.append(
            Row(
                (
                    f"{cpt} {name}",
                    str(group.cases),
                    _spread(group.fluoro_s, "", minutes),
                    _spread(group.air_kerma, "mGy"),
                    _spread(group.kap, "Gy·cm²"),
                    str(missing) if missing else "None",
                ),
                "warn" if missing else "",
            )
        )
    blocks.append(
        Para(
            f"{counted(total, 'cases')} from {ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}; "
            f"{no_dose} without any dose recorded."
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
