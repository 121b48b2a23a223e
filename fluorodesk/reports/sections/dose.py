"""Procedure dose summary and flagged cases, from the procedure records of the period.

Every figure comes from the Dose Log's own functions: the cases as the Dose Log reads them
(services/procedures/loading.iter_cases, as the log stood on the as-of date), which are flagged and
whether their follow-up is complete (strictly above a trigger level, compared exactly in the unit
recorded), and the medians and highest values of its summaries (domain/dose.dose_stats: KAP converted
to Gy·cm² exactly).  So the packet and the tab can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from fluorodesk.domain.dose import CaseDose, FollowUpState, TriggerLevels, dose_stats
from fluorodesk.domain.text import counted
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import NO_RECORDS, Block, Column, Para, Row, Section, SubHeading, Table
from fluorodesk.reports.sections.common import DASH, d, join, num
from fluorodesk.services.procedures.loading import iter_cases
from fluorodesk.services.procedures.rows import CaseRow

KEY = "dose"
TITLE = "Patient dose: procedure summary and flagged cases"
OWNER_TYPES = ("procedure", "procedure_record")


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d} min"


def _spread(median: float | None, highest: float | None, show) -> str:  # type: ignore[no-untyped-def]
    return DASH if median is None or highest is None else f"{show(median)} / {show(highest)}"


@dataclass
class _Group:
    """One procedure type's cases in the period: their doses (the figures are worked out from them)."""

    doses: list[CaseDose] = field(default_factory=list)
    flagged: int = 0


def gather(ctx: PacketContext) -> Section:
    levels = TriggerLevels.from_settings(ctx.settings)
    blocks: list[Block] = [
        Para(
            f"Dose triggers (clinic settings): {levels.words()}. A case above any of them is listed "
            "under flagged cases with its follow-up (patient informed, skin check)."
        )
    ]
    # The period's cases are streamed, not held: only each procedure's doses and the flagged cases
    # are kept (ten years of a busy clinic are 60,000 cases).
    by_type: dict[tuple[str, str], _Group] = defaultdict(_Group)
    flagged: list[CaseRow] = []
    for case in iter_cases(
        ctx.session, ctx.settings, ctx.as_of, start=ctx.period_from, end=ctx.period_to, snapshot=True
    ):
        group = by_type[(case.cpt_code, case.procedure)]
        group.doses.append(case.dose)
        if case.flagged:
            group.flagged += 1
            flagged.append(case)
    flagged.reverse()  # oldest first, as the log was kept
    stats = {key: dose_stats(group.doses, group.flagged) for key, group in by_type.items()}
    total = sum(s.cases for s in stats.values())
    if not total:
        blocks.append(Para(NO_RECORDS, "empty"))
        return Section(KEY, TITLE, tuple(blocks))
    summary = []
    for (cpt, name), figures in sorted(stats.items(), key=lambda kv: (-kv[1].cases, kv[0][0])):
        summary.append(
            Row(
                (
                    f"{cpt} {name}",
                    str(figures.cases),
                    _spread(figures.median_time_s, figures.max_time_s, minutes),
                    _spread(figures.median_kerma_mgy, figures.max_kerma_mgy, lambda v: num(v, "mGy")),
                    _spread(figures.median_kap_gycm2, figures.max_kap_gycm2, lambda v: num(v, "Gy·cm²")),
                    str(figures.no_dose) if figures.no_dose else "None",
                ),
                "warn" if figures.no_dose else "",
            )
        )
    no_dose = sum(s.no_dose for s in stats.values())
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
                        join([c.unit_code, c.physician, c.technician], ", "),
                        join(
                            [
                                minutes(c.fluoro_time_s) if c.fluoro_time_s is not None else "",
                                num(c.air_kerma_mgy, "mGy") if c.air_kerma_mgy is not None else "",
                                c.kap_text,
                            ],
                            ", ",
                        ),
                        c.trigger_words,
                        _follow_up_words(c),
                    ),
                    "" if c.follow_up is FollowUpState.DONE else "bad",
                )
                for c in flagged
            ),
            empty="No case went above a dose trigger in this period.",
        )
    )
    return Section(KEY, TITLE, tuple(blocks))


def _follow_up_words(row: CaseRow) -> str:
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
