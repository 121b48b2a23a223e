"""Staff dosimetry: badges and wear periods, readings, totals against limits and ALARA levels,
investigations, declared pregnancies, dose from other facilities, and the quarterly review sign-off.

The rules (which badge counts for what, when a level is exceeded, when a badge is late) live in
``domain/dosimetry.py``; this module loads the records, validates what people type, writes with an
audit event, and turns the clinic's state on a date into findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.base import utcnow
from fluorodesk.db.models import (
    DeclaredPregnancy,
    DoseInvestigation,
    DosimeterBadge,
    DosimetryReading,
    DosimetryReview,
    Technician,
)
from fluorodesk.domain.dates import describe_due, parse_date
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
    ReadingFacts,
    ReviewDue,
    ReviewerRole,
    WearFrequency,
    alara_reached,
    annual_reached,
    badge_state,
    classify_reading,
    clearly_below,
    default_period_end,
    fmt_msv,
    investigation_covers,
    next_wear_period,
    parse_dose_entry,
    pregnancy_dose,
    pregnancy_window,
    quarter_of,
    quarter_to_date,
    review_schedule,
    year_to_date,
)
from fluorodesk.domain.enums import Area, BadgePosition, DoseReadingKind, Severity
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.settings import ClinicSettings
from fluorodesk.domain.text import counted, squash
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service
from fluorodesk.services.settings import load_settings

MAX_TEXT = 120

# --------------------------------------------------------------------------- DTOs


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


# --------------------------------------------------------------------------- loading


def _known_by(as_of: date):  # type: ignore[no-untyped-def]
    """Records voided after ``as_of`` still counted on that day (a past packet stays reproducible)."""
    return datetime.combine(as_of, time.max)


_RD = DosimetryReading
_FACT_COLUMNS = (
    _RD.period_start,
    _RD.period_end,
    _RD.kind,
    _RD.deep_msv,
    _RD.lens_msv,
    _RD.shallow_msv,
    _RD.deep_minimal,
    _RD.lens_minimal,
    _RD.shallow_minimal,
    DosimeterBadge.position,
    _RD.other_facility,
    _RD.received_on,
)


def load_readings(session: Session, as_of: date) -> dict[int, list[ReadingFacts]]:
    """Each worker's readings that count on ``as_of`` (not voided by then, known by then)."""
    stmt = (
        select(_RD.technician_id, *_FACT_COLUMNS)
        .outerjoin(DosimeterBadge, _RD.badge_id == DosimeterBadge.id)
        .where(or_(_RD.voided_at.is_(None), _RD.voided_at > _known_by(as_of)))
        .order_by(_RD.id)  # the table's own order: free
    )
    out: dict[int, list[ReadingFacts]] = defaultdict(list)
    for technician_id, *values in session.execute(stmt):  # columns only: no ORM object per reading
        facts = ReadingFacts(*values)
        if facts.available_on <= as_of:
            out[technician_id].append(facts)
    return out


def _investigation_row(inv: DoseInvestigation) -> InvestigationRow:
    return InvestigationRow(
        id=inv.id,
        technician_id=inv.technician_id,
        technician=inv.technician.full_name,
        quarter=Period.of(date(inv.year, 3 * inv.quarter - 2, 1), "quarter"),
        level=inv.level,
        quantity=inv.quantity,
        dose_msv=inv.dose_msv,
        opened_on=inv.opened_on,
        investigator=inv.investigator,
        findings=inv.findings,
        actions=inv.actions,
        closed_on=inv.closed_on,
    )


def load_investigations(session: Session, as_of: date) -> list[InvestigationRow]:
    rows = session.scalars(
        select(DoseInvestigation)
        .options(selectinload(DoseInvestigation.technician))
        .where(DoseInvestigation.opened_on <= as_of)
        .order_by(DoseInvestigation.opened_on.desc(), DoseInvestigation.id.desc())
    ).all()
    out = []
    for inv in rows:
        row = _investigation_row(inv)
        if row.closed_on is not None and row.closed_on > as_of:
            row = replace(row, closed_on=None)
        out.append(row)
    return out


def _covering(
    investigations: Sequence[InvestigationRow], technician_id: int, reached: LevelReached, quarter: Period
) -> InvestigationRow | None:
    """The investigation answering ``reached``: same worker; same quarter (ALARA) or year (annual limit)."""
    best = None
    for inv in investigations:
        if inv.technician_id != technician_id or not investigation_covers(inv.level, reached.level):
            continue
        if reached.level is InvestigationLevel.ANNUAL_LIMIT:
            if inv.quarter.year != quarter.year:
                continue
        elif inv.quarter != quarter:
            continue
        if best is None or (best.closed_on is None and inv.closed_on is not None):
            best = inv
    return best


def load_pregnancies(
    session: Session,
    settings: ClinicSettings,
    as_of: date,
    readings: dict[int, list[ReadingFacts]],
    investigations: Sequence[InvestigationRow],
) -> list[PregnancyRow]:
    levels = Levels.from_settings(settings)
    out = []
    for p in session.scalars(
        select(DeclaredPregnancy)
        .options(selectinload(DeclaredPregnancy.technician))
        .where(DeclaredPregnancy.declared_on <= as_of)
        .order_by(DeclaredPregnancy.declared_on.desc())
    ):
        ended = p.ended_on if p.ended_on is not None and p.ended_on <= as_of else None
        start, end = pregnancy_window(p.declared_on, p.estimated_due_on, ended, as_of)
        dose = pregnancy_dose(readings.get(p.technician_id, []), start, end, as_of)
        investigated = any(
            i.technician_id == p.technician_id
            and i.level is InvestigationLevel.PREGNANCY
            and i.opened_on >= p.declared_on
            for i in investigations
        )
        out.append(
            PregnancyRow(
                id=p.id,
                technician_id=p.technician_id,
                technician=p.technician.full_name,
                declared_on=p.declared_on,
                estimated_due_on=p.estimated_due_on,
                ended_on=ended,
                end_reason=p.end_reason if ended else "",
                notes=p.notes,
                window_start=start,
                window_end=end,
                dose=dose,
                limit_msv=levels.pregnancy,
                investigated=investigated,
            )
        )
    return out


@dataclass(frozen=True)
class DoseRecords:
    """The readings and investigations that count on a date: the totals, the pregnancies and the
    level findings all judge them (loaded once by a caller that needs several, and passed down)."""

    readings: dict[int, list[ReadingFacts]]
    investigations: list[InvestigationRow]


def load_dose_records(session: Session, as_of: date) -> DoseRecords:
    return DoseRecords(load_readings(session, as_of), load_investigations(session, as_of))


def _pregnancies(
    session: Session, settings: ClinicSettings, as_of: date, records: DoseRecords
) -> list[PregnancyRow]:
    return load_pregnancies(session, settings, as_of, records.readings, records.investigations)


def load_totals(
    session: Session,
    settings: ClinicSettings,
    quarter: Period,
    as_of: date,
    records: DoseRecords | None = None,
) -> list[TotalsRow]:
    """One row per worker with a badge or a reading: the quarter's dose here, the year's dose everywhere.
    ``records``: ``load_dose_records(session, as_of)`` when the caller has them already."""
    levels = Levels.from_settings(settings)
    records = records or load_dose_records(session, as_of)
    readings, investigations = records.readings, records.investigations
    pregnancies = _pregnancies(session, settings, as_of, records)
    badge_holders = set(
        session.scalars(select(DosimeterBadge.technician_id).where(DosimeterBadge.assigned_on <= as_of))
    )
    ids = badge_holders | set(readings)
    techs = session.scalars(select(Technician).where(Technician.id.in_(ids))).all() if ids else []
    out = []
    for tech in techs:
        if tech.retired_on is not None and tech.retired_on < quarter.start and tech.id not in readings:
            continue
        # Only the quarter's year counts below: the year's readings, not ten years of them, are added up.
        mine = [r for r in readings.get(tech.id, ()) if r.period_end.year == quarter.year]
        here = quarter_to_date(mine, quarter, as_of, include_other=False)
        year_all = year_to_date(mine, quarter, as_of)
        year_other = year_to_date([r for r in mine if r.other_facility], quarter, as_of)
        reached = annual_reached(year_all, levels) or alara_reached(here, levels)
        covering = _covering(investigations, tech.id, reached, quarter) if reached else None
        pregnancy = next(
            (
                p
                for p in pregnancies
                if p.technician_id == tech.id and (p.active or p.ended_on >= quarter.start)
            ),
            None,
        )
        out.append(
            TotalsRow(
                tech.id,
                tech.full_name,
                tech.retired_on,
                quarter,
                here,
                year_all,
                year_other,
                reached,
                covering,
                pregnancy,
                levels,
            )
        )
    out.sort(key=lambda r: r.technician.lower())
    return out


def first_record_day(session: Session) -> date | None:
    days = [
        session.scalar(select(DosimeterBadge.assigned_on).order_by(DosimeterBadge.assigned_on).limit(1)),
        session.scalar(
            select(DosimetryReading.period_end)
            .where(DosimetryReading.other_facility == "")
            .order_by(DosimetryReading.period_end)
            .limit(1)
        ),
    ]
    known = [d for d in days if d is not None]
    return min(known) if known else None


def load_reviews(session: Session, settings: ClinicSettings, as_of: date) -> list[ReviewRow]:
    due_days = int(settings["dosimetry.review_due_days"])
    reviews = {
        Period.of(date(r.year, 3 * r.quarter - 2, 1), "quarter"): r
        for r in session.scalars(select(DosimetryReview).where(DosimetryReview.reviewed_on <= as_of))
    }
    schedule = review_schedule(
        first_record_day(session),
        as_of,
        {q: r.reviewed_on for q, r in reviews.items()},
        due_days,
    )
    out = []
    for item in reversed(schedule):
        review = reviews.get(item.quarter)
        out.append(_review_row(item, review, as_of))
    return out


def _review_row(item: ReviewDue, review: DosimetryReview | None, as_of: date) -> ReviewRow:
    return ReviewRow(
        quarter=item.quarter,
        due_on=item.due_on,
        state=item.state(as_of),
        review_id=review.id if review else None,
        reviewed_on=review.reviewed_on if review else None,
        reviewer=review.reviewer if review else "",
        reviewer_role=review.reviewer_role if review else None,
        notes=review.notes if review else "",
        as_of=as_of,
    )


def _badge_row(
    badge: DosimeterBadge, technician: str, grace: int, as_of: date, with_reading: set[int]
) -> BadgeRow:
    state, due = badge_state(badge.assigned_on, badge.period_end, badge.returned_on, as_of, grace)
    return BadgeRow(
        id=badge.id,
        technician_id=badge.technician_id,
        technician=technician,
        badge_code=badge.badge_code,
        position=badge.position,
        vendor=badge.vendor,
        assigned_on=badge.assigned_on,
        period_end=badge.period_end,
        returned_on=badge.returned_on if badge.returned_on and badge.returned_on <= as_of else None,
        state=state,
        due_back_on=due,
        has_reading=badge.id in with_reading,
        notes=badge.notes,
        as_of=as_of,
    )


def load_badges(session: Session, settings: ClinicSettings, as_of: date) -> list[BadgeRow]:
    grace = int(settings["dosimetry.badge_return_days"])
    with_reading = set(
        session.scalars(
            select(DosimetryReading.badge_id)
            .where(DosimetryReading.badge_id.is_not(None), DosimetryReading.voided_at.is_(None))
            .distinct()  # one row per badge, not per reading
        )
    )
    badges = session.scalars(
        select(DosimeterBadge)
        .options(selectinload(DosimeterBadge.technician))
        .order_by(DosimeterBadge.assigned_on.desc(), DosimeterBadge.badge_code)
    )
    return [_badge_row(b, b.technician.full_name, grace, as_of, with_reading) for b in badges]


def _reading_select() -> Select:
    return (
        select(
            _RD.id,
            _RD.technician_id,
            Technician.first_name,
            Technician.last_name,
            _RD.badge_id,
            DosimeterBadge.badge_code,
            _RD.notes,
            _RD.voided_at,
            _RD.void_reason,
            *_FACT_COLUMNS,
        )
        .join(Technician, _RD.technician_id == Technician.id)
        .outerjoin(DosimeterBadge, _RD.badge_id == DosimeterBadge.id)
    )


_FIRST_FACT = 9  # where _FACT_COLUMNS start in _reading_select's rows


def _reading_row(row: Row) -> ReadingRow:
    id_, technician_id, first, last, badge_id, badge_code, notes, voided_at, void_reason = row[:_FIRST_FACT]
    facts = ReadingFacts(*row[_FIRST_FACT:])
    deep, lens, shallow = facts.entries()
    return ReadingRow(
        id=id_,
        technician_id=technician_id,
        technician=f"{first} {last}",
        badge_id=badge_id,
        badge_code=badge_code or "",
        position=facts.position,
        period_start=facts.period_start,
        period_end=facts.period_end,
        kind=facts.kind,
        deep=deep,
        lens=lens,
        shallow=shallow,
        other_facility=facts.other_facility,
        received_on=facts.received_on,
        notes=notes,
        voided_at=voided_at,
        void_reason=void_reason,
    )


def _reading_by_id(session: Session, reading_id: int) -> ReadingRow:
    return _reading_row(session.execute(_reading_select().where(_RD.id == reading_id)).one())


# --------------------------------------------------------------------------- validation helpers


def _date(value: date | str | None, name: str, errors: dict[str, str], *, required: str = "") -> date | None:
    try:
        parsed = parse_date(value, field=name)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None
    if parsed is None and required:
        errors[name] = required
    return parsed


def _not_future(errors: dict[str, str], today: date, **days: date | None) -> None:
    """Refuse each of ``days`` (field name = value) that is after ``today``."""
    for name, day in days.items():
        if day is not None and day > today:
            errors[name] = f"{day} is in the future."


def _text(
    value: str | None, name: str, errors: dict[str, str], *, required: str = "", limit: int = MAX_TEXT
) -> str:
    text = squash(value)
    if not text and required:
        errors[name] = required
    elif len(text) > limit:
        errors[name] = f"At most {limit} characters."
    return text


def _quarter(
    year: int | None, number: int | None, errors: dict[str, str], name: str = "quarter"
) -> Period | None:
    try:
        y = int(year) if year is not None else None
        q = int(number) if number is not None else None
    except (TypeError, ValueError):
        y = q = None
    if y is None or q is None or not 1 <= q <= 4 or not 1990 <= y <= 2200:
        errors[name] = "Choose the quarter."
        return None
    return Period.of(date(y, 3 * q - 2, 1), "quarter")


def _technician(session: Session, technician_id: int | None, errors: dict[str, str]) -> Technician | None:
    if technician_id is None:
        errors["technician_id"] = "Choose the technician."
        return None
    tech = session.get(Technician, technician_id)
    if tech is None:
        errors["technician_id"] = "That technician no longer exists."
    return tech


# --------------------------------------------------------------------------- the service


class DosimetryService(Service):
    # ---- reading

    def technicians(self, *, include_retired: bool = False) -> list[TechnicianChoice]:
        with self.db.read() as session:
            stmt = select(Technician).order_by(Technician.first_name, Technician.last_name)
            if not include_retired:
                stmt = stmt.where(or_(Technician.retired_on.is_(None), Technician.retired_on > self.today()))
            return [TechnicianChoice(t.id, t.full_name, t.retired_on) for t in session.scalars(stmt)]

    def levels(self) -> Levels:
        with self.db.read() as session:
            return Levels.from_settings(load_settings(session))

    def quarters(self) -> list[Period]:
        """Quarters from the first dosimetry record to today's, newest first."""
        today = self.today()
        with self.db.read() as session:
            first = first_record_day(session)
        quarter = quarter_of(min(first, today) if first else today)
        out = []
        while quarter.start <= today:
            out.append(quarter)
            quarter = quarter.next()
        return list(reversed(out))

    def totals(self, quarter: Period | None = None, *, as_of: date | None = None) -> list[TotalsRow]:
        as_of = as_of or self.today()
        quarter = quarter or quarter_of(as_of)
        with self.db.read() as session:
            return load_totals(session, load_settings(session), quarter, as_of)

    def badges(self, *, as_of: date | None = None, include_returned: bool = True) -> list[BadgeRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            rows = load_badges(session, load_settings(session), as_of)
        if not include_returned:
            rows = [r for r in rows if r.state is not BadgeState.RETURNED]
        return rows

    def readings(self, *, include_voided: bool = False) -> list[ReadingRow]:
        with self.db.read() as session:
            stmt = _reading_select().order_by(_RD.period_end.desc(), _RD.id.desc())
            if not include_voided:
                stmt = stmt.where(_RD.voided_at.is_(None))
            return [_reading_row(r) for r in session.execute(stmt)]

    def investigations(self, *, as_of: date | None = None) -> list[InvestigationRow]:
        with self.db.read() as session:
            return load_investigations(session, as_of or self.today())

    def pregnancies(self, *, as_of: date | None = None) -> list[PregnancyRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return _pregnancies(session, load_settings(session), as_of, load_dose_records(session, as_of))

    def summary(self, quarter: Period | None = None) -> DosimetrySummary:
        """The quarter's totals (this quarter by default) and the findings, as of today."""
        as_of = self.today()
        quarter = quarter or quarter_of(as_of)
        with self.db.read() as session:
            settings = load_settings(session)
            records = load_dose_records(session, as_of)
            return DosimetrySummary(
                totals=load_totals(session, settings, quarter, as_of, records),
                findings=findings(session, settings, as_of, records),
            )

    def findings(self, *, as_of: date | None = None) -> list[Finding]:
        """This area's findings only (the tab's summary line); the Overview gathers every area."""
        with self.db.read() as session:
            return findings(session, load_settings(session), as_of or self.today())

    def reviews(self, *, as_of: date | None = None) -> list[ReviewRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return load_reviews(session, load_settings(session), as_of)

    # ---- badges

    def issue_badge(self, draft: BadgeDraft) -> BadgeRow:
        errors: dict[str, str] = {}
        code = _text(
            draft.badge_code, "badge_code", errors, required="Enter the badge (participant) number.", limit=40
        )
        vendor = _text(draft.vendor, "vendor", errors)
        try:
            position = BadgePosition(draft.position)
        except ValueError:
            errors["position"] = "Choose collar, waist, ring or fetal."
            position = BadgePosition.COLLAR
        start = _date(
            draft.assigned_on, "assigned_on", errors, required="Enter the first day of the wear period."
        )
        end = _date(draft.period_end, "period_end", errors)
        if end is None and start is not None and draft.frequency and "period_end" not in errors:
            try:
                end = default_period_end(start, draft.frequency)
            except ValueError:
                errors["period_end"] = "Choose monthly or quarterly, or enter the last day."
        if start and end and end < start:
            errors["period_end"] = "The wear period ends before it starts."
        with self.writing() as session:
            tech = _technician(session, draft.technician_id, errors)
            if tech is not None and start and tech.retired_on is not None and tech.retired_on < start:
                errors["technician_id"] = f"{tech.full_name} left on {tech.retired_on}."
            if errors:
                raise ValidationError(fields=errors)
            assert tech is not None and start is not None
            self._refuse_overlap(session, tech, position, start, end)
            if session.scalar(
                select(DosimeterBadge.id).where(
                    DosimeterBadge.badge_code == code, DosimeterBadge.assigned_on == start
                )
            ):
                raise ConflictError(f"Badge {code} starting {start} is already on file.")
            badge = DosimeterBadge(
                technician_id=tech.id,
                badge_code=code,
                position=position,
                vendor=vendor,
                assigned_on=start,
                period_end=end,
                notes=draft.notes.strip(),
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(badge)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="dosimeter_badges",
                entity_id=badge.id,
                summary=f"Badge {code} ({position.label.lower()}) issued to {tech.full_name} from {start}",
                after=audit.snapshot(badge),
            )
            return self._badge(session, badge)

    def issue_next_period(self, badge_id: int) -> BadgeRow:
        """The same badge (code, position, vendor) for the wear period after this one."""
        with self.db.read() as session:
            badge = session.get(DosimeterBadge, badge_id)
            if badge is None:
                raise NotFoundError("That badge no longer exists.")
            if badge.period_end is None:
                raise ConflictError("This badge has no end to its wear period; issue the next one by hand.")
            start, end = next_wear_period(badge.assigned_on, badge.period_end)
            draft = BadgeDraft(
                badge.technician_id, badge.badge_code, badge.position, badge.vendor, start, end
            )
        return self.issue_badge(draft)

    def return_badge(self, badge_id: int, returned_on: date | str | None) -> BadgeRow:
        errors: dict[str, str] = {}
        day = _date(returned_on, "returned_on", errors, required="Enter the day the badge came back.")
        _not_future(errors, self.today(), returned_on=day)
        with self.writing() as session:
            badge = session.get(DosimeterBadge, badge_id)
            if badge is None:
                raise NotFoundError("That badge no longer exists.")
            if day is not None and day < badge.assigned_on:
                errors["returned_on"] = f"This is before the badge was issued ({badge.assigned_on})."
            if errors:
                raise ValidationError(fields=errors)
            if badge.returned_on is not None:
                raise ConflictError(f"Badge {badge.badge_code} was already returned on {badge.returned_on}.")
            before = audit.snapshot(badge)
            badge.returned_on = day
            badge.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="dosimeter_badges",
                entity_id=badge.id,
                summary=f"Badge {badge.badge_code} returned {day}",
                before=before,
                after=audit.snapshot(badge),
            )
            return self._badge(session, badge)

    def _refuse_overlap(
        self, session: Session, tech: Technician, position: BadgePosition, start: date, end: date | None
    ) -> None:
        for other in session.scalars(
            select(DosimeterBadge).where(
                DosimeterBadge.technician_id == tech.id, DosimeterBadge.position == position
            )
        ):
            other_end = other.period_end or date.max
            if other.assigned_on <= (end or date.max) and start <= other_end:
                raise ConflictError(
                    f"{tech.full_name} already has a {position.label.lower()} badge ({other.badge_code}) "
                    f"for {other.assigned_on} to {other.period_end or 'open'}."
                )

    def _badge(self, session: Session, badge: DosimeterBadge) -> BadgeRow:
        session.flush()
        session.refresh(badge)
        settings = load_settings(session)
        has = session.scalar(
            select(DosimetryReading.id).where(
                DosimetryReading.badge_id == badge.id, DosimetryReading.voided_at.is_(None)
            )
        )
        return _badge_row(
            badge,
            badge.technician.full_name,
            int(settings["dosimetry.badge_return_days"]),
            self.today(),
            {badge.id} if has else set(),
        )

    # ---- readings

    def record_reading(self, draft: ReadingDraft) -> ReadingRow:
        """A report's line for one badge, or dose reported from another facility (``other_facility``)."""
        errors: dict[str, str] = {}
        entries: dict[str, DoseEntry] = {}
        for name in ("deep_msv", "lens_msv", "shallow_msv"):
            try:
                entries[name] = parse_dose_entry(getattr(draft, name))
            except ValueError as exc:
                errors[name] = str(exc)
                entries[name] = DoseEntry()
        kind, problems = classify_reading(entries, unused=draft.unused)
        for name, message in problems.items():
            errors.setdefault(name, message)
        start = _date(draft.period_start, "period_start", errors)
        end = _date(draft.period_end, "period_end", errors)
        received = _date(draft.received_on, "received_on", errors)
        _not_future(errors, self.today(), received_on=received)
        facility = _text(draft.other_facility, "other_facility", errors, limit=160)
        if facility and kind is DoseReadingKind.UNUSED:
            errors["other_facility"] = "Another facility reports dose, not unused badges."
        with self.writing() as session:
            tech = _technician(session, draft.technician_id, errors)
            badge = None
            if draft.badge_id is not None:
                badge = session.get(DosimeterBadge, draft.badge_id)
                if badge is None:
                    errors["badge_id"] = "That badge no longer exists."
                else:
                    start = start or badge.assigned_on
                    end = end or badge.period_end
                    if tech is not None and badge.technician_id != tech.id:
                        errors["badge_id"] = "That badge belongs to someone else."
                    elif facility:
                        errors["other_facility"] = (
                            "Dose from another facility is not read from one of our badges."
                        )
            if start is None and "period_start" not in errors:
                errors["period_start"] = "Enter the first day of the wear period."
            if end is None and "period_end" not in errors:
                errors["period_end"] = "Enter the last day of the wear period."
            if start and end and end < start:
                errors["period_end"] = "The wear period ends before it starts."
            if end and end > self.today() and "period_end" not in errors and not facility:
                errors["period_end"] = (
                    "This wear period has not ended yet; enter its reading when the report comes."
                )
            if received and start and received < start:
                errors["received_on"] = "The report cannot arrive before the wear period starts."
            if errors:
                raise ValidationError(fields=errors)
            assert tech is not None and start is not None and end is not None
            if badge is not None and session.scalar(
                select(DosimetryReading.id).where(
                    DosimetryReading.badge_id == badge.id,
                    DosimetryReading.period_start == start,
                    DosimetryReading.period_end == end,
                    DosimetryReading.voided_at.is_(None),
                )
            ):
                raise ConflictError(
                    f"Badge {badge.badge_code} already has a reading for {start} to {end}; "
                    "void it to replace it."
                )
            reading = DosimetryReading(
                technician_id=tech.id,
                badge_id=badge.id if badge else None,
                period_start=start,
                period_end=end,
                kind=kind,
                deep_msv=entries["deep_msv"].value,
                lens_msv=entries["lens_msv"].value,
                shallow_msv=entries["shallow_msv"].value,
                deep_minimal=entries["deep_msv"].minimal,
                lens_minimal=entries["lens_msv"].minimal,
                shallow_minimal=entries["shallow_msv"].minimal,
                other_facility=facility,
                received_on=received,
                notes=draft.notes.strip(),
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(reading)
            if badge is not None and kind is DoseReadingKind.UNUSED and badge.returned_on is None:
                badge.returned_on = received or end
            session.flush()
            where = f"from {facility}" if facility else (f"badge {badge.badge_code}" if badge else "")
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="dosimetry_readings",
                entity_id=reading.id,
                summary=f"Dosimetry reading for {tech.full_name}, {start} to {end} {where}".strip(),
                after=audit.snapshot(reading),
            )
            return _reading_by_id(session, reading.id)

    def void_reading(self, reading_id: int, reason: str) -> ReadingRow:
        reason = squash(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why this reading is voided."})
        with self.writing() as session:
            reading = session.get(DosimetryReading, reading_id)
            if reading is None:
                raise NotFoundError("That reading no longer exists.")
            if reading.voided_at is not None:
                raise ConflictError("That reading is already voided.")
            before = audit.snapshot(reading)
            reading.voided_at = utcnow()
            reading.void_reason = reason
            reading.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="void",
                entity="dosimetry_readings",
                entity_id=reading.id,
                summary=f"Dosimetry reading #{reading.id} voided: {reason}",
                before=before,
                after=audit.snapshot(reading),
            )
            return _reading_by_id(session, reading.id)

    # ---- investigations

    def _parse_investigation(self, draft: InvestigationDraft, errors: dict[str, str]) -> dict:
        quarter = _quarter(draft.year, draft.quarter, errors)
        try:
            level = InvestigationLevel(draft.level)
        except ValueError:
            errors["level"] = "Choose the level that was reached."
            level = InvestigationLevel.ALARA1
        try:
            quantity = DoseQuantity(draft.quantity)
        except ValueError:
            errors["quantity"] = "Choose the dose quantity."
            quantity = DoseQuantity.DEEP
        opened = _date(
            draft.opened_on, "opened_on", errors, required="Enter the day the investigation started."
        )
        closed = _date(draft.closed_on, "closed_on", errors)
        _not_future(errors, self.today(), opened_on=opened, closed_on=closed)
        if opened and closed and closed < opened and "closed_on" not in errors:
            errors["closed_on"] = "It cannot close before it opened."
        investigator = _text(
            draft.investigator, "investigator", errors, required="Say who investigates (RSO or physicist)."
        )
        findings_text = (draft.findings or "").strip()
        if closed is not None and not findings_text:
            errors["findings"] = "Write what was found before closing the investigation."
        dose = None
        if draft.dose_msv not in (None, ""):
            try:
                entry = parse_dose_entry(draft.dose_msv)
                dose = entry.value
                if dose is None:
                    raise ValueError("Enter the dose in mSv.")
            except ValueError as exc:
                errors["dose_msv"] = str(exc)
        return {
            "quarter": quarter,
            "level": level,
            "quantity": quantity,
            "opened_on": opened,
            "closed_on": closed,
            "investigator": investigator,
            "findings": findings_text,
            "actions": (draft.actions or "").strip(),
            "dose_msv": dose,
        }

    def open_investigation(self, draft: InvestigationDraft) -> InvestigationRow:
        errors: dict[str, str] = {}
        values = self._parse_investigation(draft, errors)
        with self.writing() as session:
            tech = _technician(session, draft.technician_id, errors)
            if errors:
                raise ValidationError(fields=errors)
            assert tech is not None
            quarter: Period = values.pop("quarter")
            inv = DoseInvestigation(
                technician_id=tech.id,
                year=quarter.year,
                quarter=quarter.number,
                created_by=self.actor,
                updated_by=self.actor,
                **values,
            )
            session.add(inv)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="dose_investigations",
                entity_id=inv.id,
                summary=f"{inv.level.label} investigation opened for {tech.full_name}, {quarter.label}",
                after=audit.snapshot(inv),
            )
            session.refresh(inv)
            return _investigation_row(inv)

    def update_investigation(self, investigation_id: int, draft: InvestigationDraft) -> InvestigationRow:
        """Record findings and actions, and close it (``closed_on``)."""
        errors: dict[str, str] = {}
        values = self._parse_investigation(draft, errors)
        with self.writing() as session:
            inv = session.get(DoseInvestigation, investigation_id)
            if inv is None:
                raise NotFoundError("That investigation no longer exists.")
            if errors:
                raise ValidationError(fields=errors)
            before = audit.snapshot(inv)
            quarter: Period = values.pop("quarter")
            inv.year, inv.quarter = quarter.year, quarter.number
            for name, value in values.items():
                setattr(inv, name, value)
            inv.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="dose_investigations",
                entity_id=inv.id,
                summary=f"Investigation #{inv.id} "
                + (f"closed {inv.closed_on}" if inv.closed_on else "updated"),
                before=before,
                after=audit.snapshot(inv),
            )
            session.refresh(inv)
            return _investigation_row(inv)

    # ---- declared pregnancy

    def declare_pregnancy(self, draft: PregnancyDraft) -> PregnancyRow:
        errors: dict[str, str] = {}
        declared = _date(
            draft.declared_on, "declared_on", errors, required="Enter the date on the written declaration."
        )
        due = _date(draft.estimated_due_on, "estimated_due_on", errors)
        _not_future(errors, self.today(), declared_on=declared)
        if declared and due and due < declared:
            errors["estimated_due_on"] = "The due date is before the declaration."
        with self.writing() as session:
            tech = _technician(session, draft.technician_id, errors)
            if errors:
                raise ValidationError(fields=errors)
            assert tech is not None and declared is not None
            active = session.scalar(
                select(DeclaredPregnancy.id).where(
                    DeclaredPregnancy.technician_id == tech.id, DeclaredPregnancy.ended_on.is_(None)
                )
            )
            if active:
                raise ConflictError(
                    f"{tech.full_name} already has a declared pregnancy on file; end it first."
                )
            preg = DeclaredPregnancy(
                technician_id=tech.id,
                declared_on=declared,
                estimated_due_on=due,
                notes=draft.notes.strip(),
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(preg)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="create",
                entity="declared_pregnancies",
                entity_id=preg.id,
                summary=f"Declared pregnancy recorded for {tech.full_name} ({declared})",
                after=audit.snapshot(preg),
            )
        return self._pregnancy(preg.id)

    def end_pregnancy(self, pregnancy_id: int, ended_on: date | str | None, reason: str) -> PregnancyRow:
        errors: dict[str, str] = {}
        day = _date(
            ended_on, "ended_on", errors, required="Enter the day the pregnancy or the declaration ended."
        )
        _not_future(errors, self.today(), ended_on=day)
        why = _text(reason, "end_reason", errors, required="Say why (delivered, declaration withdrawn…).")
        with self.writing() as session:
            preg = session.get(DeclaredPregnancy, pregnancy_id)
            if preg is None:
                raise NotFoundError("That declaration no longer exists.")
            if day is not None and day < preg.declared_on:
                errors["ended_on"] = f"This is before the declaration ({preg.declared_on})."
            if errors:
                raise ValidationError(fields=errors)
            if preg.ended_on is not None:
                raise ConflictError(f"This declaration already ended on {preg.ended_on}.")
            before = audit.snapshot(preg)
            preg.ended_on = day
            preg.end_reason = why
            preg.updated_by = self.actor
            audit.record(
                session,
                actor=self.actor,
                action="update",
                entity="declared_pregnancies",
                entity_id=preg.id,
                summary=f"Declared pregnancy #{preg.id} ended {day}: {why}",
                before=before,
                after=audit.snapshot(preg),
            )
        return self._pregnancy(pregnancy_id)

    def _pregnancy(self, pregnancy_id: int) -> PregnancyRow:
        return next(p for p in self.pregnancies() if p.id == pregnancy_id)

    # ---- quarterly review

    def sign_review(self, draft: ReviewDraft) -> ReviewRow:
        errors: dict[str, str] = {}
        quarter = _quarter(draft.year, draft.quarter, errors)
        day = _date(draft.reviewed_on, "reviewed_on", errors, required="Enter the day of the review.")
        if day is not None and day > self.today():
            errors["reviewed_on"] = f"{day} is in the future."
        elif day is not None and quarter is not None and day < quarter.end:
            errors["reviewed_on"] = (
                f"A review of {quarter.label} can only be signed after the quarter ends ({quarter.end})."
            )
        reviewer = _text(draft.reviewer, "reviewer", errors, required="Enter the reviewer's name.")
        role = None
        try:
            role = ReviewerRole(draft.reviewer_role) if draft.reviewer_role else None
        except ValueError:
            role = None
        if role is None:
            errors["reviewer_role"] = "Choose RSO, medical physicist or health physicist."
        with self.writing() as session:
            if errors:
                raise ValidationError(fields=errors)
            assert quarter is not None and day is not None and role is not None
            existing = session.scalar(
                select(DosimetryReview).where(
                    DosimetryReview.year == quarter.year, DosimetryReview.quarter == quarter.number
                )
            )
            if existing is not None:
                raise ConflictError(
                    f"{quarter.label} was already signed off by {existing.reviewer} "
                    f"on {existing.reviewed_on}."
                )
            review = DosimetryReview(
                year=quarter.year,
                quarter=quarter.number,
                reviewed_on=day,
                reviewer=reviewer,
                reviewer_role=role,
                notes=(draft.notes or "").strip(),
                created_by=self.actor,
                updated_by=self.actor,
            )
            session.add(review)
            session.flush()
            audit.record(
                session,
                actor=self.actor,
                action="sign",
                entity="dosimetry_reviews",
                entity_id=review.id,
                summary=f"Dosimetry review {quarter.label} signed by {reviewer} ({role.label})",
                after=audit.snapshot(review),
            )
            due_days = int(load_settings(session)["dosimetry.review_due_days"])
            item = ReviewDue(quarter, quarter.end + timedelta(days=due_days), day)
            return _review_row(item, review, self.today())


# --------------------------------------------------------------------------- findings


def findings(
    session: Session, settings: ClinicSettings, as_of: date, records: DoseRecords | None = None
) -> list[Finding]:
    """The area's findings (``records``: ``load_dose_records(session, as_of)`` if the caller has them)."""
    records = records or load_dose_records(session, as_of)
    out: list[Finding] = []
    out.extend(_badge_findings(session, settings, as_of))
    out.extend(_level_findings(session, settings, as_of, records))
    out.extend(_review_findings(session, settings, as_of))
    return out


def _badge_findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out = []
    for row in load_badges(session, settings, as_of):
        if row.state is not BadgeState.LATE:
            continue
        assert row.due_back_on is not None
        out.append(
            Finding(
                Area.DOSIMETRY,
                Severity.WARNING,
                "dosimetry.badge_late",
                row.technician,
                f"Badge {row.badge_code} ({row.position.label.lower()}, worn {row.period_text}) "
                f"not returned: "
                f"{describe_due(row.due_back_on, as_of)}.",
                "Get the badge back and send it to the vendor (unused badges too), then record the return.",
                row.due_back_on,
                "dosimeter_badges",
                row.id,
            )
        )
    return out


def _level_findings(
    session: Session, settings: ClinicSettings, as_of: date, records: DoseRecords
) -> list[Finding]:
    levels = Levels.from_settings(settings)
    quarter_levels = (*levels.alara1.values(), *levels.alara2.values())
    annual_levels = tuple(levels.annual.values())
    readings, investigations = records.readings, records.investigations
    names = dict(
        session.execute(select(Technician.id, Technician.first_name + " " + Technician.last_name)).all()
    )
    out = []
    for tech_id, mine in readings.items():
        # Bucketed by (year, quarter number): cheaper keys than Periods, and they sort the same way.
        by_quarter: dict[tuple[int, int], list[ReadingFacts]] = defaultdict(list)
        by_year: dict[int, list[ReadingFacts]] = defaultdict(list)
        for reading in mine:
            end = reading.period_end
            by_quarter[end.year, (end.month + 2) // 3].append(reading)
            by_year[end.year].append(reading)
        checks: list[tuple[Period, LevelReached]] = []
        for key in sorted(by_quarter):
            bucket = by_quarter[key]
            if clearly_below(bucket, quarter_levels):
                continue
            quarter = quarter_of(bucket[0].period_end)
            here = quarter_to_date(bucket, quarter, as_of, include_other=False)
            reached = alara_reached(here, levels)
            if reached:
                checks.append((quarter, reached))
        for year in sorted(by_year):
            if clearly_below(by_year[year], annual_levels):
                continue
            last = quarter_of(min(as_of, date(year, 12, 31)))
            reached = annual_reached(year_to_date(by_year[year], last, as_of), levels)
            if reached:
                checks.append((last, reached))
        for quarter, reached in checks:
            covering = _covering(investigations, tech_id, reached, quarter)
            span = str(quarter.year) if reached.level is InvestigationLevel.ANNUAL_LIMIT else quarter.label
            if covering is None:
                over_limit = reached.level is InvestigationLevel.ANNUAL_LIMIT
                out.append(
                    Finding(
                        Area.DOSIMETRY,
                        Severity.WARNING if reached.level is InvestigationLevel.ALARA1 else Severity.CRITICAL,
                        "dosimetry.over_annual_limit" if over_limit else "dosimetry.investigation_needed",
                        names.get(tech_id, f"Technician #{tech_id}"),
                        f"{span}: {reached.words}, and no investigation is on file.",
                        "Open an investigation (RSO or physicist): confirm the reading, find the cause, "
                        "record the actions."
                        + (" Report to the state as its rules require." if over_limit else ""),
                        quarter.end,
                        "technicians",
                        tech_id,
                    )
                )
            elif covering.closed_on is None:
                out.append(
                    Finding(
                        Area.DOSIMETRY,
                        Severity.INFO,
                        "dosimetry.investigation_open",
                        names.get(tech_id, f"Technician #{tech_id}"),
                        f"{span}: {reached.level.label} investigation open since {covering.opened_on}.",
                        "Record the findings and actions, then close it.",
                        None,
                        "dose_investigations",
                        covering.id,
                    )
                )
    for preg in _pregnancies(session, settings, as_of, records):
        if preg.over and not preg.investigated:
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.CRITICAL,
                    "dosimetry.pregnancy_over_limit",
                    preg.technician,
                    f"Declared pregnancy: {fmt_msv(preg.dose.dose)} mSv ({preg.dose.basis}) is above the "
                    f"{fmt_msv(preg.limit_msv)} mSv limit for the pregnancy.",
                    "Open a pregnancy-limit investigation with the RSO and review her duties now.",
                    None,
                    "declared_pregnancies",
                    preg.id,
                )
            )
    return out


def _review_findings(session: Session, settings: ClinicSettings, as_of: date) -> list[Finding]:
    out = []
    for row in load_reviews(session, settings, as_of):
        if row.state == "overdue":
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.WARNING,
                    "dosimetry.review_overdue",
                    f"Dosimetry review {row.quarter.label}",
                    f"The quarterly review of dosimetry results was due {row.due_on} "
                    f"({describe_due(row.due_on, as_of)}) and is not signed.",
                    "Have the RSO or physicist review the quarter's reports and sign off (Dosimetry tab).",
                    row.due_on,
                    "dosimetry_reviews",
                    None,
                )
            )
        elif row.state == "due" and (row.due_on - as_of).days <= 30:
            out.append(
                Finding(
                    Area.DOSIMETRY,
                    Severity.INFO,
                    "dosimetry.review_due",
                    f"Dosimetry review {row.quarter.label}",
                    f"The quarterly review is {describe_due(row.due_on, as_of)} ({row.due_on}).",
                    "Send the quarter's reports to the RSO or physicist for review.",
                    row.due_on,
                    "dosimetry_reviews",
                    None,
                )
            )
    return out
