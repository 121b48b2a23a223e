"""The dosimetry service on a real database: badges, readings, totals, investigations, pregnancy, reviews."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, DosimeterBadge, DosimetryReading, Technician
from fluorodesk.domain.dose import Period
from fluorodesk.domain.dosimetry import BadgeState, DoseQuantity, InvestigationLevel, ReviewerRole, quarter_of
from fluorodesk.domain.enums import BadgePosition, DoseReadingKind, EmploymentType, Severity
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services.dosimetry import findings as dosimetry_findings
from fluorodesk.services.dosimetry.rows import (
    BadgeDraft,
    InvestigationDraft,
    PregnancyDraft,
    ReadingDraft,
    ReviewDraft,
)

from ..conftest import TODAY

Q3 = Period.of(date(2026, 7, 1), "quarter")


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def techs(services):
    with services.db.write() as session:
        people = [
            Technician(first_name="Maria", last_name="Alvarez", employment_type=EmploymentType.AGENCY),
            Technician(first_name="Kevin", last_name="Brooks", employment_type=EmploymentType.PER_DIEM),
        ]
        session.add_all(people)
        session.flush()
        return {"maria": people[0].id, "kevin": people[1].id}


def badge(services, tech_id, start="2026-07-01", **kw):
    values = dict(
        badge_code="LX-3100",
        position=BadgePosition.COLLAR,
        vendor="Landauer",
        assigned_on=start,
        frequency="monthly",
    )
    values.update(kw)
    return services.dosimetry.issue_badge(BadgeDraft(tech_id, **values))


def read(services, tech_id, badge_id=None, deep="", lens="", shallow="", **kw):
    return services.dosimetry.record_reading(
        ReadingDraft(tech_id, deep_msv=deep, lens_msv=lens, shallow_msv=shallow, badge_id=badge_id, **kw)
    )


def findings(services, code=None, as_of=TODAY):
    return [
        f
        for f in services.compliance.findings(as_of)
        if f.area.value == "dosimetry" and (code is None or f.code == code)
    ]


def monthly_readings(services, tech_id, values, start=date(2026, 7, 1)):
    """One monthly badge per value with its reading; returns the badges."""
    out = []
    first = badge(services, tech_id, start.isoformat())
    out.append(first)
    for value in values:
        current = out[-1]
        services.dosimetry.return_badge(current.id, current.period_end + timedelta(days=3))
        read(
            services,
            tech_id,
            current.id,
            deep=value,
            received_on=(current.period_end + timedelta(days=18)).isoformat(),
        )
        if len(out) < len(values):
            out.append(services.dosimetry.issue_next_period(current.id))
    return out


# --------------------------------------------------------------------------- badges


def test_issue_badge_fills_the_wear_period_and_audits(services, techs):
    row = badge(services, techs["maria"], "2026-11-12")
    assert row.period_end == date(2026, 11, 30) and row.state is BadgeState.WEARING
    assert row.due_back_on == date(2026, 12, 14)
    quarterly = badge(services, techs["kevin"], "2026-10-01", badge_code="LX-3109", frequency="quarterly")
    assert quarterly.period_end == date(2026, 12, 31)
    assert count(services.db, AuditEvent) == 2


def test_badge_validation_and_conflicts_write_nothing(services, techs):
    with pytest.raises(ValidationError) as info:
        services.dosimetry.issue_badge(
            BadgeDraft(None, " ", "belt", assigned_on="soon", period_end="2026-01-01")
        )
    assert set(info.value.fields) == {"technician_id", "badge_code", "position", "assigned_on"}
    with pytest.raises(ValidationError, match="ends before it starts"):
        badge(services, techs["maria"], "2026-11-12", period_end="2026-11-01", frequency=None)
    badge(services, techs["maria"], "2026-11-01")
    with pytest.raises(ConflictError, match="already has a collar badge"):
        badge(services, techs["maria"], "2026-11-15", badge_code="LX-9999")
    badge(
        services, techs["maria"], "2026-11-15", badge_code="LX-3100R", position=BadgePosition.RING
    )  # another position
    with pytest.raises(ConflictError, match="already on file"):
        badge(services, techs["kevin"], "2026-11-01")  # same badge code and start
    assert count(services.db, DosimeterBadge) == 2 and count(services.db, AuditEvent) == 2


def test_next_period_and_return(services, techs):
    first = badge(services, techs["maria"], "2026-10-01")
    second = services.dosimetry.issue_next_period(first.id)
    assert (second.assigned_on, second.period_end, second.badge_code) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "LX-3100",
    )
    with pytest.raises(ValidationError, match="future"):
        services.dosimetry.return_badge(first.id, "2026-12-01")
    with pytest.raises(ValidationError, match="before the badge was issued"):
        services.dosimetry.return_badge(first.id, "2026-09-01")
    returned = services.dosimetry.return_badge(first.id, "11/04/2026")
    assert returned.state is BadgeState.RETURNED and returned.returned_on == date(2026, 11, 4)
    with pytest.raises(ConflictError, match="already returned"):
        services.dosimetry.return_badge(first.id, "2026-11-05")
    with pytest.raises(NotFoundError):
        services.dosimetry.return_badge(999, "2026-11-05")


def test_a_badge_not_returned_is_late_after_the_grace_days(services, techs):
    row = badge(services, techs["maria"], "2026-10-01")
    assert row.due_back_on == date(2026, 11, 14)
    assert findings(services, "dosimetry.badge_late", date(2026, 11, 14)) == []
    (late,) = findings(services, "dosimetry.badge_late", date(2026, 11, 15))
    assert late.subject == "Maria Alvarez" and "LX-3100" in late.message and late.due == date(2026, 11, 14)
    services.dosimetry.return_badge(row.id, "2026-11-20")
    assert findings(services, "dosimetry.badge_late") == []
    assert len(findings(services, "dosimetry.badge_late", date(2026, 11, 19))) == 1  # as of before the return


# --------------------------------------------------------------------------- readings


def test_m_unused_and_zero_are_kept_apart(services, techs):
    july, aug, sept = monthly_readings(services, techs["maria"], ["M", "0", "0.12"])
    rows = services.dosimetry.readings()
    by_period = {r.period_start.month: r for r in rows}
    assert by_period[7].kind is DoseReadingKind.MINIMAL and by_period[7].deep.words == "M"
    assert by_period[8].kind is DoseReadingKind.MEASURED and by_period[8].deep.words == "0"
    assert by_period[9].deep.value == 0.12
    october = services.dosimetry.issue_next_period(sept.id)
    unused = read(services, techs["maria"], october.id, unused=True, received_on="2026-11-20")
    assert unused.kind is DoseReadingKind.UNUSED and unused.deep.words == "Unused"
    assert services.dosimetry.badges()[0].state is BadgeState.RETURNED  # an unused badge came back
    (row,) = services.dosimetry.totals(Q3)
    assert row.cell(row.quarter_here, DoseQuantity.DEEP) == "0.12" and row.quarter_here.minimal == 1
    (q4,) = services.dosimetry.totals(Period.of(date(2026, 10, 1), "quarter"))
    assert q4.cell(q4.quarter_here, DoseQuantity.DEEP) == "Unused"


def test_reading_validation_writes_nothing(services, techs):
    mine = badge(services, techs["maria"], "2026-10-01")
    before = count(services.db, DosimetryReading), count(services.db, AuditEvent)
    with pytest.raises(ValidationError) as info:
        read(services, techs["kevin"], mine.id, deep="12 mrem", received_on="2027-01-01")
    assert set(info.value.fields) == {"deep_msv", "received_on", "badge_id"}
    with pytest.raises(ValidationError, match="at least one dose"):
        read(services, techs["maria"], mine.id)
    with pytest.raises(ValidationError, match="unused badge has no dose"):
        read(services, techs["maria"], mine.id, deep="0.1", unused=True)
    current = badge(services, techs["kevin"], "2026-11-01", badge_code="LX-3109")
    with pytest.raises(ValidationError, match="not ended yet"):
        read(services, techs["kevin"], current.id, deep="M")
    with pytest.raises(ValidationError, match="first day"):
        read(services, techs["kevin"], None, deep="M")
    assert (count(services.db, DosimetryReading), count(services.db, AuditEvent) - 1) == before


def test_a_second_reading_for_the_same_badge_period_is_refused_until_the_first_is_voided(services, techs):
    mine = badge(services, techs["maria"], "2026-10-01")
    first = read(services, techs["maria"], mine.id, deep="0.1")
    with pytest.raises(ConflictError, match="void it"):
        read(services, techs["maria"], mine.id, deep="0.2")
    with pytest.raises(ValidationError):
        services.dosimetry.void_reading(first.id, "")
    services.dosimetry.void_reading(first.id, "Vendor corrected the report")
    read(services, techs["maria"], mine.id, deep="0.2")
    assert [r.deep.value for r in services.dosimetry.readings()] == [0.2]
    assert len(services.dosimetry.readings(include_voided=True)) == 2
    with pytest.raises(ConflictError):
        services.dosimetry.void_reading(first.id, "again")


# --------------------------------------------------------------------------- levels and investigations


def test_exactly_at_alara_level_one_needs_no_investigation(services, techs):
    monthly_readings(services, techs["maria"], ["0.55", "0.65", "0.05"])  # exactly 1.25 mSv
    (row,) = services.dosimetry.totals(Q3)
    assert row.reached is None and row.status_words == "Below investigation levels"
    assert findings(services, "dosimetry.investigation_needed") == []


def test_above_alara_level_one_needs_an_investigation_until_it_is_closed(services, techs):
    monthly_readings(services, techs["maria"], ["0.52", "0.41", "0.47"])  # 1.40 mSv
    (row,) = services.dosimetry.totals(Q3)
    assert row.reached.level is InvestigationLevel.ALARA1 and "investigation needed" in row.status_words
    (finding,) = findings(services, "dosimetry.investigation_needed")
    assert (
        finding.severity is Severity.WARNING and "2026 Q3" in finding.message and "1.4 mSv" in finding.message
    )
    # An investigation of another quarter does not answer it.
    other = InvestigationDraft(techs["maria"], 2026, 2, "alara1", "deep", "2026-11-01", "Alan Marsh")
    services.dosimetry.open_investigation(other)
    assert len(findings(services, "dosimetry.investigation_needed")) == 1
    opened = services.dosimetry.open_investigation(
        InvestigationDraft(
            techs["maria"], 2026, 3, "alara1", "deep", "2026-11-02", "Alan Marsh", dose_msv="1.4"
        )
    )
    assert findings(services, "dosimetry.investigation_needed") == []
    (info,) = [
        f for f in findings(services) if f.code == "dosimetry.investigation_open" and "2026 Q3" in f.message
    ]
    assert info.severity is Severity.INFO
    with pytest.raises(ValidationError, match="what was found"):
        services.dosimetry.update_investigation(
            opened.id,
            InvestigationDraft(
                techs["maria"], 2026, 3, "alara1", "deep", "2026-11-02", "Alan Marsh", closed_on="2026-11-20"
            ),
        )
    closed = services.dosimetry.update_investigation(
        opened.id,
        InvestigationDraft(
            techs["maria"],
            2026,
            3,
            "alara1",
            "deep",
            "2026-11-02",
            "Alan Marsh",
            findings="Badge left on the apron in the room.",
            actions="Badge rack outside the room.",
            closed_on="2026-11-20",
        ),
    )
    assert closed.status_words == "Closed 2026-11-20"
    assert [f for f in findings(services) if "2026 Q3" in f.message] == []
    # As of a day before it was opened, the finding is back (a past packet stays reproducible).
    assert len(findings(services, "dosimetry.investigation_needed", date(2026, 11, 1))) == 1


def test_level_two_is_critical_and_a_level_one_investigation_does_not_cover_it(services, techs):
    monthly_readings(services, techs["maria"], ["1.5", "1.5", "1.0"])  # 4.0 mSv > 3.75
    services.dosimetry.open_investigation(
        InvestigationDraft(techs["maria"], 2026, 3, "alara1", "deep", "2026-11-02", "Alan Marsh")
    )
    (finding,) = findings(services, "dosimetry.investigation_needed")
    assert finding.severity is Severity.CRITICAL and "ALARA level II" in finding.message


def test_other_facility_dose_counts_towards_the_year_but_not_the_alara_quarter(services, techs):
    monthly_readings(services, techs["kevin"], ["0.4", "0.4", "0.4"])
    read(
        services,
        techs["kevin"],
        None,
        deep="0.5",
        other_facility="St. Mary's",
        period_start="2026-07-01",
        period_end="2026-09-30",
        received_on="2026-10-20",
    )
    (row,) = services.dosimetry.totals(Q3)
    assert row.quarter_here.get(DoseQuantity.DEEP) == Decimal("1.2")
    assert row.year_all.get(DoseQuantity.DEEP) == Decimal("1.7")
    assert row.reached is None and "other facilities" in row.notes
    with pytest.raises(ValidationError, match="not read from one of our badges"):
        mine = services.dosimetry.badges()[0]
        read(services, techs["kevin"], mine.id, deep="0.1", other_facility="Elsewhere")


def test_over_the_annual_limit_is_critical(services, techs):
    read(
        services,
        techs["kevin"],
        None,
        deep="50.5",
        other_facility="Big Hospital",
        period_start="2026-01-01",
        period_end="2026-06-30",
        received_on="2026-07-15",
    )
    (finding,) = findings(services, "dosimetry.over_annual_limit")
    assert finding.severity is Severity.CRITICAL and "Annual limit (50 mSv)" in finding.message
    services.dosimetry.open_investigation(
        InvestigationDraft(techs["kevin"], 2026, 2, "annual_limit", "deep", "2026-07-20", "Alan Marsh")
    )
    assert findings(services, "dosimetry.over_annual_limit") == []


def test_investigation_validation(services, techs):
    with pytest.raises(ValidationError) as info:
        services.dosimetry.open_investigation(
            InvestigationDraft(
                None, 2026, 5, "level9", "toes", "2026-12-30", "", dose_msv="lots", closed_on="2026-01-01"
            )
        )
    assert set(info.value.fields) == {
        "technician_id",
        "quarter",
        "level",
        "quantity",
        "opened_on",
        "investigator",
        "dose_msv",
        "closed_on",
        "findings",
    }
    assert count(services.db, AuditEvent) == 0


# --------------------------------------------------------------------------- declared pregnancy


def test_declared_pregnancy_has_its_own_limit(services, techs):
    fetal = badge(services, techs["maria"], "2026-08-10", badge_code="LX-3100F", position=BadgePosition.FETAL)
    preg = services.dosimetry.declare_pregnancy(PregnancyDraft(techs["maria"], "2026-08-10", "2027-02-16"))
    assert preg.active and preg.dose.basis == "no readings yet" and "Within limit" in preg.status_words
    with pytest.raises(ConflictError, match="already has a declared pregnancy"):
        services.dosimetry.declare_pregnancy(PregnancyDraft(techs["maria"], "2026-09-01"))
    read(services, techs["maria"], fetal.id, deep="5.01", received_on="2026-09-15")
    (over,) = services.dosimetry.pregnancies()
    assert over.over and "Over the limit" in over.status_words
    (finding,) = findings(services, "dosimetry.pregnancy_over_limit")
    assert finding.severity is Severity.CRITICAL
    services.dosimetry.open_investigation(
        InvestigationDraft(
            techs["maria"],
            2026,
            3,
            InvestigationLevel.PREGNANCY,
            DoseQuantity.DEEP,
            "2026-09-16",
            "Alan Marsh",
        )
    )
    assert findings(services, "dosimetry.pregnancy_over_limit") == []
    with pytest.raises(ValidationError) as info:
        services.dosimetry.end_pregnancy(preg.id, "2026-08-01", "")
    assert set(info.value.fields) == {"ended_on", "end_reason"}
    ended = services.dosimetry.end_pregnancy(preg.id, "2026-11-20", "Delivered")
    assert not ended.active and ended.end_reason == "Delivered"
    with pytest.raises(ConflictError):
        services.dosimetry.end_pregnancy(preg.id, "2026-11-21", "again")


def test_pregnancy_exactly_at_the_limit_is_within_it(services, techs):
    fetal = badge(services, techs["maria"], "2026-08-10", badge_code="LX-3100F", position=BadgePosition.FETAL)
    services.dosimetry.declare_pregnancy(PregnancyDraft(techs["maria"], "2026-08-10"))
    read(services, techs["maria"], fetal.id, deep="5", received_on="2026-09-15")
    assert not services.dosimetry.pregnancies()[0].over
    assert findings(services, "dosimetry.pregnancy_over_limit") == []


# --------------------------------------------------------------------------- quarterly review


def test_quarterly_review_schedule_and_sign_off(services, techs):
    badge(services, techs["maria"], "2026-04-01")
    reviews = services.dosimetry.reviews()
    assert [(r.quarter.label, r.state) for r in reviews] == [("2026 Q3", "due"), ("2026 Q2", "overdue")]
    assert reviews[1].due_on == date(2026, 8, 29)
    (overdue,) = findings(services, "dosimetry.review_overdue")
    assert overdue.subject == "Dosimetry review 2026 Q2" and overdue.due == date(2026, 8, 29)
    assert findings(services, "dosimetry.review_overdue", date(2026, 8, 29)) == []  # on the due day: not yet
    with pytest.raises(ValidationError) as info:
        services.dosimetry.sign_review(ReviewDraft(2026, 2, "2026-06-15", "", "janitor"))
    assert set(info.value.fields) == {"reviewed_on", "reviewer", "reviewer_role"}
    signed = services.dosimetry.sign_review(
        ReviewDraft(2026, 2, "2026-11-20", "Alan Marsh", ReviewerRole.MEDICAL_PHYSICIST, "All within levels.")
    )
    assert signed.state == "signed" and signed.due_on == date(2026, 8, 29)
    assert findings(services, "dosimetry.review_overdue") == []
    with pytest.raises(ConflictError, match="already signed off"):
        services.dosimetry.sign_review(ReviewDraft(2026, 2, "2026-11-21", "Dr. Park", "rso"))
    assert [q.label for q in services.dosimetry.quarters()] == ["2026 Q4", "2026 Q3", "2026 Q2"]


# --------------------------------------------------------------------------- the demo clinic


def test_the_demo_clinic_shows_every_dosimetry_feature(demo_services):
    codes = {f.code for f in demo_services.compliance.findings() if f.area.value == "dosimetry"}
    assert {"dosimetry.badge_late", "dosimetry.investigation_needed", "dosimetry.review_overdue"} <= codes
    readings = demo_services.dosimetry.readings()
    kinds = {r.kind for r in readings}
    assert kinds == {DoseReadingKind.MEASURED, DoseReadingKind.MINIMAL, DoseReadingKind.UNUSED}
    assert any(r.other_facility for r in readings)
    assert any(r.position is BadgePosition.RING for r in readings)
    assert [i.status_words.startswith("Closed") for i in demo_services.dosimetry.investigations()] == [True]
    (preg,) = demo_services.dosimetry.pregnancies()
    assert preg.active and not preg.over
    last_quarter = demo_services.dosimetry.quarters()[1]
    over = [r for r in demo_services.dosimetry.totals(last_quarter) if r.reached]
    assert [r.technician for r in over] == ["Maria Alvarez"]
    assert {r.state for r in demo_services.dosimetry.reviews()} == {"signed", "overdue", "due"}


def test_the_dosimetry_summary_matches_the_separate_lists(demo_services):
    dosimetry = demo_services.dosimetry
    first = dosimetry.readings()[0]
    dosimetry.void_reading(first.id, "Entered twice")
    for quarter in (quarter_of(TODAY), quarter_of(TODAY - timedelta(days=92))):
        summary = dosimetry.summary(quarter)
        assert summary.totals == dosimetry.totals(quarter)
        assert summary.findings == dosimetry.findings()
    assert dosimetry.summary().totals == dosimetry.totals(quarter_of(TODAY))
    voided = dosimetry.readings(include_voided=True)
    assert any(r.id == first.id and r.voided_at is not None for r in voided)
    assert all(r.id != first.id for r in dosimetry.readings())


@pytest.mark.parametrize(
    "levels",
    [
        {},
        {"dosimetry.alara1_quarter_deep_msv": 0.05, "dosimetry.alara2_quarter_deep_msv": 0.1, "dosimetry.annual_deep_msv": 0.2},
        {"dosimetry.alara1_quarter_deep_msv": 0.3, "dosimetry.alara2_quarter_deep_msv": 0.6, "dosimetry.annual_deep_msv": 1.2},
        {"dosimetry.alara1_quarter_shallow_msv": 0.5, "dosimetry.alara2_quarter_shallow_msv": 1.5, "dosimetry.annual_shallow_msv": 2.5},
        {"dosimetry.alara1_quarter_deep_msv": 10, "dosimetry.alara2_quarter_deep_msv": 20, "dosimetry.annual_deep_msv": 1.0},
    ],
)
def test_level_findings_are_the_same_when_every_reading_is_judged(demo_services, monkeypatch, levels):
    """The level findings judge only the workers and years whose sums might reach a level (in SQL), and
    skip the quarters clearly below (in Python): judging every reading of every year finds the same."""
    if levels:  # low levels: many quarters and years above them
        demo_services.settings.update(levels)
    fast = demo_services.dosimetry.findings()
    with demo_services.db.read() as session:
        everyone = {(t, y) for t, y in session.execute(select(DosimetryReading.technician_id, func.strftime("%Y", DosimetryReading.period_end)))}
    every_year = {(t, int(y)) for t, y in everyone}
    monkeypatch.setattr(dosimetry_findings, "possibly_over", lambda *args: every_year)
    monkeypatch.setattr(dosimetry_findings, "clearly_below", lambda readings, levels: False)
    assert demo_services.dosimetry.findings() == fast
    if "dosimetry.annual_deep_msv" in levels and levels["dosimetry.annual_deep_msv"] < 1:
        assert sum(f.code == "dosimetry.investigation_needed" for f in fast) > 3
    if levels.get("dosimetry.annual_deep_msv") == 1.0:  # the year's total above, no quarter's
        assert {f.code for f in fast} >= {"dosimetry.over_annual_limit"}
    if "dosimetry.annual_shallow_msv" in levels:
        assert any("Extremity" in f.message or "extremity" in f.message for f in fast)
