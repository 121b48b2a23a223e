"""Contracts and agencies on a real temporary database: validation, one transaction, audit, findings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fluorodesk.db.models import (
    AgencyContact,
    AuditEvent,
    Contract,
    ContractClauseCheck,
    ContractEvaluation,
    ContractProcedure,
)
from fluorodesk.domain.contracts import ContractState
from fluorodesk.domain.enums import ClauseStatus, ContractParty, EmploymentType, RateBasis, RenewalType
from fluorodesk.errors import ConflictError, NotFoundError, ValidationError
from fluorodesk.services.agencies import AgencyDraft, ContactDraft
from fluorodesk.services.compliance import collect
from fluorodesk.services.contracts.drafts import (
    ClauseDraft,
    ClauseEntry,
    ContractDraft,
    EvaluationDraft,
    parse_amount,
)
from fluorodesk.services.technicians.rows import TechnicianDraft

from ..conftest import TODAY


def count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def events(db, entity=None) -> list[AuditEvent]:
    with db.read() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if entity:
            stmt = stmt.where(AuditEvent.entity == entity)
        return list(session.scalars(stmt))


def tech(services, first="Ana", last="Lopez", *, agency_id=None, start=date(2025, 1, 1)):
    employment = EmploymentType.AGENCY if agency_id else EmploymentType.PER_DIEM
    return services.technicians.create(
        TechnicianDraft(first, last, employment, agency_id=agency_id, start_date=start)
    )


def agency(services, name="Summit Imaging Staffing", **kw):
    return services.agencies.create(AgencyDraft(name, **kw)).row


def all_present(services, party_type=ContractParty.TECHNICIAN):
    return tuple(
        ClauseEntry(c.clause_id, ClauseStatus.PRESENT) for c in services.contracts.checklist_for(party_type)
    )


def procedures(services, n=3):
    return tuple(p.id for p in services.contracts.procedure_types()[:n])


def draft(services, party_id, party_type=ContractParty.TECHNICIAN, **changes):
    values = dict(
        party_type=party_type,
        agency_id=party_id if party_type is ContractParty.AGENCY else None,
        technician_id=party_id if party_type is ContractParty.TECHNICIAN else None,
        title="Per diem technologist services",
        effective_on=date(2026, 1, 1),
        expires_on=date(2026, 12, 31),
        renewal_type=RenewalType.FIXED,
        signed_on=date(2025, 12, 15),
        clinic_signatory="Dr. Helen Park",
        party_signatory="Ana Lopez",
        rate_amount="58",
        rate_basis=RateBasis.PER_HOUR,
        clauses=all_present(services, party_type or ContractParty.TECHNICIAN),
        procedure_ids=procedures(services),
    )
    values.update(changes)
    return ContractDraft(**values)


def contract_findings(services, as_of=TODAY):
    with services.db.read() as session:
        return [f for f in collect(session, as_of) if f.area.value == "contracts"]


def codes(found):
    return {f.code for f in found}


# --------------------------------------------------------------------------- creating contracts


def test_new_contract_gets_a_checklist_row_for_every_applicable_clause_and_one_audit_event(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id, clauses=(), procedure_ids=()))
    with services.db.read() as session:
        checks = session.scalars(select(ContractClauseCheck)).all()
    tech_clauses = services.contracts.checklist_for(ContractParty.TECHNICIAN)
    assert len(checks) == len(tech_clauses) == 12  # the two agency-only clauses are left out
    assert {c.status for c in checks} == {ClauseStatus.MISSING}
    assert detail.row.state is ContractState.IN_FORCE
    assert len(detail.row.missing_clauses) == 12  # every technician clause is required
    assert detail.row.rate == "$58.00 per hour"
    (event,) = events(services.db, "contracts")
    assert event.action == "create" and event.actor == "tester" and event.entity_id == detail.row.id
    changes = json.loads(event.changes)
    assert changes["clause:qc_duties"] == [None, "missing"]
    assert changes["signed_on"] == [None, "2025-12-15"]
    assert len(services.contracts.checklist_for(ContractParty.AGENCY)) == 14


def test_complete_contract_saves_clauses_procedures_and_rate(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id, rate_amount="$1,250.50", rate_basis="per_day"))
    assert detail.row.missing_clauses == ()
    assert detail.rate_amount == 1250.5 and detail.rate_basis is RateBasis.PER_DAY
    assert detail.procedure_ids == procedures(services)
    assert count(services.db, ContractProcedure) == 3
    assert all(c.status is ClauseStatus.PRESENT and c.saved for c in detail.clauses)


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(services):
    before = count(services.db, AuditEvent)
    with pytest.raises(ValidationError) as info:
        services.contracts.create(
            ContractDraft(
                party_type=ContractParty.AGENCY,
                agency_id=None,
                effective_on="2026-12-01",
                expires_on="2026-11-30",
                renewal_type=RenewalType.AUTO,
                notice_days="soon",
                signed_on=TODAY + timedelta(days=1),
                rate_amount="-5",
                rate_basis="per_week",
                insurance_expires_on="31/12/2026",
            )
        )
    assert set(info.value.fields) == {
        "party",
        "expires_on",
        "notice_days",
        "signed_on",
        "clinic_signatory",
        "party_signatory",
        "rate_amount",
        "rate_basis",
        "insurance_expires_on",
    }
    assert "before it takes effect" in info.value.fields["expires_on"]
    assert "in the future" in info.value.fields["signed_on"]
    assert info.value.fields["rate_amount"] == "The rate cannot be negative."
    assert count(services.db, Contract) == 0 and count(services.db, AuditEvent) == before


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"party_type": None}, "party_type", "agency or a technician"),
        ({"technician_id": None}, "party", "Choose the technician"),
        ({"effective_on": ""}, "effective_on", "takes effect"),
        ({"effective_on": "2026-02-30"}, "effective_on", "is not a date"),
        ({"expires_on": date(2025, 12, 31)}, "expires_on", "before it takes effect"),
        ({"renewal_type": RenewalType.MANUAL, "expires_on": None}, "expires_on", "first term"),
        ({"signed_on": TODAY + timedelta(days=1)}, "signed_on", "in the future"),
        ({"clinic_signatory": " "}, "clinic_signatory", "for the clinic"),
        ({"party_signatory": ""}, "party_signatory", "for the technician"),
        ({"rate_amount": "lots"}, "rate_amount", "not an amount"),
        ({"rate_amount": "-0.01"}, "rate_amount", "negative"),
        ({"rate_basis": None}, "rate_basis", "per day, per case or per hour"),
        ({"renewal_type": RenewalType.AUTO, "notice_days": "400"}, "notice_days", "0 to 365"),
        ({"renewal_type": RenewalType.AUTO, "renewal_term_months": "0"}, "renewal_term_months", "1 to 120"),
        ({"procedure_ids": ()}, "procedures", "Tick the procedures"),
    ],
)
def test_one_bad_field_names_that_field(services, changes, field, words):
    ana = tech(services)
    with pytest.raises(ValidationError) as info:
        services.contracts.create(draft(services, ana.id, **changes))
    assert set(info.value.fields) == {field}
    assert words in info.value.fields[field]
    assert count(services.db, Contract) == 0


def test_signed_today_and_a_free_contract_are_fine(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id, signed_on=TODAY, rate_amount="0"))
    assert detail.signed_on == TODAY and detail.rate_amount == 0


@given(st.text(max_size=12))
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_typed_rate_is_a_non_negative_number_or_a_message(text):
    errors: dict[str, str] = {}
    value = parse_amount(text, errors)
    if errors:
        assert value is None and set(errors) == {"rate_amount"}
    else:
        assert value is None or value >= 0


def test_a_required_clause_marked_not_applicable_needs_a_reason(services):
    ana = tech(services)
    clauses = list(all_present(services))
    insurance = next(c for c in services.contracts.checklist_for("technician") if c.key == "insurance")
    index = next(i for i, c in enumerate(clauses) if c.clause_id == insurance.clause_id)
    clauses[index] = ClauseEntry(insurance.clause_id, ClauseStatus.NOT_APPLICABLE, "")
    with pytest.raises(ValidationError) as info:
        services.contracts.create(draft(services, ana.id, clauses=tuple(clauses)))
    assert set(info.value.fields) == {f"clause.{insurance.clause_id}"}
    assert "Certificate of insurance" in info.value.fields[f"clause.{insurance.clause_id}"]
    clauses[index] = ClauseEntry(insurance.clause_id, "not_applicable", "Covered by the clinic's policy")
    detail = services.contracts.create(draft(services, ana.id, clauses=tuple(clauses)))
    row = next(c for c in detail.clauses if c.key == "insurance")
    assert row.status is ClauseStatus.NOT_APPLICABLE and row.note == "Covered by the clinic's policy"
    assert detail.row.missing_clauses == ()


def test_party_must_exist_and_be_active(services):
    summit = agency(services)
    services.agencies.deactivate(summit.id)
    with pytest.raises(ValidationError, match="deactivated"):
        services.contracts.create(draft(services, summit.id, ContractParty.AGENCY))
    with pytest.raises(ValidationError, match="no longer exists"):
        services.contracts.create(draft(services, 999))
    assert count(services.db, Contract) == 0


def test_a_former_party_takes_the_record_of_a_past_contract_but_no_current_one(services):
    summit = agency(services)
    services.agencies.deactivate(summit.id)
    agency_clauses = all_present(services, ContractParty.AGENCY)
    past = draft(
        services,
        summit.id,
        ContractParty.AGENCY,
        effective_on=date(2024, 1, 1),
        expires_on=date(2024, 12, 31),
        signed_on=date(2023, 12, 20),
        clauses=agency_clauses,
    )
    assert services.contracts.create(past).row.state is ContractState.EXPIRED
    auto = replace(past, effective_on=date(2025, 1, 1), expires_on=date(2025, 12, 31), renewal_type=RenewalType.AUTO)
    with pytest.raises(ValidationError) as refused:
        services.contracts.create(auto)
    assert refused.value.fields == {"party": "Summit Imaging Staffing is deactivated; reactivate it in Agencies first."}
    with services.contracts.writing() as session:  # as an import files a past contract with its end
        ended = services.contracts.create_in(session, auto, ended=(date(2025, 6, 1), "Notice given")).id
    assert services.contracts.get(ended).row.status == "Ended 2025-06-01"


def test_a_clause_of_the_other_kind_of_party_is_refused(services):
    ana = tech(services)
    qualified = next(c for c in services.contracts.checklist_for("agency") if c.key == "qualified_staff")
    clauses = (*all_present(services), ClauseEntry(qualified.clause_id, ClauseStatus.PRESENT))
    with pytest.raises(ValidationError) as refused:
        services.contracts.create(draft(services, ana.id, clauses=clauses))
    assert refused.value.fields == {
        "clauses": "“Agency supplies only qualified, verified staff” is not a clause of contracts with a technician."
    }
    assert count(services.db, Contract) == 0


# --------------------------------------------------------------------------- changing, renewing, ending


def test_update_records_clause_changes_and_an_unchanged_save_writes_nothing(services):
    ana = tech(services)
    clauses = tuple(
        ClauseEntry(c.clause_id, ClauseStatus.MISSING if c.key == "qc_duties" else ClauseStatus.PRESENT)
        for c in services.contracts.checklist_for("technician")
    )
    detail = services.contracts.create(draft(services, ana.id, clauses=clauses))
    assert detail.row.missing_clauses == ("QC duties",)
    fixed = services.contracts.update(detail.row.id, draft(services, ana.id, rate_amount="60"))
    assert fixed.row.missing_clauses == () and fixed.rate_amount == 60
    update = events(services.db, "contracts")[-1]
    changes = json.loads(update.changes)
    assert update.action == "update"
    assert changes["clause:qc_duties"] == ["missing", "present"]
    assert changes["rate_amount"] == [58.0, 60.0]
    n = count(services.db, AuditEvent)
    services.contracts.update(detail.row.id, draft(services, ana.id, rate_amount="60"))
    assert count(services.db, AuditEvent) == n


def test_update_of_a_missing_contract_is_not_found(services):
    ana = tech(services)
    with pytest.raises(NotFoundError):
        services.contracts.update(42, draft(services, ana.id))


def test_renewal_is_a_new_linked_contract_and_the_old_terms_stay(services):
    ana = tech(services)
    old = services.contracts.create(draft(services, ana.id))
    new = services.contracts.renew(
        old.row.id,
        draft(
            services,
            ana.id,
            effective_on=date(2027, 1, 1),
            expires_on=date(2027, 12, 31),
            signed_on=TODAY,
            rate_amount="62",
        ),
    )
    assert new.renews_contract_id == old.row.id
    assert [h.id for h in new.history] == [old.row.id, new.row.id]
    assert [h.rate for h in new.history] == ["$58.00 per hour", "$62.00 per hour"]
    again = services.contracts.get(old.row.id)
    assert again.rate_amount == 58 and again.row.renewed_by_id == new.row.id
    assert [h.is_this for h in again.history] == [True, False]
    assert events(services.db, "contracts")[-1].action == "renew"
    # Signed renewal: the old contract's expiry no longer worries anyone, and it is history from 2027.
    assert "contract.expiring" not in codes(contract_findings(services, date(2026, 12, 15)))
    assert services.contracts.get(old.row.id, as_of=date(2027, 1, 1)).row.state is ContractState.SUPERSEDED
    with pytest.raises(ConflictError, match="already renewed"):
        services.contracts.renew(
            old.row.id, draft(services, ana.id, effective_on=date(2027, 2, 1), expires_on=None)
        )


def test_renewal_defaults_carry_the_terms_into_the_next_term(services):
    ana = tech(services)
    clauses = tuple(
        ClauseEntry(c.clause_id, ClauseStatus.MISSING if c.key == "qc_duties" else ClauseStatus.PRESENT)
        for c in services.contracts.checklist_for("technician")
    )
    old = services.contracts.create(
        draft(
            services,
            ana.id,
            renewal_type=RenewalType.MANUAL,
            clauses=clauses,
            insurance_expires_on="2027-06-30",
        )
    )
    proposed, rows = services.contracts.renewal_defaults(old.row.id)
    assert (proposed.effective_on, proposed.expires_on) == (date(2027, 1, 1), date(2027, 12, 31))
    assert proposed.signed_on is None and proposed.technician_id == ana.id
    assert proposed.rate_amount == 58 and proposed.procedure_ids == procedures(services)
    assert {r.key: r.status for r in rows}["qc_duties"] is ClauseStatus.MISSING
    new = services.contracts.renew(
        old.row.id,
        replace(proposed, signed_on=TODAY, clinic_signatory="Dr. Park", party_signatory="Ana Lopez"),
    )
    assert new.row.missing_clauses == ("QC duties",) and new.row.state is ContractState.PENDING


def test_renewal_must_follow_the_old_contract_with_the_same_party(services):
    ana, ben = tech(services), tech(services, "Ben", "Ode")
    old = services.contracts.create(draft(services, ana.id))
    with pytest.raises(ValidationError) as info:
        services.contracts.renew(old.row.id, draft(services, ana.id, effective_on=date(2026, 1, 1)))
    assert "after the contract it renews" in info.value.fields["effective_on"]
    with pytest.raises(ValidationError) as info:
        services.contracts.renew(
            old.row.id, draft(services, ben.id, effective_on=date(2027, 1, 1), expires_on=None)
        )
    assert "same party" in info.value.fields["party"]
    assert count(services.db, Contract) == 1


def test_an_unsigned_renewal_does_not_silence_the_expiry(services):
    ana = tech(services)
    old = services.contracts.create(draft(services, ana.id))
    services.contracts.renew(
        old.row.id,
        draft(
            services,
            ana.id,
            effective_on=date(2027, 1, 1),
            expires_on=date(2027, 12, 31),
            signed_on=None,
            clinic_signatory="",
            party_signatory="",
        ),
    )
    found = contract_findings(services)
    expiring = next(f for f in found if f.code == "contract.expiring")
    assert "renewal is entered but not signed" in expiring.message
    assert "contract.unsigned" in codes(found)


def test_terminate_validates_then_ends_the_contract_and_can_be_withdrawn(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id))
    with pytest.raises(ValidationError) as info:
        services.contracts.terminate(detail.row.id, "", " ")
    assert set(info.value.fields) == {"terminated_on", "termination_reason"}
    with pytest.raises(ValidationError, match="before it takes effect"):
        services.contracts.terminate(detail.row.id, "2025-12-31", "Mistake")
    ended = services.contracts.terminate(detail.row.id, "12/01/2026", "Services no longer needed")
    assert ended.terminated_on == date(2026, 12, 1)
    assert ended.row.status == "In force, ends 2026-11-30 (notice given)"
    assert events(services.db, "contracts")[-1].action == "terminate"
    found = contract_findings(services)
    assert any(f.code == "contract.expiring" and "notice given" in f.message for f in found)
    assert "technician.no_contract" in codes(contract_findings(services, date(2026, 12, 1)))
    with pytest.raises(ConflictError):
        services.contracts.terminate(detail.row.id, "2026-12-05", "again")
    back = services.contracts.withdraw_termination(detail.row.id)
    assert back.terminated_on is None and back.termination_reason == ""
    assert count(services.db, Contract) == 1  # nothing is ever deleted


# --------------------------------------------------------------------------- evaluations


def test_evaluation_validation_and_recording(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id))
    with pytest.raises(ValidationError) as info:
        services.contracts.add_evaluation(
            EvaluationDraft(detail.row.id, TODAY + timedelta(days=1), " ", "excellent")
        )
    assert set(info.value.fields) == {"evaluated_on", "evaluator", "outcome"}
    with pytest.raises(ValidationError) as info:
        services.contracts.add_evaluation(
            EvaluationDraft(detail.row.id, TODAY, "Dr. Park", "needs_improvement")
        )
    assert set(info.value.fields) == {"notes"}
    with pytest.raises(ValidationError, match="only took effect"):
        services.contracts.add_evaluation(
            EvaluationDraft(detail.row.id, "2025-12-31", "Dr. Park", "satisfactory")
        )
    assert count(services.db, ContractEvaluation) == 0
    row = services.contracts.add_evaluation(EvaluationDraft(detail.row.id, TODAY, "Dr. Park", "satisfactory"))
    assert row.outcome_label == "Satisfactory" and row.recorded_by == "tester"
    assert services.contracts.get(detail.row.id).row.evaluation_due == date(2027, 11, 26)
    assert events(services.db)[-1].entity == "contract_evaluations"


def test_evaluation_overdue_follows_the_setting_and_the_renewal_chain(services):
    ana = tech(services)
    first = services.contracts.create(
        draft(
            services,
            ana.id,
            effective_on=date(2024, 3, 1),
            expires_on=date(2025, 2, 28),
            signed_on=date(2024, 2, 1),
        )
    )
    services.contracts.add_evaluation(
        EvaluationDraft(first.row.id, date(2024, 12, 1), "Dr. Park", "satisfactory")
    )
    second = services.contracts.renew(
        first.row.id,
        draft(
            services,
            ana.id,
            effective_on=date(2025, 3, 1),
            expires_on=date(2027, 2, 28),
            signed_on=date(2025, 2, 1),
        ),
    )
    # The service's last evaluation (on the contract it renewed) counts: due 2025-12-01.
    overdue = [f for f in contract_findings(services) if f.code == "contract.evaluation_overdue"]
    assert [f.entity_id for f in overdue] == [second.row.id]
    assert overdue[0].due == date(2025, 12, 1) and "last evaluated 2024-12-01" in overdue[0].message
    assert "contract.evaluation_overdue" not in codes(contract_findings(services, date(2025, 12, 1)))
    assert "contract.evaluation_overdue" in codes(contract_findings(services, date(2025, 12, 2)))
    services.settings.update({"contracts.evaluation_interval_months": 24})
    assert "contract.evaluation_overdue" not in codes(contract_findings(services))


def test_evaluation_due_from_29_february(services):
    ana = tech(services)
    detail = services.contracts.create(
        draft(services, ana.id, effective_on=date(2024, 1, 1), expires_on=None, signed_on=date(2023, 12, 1))
    )
    services.contracts.add_evaluation(
        EvaluationDraft(detail.row.id, "02/29/2024", "Dr. Park", "satisfactory")
    )
    assert "contract.evaluation_overdue" not in codes(contract_findings(services, date(2025, 2, 28)))
    found = contract_findings(services, date(2025, 3, 1))
    assert next(f for f in found if f.code == "contract.evaluation_overdue").due == date(2025, 2, 28)


def test_never_evaluated_is_due_an_interval_after_the_service_started(services):
    ana = tech(services)
    services.contracts.create(
        draft(services, ana.id, effective_on=date(2025, 11, 26), expires_on=None, signed_on=date(2025, 11, 1))
    )
    assert "contract.evaluation_overdue" not in codes(contract_findings(services))  # due today
    found = contract_findings(services, TODAY + timedelta(days=1))
    assert any("never evaluated since it started 2025-11-26" in f.message for f in found)


# --------------------------------------------------------------------------- findings at the boundaries


def test_expires_today_is_still_in_force_and_warned_tomorrow_it_is_gone(services):
    ana = tech(services)
    services.contracts.create(draft(services, ana.id, effective_on=date(2026, 1, 1), expires_on=TODAY))
    found = contract_findings(services)
    assert "technician.no_contract" not in codes(found)
    expiring = next(f for f in found if f.code == "contract.expiring")
    assert "ends today" in expiring.message and expiring.due == TODAY
    later = contract_findings(services, TODAY + timedelta(days=1))
    assert codes(later) == {"technician.no_contract"}
    assert "expired on 2026-11-26" in next(iter(later)).message


@pytest.mark.parametrize(("days", "warned"), [(60, True), (61, False)])
def test_expiry_warning_window_is_inclusive(services, days, warned):
    ana = tech(services)
    services.contracts.create(draft(services, ana.id, expires_on=TODAY + timedelta(days=days)))
    assert ("contract.expiring" in codes(contract_findings(services))) is warned


def test_manual_renewal_wording(services):
    ana = tech(services)
    services.contracts.create(
        draft(services, ana.id, renewal_type=RenewalType.MANUAL, expires_on=TODAY + timedelta(days=10))
    )
    expiring = next(f for f in contract_findings(services) if f.code == "contract.expiring")
    assert "unless renewed" in expiring.message and "Renew" in expiring.action


def auto_contract(services, party_id, *, expires, notice=30, **kw):
    return services.contracts.create(
        draft(
            services,
            party_id,
            renewal_type=RenewalType.AUTO,
            notice_days=notice,
            effective_on=kw.pop("effective_on", date(2026, 1, 1)),
            expires_on=expires,
            **kw,
        )
    )


def test_cancellation_notice_due_today_then_passed(services):
    ana = tech(services)
    auto_contract(services, ana.id, expires=TODAY + timedelta(days=30), notice=30)
    found = contract_findings(services)
    notice = next(f for f in found if f.code == "contract.cancellation_notice")
    assert notice.due == TODAY and "due today" in notice.message and notice.severity.value == "info"
    assert "contract.expiring" not in codes(found)  # it renews by itself
    passed = contract_findings(services, TODAY + timedelta(days=1))
    late = next(f for f in passed if f.code == "contract.notice_passed")
    assert late.due == TODAY + timedelta(days=31) and "has passed" in late.message
    assert "contract.cancellation_notice" not in codes(passed)


def test_auto_renewal_across_the_year_end_keeps_cover_and_moves_the_deadline(services):
    ana = tech(services)
    auto_contract(services, ana.id, effective_on=date(2026, 1, 1), expires=date(2026, 12, 31), notice=60)
    assert "technician.no_contract" not in codes(contract_findings(services, date(2027, 1, 1)))
    found = contract_findings(services, date(2027, 9, 15))
    notice = next(f for f in found if f.code == "contract.cancellation_notice")
    assert notice.due == date(2027, 11, 1) and "2028-01-01" in notice.message
    row = services.contracts.list_rows(as_of=date(2027, 1, 1))[0]
    assert row.term_end == date(2027, 12, 31) and row.notice_by == date(2027, 11, 1)
    assert row.status == "In force, renews 2028-01-01"


def test_insurance_expired_yesterday_and_expiring_today(services):
    ana, ben = tech(services), tech(services, "Ben", "Ode")
    services.contracts.create(draft(services, ana.id, insurance_expires_on=TODAY - timedelta(days=1)))
    services.contracts.create(draft(services, ben.id, insurance_expires_on=TODAY))
    found = contract_findings(services)
    expired = next(f for f in found if f.code == "contract.insurance_expired")
    expiring = next(f for f in found if f.code == "contract.insurance_expiring")
    assert expired.subject == "Ana Lopez" and expiring.subject == "Ben Ode"
    assert "expires today" in expiring.message


def test_agency_contract_covers_its_technicians_and_freelancers_need_their_own(services):
    summit = agency(services)
    maria = tech(services, "Maria", "Alvarez", agency_id=summit.id)
    tech(services)
    found = contract_findings(services)
    reasons = {f.subject: f.message for f in found if f.code == "technician.no_contract"}
    assert "Summit Imaging Staffing, which has no contract on file" in reasons["Maria Alvarez"]
    assert "No contract on file" in reasons["Ana Lopez"]
    services.contracts.create(
        draft(services, summit.id, ContractParty.AGENCY, clauses=all_present(services, ContractParty.AGENCY))
    )
    found = contract_findings(services)
    assert {f.subject for f in found if f.code == "technician.no_contract"} == {"Ana Lopez"}
    assert services.contracts.list_rows()[0].covered == (maria.name,)


def test_retired_and_not_yet_started_technicians_need_no_contract(services):
    tech(services, "Future", "Hire", start=TODAY + timedelta(days=1))
    assert contract_findings(services) == []
    assert "technician.no_contract" in codes(contract_findings(services, TODAY + timedelta(days=1)))


def test_findings_as_of_a_past_date_ignore_later_signatures_and_evaluations(services):
    ana = tech(services)
    detail = services.contracts.create(draft(services, ana.id, signed_on=date(2026, 3, 1)))
    services.contracts.add_evaluation(EvaluationDraft(detail.row.id, TODAY, "Dr. Park", "satisfactory"))
    in_feb = contract_findings(services, date(2026, 2, 1))
    assert {"contract.unsigned", "technician.no_contract"} <= codes(in_feb)
    assert codes(contract_findings(services, date(2026, 3, 1))) == set()


def test_far_future_unsigned_draft_is_not_chased_yet(services):
    ana = tech(services)
    services.contracts.create(
        draft(
            services,
            ana.id,
            effective_on=TODAY + timedelta(days=61),
            expires_on=None,
            signed_on=None,
            clinic_signatory="",
            party_signatory="",
        )
    )
    assert "contract.unsigned" not in codes(contract_findings(services))
    assert "contract.unsigned" in codes(contract_findings(services, TODAY + timedelta(days=1)))


def test_missing_clauses_on_an_unsigned_draft_are_reported_to_fix_before_signing(services):
    ana = tech(services)
    services.contracts.create(
        draft(
            services,
            ana.id,
            clauses=(),
            procedure_ids=(),
            signed_on=None,
            clinic_signatory="",
            party_signatory="",
        )
    )
    assert {"contract.unsigned", "contract.missing_clauses"} <= codes(contract_findings(services))


# --------------------------------------------------------------------------- the clinic's own clauses


def test_custom_clause_joins_new_checklists_and_can_be_retired(services):
    ana = tech(services)
    with pytest.raises(ValidationError) as info:
        services.contracts.create_clause(ClauseDraft(" ", applies_to="everyone"))
    assert set(info.value.fields) == {"title", "applies_to"}
    with pytest.raises(ValidationError, match="already a clause"):
        services.contracts.create_clause(ClauseDraft("qc DUTIES"))
    parking = services.contracts.create_clause(
        ClauseDraft("Parking and badge access", "Where to park, badge pickup.", "technician", True)
    )
    assert parking.key == "custom_parking_and_badge_access" and not parking.builtin
    assert "Parking and badge access" in [c.title for c in services.contracts.checklist_for("technician")]
    assert "Parking and badge access" not in [c.title for c in services.contracts.checklist_for("agency")]
    detail = services.contracts.create(draft(services, ana.id, clauses=(), procedure_ids=()))
    assert "Parking and badge access" in detail.row.missing_clauses
    services.contracts.set_clause_active(parking.id, False)
    assert "Parking and badge access" not in [c.title for c in services.contracts.checklist_for("technician")]
    again = services.contracts.get(detail.row.id)
    assert "Parking and badge access" not in again.row.missing_clauses  # retired: no longer required
    assert any(c.title == "Parking and badge access" and not c.active for c in again.clauses)  # still shown
    with pytest.raises(ConflictError):
        services.contracts.set_clause_active(parking.id, False)
    assert [e.action for e in events(services.db, "clause_definitions")] == ["create", "retire"]


def test_builtin_clauses_cannot_be_changed_or_retired(services):
    qc = next(c for c in services.contracts.clause_definitions() if c.key == "qc_duties")
    with pytest.raises(ConflictError):
        services.contracts.update_clause(qc.id, ClauseDraft("QC"))
    with pytest.raises(ConflictError):
        services.contracts.set_clause_active(qc.id, False)


def test_custom_clause_can_be_edited(services):
    c = services.contracts.create_clause(ClauseDraft("Parking"))
    changed = services.contracts.update_clause(c.id, ClauseDraft("Parking and badges", "x", "agency", False))
    assert (changed.title, changed.applies_to, changed.required) == ("Parking and badges", "agency", False)
    assert changed.key == c.key  # the key is stable


# --------------------------------------------------------------------------- agencies


def test_agency_with_contacts_is_created_and_audited(services):
    detail = services.agencies.create(
        AgencyDraft(
            " Summit Imaging Staffing ",
            contact_name="Carla Diaz",
            email="carla@summit.example",
            contacts=(ContactDraft("Ben Ode", "Billing", "916-555-0100"), ContactDraft("", "", "", "")),
        )
    )
    assert detail.row.name == "Summit Imaging Staffing"
    assert [(c.name, c.role) for c in detail.contacts] == [("Ben Ode", "Billing")]  # blank row ignored
    assert [e.entity for e in events(services.db)] == ["agencies", "agency_contacts"]


def test_agency_validation_names_the_fields_and_rows(services):
    agency(services)
    with pytest.raises(ValidationError) as info:
        services.agencies.create(
            AgencyDraft(
                "", email="nope", contacts=(ContactDraft("", "Billing"), ContactDraft("Ann", email="a b"))
            )
        )
    assert set(info.value.fields) == {"name", "email", "contacts.0", "contacts.1"}
    with pytest.raises(ValidationError, match="already called"):
        services.agencies.create(AgencyDraft("SUMMIT imaging staffing"))
    assert count(services.db, AgencyContact) == 0


def test_agency_update_syncs_contacts(services):
    detail = services.agencies.create(
        AgencyDraft("Summit", contacts=(ContactDraft("Ann"), ContactDraft("Ben"), ContactDraft("Cy")))
    )
    ann, _ben, cy = detail.contacts
    updated = services.agencies.update(
        detail.row.id,
        AgencyDraft(
            "Summit Staffing",
            contacts=(
                ContactDraft("Cy", id=cy.id),
                ContactDraft("Ann Lee", "Scheduling", id=ann.id),
                ContactDraft("Dee"),
            ),
        ),
    )
    assert [c.name for c in updated.contacts] == ["Cy", "Ann Lee", "Dee"]
    assert count(services.db, AgencyContact) == 3
    actions = [(e.entity, e.action) for e in events(services.db)][4:]
    assert ("agencies", "update") in actions and ("agency_contacts", "delete") in actions
    deleted = next(e for e in events(services.db, "agency_contacts") if e.action == "delete")
    assert json.loads(deleted.changes)["name"] == ["Ben", None]  # the audit trail keeps who was removed


def test_agency_view_lists_the_technicians_it_supplies(services):
    summit = agency(services)
    tech(services, "Maria", "Alvarez", agency_id=summit.id)
    retired = tech(services, "Old", "Timer", agency_id=summit.id)
    with services.db.write() as session:
        from fluorodesk.db.models import Technician

        session.get(Technician, retired.id).retired_on = date(2026, 1, 1)
    tech(services)  # a freelancer: not the agency's
    detail = services.agencies.get(summit.id)
    assert [t.name for t in detail.technicians] == ["Maria Alvarez", "Old Timer"]
    assert detail.row.technicians == ("Maria Alvarez",)  # the active ones
    assert detail.row.contract_status == "No contract"
    services.contracts.create(
        draft(services, summit.id, ContractParty.AGENCY, clauses=all_present(services, ContractParty.AGENCY))
    )
    row = services.agencies.list_rows()[0]
    assert row.contract_in_force and row.contract_status == "In force to 2026-12-31"


def test_agency_deactivation_hides_it_and_can_be_undone(services):
    summit = agency(services)
    services.agencies.deactivate(summit.id)
    assert services.agencies.list_rows() == []
    assert [r.active for r in services.agencies.list_rows(include_inactive=True)] == [False]
    assert services.agencies.choices() == []
    with pytest.raises(ConflictError):
        services.agencies.deactivate(summit.id)
    assert services.agencies.reactivate(summit.id).active
    assert [e.action for e in events(services.db, "agencies")] == ["create", "deactivate", "reactivate"]
    with pytest.raises(NotFoundError):
        services.agencies.get(999)


# --------------------------------------------------------------------------- the demo clinic


def test_demo_shows_every_contract_finding(demo_services):
    found = contract_findings(demo_services)
    assert {
        "technician.no_contract",
        "contract.unsigned",
        "contract.expiring",
        "contract.missing_clauses",
        "contract.insurance_expired",
        "contract.evaluation_overdue",
        "contract.notice_passed",
    } <= codes(found)
    rows = demo_services.contracts.list_rows()
    assert any(r.renews_contract_id for r in rows)  # a renewal with its history
    assert any(not r.current for r in rows)
    agencies = demo_services.agencies.list_rows(include_inactive=True)
    assert any(not a.active for a in agencies)
    assert all(demo_services.agencies.get(a.id).contacts for a in agencies if a.active)
