"""Staff dosimetry for the period: each quarter's doses per person against the annual limits and ALARA
investigation levels, investigations, declared pregnancies and the quarterly RSO/physicist reviews.

Every figure comes from the Dosimetry tab's own functions (services/dosimetry/evaluation: collar deep
dose as whole body, ring badges as extremity, "M" kept apart from zero, other facilities' dose counted
toward the annual limits but not the ALARA levels), from the records as they stood on the as-of date,
loaded once for every quarter, so the packet and the tab can never disagree.
"""

from __future__ import annotations

from fluorodesk.domain.dose import Period, periods_between
from fluorodesk.domain.dosimetry import DoseQuantity, Levels, fmt_msv
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import NO_RECORDS, Block, Column, Para, Row, Section, SubHeading, Table, Tone
from fluorodesk.reports.sections.common import DASH, d, join
from fluorodesk.services.dosimetry.evaluation import load_dose_records, load_totals
from fluorodesk.services.dosimetry.loading import load_reviews
from fluorodesk.services.dosimetry.rows import TotalsRow

KEY = "dosimetry"
TITLE = "Staff dosimetry"
OWNER_TYPES = ("dosimetry_reading", "dosimeter_badge", "dosimetry_report")

_QUANTITIES = (DoseQuantity.DEEP, DoseQuantity.LENS, DoseQuantity.SHALLOW, DoseQuantity.EXTREMITY)


def _intro(levels: Levels) -> Para:
    """The levels the totals are judged against (the Dosimetry tab's, from the clinic's settings)."""
    deep = DoseQuantity.DEEP
    return Para(
        f"Annual limits (clinic settings): whole body (deep) {fmt_msv(levels.annual[deep])} mSv, "
        f"lens {fmt_msv(levels.annual[DoseQuantity.LENS])} mSv, "
        f"skin/extremity {fmt_msv(levels.annual[DoseQuantity.SHALLOW])} mSv; declared pregnancy "
        f"{fmt_msv(levels.pregnancy)} mSv. Quarterly ALARA investigation levels, whole body: "
        f"{fmt_msv(levels.alara1[deep])} mSv (level I), {fmt_msv(levels.alara2[deep])} mSv (level II). "
        "“M” (below the vendor's minimum) is shown as M, never as zero; unused badges are counted apart. "
        "Dose reported from other facilities counts toward the annual limits but not toward the ALARA "
        "levels."
    )


def _totals_table(rows: list[TotalsRow], quarter: Period) -> Table:
    def tone(row: TotalsRow) -> Tone:
        if row.reached is None:
            return ""
        return "warn" if row.investigation is not None else "bad"

    return Table(
        (
            Column("Person", 1.5),
            Column("This quarter here (deep / lens / shallow / extremity, mSv)", 2.2),
            Column("Year to date, all facilities", 1.9),
            Column("Status", 2.0),
            Column("Notes", 1.6),
        ),
        tuple(
            Row(
                (
                    r.technician + (f" (left {d(r.retired_on)})" if r.retired_on else ""),
                    " / ".join(r.cell(r.quarter_here, q) or DASH for q in _QUANTITIES),
                    " / ".join(r.cell(r.year_all, q) or DASH for q in _QUANTITIES),
                    r.short_status,
                    r.notes or DASH,
                ),
                tone(r),
            )
            for r in rows
        ),
        title=f"{quarter.label} ({d(quarter.start)} to {d(quarter.end)})",
        empty="No badge holders in this quarter.",
    )


def gather(ctx: PacketContext) -> Section:
    session, settings, as_of = ctx.session, ctx.settings, ctx.as_of
    blocks: list[Block] = [_intro(Levels.from_settings(settings))]
    quarters = [
        q for q in periods_between(ctx.period_from, min(ctx.period_to, as_of), "quarter") if q.start <= as_of
    ]
    records = load_dose_records(session, settings, as_of, {q.year for q in quarters})  # once, for all
    tables = []
    for quarter in reversed(quarters):  # newest first, as an inspector reads it
        rows = load_totals(session, settings, quarter, as_of, records)  # what is known of it on as_of
        if rows:
            tables.append(_totals_table(rows, quarter))
    if not tables:
        blocks.append(Para(NO_RECORDS, "empty"))
        return Section(KEY, TITLE, tuple(blocks))
    blocks.append(SubHeading("Doses by quarter"))
    blocks.extend(tables)

    investigations = [i for i in records.investigations if i.quarter.end >= ctx.period_from]
    blocks.append(SubHeading("Investigations"))
    blocks.append(
        Table(
            (
                Column("Person", 1.5),
                Column("Quarter", 0.8),
                Column("Level reached", 1.6),
                Column("Investigator", 1.3),
                Column("Findings and actions", 2.6),
                Column("Status", 1.2),
            ),
            tuple(
                Row(
                    (
                        i.technician,
                        i.quarter.label,
                        join(
                            [
                                i.level.label,
                                i.quantity.label.lower(),
                                f"{i.dose_msv:g} mSv" if i.dose_msv is not None else "",
                            ],
                            ", ",
                        ),
                        i.investigator,
                        join([i.findings, i.actions], " — ") or DASH,
                        i.status_words,
                    ),
                    "" if i.closed_on else "warn",
                )
                for i in investigations
            ),
            empty="No investigation opened in this period.",
        )
    )

    pregnancies = [p for p in records.pregnancies if p.ended_on is None or p.ended_on >= ctx.period_from]
    if pregnancies:
        blocks.append(SubHeading("Declared pregnancies"))
        blocks.append(
            Table(
                (
                    Column("Person", 1.6),
                    Column("Declared", 0.9),
                    Column("Counted from – to", 1.6),
                    Column("Dose to the embryo/fetus", 2.6),
                ),
                tuple(
                    Row(
                        (
                            p.technician,
                            d(p.declared_on),
                            f"{d(p.window_start)} – {d(p.window_end)}",
                            p.status_words,
                        ),
                        "bad" if p.over else "",
                    )
                    for p in pregnancies
                ),
            )
        )

    reviews = [r for r in load_reviews(session, settings, as_of) if r.quarter.end >= ctx.period_from]
    blocks.append(SubHeading("Quarterly review by the RSO or physicist"))
    blocks.append(
        Table(
            (
                Column("Quarter", 0.8),
                Column("Status", 2.4),
                Column("Reviewer", 1.8),
                Column("Notes", 2.4),
            ),
            tuple(
                Row(
                    (
                        r.quarter.label,
                        r.status_words,
                        join([r.reviewer, r.reviewer_role.label if r.reviewer_role else ""], ", ") or DASH,
                        r.notes or DASH,
                    ),
                    "" if r.state == "signed" else ("bad" if r.state == "overdue" else "warn"),
                )
                for r in reviews
            ),
            empty="No quarterly review was due in this period.",
        )
    )
    return Section(KEY, TITLE, tuple(blocks))


SPEC = SectionSpec(
    KEY, TITLE, gather, "Doses by quarter against the limits and ALARA levels, reviews", OWNER_TYPES
)
