"""The dose log service on a real database: entry, validation, corrections, follow-up, summaries, findings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.models import AuditEvent, FluoroUnit, ProcedureRecord, Technician
from fluorodesk.domain.dose import FollowUpState, PeriodKind
from fluorodesk.domain.enums import EmploymentType, KapUnit, Severity
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services.procedures.rows import ALL_GROUP, CaseDraft, FollowUpDraft, GroupBy

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clinic(services):
    """Two C-arms (one that shows no dose) and two technicians, one of whom has left."""
    with services.db.write() as session:
        units = [
            FluoroUnit(code="CA-1", name="OR 1 C-arm"),
            FluoroUnit(code="CA-3", name="Old C-arm", shows_air_kerma=False, shows_kap=False),
            FluoroUnit(code="CA-9", name="Retired C-arm", retired_on=date(2026, 6, 30)),
        ]
        techs = [
            Technician(first_name="Grace", last_name="Chen", employment_type=EmploymentType.EMPLOYEE),
            Technician(
                first_name="Luis",
                last_name="Moreno",
                employment_type=EmploymentType.AGENCY,
                retired_on=date(2026, 10, 17),
            ),
        ]
        session.add_all(units + techs)
        session.flush()
        return {
            "ca1": units[0].id,
            "ca3": units[1].id,
            "ca9": units[2].id,
            "grace": techs[0].id,
            "luis": techs[1].id,
        }


def draft(clinic, **changes) -> CaseDraft:
    values = dict(
        performed_on="2026-11-20",
        procedure="64483",
        unit_id=clinic["ca1"],
        physician="Dr. Helen Park",
        technician_id=clinic["grace"],
        case_ref="C-2611-0001",
        fluoro_time="0:38",
        air_kerma_mgy="12.4",
        kap_value="1.3",
        kap_unit=KapUnit.GY_CM2,
        images="4",
    )
    values.update(changes)
    return CaseDraft(**values)


def log(services, clinic, **changes):
    return services.procedures.log_case(draft(clinic, **changes))


def test_a_case_is_written_with_an_audit_event(services, clinic):
    row = log(services, clinic)
    assert row.cpt_code == "64483" and row.unit.startswith("CA-1") and row.technician == "Grace Chen"
    assert row.fluoro_time_s == 38.0 and row.fluoro_time_text == "0:38" and row.kap_text == "1.3 Gy·cm²"
    assert not row.flagged and row.follow_up is FollowUpState.NOT_NEEDED
    with services.db.read() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.action == "create" and event.entity == "procedure_records" and event.entity_id == row.id


def test_the_last_entry_is_remembered_for_the_next_row(services, clinic):
    assert services.procedures.entry_options().last is None
    log(services, clinic, unit_id=clinic["ca3"], air_kerma_mgy="", kap_value="", physician="Dr. Ortiz")
    options = services.procedures.entry_options()
    assert options.last.unit_id == clinic["ca3"] and options.last.physician == "Dr. Ortiz"
    assert options.last.technician_id == clinic["grace"] and options.last.performed_on == date(2026, 11, 20)
    assert "Dr. Ortiz" in options.physicians
    assert [u.code for u in options.units] == ["CA-1", "CA-3"]  # the retired unit is not offered
    assert [t.name for t in options.technicians] == ["Grace Chen"]
    assert any(p.cpt_code == "22514" for p in options.procedures)


def test_the_kap_unit_last_used_on_a_unit_is_offered_again(services, clinic):
    log(services, clinic, kap_value="130", kap_unit=KapUnit.UGY_M2)
    unit = next(u for u in services.procedures.entry_options().units if u.code == "CA-1")
    assert unit.last_kap_unit is KapUnit.UGY_M2


def test_bad_input_reports_every_field_and_writes_nothing(services, clinic):
    with pytest.raises(ValidationError) as info:
        log(
            services,
            clinic,
            performed_on="2026-13-01",
            procedure="esi",
            physician=" ",
            case_ref="Jane Doe",
            fluoro_time="a while",
            air_kerma_mgy="-3",
            kap_value="1.2",
            kap_unit="R",
            images="2.5",
        )
    assert set(info.value.fields) == {
        "performed_on",
        "procedure",
        "physician",
        "case_ref",
        "fluoro_time",
        "air_kerma_mgy",
        "kap_unit",
        "images",
    }
    assert "never the patient's name" in info.value.fields["case_ref"]
    assert count(services.db, ProcedureRecord) == 0 and count(services.db, AuditEvent) == 0


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"performed_on": (TODAY + timedelta(days=1)).isoformat()}, "performed_on", "future"),
        ({"performed_on": ""}, "performed_on", "Enter the date"),
        ({"unit_id": None}, "unit_id", "Choose the unit"),
        ({"fluoro_time": ""}, "fluoro_time", "fluoroscopy time"),
        ({"air_kerma_mgy": "", "kap_value": ""}, "air_kerma_mgy", "air kerma or the KAP"),
        ({"kap_unit": None}, "kap_unit", "Choose the unit"),
        ({"technician_id": "luis"}, "technician_id", "left on 2026-10-17"),
        ({"unit_id": "ca9", "performed_on": "2026-07-01"}, "unit_id", "retired on 2026-06-30"),
        (
            {"unit_id": "ca3", "air_kerma_mgy": "", "kap_value": "", "images": ""},
            "images",
            "number of images",
        ),
        ({"unit_id": "ca3", "kap_value": ""}, "air_kerma_mgy", "does not show air kerma"),
    ],
)
def test_each_rule_speaks_to_its_field(services, clinic, changes, field, words):
    changes = {
        k: clinic[v] if k in ("unit_id", "technician_id") and isinstance(v, str) else v
        for k, v in changes.items()
    }
    with pytest.raises(ValidationError) as info:
        log(services, clinic, **changes)
    assert words in info.value.fields[field]
    assert count(services.db, ProcedureRecord) == 0


def test_a_unit_without_dose_display_records_time_and_images(services, clinic):
    row = log(
        services, clinic, unit_id=clinic["ca3"], air_kerma_mgy="", kap_value="", kap_unit=None, images="6"
    )
    assert row.air_kerma_mgy is None and row.kap_value is None and row.images == 6


def test_the_same_case_twice_is_a_conflict_but_another_procedure_is_not(services, clinic):
    log(services, clinic)
    with pytest.raises(ConflictError, match="already in the log"):
        log(services, clinic)
    log(services, clinic, procedure="64493")  # same case number, second procedure of the session
    log(services, clinic, case_ref="")  # no case number: never a clash
    log(services, clinic, case_ref="")
    assert count(services.db, ProcedureRecord) == 4


def test_procedure_by_name(services, clinic):
    assert log(services, clinic, procedure="kyphoplasty, lumbar").cpt_code == "22514"


# --------------------------------------------------------------------------- triggers and follow-up


def flagged_case(services, clinic, day="2026-11-20"):
    return log(
        services, clinic, performed_on=day, procedure="22514", air_kerma_mgy="3415", fluoro_time="23:40"
    )


def dose_findings(services, as_of=TODAY):
    return [f for f in services.compliance.findings(as_of) if f.area.value == "dose"]


def test_a_case_at_the_trigger_is_not_flagged_and_above_it_is(services, clinic):
    at = log(services, clinic, air_kerma_mgy="3000", case_ref="A1")
    above = log(services, clinic, air_kerma_mgy="3000.1", case_ref="A2")
    kap_at = log(services, clinic, kap_value="50000", kap_unit=KapUnit.UGY_M2, case_ref="A3")
    assert not at.flagged and above.flagged and not kap_at.flagged
    assert above.follow_up is FollowUpState.NEEDED and above.skin_check_due == date(2026, 12, 18)
    assert [f.entity_id for f in dose_findings(services)] == [above.id]


def test_follow_up_clears_the_finding_only_when_both_steps_are_documented(services, clinic):
    case = flagged_case(services, clinic)
    (finding,) = dose_findings(services)
    assert finding.code == "dose.trigger_no_follow_up" and finding.severity is Severity.WARNING
    assert "patient not informed" in finding.message
    partial = services.procedures.document_follow_up(
        case.id, FollowUpDraft(patient_informed_on="2026-11-20", follow_up_by="Dr. Park")
    )
    assert partial.follow_up is FollowUpState.PARTIAL
    (finding,) = dose_findings(services)
    assert "skin check not documented" in finding.message and "patient not informed" not in finding.message
    done = services.procedures.document_follow_up(
        case.id,
        FollowUpDraft(
            patient_informed_on="2026-11-20",
            skin_check_on="2026-11-25",
            follow_up_by="Dr. Park",
            notes="No erythema.",
        ),
    )
    assert done.follow_up is FollowUpState.DONE
    assert dose_findings(services) == []
    # A packet made for a day before the skin check still shows the finding.
    assert [f.entity_id for f in dose_findings(services, date(2026, 11, 24))] == [case.id]


def test_no_follow_up_turns_critical_after_the_skin_check_day(services, clinic):
    case = flagged_case(services, clinic, day="2026-10-01")
    due = case.skin_check_due
    assert due == date(2026, 10, 29)
    assert dose_findings(services, due)[0].severity is Severity.WARNING
    assert dose_findings(services, due + timedelta(days=1))[0].severity is Severity.CRITICAL
    assert dose_findings(services, date(2026, 9, 30)) == []  # not performed yet on that day


def test_follow_up_validation_writes_nothing(services, clinic):
    case = flagged_case(services, clinic)
    below = log(services, clinic, case_ref="B1")
    before = count(services.db, AuditEvent)
    with pytest.raises(ValidationError) as info:
        services.procedures.document_follow_up(
            case.id, FollowUpDraft(patient_informed_on="2026-11-19", skin_check_on="2026-12-30")
        )
    assert set(info.value.fields) == {"patient_informed_on", "skin_check_on", "follow_up_by"}
    with pytest.raises(ValidationError, match="patient was informed"):
        services.procedures.document_follow_up(case.id, FollowUpDraft(follow_up_by="Dr. Park"))
    with pytest.raises(NotFoundError):
        services.procedures.document_follow_up(
            999, FollowUpDraft(patient_informed_on="2026-11-20", follow_up_by="x")
        )
    with pytest.raises(ConflictError, match="below every trigger"):
        services.procedures.document_follow_up(
            below.id, FollowUpDraft(patient_informed_on="2026-11-20", follow_up_by="Dr. Park")
        )
    assert count(services.db, AuditEvent) == before


def test_the_sql_shortlist_never_hides_a_case_the_exact_rule_flags(services, clinic):
    """Findings and "only cases above a trigger" shortlist candidates in SQL; the domain rule decides."""
    services.settings.update({"dose.trigger_kap_gycm2": 0.29, "dose.trigger_fluoro_min": 0.5})
    values = [
        (
            "K1",
            {"fluoro_time": "20", "kap_value": "29", "kap_unit": KapUnit.UGY_M2},
        ),  # exactly at: not flagged
        ("K2", {"fluoro_time": "20", "kap_value": "29.01", "kap_unit": KapUnit.UGY_M2}),
        ("K3", {"fluoro_time": "20", "kap_value": "290.1", "kap_unit": KapUnit.MGY_CM2}),
        ("K4", {"fluoro_time": "20", "kap_value": "0.29", "kap_unit": KapUnit.GY_CM2}),
        ("T1", {"fluoro_time": "30", "kap_value": ""}),
        ("T2", {"fluoro_time": "30.1", "kap_value": ""}),
    ]
    for ref, changes in values:
        log(services, clinic, case_ref=ref, **changes)
    everything = services.procedures.list_cases()
    exact_rule = {c.case_ref for c in everything if c.flagged}
    assert exact_rule == {"K2", "K3", "T2"}
    assert {c.case_ref for c in services.procedures.list_cases(flagged_only=True)} == exact_rule
    assert {f.subject.split()[1] for f in dose_findings(services)} == exact_rule


def test_raising_a_trigger_level_clears_the_flag(services, clinic):
    flagged_case(services, clinic)
    services.settings.update({"dose.trigger_air_kerma_mgy": 5000})
    assert dose_findings(services) == []
    assert not services.procedures.list_cases()[0].flagged


# --------------------------------------------------------------------------- corrections and voids


def test_a_correction_voids_the_old_case_and_keeps_its_follow_up(services, clinic):
    case = flagged_case(services, clinic)
    services.procedures.document_follow_up(
        case.id, FollowUpDraft(patient_informed_on="2026-11-20", follow_up_by="Dr. Park")
    )
    fixed = services.procedures.correct_case(
        case.id,
        draft(clinic, procedure="22514", air_kerma_mgy="3451", fluoro_time="23:40"),
        "Kerma digits swapped",
    )
    assert fixed.amends_id == case.id and fixed.air_kerma_mgy == 3451.0
    assert fixed.patient_informed_on == date(2026, 11, 20) and fixed.follow_up_by == "Dr. Park"
    old = services.procedures.get_case(case.id)
    assert old.voided and "Corrected by case" in old.void_reason and "Kerma digits swapped" in old.void_reason
    assert [c.id for c in services.procedures.list_cases()] == [fixed.id]
    assert len(services.procedures.list_cases(include_voided=True)) == 2
    with pytest.raises(ConflictError):
        services.procedures.correct_case(case.id, draft(clinic), "again")


def test_a_correction_needs_a_reason_and_valid_fields(services, clinic):
    case = log(services, clinic)
    before = count(services.db, AuditEvent), count(services.db, ProcedureRecord)
    with pytest.raises(ValidationError) as info:
        services.procedures.correct_case(case.id, draft(clinic, fluoro_time="x"), "  ")
    assert set(info.value.fields) == {"fluoro_time", "reason"}
    with pytest.raises(ValidationError, match="Say what was wrong"):
        services.procedures.correct_case(case.id, draft(clinic), "")
    assert (count(services.db, AuditEvent), count(services.db, ProcedureRecord)) == before
    assert not services.procedures.get_case(case.id).voided


def test_void_needs_a_reason_and_happens_once(services, clinic):
    case = log(services, clinic)
    with pytest.raises(ValidationError):
        services.procedures.void_case(case.id, " ")
    voided = services.procedures.void_case(case.id, "Entered twice")
    assert voided.voided and voided.void_reason == "Entered twice"
    with pytest.raises(ConflictError):
        services.procedures.void_case(case.id, "again")
    assert services.procedures.list_cases() == []
    assert count(services.db, ProcedureRecord) == 1  # never deleted


def test_a_voided_flagged_case_has_no_finding_from_the_day_it_was_voided(services, clinic):
    case = flagged_case(services, clinic)
    after_the_void = date.today() + timedelta(days=1)  # the void is stamped with the real clock
    assert dose_findings(services, after_the_void) != []
    services.procedures.void_case(case.id, "Test entry")
    assert dose_findings(services, after_the_void) == []


# --------------------------------------------------------------------------- unit display


def test_unit_display_is_audited(services, clinic):
    before = count(services.db, AuditEvent)
    unit = services.procedures.set_unit_display(clinic["ca1"], shows_air_kerma=False, shows_kap=True)
    assert unit.display.words() == "KAP only"
    assert count(services.db, AuditEvent) == before + 1
    services.procedures.set_unit_display(clinic["ca1"], shows_air_kerma=False, shows_kap=True)  # no change
    assert count(services.db, AuditEvent) == before + 1
    with pytest.raises(NotFoundError):
        services.procedures.set_unit_display(999, shows_air_kerma=True, shows_kap=True)


# --------------------------------------------------------------------------- summaries


def test_summaries_by_quarter_month_physician_and_unit(services, clinic):
    log(services, clinic, performed_on="2026-03-31", case_ref="Q1", fluoro_time="30", air_kerma_mgy="10")
    log(services, clinic, performed_on="2026-04-01", case_ref="Q2a", fluoro_time="40", air_kerma_mgy="8.4")
    log(
        services,
        clinic,
        performed_on="2026-04-02",
        case_ref="Q2b",
        fluoro_time="50",
        air_kerma_mgy="8.5",
        physician="Dr. Ortiz",
    )
    gone = log(
        services, clinic, performed_on="2026-04-03", case_ref="Q2c", fluoro_time="500", air_kerma_mgy="900"
    )
    services.procedures.void_case(gone.id, "Wrong clinic")
    rows = services.procedures.summaries(PeriodKind.QUARTER, GroupBy.PROCEDURE)
    assert [(r.period.label, r.group.split(" ")[0], r.stats.cases) for r in rows] == [
        ("2026 Q2", ALL_GROUP.split(" ")[0], 2),
        ("2026 Q2", "64483", 2),
        ("2026 Q1", ALL_GROUP.split(" ")[0], 1),
        ("2026 Q1", "64483", 1),
    ]
    q2 = rows[0].stats
    assert q2.median_time_s == 45.0 and q2.median_kerma_mgy == 8.45 and q2.median_kap_gycm2 == 1.3
    by_physician = services.procedures.summaries("month", GroupBy.PHYSICIAN)
    assert {r.group for r in by_physician if r.period.label == "2026-04"} == {
        ALL_GROUP,
        "Dr. Helen Park",
        "Dr. Ortiz",
    }
    by_unit = services.procedures.summaries("quarter", GroupBy.UNIT)
    assert {r.group for r in by_unit} == {ALL_GROUP, "CA-1 OR 1 C-arm"}
    assert [p.label for p in services.procedures.periods("quarter")] == [
        "2026 Q4",
        "2026 Q3",
        "2026 Q2",
        "2026 Q1",
    ]


def test_list_filters(services, clinic):
    log(services, clinic, performed_on="2026-01-05", case_ref="old")
    flagged_case(services, clinic)
    assert len(services.procedures.list_cases(start=date(2026, 11, 1))) == 1
    assert len(services.procedures.list_cases(flagged_only=True)) == 1
    assert len(services.procedures.list_cases(as_of=date(2026, 6, 1))) == 1


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    performed=st.text(max_size=12),
    procedure=st.text(max_size=20),
    physician=st.text(max_size=30),
    case_ref=st.text(max_size=50),
    fluoro=st.text(max_size=10),
    kerma=st.text(max_size=10),
    kap=st.text(max_size=10),
    images=st.text(max_size=6),
)
def test_case_entry_never_crashes_or_half_writes(
    services, clinic, performed, procedure, physician, case_ref, fluoro, kerma, kap, images
):
    before = count(services.db, ProcedureRecord), count(services.db, AuditEvent)
    try:
        services.procedures.log_case(
            CaseDraft(
                performed,
                procedure,
                clinic["ca1"],
                physician,
                clinic["grace"],
                case_ref,
                fluoro,
                kerma,
                kap,
                KapUnit.GY_CM2,
                images,
            )
        )
    except (ValidationError, ConflictError):
        assert (count(services.db, ProcedureRecord), count(services.db, AuditEvent)) == before
    else:
        assert (count(services.db, ProcedureRecord), count(services.db, AuditEvent)) == (
            before[0] + 1,
            before[1] + 1,
        )


# --------------------------------------------------------------------------- the demo clinic


def test_the_demo_clinic_has_a_flagged_case_without_follow_up(demo_services):
    findings = [f for f in demo_services.compliance.findings() if f.code == "dose.trigger_no_follow_up"]
    assert len(findings) == 1 and "22514" in findings[0].subject
    cases = demo_services.procedures.list_cases(start=TODAY - timedelta(days=120))
    assert len(cases) > 300
    assert sum(c.follow_up is FollowUpState.DONE for c in cases) == 1
    no_dose_unit = [c for c in cases if c.unit.startswith("CA-3")]
    assert no_dose_unit and all(c.air_kerma_mgy is None and c.images is not None for c in no_dose_unit)
    assert {c.kap_unit for c in cases if c.kap_unit} == {KapUnit.GY_CM2, KapUnit.UGY_M2}


def test_the_row_says_when_the_skin_check_day_has_passed_as_the_finding_does(services, clinic):
    late = flagged_case(services, clinic, day="2026-10-01")  # skin check due 2026-10-29
    recent = flagged_case(services, clinic, day="2026-11-20")  # due 2026-12-18
    on_the_day = flagged_case(services, clinic, day="2026-10-29")  # due today, 2026-11-26
    assert late.skin_check_overdue and not recent.skin_check_overdue
    assert on_the_day.skin_check_due == TODAY and not on_the_day.skin_check_overdue
    severity = {f.entity_id: f.severity for f in dose_findings(services)}
    assert severity[late.id] is Severity.CRITICAL and severity[recent.id] is Severity.WARNING
    assert not log(services, clinic, case_ref="Below").skin_check_overdue  # no trigger, no skin check


def test_the_case_list_and_entry_choices_follow_each_new_case_choice_and_setting(services, clinic):
    first = log(services, clinic)
    assert [c.id for c in services.procedures.list_cases()] == [first.id]
    second = log(services, clinic, case_ref="C-2611-0002", physician="Dr. Ortiz")
    assert [c.id for c in services.procedures.list_cases()] == [second.id, first.id]
    assert "Dr. Ortiz" in services.procedures.entry_options().physicians
    with services.db.write() as session:  # a new technician is a new choice at once
        session.add(Technician(first_name="Ana", last_name="Ruiz", employment_type=EmploymentType.EMPLOYEE))
    assert "Ana Ruiz" in [t.name for t in services.procedures.entry_options().technicians]
    services.settings.update({"dose.trigger_air_kerma_mgy": 10})  # a trigger level is in every row
    assert services.procedures.list_cases()[0].flagged


def test_the_entry_offers_each_physician_named_on_a_case_once_in_alphabetical_order(services, clinic):
    names = ["dr. b", "Dr. A", "Dr. Émile", "Dr. A", "Dr. C", "Dr. Ab"]
    for number, name in enumerate(names):
        log(services, clinic, physician=name, case_ref=f"C-{number}")
    assert services.procedures.entry_options().physicians == ("Dr. A", "Dr. Ab", "dr. b", "Dr. C", "Dr. Émile")


def last_kap_units_by_one_query(session) -> dict[int, KapUnit]:
    rec = ProcedureRecord
    newest = (
        select(func.max(rec.id))
        .where(rec.kap_unit.is_not(None), rec.voided_at.is_(None))
        .group_by(rec.unit_id)
        .scalar_subquery()
    )
    rows = session.execute(select(rec.unit_id, rec.kap_unit).where(rec.id.in_(newest)))
    return {unit_id: KapUnit(kap_unit) for unit_id, kap_unit in rows}


def test_the_last_kap_unit_per_unit_is_the_newest_live_cases(demo_services):
    rec = ProcedureRecord
    with demo_services.db.write() as session:
        before = last_kap_units_by_one_query(session)
        # The newest case of a unit is voided, with a KAP unit no live case of that unit has.
        newest = session.scalars(select(rec).where(rec.kap_unit.is_not(None)).order_by(rec.id.desc())).first()
        other = next(u for u in KapUnit if u is not before[newest.unit_id])
        newest.kap_unit, newest.voided_at, newest.void_reason = other, newest.created_at, "test"
        # Another unit's newest case has no KAP at all.
        later = session.scalars(
            select(rec).where(rec.unit_id != newest.unit_id, rec.kap_unit.is_(None)).order_by(rec.id.desc())
        ).first()
        assert later is not None
    with demo_services.db.read() as session:
        expected = last_kap_units_by_one_query(session)
    assert expected == before
    units = demo_services.procedures.entry_options().units
    assert units and {u.id: u.last_kap_unit for u in units} == {u.id: expected.get(u.id) for u in units}
