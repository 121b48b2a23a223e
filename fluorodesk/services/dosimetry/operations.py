"""``DosimetryService``: what the Dosimetry tab reads, and every change to badges, readings,
investigations, declared pregnancies and the quarterly reviews.

Each change is one ``*_in`` operation taking the caller's write transaction: the window's own (the
methods without ``_in``, which open it and build the row the window shows), or an import's, which
files many rows in one.  It is one class (a little over 600 lines) because the tab and its dialogs
call one service; reading what a dialog typed is in ``validation``, the rules in ``domain``.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fluorodesk.db.models import (
    DeclaredPregnancy,
    DoseInvestigation,
    DosimeterBadge,
    DosimetryReading,
    DosimetryReview,
    Technician,
)
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import (
    BadgeState,
    DoseEntry,
    Levels,
    ReadingFacts,
    ReviewDue,
    ReviewerRole,
    default_period_end,
    next_wear_period,
    quarter_of,
)
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind
from fluorodesk.domain.findings import Finding
from fluorodesk.domain.text import squash
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.dosimetry.evaluation import load_dose_records, load_totals
from fluorodesk.services.dosimetry.findings import findings
from fluorodesk.services.dosimetry.loading import (
    badge_row,
    first_record_day,
    investigation_row,
    load_badges,
    load_investigations,
    load_reviews,
    reading_by_id,
    reading_row,
    reading_select,
    review_row,
)
from fluorodesk.services.dosimetry.rows import (
    BadgeDraft,
    BadgeRow,
    DosimetrySummary,
    InvestigationDraft,
    InvestigationRow,
    PregnancyDraft,
    PregnancyRow,
    ReadingDraft,
    ReadingRow,
    ReviewDraft,
    ReviewRow,
    TechnicianChoice,
    TotalsRow,
)
from fluorodesk.services.dosimetry.validation import (
    DOSE_CELLS,
    chosen_quarter,
    chosen_technician,
    dose_entries,
    investigation_values,
    parse_day,
    refuse_future,
    short_text,
)
from fluorodesk.services.settings import load_settings


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
            stmt = reading_select().order_by(DosimetryReading.period_end.desc(), DosimetryReading.id.desc())
            if not include_voided:
                stmt = stmt.where(DosimetryReading.voided_at.is_(None))
            return [reading_row(r) for r in session.execute(stmt)]

    def investigations(self, *, as_of: date | None = None) -> list[InvestigationRow]:
        with self.db.read() as session:
            return load_investigations(session, as_of or self.today())

    def pregnancies(self, *, as_of: date | None = None) -> list[PregnancyRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return load_dose_records(session, load_settings(session), as_of).pregnancies

    def summary(self, quarter: Period | None = None) -> DosimetrySummary:
        """The quarter's totals (this quarter by default) and the findings, as of today."""
        as_of = self.today()
        quarter = quarter or quarter_of(as_of)
        with self.db.read() as session:
            settings = load_settings(session)
            records = load_dose_records(session, settings, as_of, (quarter.year,))
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

    # ---- what the window calls: one transaction, then the row it shows

    def issue_badge(self, draft: BadgeDraft) -> BadgeRow:
        with self.writing() as session:
            return self._badge(session, self.issue_badge_in(session, draft))

    def issue_next_period(self, badge_id: int) -> BadgeRow:
        with self.writing() as session:
            return self._badge(session, self.issue_next_period_in(session, badge_id))

    def return_badge(self, badge_id: int, returned_on: date | str | None) -> BadgeRow:
        with self.writing() as session:
            return self._badge(session, self.return_badge_in(session, badge_id, returned_on))

    def record_reading(self, draft: ReadingDraft) -> ReadingRow:
        with self.writing() as session:
            return reading_by_id(session, self.record_reading_in(session, draft).id)

    def void_reading(self, reading_id: int, reason: str) -> ReadingRow:
        with self.writing() as session:
            return reading_by_id(session, self.void_reading_in(session, reading_id, reason).id)

    def open_investigation(self, draft: InvestigationDraft) -> InvestigationRow:
        with self.writing() as session:
            return investigation_row(self.open_investigation_in(session, draft))

    def update_investigation(self, investigation_id: int, draft: InvestigationDraft) -> InvestigationRow:
        with self.writing() as session:
            return investigation_row(self.update_investigation_in(session, investigation_id, draft))

    def declare_pregnancy(self, draft: PregnancyDraft) -> PregnancyRow:
        with self.writing() as session:
            pregnancy_id = self.declare_pregnancy_in(session, draft).id
        return self._pregnancy(pregnancy_id)

    def end_pregnancy(self, pregnancy_id: int, ended_on: date | str | None, reason: str) -> PregnancyRow:
        with self.writing() as session:
            self.end_pregnancy_in(session, pregnancy_id, ended_on, reason)
        return self._pregnancy(pregnancy_id)

    def sign_review(self, draft: ReviewDraft) -> ReviewRow:
        with self.writing() as session:
            review = self.sign_review_in(session, draft)
            due_days = int(load_settings(session)["dosimetry.review_due_days"])
            quarter = Period.of(date(review.year, 3 * review.quarter - 2, 1), "quarter")
            item = ReviewDue(quarter, quarter.end + timedelta(days=due_days), review.reviewed_on)
            return review_row(item, review, self.today())

    def _badge(self, session: Session, badge: DosimeterBadge) -> BadgeRow:
        session.flush()
        settings = load_settings(session)
        has = session.scalar(
            select(DosimetryReading.id).where(
                DosimetryReading.badge_id == badge.id, DosimetryReading.voided_at.is_(None)
            )
        )
        technician = session.get(Technician, badge.technician_id)
        assert technician is not None
        return badge_row(
            badge,
            technician.full_name,
            int(settings["dosimetry.badge_return_days"]),
            self.today(),
            {badge.id} if has else set(),
        )

    def _pregnancy(self, pregnancy_id: int) -> PregnancyRow:
        return next(p for p in self.pregnancies() if p.id == pregnancy_id)

    # ---- badges

    def issue_badge_in(self, session: Session, draft: BadgeDraft) -> DosimeterBadge:
        """A badge for one wearer, position and wear period (a new period is a new issue of the badge)."""
        errors: dict[str, str] = {}
        code = short_text(
            draft.badge_code, "badge_code", errors, required="Enter the badge (participant) number.", limit=40
        )
        vendor = short_text(draft.vendor, "vendor", errors)
        try:
            position = BadgePosition(draft.position)
        except ValueError:
            errors["position"] = "Choose collar, waist, ring or fetal."
            position = BadgePosition.COLLAR
        start = parse_day(
            draft.assigned_on, "assigned_on", errors, required="Enter the first day of the wear period."
        )
        end = parse_day(draft.period_end, "period_end", errors)
        if end is None and start is not None and draft.frequency and "period_end" not in errors:
            try:
                end = default_period_end(start, draft.frequency)
            except ValueError:
                errors["period_end"] = "Choose monthly or quarterly, or enter the last day."
        if start and end and end < start:
            errors["period_end"] = "The wear period ends before it starts."
        tech = chosen_technician(session, draft.technician_id, errors)
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
        )
        self.stamp(badge, new=True)
        session.add(badge)
        audit.created(
            session,
            self.actor,
            "dosimeter_badges",
            badge,
            f"Badge {code} ({position.label.lower()}) issued to {tech.full_name} from {start}",
        )
        return badge

    def issue_next_period_in(self, session: Session, badge_id: int) -> DosimeterBadge:
        """The same badge (code, position, vendor) for the wear period after this one."""
        badge = existing(session, DosimeterBadge, badge_id, "badge")
        if badge.period_end is None:
            raise ConflictError("This badge has no end to its wear period; issue the next one by hand.")
        start, end = next_wear_period(badge.assigned_on, badge.period_end)
        draft = BadgeDraft(badge.technician_id, badge.badge_code, badge.position, badge.vendor, start, end)
        return self.issue_badge_in(session, draft)

    def return_badge_in(
        self, session: Session, badge_id: int, returned_on: date | str | None
    ) -> DosimeterBadge:
        errors: dict[str, str] = {}
        day = parse_day(returned_on, "returned_on", errors, required="Enter the day the badge came back.")
        refuse_future(errors, self.today(), returned_on=day)
        badge = existing(session, DosimeterBadge, badge_id, "badge")
        if day is not None and day < badge.assigned_on:
            errors["returned_on"] = f"This is before the badge was issued ({badge.assigned_on})."
        if errors:
            raise ValidationError(fields=errors)
        if badge.returned_on is not None:
            raise ConflictError(f"Badge {badge.badge_code} was already returned on {badge.returned_on}.")
        assert day is not None
        self._close_badge(session, badge, day, f"Badge {badge.badge_code} returned {day}")
        return badge

    def _close_badge(self, session: Session, badge: DosimeterBadge, day: date, summary: str) -> None:
        before = audit.snapshot(badge)
        badge.returned_on = day
        self.stamp(badge)
        audit.changed(session, self.actor, "dosimeter_badges", badge, before, summary)

    def _refuse_overlap(
        self, session: Session, tech: Technician, position: BadgePosition, start: date, end: date | None
    ) -> None:
        """A wearer has one badge per position at a time: refuse a wear period that overlaps another."""
        other = session.scalars(
            select(DosimeterBadge)
            .where(
                DosimeterBadge.technician_id == tech.id,
                DosimeterBadge.position == position,
                DosimeterBadge.assigned_on <= (end or date.max),
                or_(DosimeterBadge.period_end.is_(None), DosimeterBadge.period_end >= start),
            )
            .order_by(DosimeterBadge.assigned_on)
            .limit(1)
        ).first()
        if other is not None:
            raise ConflictError(
                f"{tech.full_name} already has a {position.label.lower()} badge ({other.badge_code}) "
                f"for {other.assigned_on} to {other.period_end or 'open'}."
            )

    # ---- readings

    def reading_entries(self, draft: ReadingDraft) -> tuple[DoseReadingKind, dict[str, DoseEntry]]:
        """The reading's kind and its three doses as the reading dialog reads them, or ValidationError."""
        errors: dict[str, str] = {}
        kind, entries = dose_entries(draft, errors)
        if errors:
            raise ValidationError(fields=errors)
        return kind, entries

    def same_reading(self, reading: DosimetryReading, draft: ReadingDraft) -> bool:
        """``draft`` says what ``reading`` holds: the same kind and the same three cells as the Readings
        page shows them (a dose, "M" or "Unused"); its wearer and period are the caller's key."""
        kind, entries = self.reading_entries(draft)
        stored = ReadingFacts(
            reading.period_start,
            reading.period_end,
            reading.kind,
            reading.deep_msv,
            reading.lens_msv,
            reading.shallow_msv,
            reading.deep_minimal,
            reading.lens_minimal,
            reading.shallow_minimal,
        )
        if kind is not reading.kind:
            return False
        return kind is DoseReadingKind.UNUSED or stored.entries() == tuple(entries[n] for n in DOSE_CELLS)

    def record_reading_in(self, session: Session, draft: ReadingDraft) -> DosimetryReading:
        """A report's line for one badge, or dose reported from another facility (``other_facility``).

        A badge with a reading came back to be read: one not yet returned is closed on the day the
        report arrived (the wear period's end when that is not given)."""
        errors: dict[str, str] = {}
        kind, entries = dose_entries(draft, errors)
        start = parse_day(draft.period_start, "period_start", errors)
        end = parse_day(draft.period_end, "period_end", errors)
        received = parse_day(draft.received_on, "received_on", errors)
        refuse_future(errors, self.today(), received_on=received)
        facility = short_text(draft.other_facility, "other_facility", errors, limit=160)
        if facility and kind is DoseReadingKind.UNUSED:
            errors["other_facility"] = "Another facility reports dose, not unused badges."
        tech = chosen_technician(session, draft.technician_id, errors)
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
                f"Badge {badge.badge_code} already has a reading for {start} to {end}; void it to replace it."
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
        )
        self.stamp(reading, new=True)
        session.add(reading)
        where = f"from {facility}" if facility else (f"badge {badge.badge_code}" if badge else "")
        audit.created(
            session,
            self.actor,
            "dosimetry_readings",
            reading,
            f"Dosimetry reading for {tech.full_name}, {start} to {end} {where}".strip(),
        )
        if badge is not None and badge.returned_on is None:
            day = received or end
            self._close_badge(
                session, badge, day, f"Badge {badge.badge_code} returned {day} (its reading is on file)"
            )
        return reading

    def void_reading_in(self, session: Session, reading_id: int, reason: str) -> DosimetryReading:
        reason = squash(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why this reading is voided."})
        reading = existing(session, DosimetryReading, reading_id, "reading")
        if reading.voided_at is not None:
            raise ConflictError("That reading is already voided.")
        before = audit.snapshot(reading)
        reading.voided_at = self.now()
        reading.void_reason = reason
        self.stamp(reading)
        audit.changed(
            session,
            self.actor,
            "dosimetry_readings",
            reading,
            before,
            f"Dosimetry reading #{reading.id} voided: {reason}",
            action="void",
        )
        return reading

    # ---- investigations

    def open_investigation_in(self, session: Session, draft: InvestigationDraft) -> DoseInvestigation:
        errors: dict[str, str] = {}
        values = investigation_values(draft, self.today(), errors)
        tech = chosen_technician(session, draft.technician_id, errors)
        if errors:
            raise ValidationError(fields=errors)
        assert tech is not None
        quarter: Period = values.pop("quarter")
        inv = DoseInvestigation(technician_id=tech.id, year=quarter.year, quarter=quarter.number, **values)
        self.stamp(inv, new=True)
        session.add(inv)
        audit.created(
            session,
            self.actor,
            "dose_investigations",
            inv,
            f"{inv.level.label} investigation opened for {tech.full_name}, {quarter.label}",
        )
        session.refresh(inv)
        return inv

    def update_investigation_in(
        self, session: Session, investigation_id: int, draft: InvestigationDraft
    ) -> DoseInvestigation:
        """Record findings and actions, and close it (``closed_on``)."""
        errors: dict[str, str] = {}
        values = investigation_values(draft, self.today(), errors)
        inv = existing(session, DoseInvestigation, investigation_id, "investigation")
        if errors:
            raise ValidationError(fields=errors)
        before = audit.snapshot(inv)
        quarter: Period = values.pop("quarter")
        inv.year, inv.quarter = quarter.year, quarter.number
        for name, value in values.items():
            setattr(inv, name, value)
        self.stamp(inv)
        audit.changed(
            session,
            self.actor,
            "dose_investigations",
            inv,
            before,
            f"Investigation #{inv.id} " + (f"closed {inv.closed_on}" if inv.closed_on else "updated"),
        )
        session.refresh(inv)
        return inv

    # ---- declared pregnancy

    def declare_pregnancy_in(self, session: Session, draft: PregnancyDraft) -> DeclaredPregnancy:
        errors: dict[str, str] = {}
        declared = parse_day(
            draft.declared_on, "declared_on", errors, required="Enter the date on the written declaration."
        )
        due = parse_day(draft.estimated_due_on, "estimated_due_on", errors)
        refuse_future(errors, self.today(), declared_on=declared)
        if declared and due and due < declared:
            errors["estimated_due_on"] = "The due date is before the declaration."
        tech = chosen_technician(session, draft.technician_id, errors)
        if errors:
            raise ValidationError(fields=errors)
        assert tech is not None and declared is not None
        active = session.scalar(
            select(DeclaredPregnancy.id).where(
                DeclaredPregnancy.technician_id == tech.id, DeclaredPregnancy.ended_on.is_(None)
            )
        )
        if active:
            raise ConflictError(f"{tech.full_name} already has a declared pregnancy on file; end it first.")
        preg = DeclaredPregnancy(
            technician_id=tech.id, declared_on=declared, estimated_due_on=due, notes=draft.notes.strip()
        )
        self.stamp(preg, new=True)
        session.add(preg)
        audit.created(
            session,
            self.actor,
            "declared_pregnancies",
            preg,
            f"Declared pregnancy recorded for {tech.full_name} ({declared})",
        )
        return preg

    def end_pregnancy_in(
        self, session: Session, pregnancy_id: int, ended_on: date | str | None, reason: str
    ) -> DeclaredPregnancy:
        errors: dict[str, str] = {}
        day = parse_day(
            ended_on, "ended_on", errors, required="Enter the day the pregnancy or the declaration ended."
        )
        refuse_future(errors, self.today(), ended_on=day)
        why = short_text(
            reason, "end_reason", errors, required="Say why (delivered, declaration withdrawn…)."
        )
        preg = existing(session, DeclaredPregnancy, pregnancy_id, "declaration")
        if day is not None and day < preg.declared_on:
            errors["ended_on"] = f"This is before the declaration ({preg.declared_on})."
        if errors:
            raise ValidationError(fields=errors)
        if preg.ended_on is not None:
            raise ConflictError(f"This declaration already ended on {preg.ended_on}.")
        before = audit.snapshot(preg)
        preg.ended_on = day
        preg.end_reason = why
        self.stamp(preg)
        audit.changed(
            session,
            self.actor,
            "declared_pregnancies",
            preg,
            before,
            f"Declared pregnancy #{preg.id} ended {day}: {why}",
        )
        return preg

    # ---- quarterly review

    def sign_review_in(self, session: Session, draft: ReviewDraft) -> DosimetryReview:
        errors: dict[str, str] = {}
        quarter = chosen_quarter(draft.year, draft.quarter, errors)
        day = parse_day(draft.reviewed_on, "reviewed_on", errors, required="Enter the day of the review.")
        if day is not None and day > self.today():
            errors["reviewed_on"] = f"{day} is in the future."
        elif day is not None and quarter is not None and day < quarter.end:
            errors["reviewed_on"] = (
                f"A review of {quarter.label} can only be signed after the quarter ends ({quarter.end})."
            )
        reviewer = short_text(draft.reviewer, "reviewer", errors, required="Enter the reviewer's name.")
        role = None
        try:
            role = ReviewerRole(draft.reviewer_role) if draft.reviewer_role else None
        except ValueError:
            role = None
        if role is None:
            errors["reviewer_role"] = "Choose RSO, medical physicist or health physicist."
        if errors:
            raise ValidationError(fields=errors)
        assert quarter is not None and day is not None and role is not None
        signed = session.scalar(
            select(DosimetryReview).where(
                DosimetryReview.year == quarter.year, DosimetryReview.quarter == quarter.number
            )
        )
        if signed is not None:
            raise ConflictError(
                f"{quarter.label} was already signed off by {signed.reviewer} on {signed.reviewed_on}."
            )
        review = DosimetryReview(
            year=quarter.year,
            quarter=quarter.number,
            reviewed_on=day,
            reviewer=reviewer,
            reviewer_role=role,
            notes=(draft.notes or "").strip(),
        )
        self.stamp(review, new=True)
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
        return review
