"""``ExposureService``: what the Exposure Logs tab and its dialogs read and write.

Each change is one operation taking the caller's write transaction (``*_in``): the dialog's own (the
method of the same name without ``_in``, which then builds the row the window shows), or an import's,
which files many in one.  About 650 lines: the checks, their corrective actions and the period notes
are one service because they share its validation and the rows it builds.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fluorodesk.db.models import (
    CorrectiveAction,
    ExposureCheck,
    ExposurePeriodNote,
    FluoroUnit,
    Meter,
    Technician,
)
from fluorodesk.domain.dates import add_months
from fluorodesk.domain.enums import ExposureMode, ExposureVerdict, RateUnit, SignoffArea
from fluorodesk.domain.exposure import (
    CalibrationState,
    CalibrationStatus,
    TrendSeries,
    applicable_limit,
    baseline_on,
    entry_delay_days,
    is_late_entry,
    period_holding,
    recheck_problem,
)
from fluorodesk.domain.text import clean
from fluorodesk.errors import ConflictError, ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service, existing
from fluorodesk.services.exposure.evaluation import UnitEvaluation
from fluorodesk.services.exposure.inputs import (
    check_length,
    local_date,
    parse_day,
    parse_enum,
    parse_number,
)
from fluorodesk.services.exposure.loading import (
    baselines_of,
    get_unit,
    judge,
    load_unit_logs,
    load_units,
    meter_calibration,
    unit_facts,
)
from fluorodesk.services.exposure.rows import (
    CheckDefaults,
    CheckDraft,
    CheckPreview,
    CorrectiveActionDraft,
    CorrectiveActionRow,
    ExposureCheckRow,
    PeriodRow,
    UnitHistory,
)
from fluorodesk.services.settings import load_settings
from fluorodesk.services.signoff import ensure_record_unlocked, ensure_unlocked


def _performer_key(name: str) -> str:
    return " ".join(name.lower().split())


class ExposureService(Service):
    # ---- reading

    def list_rows(
        self, *, unit_id: int | None = None, as_of: date | None = None, include_voided: bool = False
    ) -> list[ExposureCheckRow]:
        as_of = as_of or self.today()
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for unit in load_units(session, unit_id):
                evaluation = UnitEvaluation(unit, settings, as_of)
                recheck_for = evaluation.recheck_for()
                for check in unit.checks:
                    if check.voided_at is not None and not include_voided:
                        continue
                    rows.append(evaluation.row(check, recheck_for))
            rows.sort(key=lambda r: (r.checked_on, r.unit, r.id), reverse=True)
            return rows

    def get_check(self, check_id: int) -> ExposureCheckRow:
        with self.db.read() as session:
            return self._check_row(session, check_id)

    def history(self, unit_id: int, *, as_of: date | None = None) -> UnitHistory:
        as_of = as_of or self.today()
        with self.db.read() as session:
            return UnitEvaluation(get_unit(session, unit_id), load_settings(session), as_of).history()

    def trend(
        self,
        unit_id: int,
        *,
        mode: ExposureMode | None = None,
        rate_unit: RateUnit | None = None,
        start: date | None = None,
        end: date | None = None,
        as_of: date | None = None,
    ) -> TrendSeries:
        """The data for one unit's trend chart (default: its most used mode and unit, the last 12 months)."""
        as_of = as_of or self.today()
        end = end or as_of
        start = start or add_months(end, -12)
        with self.db.read() as session:
            evaluation = UnitEvaluation(get_unit(session, unit_id), load_settings(session), as_of)
            return evaluation.trend(mode, rate_unit, start, end)

    def check_defaults(self, unit_id: int) -> CheckDefaults:
        """Today, the last performer, and the unit's usual mode, meter, phantom and rate unit."""
        with self.db.read() as session:
            unit = existing(session, FluoroUnit, unit_id, "fluoroscopy unit")
            last_any = session.scalars(
                select(ExposureCheck)
                .where(ExposureCheck.voided_at.is_(None))
                .order_by(ExposureCheck.entered_at.desc(), ExposureCheck.id.desc())
                .limit(1)
            ).first()
            recent = session.scalars(
                select(ExposureCheck)
                .where(ExposureCheck.unit_id == unit_id, ExposureCheck.voided_at.is_(None))
                .order_by(ExposureCheck.checked_on.desc(), ExposureCheck.id.desc())
                .options(selectinload(ExposureCheck.meter))
                .limit(8)
            ).all()
            last = recent[0] if recent else None
            meters = session.scalars(select(Meter).where(Meter.retired_on.is_(None))).all()
            meter_id = None
            if last is not None and last.meter is not None and last.meter.retired_on is None:
                meter_id = last.meter_id
            elif len(meters) == 1:
                meter_id = meters[0].id
            if last is not None:
                mode, rate_unit = Counter((c.mode, c.rate_unit) for c in reversed(recent)).most_common(1)[0][
                    0
                ]
            else:
                baseline = baseline_on(baselines_of(unit), self.today(), ExposureMode.NORMAL)
                mode = ExposureMode.NORMAL
                rate_unit = baseline.rate_unit if baseline else RateUnit.MGY_PER_MIN
            return CheckDefaults(
                unit_id=unit.id,
                checked_on=self.today(),
                performed_by=last_any.performed_by if last_any else "",
                technician_id=last_any.technician_id if last_any else None,
                meter_id=meter_id,
                mode=mode,
                magnification=last.magnification if last else "",
                phantom=last.phantom if last else "",
                rate_unit=rate_unit,
            )

    def performers(self) -> list[tuple[str, int | None]]:
        """Names to offer for "performed by": current technicians, then earlier performers."""
        with self.db.read() as session:
            techs = session.scalars(
                select(Technician)
                .where(Technician.retired_on.is_(None))
                .order_by(Technician.last_name, Technician.first_name)
            ).all()
            out = [(t.full_name, t.id) for t in techs]
            seen = {_performer_key(name) for name, _ in out}
            for name in session.scalars(select(ExposureCheck.performed_by).distinct()):
                if _performer_key(name) not in seen:
                    seen.add(_performer_key(name))
                    out.append((name, None))
            return out

    def recheck_candidates(self, check_id: int) -> list[ExposureCheckRow]:
        """Checks that could close the corrective action on ``check_id``: later, same mode, passing."""
        with self.db.read() as session:
            check = existing(session, ExposureCheck, check_id, "exposure check")
            evaluation = UnitEvaluation(
                get_unit(session, check.unit_id), load_settings(session), self.today()
            )
            original = evaluation.facts(evaluation.by_id[check_id])
            recheck_for = evaluation.recheck_for()
            rows = [
                evaluation.row(c, recheck_for)
                for c in evaluation.checks
                if recheck_problem(original, evaluation.facts(c)) is None
            ]
            return sorted(rows, key=lambda r: (r.checked_on, r.id))

    def preview(self, draft: CheckDraft) -> CheckPreview:
        """What the reading would be judged as, for the dialog's live line (nothing is written)."""
        errors: dict[str, str] = {}
        day = parse_day(draft.checked_on, errors, "checked_on", "Date") or self.today()
        rate = parse_number(draft.rate, errors, "rate", "Rate", positive=True)
        try:
            mode = ExposureMode(draft.mode) if draft.mode else None
            rate_unit = RateUnit(draft.rate_unit) if draft.rate_unit else None
        except ValueError:
            mode = rate_unit = None
        with self.db.read() as session:
            settings = load_settings(session)
            delay = entry_delay_days(day, local_date(self.now()))
            late = is_late_entry(day, local_date(self.now()), int(settings["exposure.late_entry_days"]))
            entry_words = ""
            if delay:
                entry_words = f"Entered today, {delay} day{'s' if delay != 1 else ''} after the check"
                entry_words += ": recorded as a late entry." if late else "."
            meter_state, meter_words = None, ""
            if draft.meter_id is not None:
                meter = session.get(Meter, draft.meter_id)
                status = meter_calibration(meter, day)
                if status is not None:
                    meter_state, meter_words = status.state, _meter_words(meter, status)
            if draft.unit_id is None or mode is None or rate_unit is None:
                return CheckPreview(None, "", meter_state, meter_words, late, entry_words)
            unit = session.get(FluoroUnit, draft.unit_id)
            if unit is None:
                return CheckPreview(None, "", meter_state, meter_words, late, entry_words)
            if rate is None or "rate" in errors:
                limit = applicable_limit(unit_facts(unit), mode, rate_unit, settings)
                words = (
                    f"Limit {limit.value:g} {limit.unit.value} ({limit.basis})"
                    if limit
                    else "No limit applies in this mode for this unit"
                )
                return CheckPreview(None, words, meter_state, meter_words, late, entry_words)
            result = judge(
                unit_facts(unit), baselines_of(unit), day, mode, rate, rate_unit, settings
            ).assessment
            return CheckPreview(
                result.verdict,
                f"{result.verdict.label}: {result.detail}",
                meter_state,
                meter_words,
                late,
                entry_words,
            )

    # ---- writing checks

    def _validate(self, session: Session, draft: CheckDraft) -> dict:  # type: ignore[type-arg]
        errors: dict[str, str] = {}
        unit = session.get(FluoroUnit, draft.unit_id) if draft.unit_id is not None else None
        if unit is None:
            errors["unit_id"] = "Choose the unit that was checked."
        day = parse_day(draft.checked_on, errors, "checked_on", "The date of the check", required=True)
        if day is not None:
            if day > self.today():
                errors["checked_on"] = f"The check date {day} is in the future."
            elif unit is not None and unit.retired_on is not None and day >= unit.retired_on:
                errors["checked_on"] = (
                    f"{unit.code} was retired on {unit.retired_on}; it cannot be checked after that."
                )
            elif unit is not None and unit.in_service_on is not None and day < unit.in_service_on:
                errors["checked_on"] = (
                    f"{unit.code} went into service on {unit.in_service_on}; the check is dated before that."
                )
        performed_by = clean(draft.performed_by)
        if not performed_by:
            errors["performed_by"] = "Say who performed the check."
        check_length(performed_by, 120, errors, "performed_by", "The name")
        if draft.technician_id is not None and session.get(Technician, draft.technician_id) is None:
            errors["performed_by"] = "That technician no longer exists; type the name instead."
        meter = session.get(Meter, draft.meter_id) if draft.meter_id is not None else None
        if meter is None:
            errors["meter_id"] = "Choose the meter used. If it is not listed, add it under Meters first."
        elif day is not None and meter.retired_on is not None and day >= meter.retired_on:
            errors["meter_id"] = f"Meter {meter.name} was retired on {meter.retired_on}."
        mode = parse_enum(draft.mode, ExposureMode, errors, "mode", "Choose normal, high-level or pulsed.")
        if mode is ExposureMode.HIGH_LEVEL and unit is not None and not unit.has_hlc:
            errors["mode"] = f"{unit.code} has no high-level control; choose normal or pulsed."
        rate_unit = parse_enum(
            draft.rate_unit,
            RateUnit,
            errors,
            "rate_unit",
            "Choose the unit the meter showed (mGy/min or R/min).",
        )
        rate = parse_number(
            draft.rate, errors, "rate", "The measured rate", required=True, positive=True, maximum=10000
        )
        kvp = parse_number(draft.kvp, errors, "kvp", "kVp", minimum=20, maximum=200)
        ma = parse_number(draft.ma, errors, "ma", "mA", positive=True, maximum=1500)
        phantom, magnification = clean(draft.phantom), clean(draft.magnification)
        check_length(phantom, 160, errors, "phantom", "The phantom / set-up")
        check_length(magnification, 40, errors, "magnification", "Magnification")
        if errors:
            raise ValidationError(fields=errors)
        return dict(
            unit=unit,
            checked_on=day,
            performed_by=performed_by,
            technician_id=draft.technician_id,
            meter_id=meter.id if meter else None,
            mode=mode,
            rate=rate,
            rate_unit=rate_unit,
            kvp=kvp,
            ma=ma,
            phantom=phantom,
            magnification=magnification,
            notes=(draft.notes or "").strip(),
        )

    def _check_row(self, session: Session, check_id: int) -> ExposureCheckRow:
        """The row of one check: only it and the re-checks of its corrective actions are judged."""
        session.flush()
        session.expire_all()  # relationships as written (an amendment moves corrective actions)
        check = existing(session, ExposureCheck, check_id, "exposure check")
        rechecks = [
            session.get(ExposureCheck, a.recheck_id) for a in check.corrective_actions if a.recheck_id
        ]
        evaluation = UnitEvaluation(
            check.unit, load_settings(session), self.today(), checks=[check, *filter(None, rechecks)]
        )
        rechecked = session.scalars(
            select(CorrectiveAction.check_id).where(CorrectiveAction.recheck_id == check_id)
        ).all()
        return evaluation.row(check, {check_id: tuple(rechecked)})

    def record_check_in(self, session: Session, draft: CheckDraft) -> ExposureCheck:
        """File a new check, unless it is dated in a period the director signed off."""
        values = self._validate(session, draft)
        ensure_unlocked(session, SignoffArea.EXPOSURE, values["checked_on"])
        unit = values.pop("unit")
        check = ExposureCheck(unit_id=unit.id, entered_at=self.now(), **values)
        self.stamp(check, new=True)
        session.add(check)
        audit.created(
            session,
            self.actor,
            "exposure_checks",
            check,
            f"Exposure check of {unit.code} on {check.checked_on}: {check.rate:g} {check.rate_unit.value}",
        )
        return check

    def record_check(self, draft: CheckDraft) -> ExposureCheckRow:
        with self.writing() as session:
            check = self.record_check_in(session, draft)
            return self._check_row(session, check.id)

    def amend_check_in(
        self, session: Session, check_id: int, draft: CheckDraft, reason: str
    ) -> ExposureCheck:
        """Correct a check: a new check that points at the old one, which is voided (never deleted).

        An amendment is how a signed-off check is corrected, so the sign-off lock lets it through.
        """
        reason = clean(reason)
        old = existing(session, ExposureCheck, check_id, "exposure check")
        if old.voided_at is not None:
            raise ConflictError(
                f"This check was already voided on {old.voided_at:%Y-%m-%d}: {old.void_reason}"
            )
        try:
            values = self._validate(session, draft)
        except ValidationError as exc:
            if not reason:
                exc.fields.setdefault("reason", "Say why the check is being corrected.")
            raise ValidationError(fields=exc.fields) from None
        if not reason:
            raise ValidationError(fields={"reason": "Say why the check is being corrected."})
        ensure_unlocked(session, SignoffArea.EXPOSURE, values["checked_on"], amends=old)
        unit = values.pop("unit")
        new = ExposureCheck(unit_id=unit.id, entered_at=self.now(), amends_id=old.id, **values)
        self.stamp(new, new=True)
        session.add(new)
        session.flush()
        before = audit.snapshot(old)
        old.voided_at = self.now()
        old.void_reason = f"Amended by check #{new.id}: {reason}"
        self.stamp(old)
        audit.record(
            session,
            actor=self.actor,
            action="amend",
            entity="exposure_checks",
            entity_id=new.id,
            summary=f"Exposure check #{old.id} of {unit.code} amended: {reason}",
            after=audit.snapshot(new),
        )
        audit.changed(
            session,
            self.actor,
            "exposure_checks",
            old,
            before,
            f"Exposure check #{old.id} replaced by #{new.id}",
            action="void",
        )
        moved = session.scalars(
            select(CorrectiveAction).where(
                (CorrectiveAction.check_id == old.id) | (CorrectiveAction.recheck_id == old.id)
            )
        ).all()
        for action in moved:
            action_before = audit.snapshot(action)
            if action.check_id == old.id:
                action.check_id = new.id
            if action.recheck_id == old.id:
                action.recheck_id = new.id
            self.stamp(action)
            audit.changed(
                session,
                self.actor,
                "corrective_actions",
                action,
                action_before,
                f"Corrective action follows check #{old.id} to its amendment #{new.id}",
            )
        return new

    def amend_check(self, check_id: int, draft: CheckDraft, reason: str) -> ExposureCheckRow:
        with self.writing() as session:
            new = self.amend_check_in(session, check_id, draft, reason)
            return self._check_row(session, new.id)

    def void_check_in(self, session: Session, check_id: int, reason: str) -> ExposureCheck:
        reason = clean(reason)
        if not reason:
            raise ValidationError(fields={"reason": "Say why the check is being voided."})
        check = existing(session, ExposureCheck, check_id, "exposure check")
        if check.voided_at is not None:
            raise ConflictError(f"This check was already voided on {check.voided_at:%Y-%m-%d}.")
        ensure_record_unlocked(session, check)
        before = audit.snapshot(check)
        check.voided_at = self.now()
        check.void_reason = reason
        self.stamp(check)
        audit.changed(
            session,
            self.actor,
            "exposure_checks",
            check,
            before,
            f"Exposure check #{check.id} of {check.checked_on} voided: {reason}",
            action="void",
        )
        return check

    def void_check(self, check_id: int, reason: str) -> ExposureCheckRow:
        with self.writing() as session:
            check = self.void_check_in(session, check_id, reason)
            return self._check_row(session, check.id)

    # ---- corrective actions

    def corrective_actions(
        self, *, unit_id: int | None = None, check_id: int | None = None
    ) -> list[CorrectiveActionRow]:
        with self.db.read() as session:
            settings = load_settings(session)
            rows = []
            for unit in load_units(session, unit_id):
                evaluation = UnitEvaluation(unit, settings, self.today())
                for check in unit.checks:
                    if check_id is not None and check.id != check_id:
                        continue
                    rows.extend(evaluation.action_row(a) for a in check.corrective_actions)
            return sorted(rows, key=lambda r: (r.check_on, r.performed_on, r.id), reverse=True)

    def _validate_action(self, session: Session, draft: CorrectiveActionDraft) -> dict:  # type: ignore[type-arg]
        if draft.check_id is None:
            raise ValidationError(fields={"check_id": "Choose the reading this action is about."})
        check = existing(session, ExposureCheck, draft.check_id, "exposure check")
        evaluation = UnitEvaluation(get_unit(session, check.unit_id), load_settings(session), self.today())
        original = evaluation.facts(evaluation.by_id[check.id])
        errors: dict[str, str] = {}
        if check.voided_at is not None:
            errors["check_id"] = "This check was voided; record the action on the check that replaced it."
        elif original.verdict is ExposureVerdict.PASS:
            errors["check_id"] = "This reading passed; it needs no corrective action."
        action = (draft.action or "").strip()
        if not action:
            errors["action"] = "Describe what was done."
        performed_by = clean(draft.performed_by)
        if not performed_by:
            errors["performed_by"] = "Say who did it (service engineer, physicist, technologist)."
        check_length(performed_by, 120, errors, "performed_by", "The name")
        ticket = clean(draft.service_ticket)
        check_length(ticket, 80, errors, "service_ticket", "The service ticket")
        performed_on = parse_day(
            draft.performed_on, errors, "performed_on", "The date it was done", required=True
        )
        if performed_on is not None:
            if performed_on > self.today():
                errors["performed_on"] = f"{performed_on} is in the future."
            elif performed_on < check.checked_on:
                errors["performed_on"] = f"The action cannot be before the reading ({check.checked_on})."
        closed_on = parse_day(draft.closed_on, errors, "closed_on", "The closing date")
        recheck = None
        if draft.recheck_id is not None:
            recheck = evaluation.by_id.get(draft.recheck_id)
            if recheck is None:
                errors["recheck_id"] = "The re-check must be a check of the same unit."
            else:
                problem = recheck_problem(original, evaluation.facts(recheck))
                if problem:
                    errors["recheck_id"] = problem
        if closed_on is not None:
            if recheck is None and "recheck_id" not in errors:
                errors["closed_on"] = "Closing needs a passing re-check: choose it first."
            elif closed_on > self.today():
                errors["closed_on"] = f"{closed_on} is in the future."
            elif recheck is not None and closed_on < recheck.checked_on:
                errors["closed_on"] = f"The action cannot close before its re-check ({recheck.checked_on})."
            elif performed_on is not None and closed_on < performed_on:
                errors["closed_on"] = "The action cannot close before it was done."
        if errors:
            raise ValidationError(fields=errors)
        if recheck is not None and closed_on is None:
            closed_on = max(recheck.checked_on, performed_on or recheck.checked_on)
        return dict(
            check=check,
            action=action,
            performed_by=performed_by,
            performed_on=performed_on,
            service_ticket=ticket,
            recheck_id=recheck.id if recheck else None,
            closed_on=closed_on,
        )

    def add_corrective_action_in(self, session: Session, draft: CorrectiveActionDraft) -> CorrectiveAction:
        values = self._validate_action(session, draft)
        check = values.pop("check")
        action = CorrectiveAction(check_id=check.id, **values)
        self.stamp(action, new=True)
        session.add(action)
        audit.created(
            session,
            self.actor,
            "corrective_actions",
            action,
            f"Corrective action for the {check.checked_on} reading of unit #{check.unit_id}"
            + (f", closed {action.closed_on}" if action.closed_on else ""),
        )
        return action

    def add_corrective_action(self, draft: CorrectiveActionDraft) -> CorrectiveActionRow:
        with self.writing() as session:
            action = self.add_corrective_action_in(session, draft)
            return self._action_row(session, action.id)

    def update_corrective_action_in(
        self, session: Session, action_id: int, draft: CorrectiveActionDraft
    ) -> CorrectiveAction:
        action = existing(session, CorrectiveAction, action_id, "corrective action")
        if draft.check_id != action.check_id:
            raise ConflictError("A corrective action stays with the reading it was recorded for.")
        values = self._validate_action(session, draft)
        values.pop("check")
        before = audit.snapshot(action)
        for key, value in values.items():
            setattr(action, key, value)
        if audit.changed(
            session,
            self.actor,
            "corrective_actions",
            action,
            before,
            "Corrective action updated" + (f", closed {action.closed_on}" if action.closed_on else ""),
        ):
            self.stamp(action)
        return action

    def update_corrective_action(self, action_id: int, draft: CorrectiveActionDraft) -> CorrectiveActionRow:
        with self.writing() as session:
            action = self.update_corrective_action_in(session, action_id, draft)
            return self._action_row(session, action.id)

    def _action_row(self, session: Session, action_id: int) -> CorrectiveActionRow:
        session.flush()
        session.expire_all()
        action = existing(session, CorrectiveAction, action_id, "corrective action")
        evaluation = UnitEvaluation(action.check.unit, load_settings(session), self.today())
        return evaluation.action_row(action)

    # ---- notes on missed periods

    def note_period_in(
        self, session: Session, unit_id: int, day: date | str, reason: str, *, unit_not_used: bool
    ) -> ExposurePeriodNote:
        """Record why the period holding ``day`` has no check (replaces an earlier note for it)."""
        errors: dict[str, str] = {}
        when = parse_day(day, errors, "period", "The period", required=True)
        reason = (reason or "").strip()
        if not reason:
            errors["reason"] = "Say why there is no check for this period."
        if errors:
            raise ValidationError(fields=errors)
        assert when is not None
        evaluation = self._calendar_of(session, unit_id)
        unit = evaluation.unit
        first = evaluation.first_day
        if first is None:
            raise ValidationError(fields={"period": f"{unit.code} has no check periods yet."})
        period = period_holding(when, first, evaluation.interval)
        if period.start not in {p.start for p in evaluation.calendar()}:
            raise ValidationError(
                fields={"period": f"{period.words} is not one of {unit.code}'s check periods so far."}
            )
        note = next((n for n in unit.period_notes if n.period_start == period.start), None)
        summary = f"Note on {unit.code}'s check period {period.start}…{period.end}: {reason}"
        if note is None:
            note = ExposurePeriodNote(
                unit_id=unit.id,
                period_start=period.start,
                period_end=period.end,
                reason=reason,
                unit_not_used=unit_not_used,
            )
            self.stamp(note, new=True)
            session.add(note)
            audit.created(session, self.actor, "exposure_period_notes", note, summary)
            return note
        before = audit.snapshot(note)
        note.reason = reason
        note.unit_not_used = unit_not_used
        if audit.changed(session, self.actor, "exposure_period_notes", note, before, summary):
            self.stamp(note)
        return note

    def note_period(self, unit_id: int, day: date | str, reason: str, *, unit_not_used: bool) -> PeriodRow:
        with self.writing() as session:
            note = self.note_period_in(session, unit_id, day, reason, unit_not_used=unit_not_used)
            session.flush()
            session.expire_all()
            start = note.period_start
            return next(row for row in self._calendar_of(session, unit_id).calendar() if row.start == start)

    def _calendar_of(self, session: Session, unit_id: int) -> UnitEvaluation:
        """A unit's calendar today (its readings unjudged but for the few that may fail)."""
        settings = load_settings(session)
        logs = load_unit_logs(session, settings, self.today(), unit_id)
        if not logs:
            existing(session, FluoroUnit, unit_id, "fluoroscopy unit")  # raises "no longer exists"
        return UnitEvaluation.of_log(logs[0], settings, self.today())


def _meter_words(meter: Meter | None, status: CalibrationStatus) -> str:
    name = meter.name if meter else "The meter"
    if status.state is CalibrationState.VALID:
        return f"{name}: {status.words}"
    if status.state is CalibrationState.LAPSED:
        return f"{name}: calibration had lapsed on this date ({status.words})"
    return f"{name}: not calibrated on this date ({status.words})"
