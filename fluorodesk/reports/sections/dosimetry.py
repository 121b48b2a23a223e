"""Staff dosimetry summary for the period: each person's badge reports against the annual limits
and the quarterly ALARA investigation levels.

Until the dosimetry capability lands this reads the readings through the simple query in
services/packet_data.dosimetry_in.  The lead should swap ``_assess`` for the capability's rules
(EDE method, lifetime and year-to-date totals, review sign-offs) when it merges.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from fluorodesk.domain.enums import DoseReadingKind
from fluorodesk.reports.context import PacketContext, SectionSpec
from fluorodesk.reports.document import NO_RECORDS, Block, Column, Para, Row, Section, SubHeading, Table, Tone
from fluorodesk.reports.sections.common import join
from fluorodesk.services.packet_data import DoseReadingRow, dosimetry_in

KEY = "dosimetry"
TITLE = "Staff dosimetry"
OWNER_TYPES = ("dosimetry_reading", "dosimeter_badge", "dosimetry_report")


def quarter(day: date) -> str:
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def msv(value: float) -> str:
    return f"{value:.2f}"


def _total(readings: list[DoseReadingRow], attr: str) -> float:
    return sum(getattr(r, attr) or 0.0 for r in readings if r.kind is DoseReadingKind.MEASURED)


def _assess(
    readings: list[DoseReadingRow], ctx: PacketContext
) -> tuple[str, Tone, list[tuple[str, float, str]]]:
    settings = ctx.settings
    limits = {
        "deep_msv": float(settings["dosimetry.annual_deep_msv"]),
        "lens_msv": float(settings["dosimetry.annual_lens_msv"]),
        "shallow_msv": float(settings["dosimetry.annual_shallow_msv"]),
    }
    level1 = float(settings["dosimetry.alara1_quarter_deep_msv"])
    level2 = float(settings["dosimetry.alara2_quarter_deep_msv"])
    per_quarter: dict[str, float] = defaultdict(float)
    for r in readings:
        if r.kind is DoseReadingKind.MEASURED and r.deep_msv is not None:
            per_quarter[quarter(r.period_end)] += r.deep_msv
    events = []
    for q, total in per_quarter.items():
        if total > level2:
            events.append((q, total, "ALARA level II"))
        elif total > level1:
            events.append((q, total, "ALARA level I"))
    over = [name for name, limit in limits.items() if _total(readings, name) > limit]
    if over:
        return "Over an annual limit (" + ", ".join(o.split("_")[0] for o in over) + ")", "bad", events
    if any(e[2] == "ALARA level II" for e in events):
        return "ALARA level II exceeded: investigate", "bad", events
    if events:
        return "ALARA level I exceeded: review", "warn", events
    return "Below investigation levels", "", events


def gather(ctx: PacketContext) -> Section:
    readings = dosimetry_in(ctx.session, ctx.period_from, ctx.period_to, ctx.as_of)
    settings = ctx.settings
    blocks: list[Block] = [
        Para(
            "Annual limits (clinic settings): whole body (deep) "
            f"{float(settings['dosimetry.annual_deep_msv']):g} mSv, lens "
            f"{float(settings['dosimetry.annual_lens_msv']):g} mSv, skin/extremity "
            f"{float(settings['dosimetry.annual_shallow_msv']):g} mSv. Quarterly ALARA investigation "
            f"levels, whole body: {float(settings['dosimetry.alara1_quarter_deep_msv']):g} mSv (level I), "
            f"{float(settings['dosimetry.alara2_quarter_deep_msv']):g} mSv (level II). "
            "“M” (below the vendor's minimum) counts as no measurable dose, not as zero; unused badges are "
            "shown apart. Doses reported from other facilities are included."
        )
    ]
    if not readings:
        blocks.append(Para(NO_RECORDS, "empty"))
        return Section(KEY, TITLE, tuple(blocks))
    by_tech: dict[str, list[DoseReadingRow]] = defaultdict(list)
    for r in readings:
        by_tech[r.technician].append(r)
    rows = []
    investigations = []
    for name, group in by_tech.items():
        words, tone, events = _assess(group, ctx)
        minimal = sum(1 for r in group if r.kind is DoseReadingKind.MINIMAL)
        unused = sum(1 for r in group if r.kind is DoseReadingKind.UNUSED)
        rows.append(
            Row(
                (
                    name,
                    join(
                        [
                            f"{len(group)} report(s)",
                            f"{minimal} M" if minimal else "",
                            f"{unused} unused" if unused else "",
                        ],
                        ", ",
                    ),
                    msv(_total(group, "deep_msv")),
                    msv(_total(group, "lens_msv")),
                    msv(_total(group, "shallow_msv")),
                    words,
                ),
                tone,
            )
        )
        for q, total, level in sorted(events):
            investigations.append(
                Row((name, q, msv(total), level), "bad" if level.endswith("II") else "warn")
            )
    blocks.append(
        Para(
            f"{len(readings)} badge report(s) for {len(by_tech)} person(s), wear periods ending "
            f"{ctx.period_from.isoformat()} to {ctx.period_to.isoformat()}."
        )
    )
    blocks.append(SubHeading("Summary by person"))
    blocks.append(
        Table(
            (
                Column("Person", 1.6),
                Column("Reports", 1.4),
                Column("Deep (mSv)", 0.8, "RIGHT"),
                Column("Lens (mSv)", 0.8, "RIGHT"),
                Column("Shallow (mSv)", 0.9, "RIGHT"),
                Column("Status", 2.2),
            ),
            tuple(rows),
        )
    )
    blocks.append(SubHeading("Investigation levels reached"))
    blocks.append(
        Table(
            (
                Column("Person", 2.0),
                Column("Quarter", 1.0),
                Column("Deep dose (mSv)", 1.2, "RIGHT"),
                Column("Level", 2.0),
            ),
            tuple(investigations),
            empty="No quarter reached an investigation level in this period.",
        )
    )
    others = sorted({r.other_facility for r in readings if r.other_facility})
    if others:
        blocks.append(Para("Includes doses reported from: " + ", ".join(others) + ".", "note"))
    return Section(KEY, TITLE, tuple(blocks))


SPEC = SectionSpec(
    KEY, TITLE, gather, "Badge reports by person against the limits and ALARA levels", OWNER_TYPES
)
